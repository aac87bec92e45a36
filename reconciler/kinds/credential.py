"""``klarna.credential``: a partner-level API credential (``partner.yaml``), keyed by its description.

Klarna creates and deletes credentials (a delete is its way to disable one); nothing else changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.desired.models_klarna import slug
from reconciler.kinds.kind import Kind, live_dump, shown_key
from reconciler.kinds.names import ResourceKind
from reconciler.kinds.registry import register
from reconciler.kinds.state import Member, ResourceState
from reconciler.kinds.writes import Create, Delete, Patch, WriteContext, WriteRequest, body, klarna_write
from reconciler.live.read import LiveMerchant


@register
class Credential(Kind):
    name = ResourceKind.CREDENTIAL
    title = "a credential"
    keyed = True
    deletable = True
    immutable = frozenset({"type", "environment"})

    def identity(self, fields: Mapping[str, Any]) -> str:
        return str(fields.get("description"))

    def display(self, fields: Mapping[str, Any]) -> str:
        return shown_key(str(fields.get("description")), slug)

    def desired(self, document: Mapping[str, Any]) -> Sequence[Member] | None:
        items = (document.get("klarna") or {}).get("credentials")
        return None if items is None else [Member(dict(item)) for item in items]

    def declared_at(self, state: ResourceState) -> tuple[str, ...]:
        return ("klarna", "credentials")  # in partner.yaml, which takes no profiles

    def live(self, live: LiveMerchant) -> Sequence[Member]:
        members = []
        for model in live.credentials:
            data = live_dump(model)
            data.pop("client_id", None)
            members.append(Member(data, data.pop("credential_id", None)))
        return members

    def writes(self, change: Create | Patch | Delete, ctx: WriteContext) -> list[WriteRequest]:
        match change:
            case Create(want=want) | Patch(want=want):
                request = body(want.fields)
                return [
                    klarna_write(
                        "create_credential",
                        lambda c, key: c.klarna.create_credential(request, idempotency_key=key),
                        request,
                    )
                ]
            case Delete(have=have):
                remote = str(have.remote_id)
                return [
                    klarna_write(
                        "delete_credential",
                        lambda c, key: c.klarna.delete_credential(remote, idempotency_key=key),
                        credential_id=remote,
                    )
                ]
