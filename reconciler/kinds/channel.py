"""What the two channel kinds share (websites and collections): onboarded, patched, never deleted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from reconciler.kinds.account import onboard_write
from reconciler.kinds.calls import PatchCall
from reconciler.kinds.kind import KlarnaMembers
from reconciler.kinds.writes import (
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


class Channel(KlarnaMembers):
    """A channel is keyed by the partner's own reference and created by (incremental) onboard."""

    reference_field: ClassVar[str]  # the partner's reference: the natural key
    patch_route: ClassVar[str]  # the route of its PATCH in ``KLARNA_ROUTES``

    def identity(self, fields: Mapping[str, Any]) -> str:
        return str(fields.get(self.reference_field))

    patch_call: ClassVar[PatchCall]  # the client's PATCH of one member

    def writes(self, change: Create | Patch | Delete, ctx: WriteContext) -> list[WriteRequest]:
        match change:
            case Create(want=want):
                return [onboard_write(ctx.desired, only=want.address(ctx.desired.reference))]
            case Patch(want=want, have=have):
                patch, acct, remote = body(patched_fields(want, have)), ctx.account_id, str(have.remote_id)
                send: Send = lambda c, key: self.patch_call(c.klarna, acct, remote, patch, idempotency_key=key)  # noqa: E731
                return [klarna_write_at(self.patch_route, send, patch, {"account_id": acct, self.id_field: remote})]
            case Delete():
                raise ValueError(f"Klarna offers no delete of {self.title}")
