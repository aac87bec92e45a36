"""``klarna.account``: the merchant's Klarna account, keyed by its ``account_reference``.

Created by onboard, which also carries every sub-resource kind that sets ``onboard_key``; patched by
PATCH. Only Klarna disables an account; the reconciler never deletes one. Klarna's onboard is
incremental: for an existing reference it only adds new members, so a new payment product, website
or collection of an existing account is one onboard too (``onboard_write(view, only=address)``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from reconciler.kinds.kind import Hold, Kind, live_dump, pick
from reconciler.kinds.names import ResourceKind, resource_address
from reconciler.kinds.registry import KINDS, register
from reconciler.kinds.state import Member, MerchantView, ResourceState
from reconciler.kinds.writes import (
    Create,
    Delete,
    Patch,
    WriteContext,
    WriteRequest,
    body,
    klarna_write,
    patched_fields,
)
from reconciler.live.read import Bodies, LiveMerchant
from reconciler.live.requests import AccountPatchRequest, OnboardRequest
from reconciler.sensitive import scrub

ACCOUNT_FIELDS = ("account_name", "account_group_reference", "account_owner")
OPERATIONAL = "OPERATIONAL"  # a manageable account
INITIAL_SETUP = "INITIAL_SETUP"  # the state reason of an account whose onboarding is not complete
DISABLED = "DISABLED"  # only Klarna disables an account; a disabled account cannot be managed
LEGACY_MERCHANT_ID = "merchant_id"  # the extra of a desired account that adopts an existing Klarna merchant


def onboard_request(desired: MerchantView, only: str | None = None) -> OnboardRequest:
    """The onboard body: the account and every onboarded sub-resource (only ``only``, when given)."""
    account = desired.resources[resource_address(desired.reference, ResourceKind.ACCOUNT)]
    document: dict[str, Any] = {"account_reference": desired.reference, **pick(account.fields, ACCOUNT_FIELDS)}
    for address, state in desired.resources.items():
        key = KINDS[state.kind].onboard_key
        if key is None or (only is not None and address != only):
            continue
        document.setdefault(key, []).append({**KINDS[state.kind].onboard_defaults, **state.fields})
    merchant_id = account.extra.get(LEGACY_MERCHANT_ID)
    if merchant_id and only is None:
        # "Onboard an existing merchant": the product names the Klarna merchant it takes over.
        products = document.setdefault("products", []) or [{"type": "PAYMENT"}]
        document["products"] = [{**product, "merchant_id": merchant_id} for product in products]
    return OnboardRequest.model_validate(document)


def onboard_write(desired: MerchantView, only: str | None = None) -> WriteRequest:
    request = onboard_request(desired, only)
    write = klarna_write("onboard", lambda c, key: c.klarna.onboard(request, idempotency_key=key), request)
    return replace(write, onboards=True)


@register
class Account(Kind):
    name = ResourceKind.ACCOUNT
    title = "the account"

    def desired(self, document: Mapping[str, Any]) -> Sequence[Member] | None:
        # ``merchant_id`` is not a field of the account: it only says how the account comes to exist.
        merchant_id = document["klarna"].get(LEGACY_MERCHANT_ID)
        extra = {LEGACY_MERCHANT_ID: merchant_id} if merchant_id else {}
        return [Member(pick(document["klarna"], ACCOUNT_FIELDS), extra=extra)]

    def adopts(self, want: ResourceState) -> bool:
        """The account is made by onboarding an existing Klarna merchant (``adopt``), not a new one."""
        return bool(want.extra.get(LEGACY_MERCHANT_ID))

    def declared_at(self, state: ResourceState) -> tuple[str, ...]:
        return ("klarna",)

    def live(self, live: LiveMerchant) -> Sequence[Member]:
        account = live.klarna
        if account is None:
            return []
        extra = {"state_reason": account.state_reason}  # INITIAL_SETUP: its onboarding is not complete
        return [Member(live_dump(account, ACCOUNT_FIELDS), account.account_id, account.state, extra)]

    def answered(self, members: Sequence[Member], bodies: Bodies) -> list[Any] | None:
        account = bodies.klarna
        if account is None or account.get("state") == DISABLED:
            return None  # a disabled account is held even when nothing differs
        return [account] * len(members)

    def provider_hold(self, want: ResourceState, have: ResourceState, changed: bool) -> Hold | None:
        """Klarna disabled the account: nothing of it can be managed (shown even when no field differs)."""
        if have.status != DISABLED:
            return None
        # Klarna's own text, which may quote what it was sent: scrubbed like any API text (import does too).
        reason = scrub(str(have.extra.get("state_reason") or "")) or "no reason given"
        return Hold(
            "Klarna",
            f"Klarna disabled the account ({reason}); it cannot be managed until Klarna enables it: contact Klarna",
        )

    def writes(self, change: Create | Patch | Delete, ctx: WriteContext) -> list[WriteRequest]:
        match change:
            case Create():
                return [onboard_write(ctx.desired)]
            case Patch(want=want, have=have):
                patch, acct = body(patched_fields(want, have), AccountPatchRequest), ctx.account_id
                return [
                    klarna_write(
                        "patch_account",
                        lambda c, key: c.klarna.patch_account(acct, patch, idempotency_key=key),
                        patch,
                        account_id=acct,
                    )
                ]
            case Delete():
                raise ValueError("a Klarna account is never deleted")
