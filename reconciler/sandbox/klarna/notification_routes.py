"""Klarna's Notifications API: signing keys and webhook subscriptions, and simulating a webhook.

Included by ``klarna.routes.router`` (which adds the API-key check). Paths as Klarna's Notifications API
(``/v1/notification/...``). One document per signing key (kind ``klarna.signing_key``) and per webhook (kind
``klarna.webhook``).

- A signing key's secret (``signing_key``) is answered once, by the POST that creates it; reads never show
  it. At most 50 signing keys (Klarna's limit; a 51st is 409). A key that a webhook uses cannot be deleted
  (409): point the webhook at another key first.
- A webhook's ``url`` must be a loopback URL (the sandbox sends nothing off the machine); its
  ``signing_key_id`` must name an existing key; ``event_types`` are known types or wildcards. A webhook
  with the same ``url`` and the same set of ``event_types`` as another is 409, as Klarna documents
  ("the configuration already exists"). At most 100 webhooks (the sandbox's bound).
- ``POST …/webhooks/{webhook_id}/simulate`` delivers a sample event of the given type to that webhook now,
  signed like any other, whatever its status and subscribed types; it answers 202 with the ids.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response
from fastapi.responses import JSONResponse

from reconciler.sandbox.klarna.accounts import PRODUCT_PREFIX, sandbox_of, timestamp_at
from reconciler.sandbox.klarna.event_types import ACCOUNT_DISABLED, ACCOUNT_OPERATIONAL, PRODUCT_DISABLED
from reconciler.sandbox.klarna.models import SigningKeyCreate, WebhookCreate, WebhookPatch, WebhookSimulate
from reconciler.sandbox.klarna.notifications import (
    SIGNING_KEY_KIND,
    SIGNING_KEY_PREFIX,
    WEBHOOK_KIND,
    WEBHOOK_PREFIX,
    Event,
    deliver,
)
from reconciler.sandbox.platform.problems import klarna_conflict, klarna_not_found, klarna_validation
from reconciler.sandbox.platform.state import SandboxState

router = APIRouter(tags=["klarna: notifications"])

_KEYS = "/v1/notification/signing-keys"
_WEBHOOKS = "/v1/notification/webhooks"
MAX_SIGNING_KEYS = 50
MAX_WEBHOOKS = 100
# The reference's example merchant, for simulated events.
_SAMPLE_ACCOUNT = {
    "account_id": "krn:partner:global:account:test:SIMULATE",
    "account_reference": "M123786123412",
    "products": [{"product_id": PRODUCT_PREFIX + "00000000-0000-4000-8000-000000000000"}],
}
_SAMPLE_STATES = {
    ACCOUNT_OPERATIONAL: ("OPERATIONAL", "PARTIALLY_OPERATIONAL"),
    ACCOUNT_DISABLED: ("DISABLED", "OPERATIONAL"),
    PRODUCT_DISABLED: ("DISABLED", "ENABLED"),
}


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def _bad(parameter: str, message: str) -> Exception:
    return klarna_validation("The request body is invalid", [{"parameter": parameter, "error_message": message}])


@router.get(_KEYS, summary="List signing keys")
async def list_signing_keys(request: Request) -> JSONResponse:
    keys = sandbox_of(request).store.list(SIGNING_KEY_KIND)
    return JSONResponse({"signing_keys": [_public(k) for k in keys]})


@router.post(_KEYS, summary="Create a signing key (its secret is answered only here)", status_code=201)
async def create_signing_key(request: Request, body: Annotated[SigningKeyCreate | None, Body()] = None) -> JSONResponse:
    sandbox = sandbox_of(request)
    secret = secrets.token_urlsafe(32)
    key: dict[str, Any] = {
        "signing_key_id": SIGNING_KEY_PREFIX + str(uuid.uuid4()),
        **(body.patch_fields() if body else {}),
        "created_at": timestamp_at(sandbox.now()),
    }
    with sandbox.store.transaction():
        if sandbox.store.count(SIGNING_KEY_KIND) >= MAX_SIGNING_KEYS:
            raise klarna_conflict(f"At most {MAX_SIGNING_KEYS} signing keys: delete one first")
        sandbox.store.put(SIGNING_KEY_KIND, key["signing_key_id"], {**key, "_secret": secret})
    return JSONResponse({**key, "signing_key": secret}, status_code=201)


@router.get(_KEYS + "/{signing_key_id}", summary="Get a signing key (without its secret)")
async def get_signing_key(request: Request, signing_key_id: str) -> JSONResponse:
    key = sandbox_of(request).store.get(SIGNING_KEY_KIND, signing_key_id)
    if key is None:
        raise klarna_not_found("Signing key")
    return JSONResponse(_public(key))


@router.delete(_KEYS + "/{signing_key_id}", summary="Delete a signing key", status_code=204)
async def delete_signing_key(request: Request, signing_key_id: str) -> Response:
    store = sandbox_of(request).store
    with store.transaction():
        if store.get(SIGNING_KEY_KIND, signing_key_id) is None:
            raise klarna_not_found("Signing key")
        users = [w["webhook_id"] for w in store.list(WEBHOOK_KIND) if w["signing_key_id"] == signing_key_id]
        if users:
            raise klarna_conflict(f"The signing key is used by webhook {users[0]}: change the webhook's key first")
        store.delete(SIGNING_KEY_KIND, signing_key_id)
    return Response(status_code=204)


def _check_webhook(sandbox: SandboxState, webhook: dict[str, Any]) -> None:
    store = sandbox.store
    if store.get(SIGNING_KEY_KIND, webhook["signing_key_id"]) is None:
        raise _bad("signing_key_id", "no signing key has this id")
    for other in store.list(WEBHOOK_KIND):
        same = other["url"] == webhook["url"] and set(other["event_types"]) == set(webhook["event_types"])
        if same and other["webhook_id"] != webhook["webhook_id"]:
            raise klarna_conflict(f"A webhook with this url and these event types exists: {other['webhook_id']}")


@router.get(_WEBHOOKS, summary="List webhooks")
async def list_webhooks(request: Request) -> JSONResponse:
    return JSONResponse({"webhooks": sandbox_of(request).store.list(WEBHOOK_KIND)})


@router.post(_WEBHOOKS, summary="Create a webhook", status_code=201)
async def create_webhook(request: Request, body: WebhookCreate) -> JSONResponse:
    sandbox = sandbox_of(request)
    stamp = timestamp_at(sandbox.now())
    webhook = {
        "webhook_id": WEBHOOK_PREFIX + str(uuid.uuid4()),
        **body.model_dump(),
        "created_at": stamp,
        "updated_at": stamp,
    }
    with sandbox.store.transaction():
        if sandbox.store.count(WEBHOOK_KIND) >= MAX_WEBHOOKS:
            raise klarna_conflict(f"At most {MAX_WEBHOOKS} webhooks in the sandbox: delete one first")
        _check_webhook(sandbox, webhook)
        sandbox.store.put(WEBHOOK_KIND, webhook["webhook_id"], webhook)
    return JSONResponse(webhook, status_code=201)


def _load_webhook(sandbox: SandboxState, webhook_id: str) -> dict[str, Any]:
    webhook = sandbox.store.get(WEBHOOK_KIND, webhook_id)
    if webhook is None:
        raise klarna_not_found("Webhook")
    return webhook


@router.get(_WEBHOOKS + "/{webhook_id}", summary="Get a webhook")
async def get_webhook(request: Request, webhook_id: str) -> JSONResponse:
    return JSONResponse(_load_webhook(sandbox_of(request), webhook_id))


@router.patch(_WEBHOOKS + "/{webhook_id}", summary="Update a webhook (the fields given)")
async def patch_webhook(request: Request, webhook_id: str, body: WebhookPatch) -> JSONResponse:
    sandbox = sandbox_of(request)
    with sandbox.store.transaction():
        webhook = _load_webhook(sandbox, webhook_id)
        webhook.update(body.patch_fields(), updated_at=timestamp_at(sandbox.now()))
        _check_webhook(sandbox, webhook)
        sandbox.store.put(WEBHOOK_KIND, webhook_id, webhook)
    return JSONResponse(webhook)


@router.delete(_WEBHOOKS + "/{webhook_id}", summary="Delete a webhook", status_code=204)
async def delete_webhook(request: Request, webhook_id: str) -> Response:
    if not sandbox_of(request).store.delete(WEBHOOK_KIND, webhook_id):
        raise klarna_not_found("Webhook")
    return Response(status_code=204)


@router.post(_WEBHOOKS + "/{webhook_id}/simulate", summary="Deliver a sample event to a webhook", status_code=202)
async def simulate_webhook(request: Request, webhook_id: str, body: WebhookSimulate) -> JSONResponse:
    sandbox = sandbox_of(request)
    webhook = _load_webhook(sandbox, webhook_id)
    state, previous = _SAMPLE_STATES.get(body.event_type, ("ENABLED", "DISABLED"))
    event = Event(body.event_type, _SAMPLE_ACCOUNT, state, previous)
    event_id = str(uuid.uuid4())
    delivery_id = deliver(sandbox, event, webhook, event_id, str(uuid.uuid4()))
    return JSONResponse({"event_id": event_id, "delivery_id": delivery_id}, status_code=202)
