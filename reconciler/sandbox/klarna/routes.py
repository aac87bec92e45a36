"""The sandbox's Klarna Management API: onboarding, accounts, payment products, channels and deep links.

Mounted under ``/klarna``. Every route needs ``Authorization: Basic <api key>`` (401 ``UNAUTHORIZED``).
This router also includes the other Klarna route modules (merchant data, payment programs, partner routes).

Account reads:

- ``GET /v1/accounts/{account_id}?expand=…`` returns the account with the expanded sub-resources inline;
- ``GET /v1/accounts?account_reference=…&expand=…`` resolves a reference: ``{"accounts": [account]}``,
  404 ``RESOURCE_NOT_FOUND`` when no account has it;
- ``GET /v1/accounts?limit=…&starting_after=…&expand=…`` lists accounts in creation order:
  ``{"accounts": [...], "pagination": {"next": <account_id to pass as starting_after> | null}}``;
  ``limit`` defaults to 100 and is at most 1000; an unknown ``starting_after`` is a 400.

Lifecycle (see ``klarna.accounts`` and ``klarna.lifecycle``):

- onboard answers a new account ``PARTIALLY_OPERATIONAL`` / ``INITIAL_SETUP``, always; it becomes OPERATIONAL
  after the sandbox's operational delay;
- an account PATCH sends the account back to ``PARTIALLY_OPERATIONAL`` / ``ACCOUNT_UPDATE`` for the operational
  delay; its answer is the account as it is at that moment (already OPERATIONAL with a delay of 0);
- management writes on an account that is not OPERATIONAL yet are refused with 409 ``RESOURCE_CONFLICT``, and on
  an account Klarna has DISABLED with 403 ``OPERATION_FORBIDDEN``;
- the partner's enable or disable of a product Klarna holds (disabled by Klarna, or TERMINATED), and any update
  of a TERMINATED product, are 403 ``OPERATION_FORBIDDEN``.

Product state changes (disable / enable) are limited to one per account per second (429 ``RATE_LIMITED`` with
``Retry-After``); a disable or enable that changes nothing answers 200 and does not count. Each state change, and
each account becoming OPERATIONAL, is notified to the webhooks that subscribe to it (``klarna.notifications``).
"""

from __future__ import annotations

import math
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from reconciler.sandbox.klarna import merchant_routes, notification_routes, partner_routes, program_routes
from reconciler.sandbox.klarna.accounts import (
    DEEP_LINK_PREFIX,
    KIND,
    account_for_update,
    find_item,
    group_id_for,
    load_account,
    onboard_response,
    parse_expand,
    rate_limited,
    render_account,
    require_operational,
    restart_setup,
    sandbox_of,
    timestamp_at,
)
from reconciler.sandbox.klarna.catalogue import DISTRIBUTION_PROFILE_IDS
from reconciler.sandbox.klarna.event_types import PRODUCT_DISABLED, PRODUCT_ENABLED
from reconciler.sandbox.klarna.lifecycle import require_not_terminated, require_partner_may_change
from reconciler.sandbox.klarna.models import (
    AccountPatch,
    CollectionPatch,
    DeepLinkCreate,
    OnboardRequest,
    ProductDisable,
    ProductPatch,
    WebsitePatch,
)
from reconciler.sandbox.klarna.notifications import Event, emit, schedule_operational
from reconciler.sandbox.klarna.onboard import link_collection, onboard
from reconciler.sandbox.platform.auth import require_klarna_key
from reconciler.sandbox.platform.problems import klarna_conflict, klarna_not_found, klarna_validation

router = APIRouter(dependencies=[Depends(require_klarna_key)])

ExpandQuery = Annotated[
    str | None,
    Query(description="Comma-separated sub-resources to include (at most 10)", max_length=1000),
]
PRODUCT_STATE_INTERVAL = 1.0
DEEP_LINK_TTL_SECONDS = 60


def _bad(parameter: str, message: str) -> Exception:
    return klarna_validation("The request is invalid", [{"parameter": parameter, "error_message": message}])


@router.post("/v1/distribution/onboard", tags=["klarna: onboarding"], status_code=201)
async def onboard_account(request: Request, body: OnboardRequest) -> JSONResponse:
    sandbox = sandbox_of(request)
    now = sandbox.now()
    doc, created = onboard(sandbox.store, body, now=now, delay=sandbox.settings.operational_delay_seconds)
    if created:
        schedule_operational(sandbox, doc)
    return JSONResponse(onboard_response(doc, now, created=created), status_code=201)


@router.get("/v1/accounts", tags=["klarna: accounts"])
async def list_accounts(
    request: Request,
    account_reference: Annotated[str | None, Query(max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    starting_after: Annotated[str | None, Query(max_length=128)] = None,
    expand: ExpandQuery = None,
) -> JSONResponse:
    names = parse_expand(expand)
    sandbox = sandbox_of(request)
    now = sandbox.now()
    if account_reference is not None:
        doc = sandbox.store.get_by_ref(KIND, account_reference)
        if doc is None:
            raise klarna_not_found("Account")
        return JSONResponse({"accounts": [render_account(doc, now, names)]})
    if starting_after is not None and sandbox.store.get(KIND, starting_after) is None:
        raise _bad("starting_after", "no account has this id")
    docs = sandbox.store.list(KIND, after_id=starting_after, limit=limit + 1)
    more = len(docs) > limit
    docs = docs[:limit]
    next_cursor = docs[-1]["account_id"] if more else None
    return JSONResponse(
        {"accounts": [render_account(d, now, names) for d in docs], "pagination": {"next": next_cursor}}
    )


@router.get("/v1/accounts/{account_id}", tags=["klarna: accounts"])
async def get_account(request: Request, account_id: str, expand: ExpandQuery = None) -> JSONResponse:
    names = parse_expand(expand)
    sandbox = sandbox_of(request)
    return JSONResponse(render_account(load_account(sandbox.store, account_id), sandbox.now(), names))


@router.patch("/v1/accounts/{account_id}", tags=["klarna: accounts"])
async def patch_account(request: Request, account_id: str, body: AccountPatch) -> JSONResponse:
    fields = body.patch_fields()
    sandbox = sandbox_of(request)
    now = sandbox.now()
    with account_for_update(request, account_id) as doc:
        if fields.pop("account_reference", doc["account_reference"]) != doc["account_reference"]:
            raise _bad("account_reference", "account_reference cannot be changed")
        doc.update(fields)
        if "account_group_reference" in fields:
            doc["account_group_id"] = group_id_for(fields["account_group_reference"])
        restart_setup(doc, now, sandbox.settings.operational_delay_seconds)
    schedule_operational(sandbox, doc)
    return JSONResponse(render_account(doc, now))


@router.get("/v1/accounts/{account_id}/products/payment", tags=["klarna: payment products"])
async def list_products(request: Request, account_id: str) -> JSONResponse:
    return JSONResponse(load_account(sandbox_of(request).store, account_id)["products"])


@router.patch("/v1/accounts/{account_id}/products/payment/{product_id}", tags=["klarna: payment products"])
async def patch_product(request: Request, account_id: str, product_id: str, body: ProductPatch) -> JSONResponse:
    fields = body.patch_fields()
    profile = fields.get("distribution_profile_id")
    if profile is not None and profile not in DISTRIBUTION_PROFILE_IDS:
        raise _bad("distribution_profile_id", "unknown distribution profile")
    with account_for_update(request, account_id) as doc:
        product = find_item(doc["products"], "product_id", product_id, "Payment product")
        require_not_terminated(product)
        product.update(fields)
    return JSONResponse(product)


def _change_product_state(request: Request, account_id: str, product_id: str, target: dict[str, Any]) -> JSONResponse:
    sandbox = sandbox_of(request)
    now = sandbox.now()
    with account_for_update(request, account_id) as doc:
        product = find_item(doc["products"], "product_id", product_id, "Payment product")
        require_partner_may_change(product)
        current = {k: product.get(k) for k in ("state", "state_reason", "state_context")}
        wanted = {"state_context": None, **target}
        if current == wanted:
            return JSONResponse(product)
        previous = product["state"]
        last = doc.get("_product_state_changed_at")
        if last is not None and now - last < PRODUCT_STATE_INTERVAL:
            wait = max(1, math.ceil(PRODUCT_STATE_INTERVAL - (now - last)))
            raise rate_limited(wait, "At most one product state change per account per second")
        product.update(target)
        if "state_context" not in target:
            product.pop("state_context", None)
        doc["_product_state_changed_at"] = now
    if previous != product["state"]:
        event_type = PRODUCT_ENABLED if product["state"] == "ENABLED" else PRODUCT_DISABLED
        emit(sandbox, [Event(event_type, doc, product["state"], previous, product_id)])
    return JSONResponse(product)


@router.post("/v1/accounts/{account_id}/products/payment/{product_id}/disable", tags=["klarna: payment products"])
async def disable_product(request: Request, account_id: str, product_id: str, body: ProductDisable) -> JSONResponse:
    target: dict[str, Any] = {"state": "DISABLED", "state_reason": f"{body.reason}_BY_PARTNER"}
    if body.reason_details is not None:
        target["state_context"] = {"reason_details": body.reason_details}
    return _change_product_state(request, account_id, product_id, target)


@router.post("/v1/accounts/{account_id}/products/payment/{product_id}/enable", tags=["klarna: payment products"])
async def enable_product(request: Request, account_id: str, product_id: str) -> JSONResponse:
    return _change_product_state(request, account_id, product_id, {"state": "ENABLED", "state_reason": "APPROVED"})


@router.get("/v1/accounts/{account_id}/channels/websites", tags=["klarna: channels"])
async def list_websites(request: Request, account_id: str) -> JSONResponse:
    return JSONResponse(load_account(sandbox_of(request).store, account_id)["websites"])


@router.patch("/v1/accounts/{account_id}/channels/websites/{website_id}", tags=["klarna: channels"])
async def patch_website(request: Request, account_id: str, website_id: str, body: WebsitePatch) -> JSONResponse:
    fields = body.patch_fields()
    with account_for_update(request, account_id) as doc:
        website = find_item(doc["websites"], "website_id", website_id, "Website")
        ref = fields.get("website_reference")
        if ref is not None and any(w["website_reference"] == ref for w in doc["websites"] if w is not website):
            raise klarna_conflict("Another website of the account has this website_reference")
        collection_id = fields.pop("channel_collection_id", None)
        if collection_id is not None and "channel_collection_reference" not in fields:
            match = [c for c in doc["collections"] if c["collection_id"] == collection_id]
            if not match:
                raise _bad("channel_collection_id", "no collection has this id")
            fields["channel_collection_reference"] = match[0]["collection_reference"]
        collection_ref = fields.get("channel_collection_reference")
        if collection_ref is not None and all(c["collection_reference"] != collection_ref for c in doc["collections"]):
            raise _bad("channel_collection_reference", "no collection has this reference")
        website.update(fields)
        link_collection(website, doc["collections"])
    return JSONResponse(website)


@router.get("/v1/accounts/{account_id}/channels/collections", tags=["klarna: channels"])
async def list_collections(request: Request, account_id: str) -> JSONResponse:
    return JSONResponse(load_account(sandbox_of(request).store, account_id)["collections"])


@router.patch("/v1/accounts/{account_id}/channels/collections/{collection_id}", tags=["klarna: channels"])
async def patch_collection(
    request: Request, account_id: str, collection_id: str, body: CollectionPatch
) -> JSONResponse:
    fields = body.patch_fields()
    with account_for_update(request, account_id) as doc:
        collection = find_item(doc["collections"], "collection_id", collection_id, "Collection")
        ref = fields.get("collection_reference")
        if ref is not None and any(c["collection_reference"] == ref for c in doc["collections"] if c is not collection):
            raise klarna_conflict("Another collection of the account has this collection_reference")
        collection.update(fields)
        # Websites refer to their collection by reference, so they follow a renamed collection.
        for website in doc["websites"]:
            if website.get("channel_collection_id") == collection_id:
                website["channel_collection_reference"] = collection["collection_reference"]
    return JSONResponse(collection)


@router.post("/v1/accounts/{account_id}/deep-links", tags=["klarna: deep links"], status_code=201)
async def create_deep_link(request: Request, account_id: str, body: DeepLinkCreate) -> JSONResponse:
    sandbox = sandbox_of(request)
    require_operational(load_account(sandbox.store, account_id), sandbox.now())
    token = uuid.uuid4()
    link = {
        "deep_link_id": f"{DEEP_LINK_PREFIX}{token}",
        "url": f"https://portal.klarna.sandbox.invalid/deep-link/{token}",
        "expires_at": timestamp_at(sandbox.now() + DEEP_LINK_TTL_SECONDS),
    }
    return JSONResponse(link, status_code=201)


router.include_router(merchant_routes.router)
router.include_router(program_routes.router)
router.include_router(partner_routes.router)
router.include_router(notification_routes.router)
