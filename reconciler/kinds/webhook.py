"""``klarna.webhook``: a Notifications API webhook subscription (``partner.yaml``), keyed by its URL.

The URL is the key, so a changed list of event types (or status, or signing key) is a patch of the
same subscription; Klarna refuses a second webhook with the same URL and the same set of event types.
The desired state names the signing key by its description (``signing_key_description``), the API
by its id: the live projection turns the id into the key's description, and a write looks the id
up when it is sent, so a key created earlier in the same apply is found. Event types compare as a
set (sorted on both sides): their order means nothing to Klarna.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel

from reconciler.desired.models import webhook_identity
from reconciler.desired.models_klarna import slug
from reconciler.kinds.kind import Kind, live_dump, shown_key
from reconciler.kinds.names import ResourceKind
from reconciler.kinds.registry import register
from reconciler.kinds.state import MATCH, Member, MerchantView, ResourceState
from reconciler.kinds.writes import Create, Delete, Patch, WriteContext, WriteRequest, body, klarna_write
from reconciler.live.factory import ApiClients
from reconciler.live.read import LiveMerchant

EVENT_VERSION = "v1"  # sent on create when the desired state does not say
KEY_FIELD = "signing_key_description"
_WIRE_FIELDS = ("url", "event_types", "event_version", "status")


def _with_sorted_types(fields: Mapping[str, Any]) -> dict[str, Any]:
    data = dict(fields)
    if isinstance(data.get("event_types"), list):
        data["event_types"] = sorted(data["event_types"])
    return data


def _unknown_key(signing_key_id: str) -> str:
    """What the live side shows for a key id with no described key: never equal to a description."""
    return f"(no described key: {signing_key_id})"


@register
class Webhook(Kind):
    name = ResourceKind.WEBHOOK
    title = "a webhook"
    keyed = True
    deletable = True

    def identity(self, fields: Mapping[str, Any]) -> str:
        return webhook_identity(str(fields.get("url")))

    def display(self, fields: Mapping[str, Any]) -> str:
        """Host, port and path: a query string may carry a token and stays out of addresses; a URL from the
        secrets store (a path may be the token) is shown by its fingerprint."""
        return shown_key(str(fields.get("url")), _address_key)

    def declared_at(self, state: ResourceState) -> tuple[str, ...]:
        return ("klarna", "webhooks")  # in partner.yaml, which takes no profiles

    def desired(self, document: Mapping[str, Any]) -> Sequence[Member] | None:
        items = (document.get("klarna") or {}).get("webhooks")
        return None if items is None else [Member(_with_sorted_types(item)) for item in items]

    def live(self, live: LiveMerchant) -> Sequence[Member]:
        described = {k.signing_key_id: k.description for k in live.signing_keys if k.description is not None}
        members = []
        for model in live.webhooks:
            data = _with_sorted_types(live_dump(model, _WIRE_FIELDS))
            key_id = model.signing_key_id or ""
            data[KEY_FIELD] = described.get(key_id) or _unknown_key(key_id)
            members.append(Member(data, model.webhook_id, extra={"signing_key_id": key_id}))
        return members

    def references(self, want: ResourceState, view: MerchantView) -> tuple[str, ...]:
        named = want.fields.get(KEY_FIELD)
        return tuple(
            address
            for address, state in view.resources.items()
            if state.kind is ResourceKind.SIGNING_KEY and state.extra.get(MATCH) == named
        )

    def writes(self, change: Create | Patch | Delete, ctx: WriteContext) -> list[WriteRequest]:
        match change:
            case Create(want=want):
                fields = {"event_version": EVENT_VERSION, **_wire(want.fields)}
                return [self._write("create_webhook", fields, want.fields.get(KEY_FIELD), None)]
            case Patch(want=want, have=have):
                changed = {k: v for k, v in want.fields.items() if have.fields.get(k) != v}
                fields = _wire(changed)
                named = changed.get(KEY_FIELD)
                return [self._write("patch_webhook", fields, named, have)]
            case Delete(have=have):
                remote = str(have.remote_id)
                return [
                    klarna_write(
                        "delete_webhook",
                        lambda c, key: c.klarna.delete_webhook(remote, idempotency_key=key),
                        webhook_id=remote,
                    )
                ]

    def _write(self, route: str, fields: dict[str, Any], named: Any, have: ResourceState | None) -> WriteRequest:
        """A create or patch; when it sets the signing key, the key's id is looked up as it is sent."""
        shown = body({**fields, "signing_key_id": f"(the id of signing key {named!r})"} if named else fields)
        current = str(have.extra.get("signing_key_id")) if have is not None else None
        remote = str(have.remote_id) if have is not None else ""

        async def send(clients: ApiClients, key: str) -> object:
            request: BaseModel = body(fields)
            if named is not None:
                found = await clients.klarna.find_signing_key(str(named), prefer=current)
                request = body({**fields, "signing_key_id": found.signing_key_id})
            if have is None:
                return await clients.klarna.create_webhook(request, idempotency_key=key)
            return await clients.klarna.patch_webhook(remote, request, idempotency_key=key)

        ids = {"webhook_id": remote} if have is not None else {}
        return klarna_write(route, send, shown, **ids)


def _wire(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k != KEY_FIELD}


def _address_key(url: str) -> str:
    parts = urlsplit(url)
    return slug(f"{parts.hostname or ''} {parts.port or ''} {parts.path}")
