"""Legacy Klarna merchants: known only by their Klarna ``merchant_id``, not yet in the Management API.

A partner's older merchants were onboarded before the Management API and exist at Klarna only as a merchant
id (``K123456``). They are not accounts: ``GET /v1/accounts`` does not list them and no reference resolves to
one. The reference's "Onboard an existing merchant to Management API" brings one in: ``POST
/v1/distribution/onboard`` whose product carries ``merchant_id``. That request "overwrites all existing data
with the new data provided", so the sandbox keeps nothing of the legacy record but the merchant id and, where
the request leaves them out, the product's distribution profile and MCC:

- an unknown ``merchant_id`` is 400 naming ``products.0.merchant_id``;
- a merchant already adopted under another ``account_reference`` is 409;
- the first adoption creates the account (``PARTIALLY_OPERATIONAL`` / ``INITIAL_SETUP``, like any onboard)
  with exactly the request's account fields, product, websites and collections;
- an onboard with the same ``merchant_id`` and reference again overwrites the account's fields, product
  (keeping its id and state), websites and collections with the request's: what it leaves out is gone.

Legacy merchants are stored as kind ``klarna.legacy_merchant`` (id = ``merchant_id``) and made by the seed
route's ``legacy`` count or ``POST /_sandbox/klarna/legacy-merchants``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from reconciler.sandbox.klarna.accounts import (
    DISABLED,
    EXPAND_NAMES,
    KIND,
    PRODUCT_PREFIX,
    account_state,
    klarna_forbidden,
    new_account_document,
    new_account_id,
    new_krn,
)
from reconciler.sandbox.klarna.catalogue import DEFAULT_DISTRIBUTION_PROFILE_ID
from reconciler.sandbox.klarna.models import OnboardRequest
from reconciler.sandbox.platform.problems import klarna_conflict, klarna_validation
from reconciler.sandbox.platform.store import Store

LEGACY_KIND = "klarna.legacy_merchant"
# What an onboard body does not carry, so an overwrite keeps it (each has its own route): every
# sub-resource an account read can expand but the channels, which the onboard body holds.
_NOT_ONBOARDED = frozenset(EXPAND_NAMES) - {"websites", "collections"}
_TRADES = (("Legacy Bakery", "5462"), ("Legacy Books", "5942"), ("Legacy Grocer", "5411"))


class LegacyMerchantCreate(BaseModel):
    """The admin route's body: a legacy merchant as Klarna knows it."""

    model_config = ConfigDict(extra="forbid")

    merchant_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")
    account_name: str = Field(min_length=1, max_length=255)
    merchant_category_code: str = Field("5411", pattern=r"^[0-9]{4}$")
    distribution_profile_id: str = DEFAULT_DISTRIBUTION_PROFILE_ID


def legacy_merchant_id(index: int) -> str:
    return f"K{index:06d}"


def legacy_document(
    merchant_id: str,
    account_name: str,
    merchant_category_code: str,
    distribution_profile_id: str = DEFAULT_DISTRIBUTION_PROFILE_ID,
) -> dict[str, Any]:
    return {
        "merchant_id": merchant_id,
        "account_name": account_name,
        "merchant_category_code": merchant_category_code,
        "distribution_profile_id": distribution_profile_id,
        "adopted_by": None,  # the account_id of the account it was onboarded into, once it is
    }


def generate_legacy_merchants(n: int, start: int = 0) -> Iterator[tuple[str, str | None, dict[str, Any]]]:
    """Rows (id, ref, document) of ``n`` legacy merchants ``K`` + 6-digit index, from ``start``."""
    for index in range(start, start + n):
        name, mcc = _TRADES[index % len(_TRADES)]
        merchant_id = legacy_merchant_id(index)
        yield merchant_id, None, legacy_document(merchant_id, f"{name} {index}", mcc)


def legacy_merchant_of(payload: OnboardRequest) -> str | None:
    """The ``merchant_id`` an onboard names, if it onboards an existing merchant."""
    for product in payload.products:
        if product.merchant_id:
            return product.merchant_id
    return None


def _bad(parameter: str, message: str) -> Exception:
    return klarna_validation("The request body is invalid", [{"parameter": parameter, "error_message": message}])


def adopt(
    store: Store, payload: OnboardRequest, merchant_id: str, *, now: float, delay: float
) -> tuple[dict[str, Any], bool]:
    """Onboard the legacy merchant ``merchant_id`` as ``payload.account_reference``, overwriting what it had.

    Returns the account (its websites and collections for the caller to set from the request, then save) and
    whether this call created it. Runs inside the caller's transaction.
    """
    legacy = store.get(LEGACY_KIND, merchant_id)
    if legacy is None:
        raise _bad("products.0.merchant_id", f"no Klarna merchant has merchant_id {merchant_id}")
    doc = store.get_by_ref(KIND, payload.account_reference)
    adopted_by = legacy.get("adopted_by")
    if adopted_by is not None and (doc is None or doc["account_id"] != adopted_by):
        raise klarna_conflict(f"The merchant {merchant_id} is already onboarded to the Management API")
    if doc is not None and adopted_by is None:
        raise klarna_conflict(
            f"The account {payload.account_reference} exists; an existing merchant is onboarded under a new reference"
        )
    if doc is not None and account_state(doc, now)[0] == DISABLED:
        raise klarna_forbidden("The account is DISABLED by Klarna: it cannot be managed or get new products")
    created = doc is None
    fields = payload.model_dump(include={"account_name", "account_owner", "account_group_reference"}, exclude_none=True)
    if doc is None:
        account_id = new_account_id()
        while store.get(KIND, account_id) is not None:
            account_id = new_account_id()
        doc = new_account_document(
            account_id, payload.account_reference, fields, created_at=now, operational_at=now + delay
        )
    else:
        # The overwrite: the account's own fields are the request's; what onboard does not carry stays.
        kept = {k: v for k, v in doc.items() if k.startswith("_") or k in _NOT_ONBOARDED}
        doc = {
            **new_account_document(
                doc["account_id"], payload.account_reference, fields, created_at=0, operational_at=0
            ),
            **kept,
        }
    previous = doc["products"][0] if doc["products"] else None
    product = payload.products[0]
    doc["products"] = [
        {
            "product_id": previous["product_id"] if previous else new_krn(PRODUCT_PREFIX),
            "type": "PAYMENT",
            "distribution_profile_id": product.distribution_profile_id or legacy["distribution_profile_id"],
            "merchant_category_code": product.merchant_category_code or legacy["merchant_category_code"],
            "merchant_id": merchant_id,
            "state": previous["state"] if previous else "ENABLED",
            "state_reason": previous["state_reason"] if previous else "APPROVED",
        }
    ]
    store.put(LEGACY_KIND, merchant_id, {**legacy, "adopted_by": doc["account_id"]})
    return doc, created
