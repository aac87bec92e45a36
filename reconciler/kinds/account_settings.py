"""``dintero.account_settings``: the Dintero account's settings (its company, with ``organization_number``).

A singleton written by PUT, which replaces each member given. Dintero's common signup requires the
company's ``organization_number``, so every connection depends on it (``kinds.order``). Read from the
partner view of the merchant, which carries the settings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.kinds.kind import Kind, live_dump
from reconciler.kinds.names import ResourceKind
from reconciler.kinds.registry import register
from reconciler.kinds.state import Member, ResourceState
from reconciler.kinds.writes import (
    Create,
    Delete,
    Patch,
    WriteContext,
    WriteRequest,
    body,
    dintero_write,
    patched_fields,
)
from reconciler.live.read import Bodies, LiveMerchant


@register
class AccountSettings(Kind):
    name = ResourceKind.ACCOUNT_SETTINGS
    title = "Dintero account settings"

    def desired(self, document: Mapping[str, Any]) -> Sequence[Member] | None:
        dintero = document.get("dintero") or {}
        settings = dintero.get("settings")
        if settings is None or dintero.get("account_id") is None:
            return None
        return [Member(dict(settings), extra={"aid": dintero["account_id"]})]

    def declared_at(self, state: ResourceState) -> tuple[str, ...]:
        return ("dintero", "settings")

    def live(self, live: LiveMerchant) -> Sequence[Member]:
        account = live.dintero
        if account is None or account.settings is None:
            return []
        return [Member(live_dump(account.settings), account.account_id, extra={"aid": account.account_id})]

    def answered(self, members: Sequence[Member], bodies: Bodies) -> list[Any] | None:
        return [(bodies.dintero or {}).get("settings")] * len(members)

    def writes(self, change: Create | Patch | Delete, ctx: WriteContext) -> list[WriteRequest]:
        match change:
            case Create(want=want) | Patch(want=want):
                declared = patched_fields(want, change.have) if isinstance(change, Patch) else want.fields
                aid, settings = str(want.extra.get("aid")), body(declared)
                return [
                    dintero_write(
                        "settings",
                        lambda c, key: c.dintero.put_settings(aid, settings),
                        settings,
                        aid=aid,
                        method="PUT",
                    )
                ]
            case Delete():
                raise ValueError("Dintero account settings are never deleted")
