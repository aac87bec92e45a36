"""The requests that carry out one operation, as values: built here, sent (or printed) by the executor.

Bodies come from the desired view's declared fields, validated into the clients' request models.
Nothing here does I/O, so dry-run and apply share every decision.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from reconciler.clients.dintero import DINTERO_ROUTES
from reconciler.clients.klarna_paths import KLARNA_ROUTES
from reconciler.clients.models import ApiModel, DinteroSignup
from reconciler.clients.requests import AccountPatchRequest, DisableProductRequest, OnboardRequest
from reconciler.plan import Action
from reconciler.redact import redact
from reconciler.resources import MerchantView, ResourceKind, ResourceState
from reconciler.views import ACCOUNT_FIELDS

# Stands for an id that the API assigns when an earlier request of the same run is sent (dry-run).
NEW = "(known after apply)"
_KEY_NAMESPACE = uuid.UUID("6b0f4c1e-3f1a-5b7e-9d2c-8a4e1f0b9c35")


@dataclass(frozen=True)
class WriteRequest:
    """One API write: the client method to call, its arguments, and how it reads on the wire."""

    api: str
    operation: str
    args: tuple[Any, ...]
    body: BaseModel | None = None
    path_ids: Mapping[str, str] = field(default_factory=dict)
    force_new_signup: bool = False

    @property
    def method(self) -> str:
        return KLARNA_ROUTES[self.operation].method if self.api == "klarna" else "POST"

    @property
    def path(self) -> str:
        template = KLARNA_ROUTES[self.operation].path if self.api == "klarna" else DINTERO_ROUTES["connection"]
        path = template.format_map(dict(self.path_ids))
        return path + ("?force_new_signup=true" if self.force_new_signup else "")

    def masked_body(self) -> Any:
        if self.body is None:
            return None
        return redact(self.body.model_dump(mode="json", exclude_unset=True, by_alias=True))


def idempotency_key(digest: str, address: str, action: Action, precondition: str, step: int, plan_id: str) -> str:
    """Derived from the plan and the operation, so every retry and re-run of a plan's write sends the same key.

    ``plan_id`` differs between plans: a new plan reads the live state first and may need the very
    same write again (a stakeholder deleted since the last apply must be created anew, not answered
    with the stored response of the first create).
    """
    return str(uuid.uuid5(_KEY_NAMESPACE, f"{digest}|{address}|{action.value}|{precondition}|{step}|{plan_id}"))


@dataclass(frozen=True)
class Ids:
    """The live ids a merchant's writes need (``NEW`` where the account is yet to be created)."""

    account_id: str
    product_id: str | None


def _body(fields: Mapping[str, Any], model: type[BaseModel] = ApiModel) -> BaseModel:
    return model.model_validate(dict(fields))


def _klarna(operation: str, body: BaseModel | None = None, **ids: str) -> WriteRequest:
    call_args = (*ids.values(), *((body,) if body is not None else ()))
    return WriteRequest("klarna", operation, call_args, body, ids)


def onboard_request(
    desired: MerchantView, include: set[ResourceKind] | None = None, only: str | None = None
) -> BaseModel:
    """The onboard body: the account and, for a new account, the sub-resources onboard can carry.

    ``include`` limits which sub-resource kinds go in; ``only`` limits them to one address
    (incremental onboard of a single new website, collection or product).
    """
    account = desired.resources[f"{desired.reference}/{ResourceKind.ACCOUNT.value}"]
    body: dict[str, Any] = {
        "account_reference": desired.reference,
        **{k: v for k, v in account.fields.items() if k in ACCOUNT_FIELDS},
    }
    kinds = (
        include
        if include is not None
        else {ResourceKind.PAYMENT_PRODUCT, ResourceKind.WEBSITE, ResourceKind.COLLECTION}
    )
    for address, state in desired.resources.items():
        if state.kind not in kinds or (only is not None and address != only):
            continue
        if state.kind is ResourceKind.PAYMENT_PRODUCT:
            body.setdefault("products", []).append({"type": "PAYMENT", **state.fields})
        elif state.kind is ResourceKind.WEBSITE:
            body.setdefault("websites", []).append(dict(state.fields))
        elif state.kind is ResourceKind.COLLECTION:
            body.setdefault("collections", []).append(dict(state.fields))
    return OnboardRequest.model_validate(body)


def build_writes(
    desired_view: MerchantView,
    action: Action,
    want: ResourceState | None,
    have: ResourceState | None,
    ids: Ids,
) -> list[WriteRequest]:
    """The requests that move one resource from ``have`` to ``want`` by ``action``."""
    kind = (want or have).kind  # type: ignore[union-attr]
    acct = ids.account_id
    if kind is ResourceKind.ACCOUNT:
        if action is Action.CREATE:
            return [_klarna("onboard", body=onboard_request(desired_view))]
        return [_klarna("patch_account", body=_body(want.fields, AccountPatchRequest), account_id=acct)]  # type: ignore[union-attr]
    if kind is ResourceKind.CONNECTION:
        assert want is not None
        aid = str(want.extra.get("aid"))
        body = DinteroSignup.model_validate(want.fields.get("signup", {}))  # the client wraps it in {"signup": ...}
        force = have is not None and have.status == "pending"
        return [
            WriteRequest(
                "dintero",
                "signup",
                (aid, want.key, body),
                body,
                {"aid": aid, "connection": str(want.key)},
                force_new_signup=force,
            )
        ]
    if kind is ResourceKind.CREDENTIAL:
        if action is Action.DELETE:
            return [_klarna("delete_credential", credential_id=str(have.remote_id))]  # type: ignore[union-attr]
        return [_klarna("create_credential", body=_body(want.fields))]  # type: ignore[union-attr]
    if action is Action.DELETE:
        assert have is not None
        remote = str(have.remote_id)
        if kind is ResourceKind.STAKEHOLDER:
            return [_klarna("delete_stakeholder", account_id=acct, stakeholder_id=remote)]
        if kind is ResourceKind.BANK_ACCOUNT:
            return [_klarna("delete_bank_account", account_id=acct, bank_account_id=remote)]
        product = str(have.extra.get("product_id") or ids.product_id)
        return [_klarna("delete_enablement", account_id=acct, product_id=product, enablement_id=remote)]
    assert want is not None
    return _upsert(desired_view, action, want, have, ids)


def _upsert(
    desired_view: MerchantView, action: Action, want: ResourceState, have: ResourceState | None, ids: Ids
) -> list[WriteRequest]:
    kind, acct, fields = want.kind, ids.account_id, want.fields
    address = want.address(desired_view.reference)
    creating = have is None
    if kind is ResourceKind.PAYMENT_PRODUCT:
        writes = []
        if creating:
            writes.append(_klarna("onboard", body=onboard_request(desired_view, only=address)))
        product = ids.product_id or NEW
        if not creating and have is not None and any(have.fields.get(k) != v for k, v in fields.items()):
            writes.append(_klarna("patch_product", body=_body(fields), account_id=acct, product_id=product))
        current_status = "ENABLED" if creating else (have.status if have else None)
        if want.status == "DISABLED" and current_status != "DISABLED":
            reason = want.extra.get("disabled_reason") or {"reason": "OTHER"}
            writes.append(
                _klarna(
                    "disable_product", body=_body(reason, DisableProductRequest), account_id=acct, product_id=product
                )
            )
        elif want.status == "ENABLED" and current_status == "DISABLED":
            writes.append(_klarna("enable_product", account_id=acct, product_id=product))
        return writes
    if kind in (ResourceKind.WEBSITE, ResourceKind.COLLECTION):
        if creating:
            return [_klarna("onboard", body=onboard_request(desired_view, only=address))]
        assert have is not None
        if kind is ResourceKind.WEBSITE:
            return [_klarna("patch_website", body=_body(fields), account_id=acct, website_id=str(have.remote_id))]
        return [_klarna("patch_collection", body=_body(fields), account_id=acct, collection_id=str(have.remote_id))]
    if kind is ResourceKind.ACCOUNT_INFORMATION:
        return [_klarna("put_account_information", body=_body(fields), account_id=acct)]
    if kind is ResourceKind.BUSINESS_INFORMATION:
        return [_klarna("patch_business_information", body=_body(fields), account_id=acct)]
    if kind is ResourceKind.SETTLEMENT:
        return [_klarna("patch_settlement", body=_body(fields), account_id=acct)]
    if kind is ResourceKind.STAKEHOLDER:
        if creating:
            return [_klarna("create_stakeholder", body=_body(fields), account_id=acct)]
        return [_klarna("patch_stakeholder", body=_body(fields), account_id=acct, stakeholder_id=str(have.remote_id))]  # type: ignore[union-attr]
    if kind is ResourceKind.BANK_ACCOUNT:
        if creating:
            # The model's default type is not "declared", but the API requires it on create.
            body = _body({"bank_account_type": "IBAN", **fields})
            return [_klarna("create_bank_account", body=body, account_id=acct)]
        return [_klarna("patch_bank_account", body=_body(fields), account_id=acct, bank_account_id=str(have.remote_id))]  # type: ignore[union-attr]
    if kind is ResourceKind.ENABLEMENT:
        product = ids.product_id or NEW
        if creating:
            return [_klarna("create_enablement", body=_body(fields), account_id=acct, product_id=product)]
        assert have is not None
        patch = _body({"effective_to": fields.get("effective_to")})
        return [
            _klarna(
                "patch_enablement",
                body=patch,
                account_id=acct,
                product_id=str(have.extra.get("product_id") or product),
                enablement_id=str(have.remote_id),
            )
        ]
    raise AssertionError(f"no write for {kind}")
