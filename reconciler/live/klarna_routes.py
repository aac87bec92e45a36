"""The Klarna Management API's wire contract in one place: paths, the idempotency header and ``expand``.

DESIGN.md §4 lists these paths; keep them here so they can be corrected against Klarna's published
spec without touching the client.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

API = "klarna"
IDEMPOTENCY_HEADER = "Klarna-Idempotency-Key"
MAX_EXPAND = 10

# Every sub-resource an account read can carry inline; the reconciler reads them all at once.
EXPAND_ALL: tuple[str, ...] = (
    "products",
    "websites",
    "collections",
    "account_information",
    "business_information",
    "stakeholders",
    "settlement_information",
    "bank_accounts",
    "payment_program_enablements",
)


@dataclass(frozen=True)
class Route:
    method: str
    path: str


_ACCOUNT = "/v1/accounts/{account_id}"
_PRODUCT = _ACCOUNT + "/products/payment/{product_id}"
_BANK_ACCOUNTS = _ACCOUNT + "/settlement-information/bank-accounts"
_ENABLEMENTS = _PRODUCT + "/payment-program-enablements"
# Klarna's Notifications API (third-party clients use /v2; see the README's sandbox section).
_SIGNING_KEYS = "/v1/notification/signing-keys"
_WEBHOOKS = "/v1/notification/webhooks"

KLARNA_ROUTES: dict[str, Route] = {
    "list_credentials": Route("GET", "/v1/account/credentials"),
    "create_credential": Route("POST", "/v1/account/credentials"),
    "delete_credential": Route("DELETE", "/v1/account/credentials/{credential_id}"),
    "list_signing_keys": Route("GET", _SIGNING_KEYS),
    "create_signing_key": Route("POST", _SIGNING_KEYS),
    "get_signing_key": Route("GET", _SIGNING_KEYS + "/{signing_key_id}"),
    "delete_signing_key": Route("DELETE", _SIGNING_KEYS + "/{signing_key_id}"),
    "list_webhooks": Route("GET", _WEBHOOKS),
    "create_webhook": Route("POST", _WEBHOOKS),
    "get_webhook": Route("GET", _WEBHOOKS + "/{webhook_id}"),
    "patch_webhook": Route("PATCH", _WEBHOOKS + "/{webhook_id}"),
    "delete_webhook": Route("DELETE", _WEBHOOKS + "/{webhook_id}"),
    "list_distribution_profiles": Route("GET", "/v1/distribution/profiles"),
    "onboard": Route("POST", "/v1/distribution/onboard"),
    "resolve_account": Route("GET", "/v1/accounts"),
    "list_accounts": Route("GET", "/v1/accounts"),
    "get_account": Route("GET", _ACCOUNT),
    "patch_account": Route("PATCH", _ACCOUNT),
    "list_products": Route("GET", _ACCOUNT + "/products/payment"),
    "patch_product": Route("PATCH", _PRODUCT),
    "disable_product": Route("POST", _PRODUCT + "/disable"),
    "enable_product": Route("POST", _PRODUCT + "/enable"),
    "list_websites": Route("GET", _ACCOUNT + "/channels/websites"),
    "patch_website": Route("PATCH", _ACCOUNT + "/channels/websites/{website_id}"),
    "list_collections": Route("GET", _ACCOUNT + "/channels/collections"),
    "patch_collection": Route("PATCH", _ACCOUNT + "/channels/collections/{collection_id}"),
    "get_account_information": Route("GET", _ACCOUNT + "/account-information"),
    "put_account_information": Route("PUT", _ACCOUNT + "/account-information"),
    "get_business_information": Route("GET", _ACCOUNT + "/business-information"),
    "patch_business_information": Route("PATCH", _ACCOUNT + "/business-information"),
    "list_stakeholders": Route("GET", _ACCOUNT + "/stakeholders"),
    "create_stakeholder": Route("POST", _ACCOUNT + "/stakeholders"),
    "get_stakeholder": Route("GET", _ACCOUNT + "/stakeholders/{stakeholder_id}"),
    "patch_stakeholder": Route("PATCH", _ACCOUNT + "/stakeholders/{stakeholder_id}"),
    "delete_stakeholder": Route("DELETE", _ACCOUNT + "/stakeholders/{stakeholder_id}"),
    "get_settlement": Route("GET", _ACCOUNT + "/settlement-information"),
    "patch_settlement": Route("PATCH", _ACCOUNT + "/settlement-information"),
    "list_bank_accounts": Route("GET", _BANK_ACCOUNTS),
    "create_bank_account": Route("POST", _BANK_ACCOUNTS),
    "patch_bank_account": Route("PATCH", _BANK_ACCOUNTS + "/{bank_account_id}"),
    "delete_bank_account": Route("DELETE", _BANK_ACCOUNTS + "/{bank_account_id}"),
    "list_payment_program_plans": Route("GET", "/v1/distribution/payment-program-plans"),
    "list_plan_payment_programs": Route("GET", "/v1/distribution/payment-program-plans/{plan_id}/payment-programs"),
    "get_payment_program": Route("GET", "/v1/distribution/payment-programs/{program_id}"),
    "list_product_payment_programs": Route("GET", _PRODUCT + "/payment-programs"),
    "list_enablements": Route("GET", _ENABLEMENTS),
    "create_enablement": Route("POST", _ENABLEMENTS),
    "patch_enablement": Route("PATCH", _ENABLEMENTS + "/{enablement_id}"),
    "delete_enablement": Route("DELETE", _ENABLEMENTS + "/{enablement_id}"),
}


def expand_param(expand: Sequence[str]) -> str:
    if len(expand) > MAX_EXPAND:
        raise ValueError(f"Klarna expands at most {MAX_EXPAND} sub-resources per read, not {len(expand)}")
    return ",".join(expand)
