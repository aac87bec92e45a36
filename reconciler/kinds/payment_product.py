"""``klarna.payment_product``: the account's payment product (type PAYMENT), a singleton.

Created by onboard; its MCC is patched; its declared ``state`` is reached by disable (with a reason)
and enable. The distribution profile cannot change once the product exists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.kinds.account import onboard_write
from reconciler.kinds.kind import Hold, Kind, live_dump
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
    klarna_write,
    patched_fields,
)
from reconciler.live.read import Bodies, LiveMerchant
from reconciler.live.requests import DisableProductRequest
from reconciler.sensitive import scrub

PRODUCT_FIELDS = ("distribution_profile_id", "merchant_category_code")
ENABLED, DISABLED, TERMINATED = "ENABLED", "DISABLED", "TERMINATED"
PARTNER_SUFFIX = "_BY_PARTNER"  # the state reason of the partner's own disable (FRAUD_BY_PARTNER, ...)


def disabled_by_klarna(status: str | None, state_reason: str | None) -> bool:
    """A disable the partner did not make: its state reason is not one of the partner's (``*_BY_PARTNER``)."""
    return status == DISABLED and not (state_reason or "").endswith(PARTNER_SUFFIX)


@register
class PaymentProduct(Kind):
    name = ResourceKind.PAYMENT_PRODUCT
    title = "the payment product"
    immutable = frozenset({"distribution_profile_id", "type"})
    lifecycle = True
    onboard_key = "products"
    onboard_defaults = {"type": "PAYMENT"}
    needs_operational_account = True

    def desired(self, document: Mapping[str, Any]) -> Sequence[Member] | None:
        product = document["klarna"].get("payment_product")
        if product is None:
            return None
        status = product["state"].upper() if product.get("state") else None
        fields = {name: product[name] for name in PRODUCT_FIELDS if name in product}
        return [Member(fields, status=status, extra={"disabled_reason": product.get("disabled_reason")})]

    def declared_at(self, state: ResourceState) -> tuple[str, ...]:
        return ("klarna", "payment_product")

    def live(self, live: LiveMerchant) -> Sequence[Member]:
        products = live.klarna.products or [] if live.klarna is not None else []
        product = next((p for p in products if p.type in (None, "PAYMENT")), None)
        if product is None:
            return []
        extra = {"state_reason": product.state_reason}
        return [Member(live_dump(product, PRODUCT_FIELDS), product.product_id, product.state, extra)]

    def answered(self, members: Sequence[Member], bodies: Bodies) -> list[Any] | None:
        products = (bodies.klarna or {}).get("products") or []
        # The one ``live`` takes: the first of type PAYMENT (or of no type).
        product = next((p for p in products if type(p) is dict and p.get("type") in (None, "PAYMENT")), None)
        if product is None or any(m.status is not None and product.get("state") != m.status for m in members):
            return None  # a create, or a declared state to reach (an enable, a disable, or Klarna's hold)
        return [product] * len(members)

    def provider_hold(self, want: ResourceState, have: ResourceState, changed: bool) -> Hold | None:
        """Only Klarna terminates and reactivates, and only Klarna re-enables its own disable."""
        if not changed:
            return None
        reason = have.extra.get("state_reason")
        if have.status == TERMINATED:
            return Hold(
                "Klarna", "Klarna terminated the payment product; only Klarna can reactivate it: contact Klarna"
            )
        if disabled_by_klarna(have.status, reason):
            # Klarna's own text, which may quote what it was sent: scrubbed like any API text (import does too).
            shown = scrub(reason) if reason else "no reason given"
            return Hold(
                "Klarna",
                f"Klarna disabled the payment product ({shown}); only Klarna can enable it again: contact Klarna",
            )
        return None

    def writes(self, change: Create | Patch | Delete, ctx: WriteContext) -> list[WriteRequest]:
        match change:
            case Create(want=want):
                writes = [onboard_write(ctx.desired, only=want.address(ctx.desired.reference))]
                return writes + self._state_writes(want, ENABLED, ctx)  # onboard makes it ENABLED
            case Patch(want=want, have=have):
                writes = []
                if any(have.fields.get(k) != v for k, v in want.fields.items()):
                    patch, acct, product = body(patched_fields(want, have)), ctx.account_id, ctx.product
                    writes.append(
                        klarna_write(
                            "patch_product",
                            lambda c, key: c.klarna.patch_product(acct, product, patch, idempotency_key=key),
                            patch,
                            account_id=acct,
                            product_id=product,
                        )
                    )
                return writes + self._state_writes(want, have.status, ctx)
            case Delete():
                raise ValueError("a payment product is never deleted")

    def _state_writes(self, want: ResourceState, status: str | None, ctx: WriteContext) -> list[WriteRequest]:
        """Disable (with the declared reason) or enable, when the declared state differs from ``status``."""
        acct, product = ctx.account_id, ctx.product
        if want.status == DISABLED and status != DISABLED:
            reason = body(want.extra.get("disabled_reason") or {"reason": "OTHER"}, DisableProductRequest)
            return [
                klarna_write(
                    "disable_product",
                    lambda c, key: c.klarna.disable_product(acct, product, reason, idempotency_key=key),
                    reason,
                    account_id=acct,
                    product_id=product,
                )
            ]
        if want.status == ENABLED and status == DISABLED:
            return [
                klarna_write(
                    "enable_product",
                    lambda c, key: c.klarna.enable_product(acct, product, idempotency_key=key),
                    account_id=acct,
                    product_id=product,
                )
            ]
        return []
