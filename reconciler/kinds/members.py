"""Sub-resource lists that Klarna creates, patches and deletes one member at a time.

Stakeholders, bank accounts and payment program enablements share this shape: POST to the list,
PATCH and DELETE a member by its id. A kind module says which client call does each.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import ClassVar

from pydantic import BaseModel

from reconciler.kinds.calls import CreateCall, DeleteCall, PatchCall
from reconciler.kinds.kind import KlarnaMembers
from reconciler.kinds.state import ResourceState
from reconciler.kinds.writes import (
    Change,
    Create,
    Delete,
    Patch,
    Send,
    WriteContext,
    WriteRequest,
    body,
    klarna_write_at,
    patched_fields,
)
from reconciler.live.klarna import KlarnaClient


@dataclass(frozen=True)
class Owner:
    """The objects a member hangs off: its account, and for an enablement its payment product."""

    account_id: str
    product_id: str

    def path_ids(self, with_product: bool) -> dict[str, str]:
        ids = {"account_id": self.account_id}
        return {**ids, "product_id": self.product_id} if with_product else ids


class ManagedMembers(KlarnaMembers):
    deletable = True
    under_product: ClassVar[bool] = False  # its paths run through the payment product
    create_route: ClassVar[str]
    patch_route: ClassVar[str]
    delete_route: ClassVar[str]

    def create(self, client: KlarnaClient, owner: Owner, fields: BaseModel, key: str) -> Awaitable[object]:
        raise NotImplementedError

    def patch(
        self, client: KlarnaClient, owner: Owner, remote_id: str, fields: BaseModel, key: str
    ) -> Awaitable[object]:
        raise NotImplementedError

    def delete(self, client: KlarnaClient, owner: Owner, remote_id: str, key: str) -> Awaitable[object]:
        raise NotImplementedError

    def create_body(self, want: ResourceState) -> BaseModel:
        return body(want.fields)

    def patch_body(self, want: ResourceState, have: ResourceState) -> BaseModel:
        return body(patched_fields(want, have))

    def owner(self, ctx: WriteContext, have: ResourceState | None) -> Owner:
        return Owner(ctx.account_id, ctx.product)

    def writes(self, change: Change, ctx: WriteContext) -> list[WriteRequest]:
        match change:
            case Create(want=want):
                owner, fields = self.owner(ctx, None), self.create_body(want)
                ids = owner.path_ids(self.under_product)
                send: Send = lambda c, key: self.create(c.klarna, owner, fields, key)  # noqa: E731
                return [klarna_write_at(self.create_route, send, fields, ids)]
            case Patch(want=want, have=have):
                owner, fields, remote = self.owner(ctx, have), self.patch_body(want, have), str(have.remote_id)
                ids = {**owner.path_ids(self.under_product), self.id_field: remote}
                send = lambda c, key: self.patch(c.klarna, owner, remote, fields, key)  # noqa: E731
                return [klarna_write_at(self.patch_route, send, fields, ids)]
            case Delete(have=have):
                owner, remote = self.owner(ctx, have), str(have.remote_id)
                ids = {**owner.path_ids(self.under_product), self.id_field: remote}
                send = lambda c, key: self.delete(c.klarna, owner, remote, key)  # noqa: E731
                return [klarna_write_at(self.delete_route, send, None, ids)]


class AccountMembers(ManagedMembers):
    """Members that hang off the account alone: each write is one of the client's own calls."""

    create_call: ClassVar[CreateCall]
    patch_call: ClassVar[PatchCall]
    delete_call: ClassVar[DeleteCall]

    def create(self, client: KlarnaClient, owner: Owner, fields: BaseModel, key: str) -> Awaitable[object]:
        return self.create_call(client, owner.account_id, fields, idempotency_key=key)

    def patch(
        self, client: KlarnaClient, owner: Owner, remote_id: str, fields: BaseModel, key: str
    ) -> Awaitable[object]:
        return self.patch_call(client, owner.account_id, remote_id, fields, idempotency_key=key)

    def delete(self, client: KlarnaClient, owner: Owner, remote_id: str, key: str) -> Awaitable[object]:
        return self.delete_call(client, owner.account_id, remote_id, idempotency_key=key)
