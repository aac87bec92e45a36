"""``klarna.signing_key``: a Notifications API signing key (``partner.yaml``), keyed by its description.

Klarna generates a key's id and its secret; the secret is answered once, to the create, and never
again. The reconciler declares only the description, so nothing it plans or prints can hold the
secret: the create's answer is dropped by the executor (the client's model keeps it as a
``SecretStr``, out of ``repr``). A key has nothing to change: it is created or deleted, and Klarna
refuses the delete of a key a webhook still uses (the plan deletes it after the webhooks' writes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.desired.models_klarna import slug
from reconciler.kinds.kind import Kind, live_dump, shown_key
from reconciler.kinds.names import ResourceKind
from reconciler.kinds.registry import register
from reconciler.kinds.state import MATCH, Member, ResourceState
from reconciler.kinds.writes import Create, Delete, Patch, WriteContext, WriteRequest, body, klarna_write
from reconciler.live.factory import ApiClients
from reconciler.live.read import LiveMerchant

# The fields a key's projection keeps: its description. ``signing_key`` (the secret) never enters one.
_FIELDS = ("description",)


def key_description(fields: Mapping[str, Any]) -> str:
    return str(fields.get("description"))


@register
class SigningKey(Kind):
    name = ResourceKind.SIGNING_KEY
    title = "a signing key"
    keyed = True
    deletable = True
    immutable = frozenset({"description"})  # never differs (it is the key); listed for clarity

    def identity(self, fields: Mapping[str, Any]) -> str:
        return key_description(fields)

    def display(self, fields: Mapping[str, Any]) -> str:
        return shown_key(key_description(fields), slug)

    def declared_at(self, state: ResourceState) -> tuple[str, ...]:
        return ("klarna", "signing_keys")  # in partner.yaml, which takes no profiles

    def desired(self, document: Mapping[str, Any]) -> Sequence[Member] | None:
        items = (document.get("klarna") or {}).get("signing_keys")
        return None if items is None else [Member(dict(item)) for item in items]

    def live(self, live: LiveMerchant) -> Sequence[Member]:
        members = []
        for model in live.signing_keys:
            data = live_dump(model, _FIELDS)
            remote = model.signing_key_id
            # A key made elsewhere without a description still gets a printable, unique key.
            extra = {} if "description" in data else {MATCH: f"unnamed-{str(remote).rsplit(':', 1)[-1][:8]}"}
            members.append(Member(data, remote, extra=extra))
        return members

    def writes(self, change: Create | Patch | Delete, ctx: WriteContext) -> list[WriteRequest]:
        match change:
            case Create(want=want) | Patch(want=want):
                request = body({"description": want.fields.get("description")})

                async def create(clients: ApiClients, key: str) -> None:
                    await clients.klarna.create_signing_key(request, idempotency_key=key)  # the secret is dropped

                return [klarna_write("create_signing_key", create, request)]
            case Delete(have=have):
                remote = str(have.remote_id)
                return [
                    klarna_write(
                        "delete_signing_key",
                        lambda c, key: c.klarna.delete_signing_key(remote, idempotency_key=key),
                        signing_key_id=remote,
                    )
                ]
