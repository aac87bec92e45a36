"""Who may move an account or a payment product, and Klarna's own moves (the provider's actions).

Accounts (only Klarna moves them): ``PARTIALLY_OPERATIONAL`` -> ``OPERATIONAL`` -> ``DISABLED`` -> ``OPERATIONAL``.
Disabling an account disables every ENABLED product on it (``state_reason`` ``ACCOUNT_DISABLED_BY_KLARNA``), as
Klarna documents ("all products within an account are fully disabled"); enabling it again restores exactly
those products. The account's ``state_reason`` is Klarna's compliance decision type.

Payment products: ``ENABLED``, ``DISABLED``, ``TERMINATED``. Who holds a state is told by its ``state_reason``:
one ending in ``_BY_PARTNER`` is the partner's own disable, which the partner may enable again; any other
reason on a ``DISABLED`` or ``TERMINATED`` product is Klarna's (the sandbox's Klarna reasons all end in
``_BY_KLARNA``), and only Klarna reactivates it. The partner can neither enable nor disable a product Klarna
holds, nor change a ``TERMINATED`` one (403 ``OPERATION_FORBIDDEN``).

Each provider action returns the events it caused, for ``notifications.emit`` once the write is committed.
A provider action that changes nothing answers 200 and emits nothing; one that only changes the reason of a
state (a terminated product terminated again for another reason) stores it and emits nothing.
"""

from __future__ import annotations

from typing import Any

from reconciler.sandbox.klarna.accounts import (
    DISABLED,
    OPERATIONAL,
    account_state,
    find_item,
    klarna_forbidden,
    load_account,
    new_krn,
    save_account,
)
from reconciler.sandbox.klarna.event_types import (
    ACCOUNT_DISABLED,
    ACCOUNT_OPERATIONAL,
    PRODUCT_DISABLED,
    PRODUCT_ENABLED,
)
from reconciler.sandbox.klarna.notifications import Event
from reconciler.sandbox.platform.problems import klarna_conflict
from reconciler.sandbox.platform.store import Store

ENABLED = "ENABLED"
TERMINATED = "TERMINATED"
APPROVED = "APPROVED"
PARTNER_SUFFIX = "_BY_PARTNER"
KLARNA_SUFFIX = "_BY_KLARNA"
ACCOUNT_DISABLED_REASON = "ACCOUNT_DISABLED" + KLARNA_SUFFIX
DECISION_PREFIX = "krn:partner:global:compliance:decision:"
STATE_FIELDS = ("state", "state_reason", "state_context")


def held_by_klarna(product: dict[str, Any]) -> bool:
    return product["state"] in (DISABLED, TERMINATED) and not str(product.get("state_reason", "")).endswith(
        PARTNER_SUFFIX
    )


def require_not_terminated(product: dict[str, Any]) -> None:
    """Any partner write to a TERMINATED product is refused."""
    if product["state"] == TERMINATED:
        raise klarna_forbidden(
            f"The payment product was terminated by Klarna ({product.get('state_reason')}): only Klarna can "
            "re-activate it"
        )


def require_partner_may_change(product: dict[str, Any]) -> None:
    """The partner's enable and disable of a product: refused on a product Klarna holds."""
    require_not_terminated(product)
    if held_by_klarna(product):
        raise klarna_forbidden(
            f"The payment product was disabled by Klarna ({product.get('state_reason')}): only Klarna can "
            "re-activate it"
        )


def _state_of(product: dict[str, Any]) -> dict[str, Any]:
    return {k: product[k] for k in STATE_FIELDS if k in product}


def _set_state(product: dict[str, Any], state: str, reason: str, details: str | None = None) -> None:
    product["state"], product["state_reason"] = state, reason
    product.pop("state_context", None)
    if details is not None:
        product["state_context"] = {"reason_details": details}


def disable_account(store: Store, account_id: str, reason: str, now: float) -> tuple[dict[str, Any], list[Event]]:
    with store.transaction():
        doc = load_account(store, account_id)
        previous, _ = account_state(doc, now)
        if previous == DISABLED:
            return doc, []
        decision = new_krn(DECISION_PREFIX)
        restore: dict[str, dict[str, Any]] = {}
        events = [Event(ACCOUNT_DISABLED, doc, DISABLED, previous, extra={"compliance_decision_id": decision})]
        for product in doc["products"]:
            if product["state"] == ENABLED:
                restore[product["product_id"]] = _state_of(product)
                _set_state(product, DISABLED, ACCOUNT_DISABLED_REASON)
                events.append(Event(PRODUCT_DISABLED, doc, DISABLED, ENABLED, product["product_id"]))
        doc["_disabled"] = {"state_reason": reason, "compliance_decision_id": decision, "restore": restore}
        save_account(store, doc)
    return doc, events


def enable_account(store: Store, account_id: str, now: float) -> tuple[dict[str, Any], list[Event]]:
    """Klarna enables a DISABLED account. One still in its setup is notified when the setup ends, by the
    schedule its onboard or update made."""
    with store.transaction():
        doc = load_account(store, account_id)
        disabled = doc.pop("_disabled", None)
        if not disabled:
            return doc, []
        events: list[Event] = []
        state, _ = account_state(doc, now)
        if state == OPERATIONAL:
            events.append(Event(ACCOUNT_OPERATIONAL, doc, OPERATIONAL, DISABLED))
        for product in doc["products"]:
            before = disabled["restore"].get(product["product_id"])
            if before is not None and product.get("state_reason") == ACCOUNT_DISABLED_REASON:
                for key in STATE_FIELDS:
                    product.pop(key, None)
                product.update(before)
                events.append(Event(PRODUCT_ENABLED, doc, product["state"], DISABLED, product["product_id"]))
        save_account(store, doc)
    return doc, events


def _product_of_live_account(
    store: Store, account_id: str, product_id: str, now: float
) -> tuple[dict[str, Any], dict[str, Any]]:
    doc = load_account(store, account_id)
    if account_state(doc, now)[0] == DISABLED:
        raise klarna_conflict("The account is DISABLED: enable the account before acting on its products")
    return doc, find_item(doc["products"], "product_id", product_id, "Payment product")


def change_product(
    store: Store, account_id: str, product_id: str, now: float, action: str, reason: str, details: str | None
) -> tuple[dict[str, Any], list[Event]]:
    """Klarna's ``disable``, ``terminate`` or ``reactivate`` of a payment product."""
    with store.transaction():
        doc, product = _product_of_live_account(store, account_id, product_id, now)
        previous = product["state"]
        if action == "reactivate":
            if previous == ENABLED:
                return product, []
            if not held_by_klarna(product):
                raise klarna_conflict(
                    f"The payment product was disabled by the partner ({product.get('state_reason')}): the "
                    "partner enables it again"
                )
            _set_state(product, ENABLED, APPROVED)
            event = Event(PRODUCT_ENABLED, doc, ENABLED, previous, product_id)
        else:
            target = DISABLED if action == "disable" else TERMINATED
            if action == "disable" and previous == TERMINATED:
                raise klarna_conflict("The payment product is TERMINATED: reactivate it first")
            wanted: dict[str, Any] = {"state": target, "state_reason": reason + KLARNA_SUFFIX}
            if details is not None:
                wanted["state_context"] = {"reason_details": details}
            if _state_of(product) == wanted:
                return product, []
            _set_state(product, target, reason + KLARNA_SUFFIX, details)
            event = Event(PRODUCT_DISABLED, doc, target, previous, product_id)
        save_account(store, doc)
    # A new reason for the same state is no state change: nothing to notify.
    return product, [event] if previous != product["state"] else []
