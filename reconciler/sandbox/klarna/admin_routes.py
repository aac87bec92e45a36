"""Klarna's admin routes under ``/_sandbox`` (no auth; never part of the API): Klarna's own actions.

- ``POST /_sandbox/advance`` finishes pending setups now (accounts become OPERATIONAL);
- ``POST /_sandbox/klarna/accounts/{account_id}/disable`` and ``/enable``: Klarna disables an account (with a
  compliance decision) or enables it again;
- ``POST /_sandbox/klarna/accounts/{account_id}/products/payment/{product_id}/disable``, ``/reactivate`` and
  ``/terminate``: Klarna's own product state changes (see ``klarna.lifecycle``);
- ``GET /_sandbox/klarna/deliveries``: every webhook delivery and its attempts;
- ``POST``/``GET /_sandbox/klarna/legacy-merchants``: legacy Klarna merchants, known only by ``merchant_id``
  (``klarna.legacy``), which an onboard naming the merchant id adopts into the Management API.

Klarna's actions answer in Klarna's envelope (404 for an unknown account or product, 409 for a move Klarna's
lifecycle does not have), are logged with ``actor`` ``provider``, and notify the subscribed webhooks.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse

from reconciler.sandbox.klarna import lifecycle
from reconciler.sandbox.klarna.accounts import (
    OPERATIONAL,
    PARTIALLY_OPERATIONAL,
    advanced_accounts,
    render_account,
    sandbox_of,
)
from reconciler.sandbox.klarna.event_types import ACCOUNT_OPERATIONAL
from reconciler.sandbox.klarna.legacy import LEGACY_KIND, LegacyMerchantCreate, legacy_document
from reconciler.sandbox.klarna.models import KlarnaAccountDisable, KlarnaProductDisable, KlarnaProductTerminate
from reconciler.sandbox.klarna.notifications import Event, emit
from reconciler.sandbox.platform.deliveries import Delivery
from reconciler.sandbox.platform.problems import klarna_conflict
from reconciler.sandbox.platform.settings import ADMIN_PREFIX, KLARNA_PREFIX

router = APIRouter(prefix=ADMIN_PREFIX, tags=["sandbox"])

_ACCOUNT = KLARNA_PREFIX + "/accounts/{account_id}"
_PRODUCT = _ACCOUNT + "/products/payment/{product_id}"


@router.post("/advance", summary="Finish pending lifecycles now (accounts become OPERATIONAL)")
async def advance(request: Request) -> dict[str, int]:
    state = sandbox_of(request)
    changed = advanced_accounts(state.store, state.now())
    emit(state, [Event(ACCOUNT_OPERATIONAL, doc, OPERATIONAL, PARTIALLY_OPERATIONAL) for doc in changed])
    return {"advanced": len(changed)}


@router.post(_ACCOUNT + "/disable", summary="Klarna disables an account (compliance decision)")
async def disable_account(
    request: Request, account_id: str, body: Annotated[KlarnaAccountDisable | None, Body()] = None
) -> JSONResponse:
    state = sandbox_of(request)
    reason = (body or KlarnaAccountDisable()).reason
    doc, events = lifecycle.disable_account(state.store, account_id, reason, state.now())
    emit(state, events)
    return JSONResponse(render_account(doc, state.now(), ("products",)))


@router.post(_ACCOUNT + "/enable", summary="Klarna enables a disabled account again")
async def enable_account(request: Request, account_id: str) -> JSONResponse:
    state = sandbox_of(request)
    doc, events = lifecycle.enable_account(state.store, account_id, state.now())
    emit(state, events)
    return JSONResponse(render_account(doc, state.now(), ("products",)))


def _change_product(
    request: Request, account_id: str, product_id: str, action: str, reason: str, details: str | None
) -> JSONResponse:
    state = sandbox_of(request)
    now = state.now()
    product, events = lifecycle.change_product(state.store, account_id, product_id, now, action, reason, details)
    emit(state, events)
    return JSONResponse(product)


@router.post(_PRODUCT + "/disable", summary="Klarna disables a payment product (a Klarna-held state)")
async def disable_product(
    request: Request, account_id: str, product_id: str, body: KlarnaProductDisable
) -> JSONResponse:
    return _change_product(request, account_id, product_id, "disable", body.reason, body.reason_details)


@router.post(_PRODUCT + "/reactivate", summary="Klarna re-activates a product it disabled or terminated")
async def reactivate_product(request: Request, account_id: str, product_id: str) -> JSONResponse:
    return _change_product(request, account_id, product_id, "reactivate", "", None)


@router.post(_PRODUCT + "/terminate", summary="Klarna terminates a payment product")
async def terminate_product(
    request: Request,
    account_id: str,
    product_id: str,
    body: Annotated[KlarnaProductTerminate | None, Body()] = None,
) -> JSONResponse:
    change = body or KlarnaProductTerminate()
    return _change_product(request, account_id, product_id, "terminate", change.reason, change.reason_details)


@router.get(
    KLARNA_PREFIX + "/deliveries",
    summary="Webhook deliveries and their attempts",
    description="Oldest first; each with its event, headers, state (pending, delivered, failed) and attempts.",
)
async def list_deliveries(
    request: Request,
    webhook_id: Annotated[str | None, Query(max_length=200)] = None,
    event_type: Annotated[str | None, Query(max_length=100)] = None,
    state: Literal["pending", "delivered", "failed"] | None = None,
) -> dict[str, Any]:
    def keep(delivery: Delivery) -> bool:
        meta = delivery.meta
        return (
            (webhook_id is None or meta.get("webhook_id") == webhook_id)
            and (event_type is None or meta.get("event_type") == event_type)
            and (state is None or delivery.state == state)
        )

    return {"deliveries": sandbox_of(request).deliveries.snapshot(keep)}


@router.post(
    KLARNA_PREFIX + "/legacy-merchants",
    summary="Create a legacy Klarna merchant, known only by its merchant_id",
    status_code=201,
)
async def create_legacy_merchant(request: Request, body: LegacyMerchantCreate) -> JSONResponse:
    state = sandbox_of(request)
    with state.store.transaction():
        if state.store.get(LEGACY_KIND, body.merchant_id) is not None:
            raise klarna_conflict(f"A merchant with merchant_id {body.merchant_id} exists")
        doc = legacy_document(
            body.merchant_id, body.account_name, body.merchant_category_code, body.distribution_profile_id
        )
        state.store.put(LEGACY_KIND, body.merchant_id, doc)
    return JSONResponse(doc, status_code=201)


@router.get(KLARNA_PREFIX + "/legacy-merchants", summary="Every legacy Klarna merchant, adopted or not")
async def list_legacy_merchants(request: Request) -> dict[str, Any]:
    return {"legacy_merchants": sandbox_of(request).store.list(LEGACY_KIND)}
