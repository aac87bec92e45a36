"""``klarna.payment_program_enablement``: a payment program enabled on the payment product.

Keyed by payment program id and, when it has one, the enablement code. Klarna lets only
``effective_to`` change; the other fields are fixed once created.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from reconciler.kinds.members import ManagedMembers, Owner
from reconciler.kinds.names import ResourceKind
from reconciler.kinds.registry import register
from reconciler.kinds.state import Member, ResourceState
from reconciler.kinds.writes import WriteContext, body
from reconciler.live.klarna import KlarnaClient
from reconciler.live.models import flatten_enablements
from reconciler.live.read import Bodies


def enablement_identity(data: Mapping[str, Any]) -> str:
    criteria = data.get("enablement_criteria") or {}
    code = criteria.get("payment_program_enablement_code")
    return f"{data.get('payment_program_id')}#{code}" if code else str(data.get("payment_program_id"))


@register
class Enablement(ManagedMembers):
    name = ResourceKind.ENABLEMENT
    title = "a payment program enablement"
    section = attribute = "payment_program_enablements"
    id_field = "payment_program_enablement_id"
    set_apart = ("product_id",)  # the payment product an enablement read through the account belongs to
    immutable = frozenset({"payment_program_id", "enablement_criteria", "effective_from"})
    under_product = True
    create_route, patch_route, delete_route = "create_enablement", "patch_enablement", "delete_enablement"

    def identity(self, fields: Mapping[str, Any]) -> str:
        return enablement_identity(fields)

    def answered(self, members: Sequence[Member], bodies: Bodies) -> list[Any] | None:
        items = (bodies.klarna or {}).get(self.attribute)
        if flatten_enablements(items) is not items:
            return None  # enablements grouped by product: the model's flat list is not what was sent
        return super().answered(members, bodies)

    def owner(self, ctx: WriteContext, have: ResourceState | None) -> Owner:
        product = have.extra.get("product_id") if have is not None else None
        return Owner(ctx.account_id, str(product or ctx.product))

    def patch_body(self, want: ResourceState, have: ResourceState) -> BaseModel:
        return body({"effective_to": want.fields.get("effective_to")})

    def create(self, client: KlarnaClient, owner: Owner, fields: BaseModel, key: str) -> Awaitable[object]:
        return client.create_enablement(owner.account_id, owner.product_id, fields, idempotency_key=key)

    def patch(
        self, client: KlarnaClient, owner: Owner, remote_id: str, fields: BaseModel, key: str
    ) -> Awaitable[object]:
        return client.patch_enablement(owner.account_id, owner.product_id, remote_id, fields, idempotency_key=key)

    def delete(self, client: KlarnaClient, owner: Owner, remote_id: str, key: str) -> Awaitable[object]:
        return client.delete_enablement(owner.account_id, owner.product_id, remote_id, idempotency_key=key)
