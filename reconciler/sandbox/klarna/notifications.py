"""Klarna's webhook notifications: event types, subscriptions that match them, signed event payloads.

What happens to an account or a product (the partner's writes, the operational transition, Klarna's own
actions) is an ``Event``; ``emit`` sends it to every ENABLED webhook subscribed to its type, through the
sandbox's delivery queue. The payload is the one the Management API reference shows (``metadata`` with
``event_type``, ``event_id``, ``event_version`` ``v1``, ``occurred_at``, ``correlation_id``, ``account_id``,
``product_instance_id``, ``webhook_id``, ``live``; ``payload`` with ``account_reference``, ``state``,
``previous_state``). The body is signed as Klarna documents: ``Klarna-Signature`` is the HMAC-SHA256 of the
raw body keyed by the signing key's secret (hexadecimal), and ``Klarna-Signing-Key-Id`` names the key.

An event is delivered to a webhook when one of its ``event_types`` is the event's type or a wildcard that
covers it (``partner.*``, ``partner.account.product.*``, ``*``). Events are emitted only after the write
that caused them is committed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from reconciler.sandbox.klarna.accounts import KIND, OPERATIONAL, PARTIALLY_OPERATIONAL, account_state, timestamp_at
from reconciler.sandbox.klarna.event_types import ACCOUNT_OPERATIONAL, EVENT_VERSION, covers
from reconciler.sandbox.platform.state import SandboxState

WEBHOOK_KIND = "klarna.webhook"
SIGNING_KEY_KIND = "klarna.signing_key"
WEBHOOK_PREFIX = "krn:partner:global:notification:webhook:"
SIGNING_KEY_PREFIX = "krn:partner:global:notification:signing-key:"
SIGNATURE_HEADER = "Klarna-Signature"
SIGNING_KEY_HEADER = "Klarna-Signing-Key-Id"


@dataclass
class Event:
    """Something that happened to an account (``product_id`` None) or to one of its payment products."""

    event_type: str
    account: dict[str, Any]
    state: str
    previous_state: str
    product_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        return {
            "account_reference": self.account["account_reference"],
            "state": self.state,
            "previous_state": self.previous_state,
            **self.extra,
        }

    def product_instance_id(self) -> str | None:
        if self.product_id is not None:
            return self.product_id
        products = self.account.get("products") or []
        return str(products[0]["product_id"]) if products else None


def event_body(event: Event, webhook_id: str, event_id: str, correlation_id: str, now: float) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "event_type": event.event_type,
        "event_id": event_id,
        "event_version": EVENT_VERSION,
        "occurred_at": timestamp_at(now),
        "correlation_id": correlation_id,
        "account_id": event.account["account_id"],
    }
    product_instance_id = event.product_instance_id()
    if product_instance_id is not None:
        metadata["product_instance_id"] = product_instance_id
    metadata.update({"webhook_id": webhook_id, "live": False})
    return {"metadata": metadata, "payload": event.payload()}


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def subscribers(state: SandboxState, event_type: str) -> list[dict[str, Any]]:
    return [
        w
        for w in state.store.list(WEBHOOK_KIND)
        if w["status"] == "ENABLED" and any(covers(p, event_type) for p in w["event_types"])
    ]


def deliver(state: SandboxState, event: Event, webhook: dict[str, Any], event_id: str, correlation_id: str) -> str:
    """Queue one signed delivery of ``event`` to ``webhook``; returns the delivery id."""
    body = json.dumps(
        event_body(event, webhook["webhook_id"], event_id, correlation_id, state.now()), separators=(",", ":")
    ).encode()
    key = state.store.get(SIGNING_KEY_KIND, webhook["signing_key_id"]) or {}
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "reconciler-sandbox-notifications/1",
        SIGNING_KEY_HEADER: webhook["signing_key_id"],
        SIGNATURE_HEADER: sign(str(key.get("_secret", "")), body),
    }
    meta = {
        "event_id": event_id,
        "event_type": event.event_type,
        "webhook_id": webhook["webhook_id"],
        "signing_key_id": webhook["signing_key_id"],
    }
    return state.deliveries.enqueue(webhook["url"], body, headers, meta).delivery_id


def emit(state: SandboxState, events: list[Event]) -> int:
    """Deliver each event to the webhooks subscribed to it; returns how many deliveries were queued."""
    queued = 0
    for event in events:
        event_id, correlation_id = str(uuid.uuid4()), str(uuid.uuid4())
        for webhook in subscribers(state, event.event_type):
            deliver(state, event, webhook, event_id, correlation_id)
            queued += 1
    return queued


def schedule_operational(state: SandboxState, account: dict[str, Any]) -> None:
    """Emit ``partner.account.state-change.operational`` when the account's setup ends (now or later).

    Scheduled only when a webhook subscribes at the time of the write; at the due moment the account must
    still be the one that was scheduled (a later update or an advance reschedules, a disable cancels).
    """
    if not subscribers(state, ACCOUNT_OPERATIONAL):
        return
    account_id, due = account["account_id"], account["_operational_at"]

    def fire() -> None:
        doc = state.store.get(KIND, account_id)
        if doc is None or doc["_operational_at"] != due or account_state(doc, state.now())[0] != OPERATIONAL:
            return
        emit(state, [Event(ACCOUNT_OPERATIONAL, doc, OPERATIONAL, PARTIALLY_OPERATIONAL)])

    state.deliveries.schedule(due, fire)
