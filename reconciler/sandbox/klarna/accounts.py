"""Klarna accounts as stored documents: ids, lifecycle, ``expand`` and rendering.

An account is ONE document in the store (kind ``klarna.account``, id = ``account_id``, ref =
``account_reference``) holding every sub-resource, so a read with ``expand`` is one row. Sub-resources are
stored in the exact shape their own GET routes return; keys starting with ``_`` are internal and never served.

Lifecycle: an account is ``PARTIALLY_OPERATIONAL`` / ``INITIAL_SETUP`` until ``_operational_at`` (its creation
time plus the sandbox's operational delay), then ``OPERATIONAL`` / ``SETUP_COMPLETE``. An account update sends it
back: ``PARTIALLY_OPERATIONAL`` / ``ACCOUNT_UPDATE`` (``_setup_reason``) until the delay has passed again. Only
Klarna disables an account (``_disabled``, set by the provider's own action in ``klarna.lifecycle``): it is then
``DISABLED`` with the compliance decision as its ``state_reason``, whatever the clock says. The state is computed
on read from the sandbox clock, so nothing has to run in the background; ``advance_accounts`` pulls the moment
forward for the admin route.

Management writes need an OPERATIONAL account: while it is ``PARTIALLY_OPERATIONAL`` they are 409
``RESOURCE_CONFLICT``; on a ``DISABLED`` account they are 403 ``OPERATION_FORBIDDEN``.

Expand names: ``products``, ``websites``, ``collections``, ``account_information``, ``business_information``,
``stakeholders``, ``settlement_information``, ``bank_accounts``, ``payment_program_enablements``. Lists are
always present when expanded (maybe empty); the singletons (``account_information``, ``business_information``,
``settlement_information``) are left out until they are set. Enablements are one flat list, each carrying the
``product_id`` of the payment product it belongs to.
"""

from __future__ import annotations

import secrets
import string
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi import Request

from reconciler.sandbox.klarna.models import format_timestamp
from reconciler.sandbox.platform.problems import KlarnaProblem, klarna_conflict, klarna_not_found, klarna_validation
from reconciler.sandbox.platform.state import SandboxState
from reconciler.sandbox.platform.store import Store

KIND = "klarna.account"
CREDENTIAL_KIND = "klarna.credential"

ACCOUNT_PREFIX = "krn:partner:global:account:test:"
GROUP_PREFIX = "krn:partner:global:account:group:"
PRODUCT_PREFIX = "krn:partner:global:account:product:payment:"
WEBSITE_PREFIX = "krn:partner:global:account:channel:website:"
COLLECTION_PREFIX = "krn:partner:global:account:channel:collection:"
STAKEHOLDER_PREFIX = "krn:partner:global:account:stakeholder:"
BANK_ACCOUNT_PREFIX = "krn:partner:global:settlement-information:bank-account:"
ENABLEMENT_PREFIX = "krn:partner:global:account:payment:program:enablement:"
DEEP_LINK_PREFIX = "krn:partner:global:portal:deep-link:"

OPERATIONAL = "OPERATIONAL"
PARTIALLY_OPERATIONAL = "PARTIALLY_OPERATIONAL"
DISABLED = "DISABLED"
INITIAL_SETUP = "INITIAL_SETUP"
ACCOUNT_UPDATE = "ACCOUNT_UPDATE"
SETUP_COMPLETE = "SETUP_COMPLETE"

ACCOUNT_FIELDS = (
    "account_id",
    "account_reference",
    "account_name",
    "account_group_reference",
    "account_group_id",
    "account_owner",
)
EXPAND_NAMES = (
    "products",
    "websites",
    "collections",
    "account_information",
    "business_information",
    "stakeholders",
    "settlement_information",
    "bank_accounts",
    "payment_program_enablements",
)
MAX_EXPAND = 10
_KNOWN_EXPANSIONS = frozenset(EXPAND_NAMES)
_ID_ALPHABET = string.ascii_uppercase + string.digits
# Group ids are derived from the partner's group reference, so accounts of one group share the id.
_GROUP_NAMESPACE = uuid.UUID("6f1f7c3e-9a55-4a4e-8f1e-3c1d2b0a9e77")


def sandbox_of(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


def new_account_id() -> str:
    return ACCOUNT_PREFIX + "".join(secrets.choice(_ID_ALPHABET) for _ in range(8))


def new_krn(prefix: str) -> str:
    return prefix + str(uuid.uuid4())


def group_id_for(reference: str) -> str:
    return GROUP_PREFIX + str(uuid.uuid5(_GROUP_NAMESPACE, reference))


def timestamp_at(seconds: float) -> str:
    return format_timestamp(datetime.fromtimestamp(seconds, UTC))


def account_state(doc: dict[str, Any], now: float) -> tuple[str, str]:
    """(state, state_reason) of an account at ``now``."""
    disabled = doc.get("_disabled")
    if disabled:
        return DISABLED, str(disabled["state_reason"])
    if now >= doc["_operational_at"]:
        return OPERATIONAL, SETUP_COMPLETE
    return PARTIALLY_OPERATIONAL, str(doc.get("_setup_reason", INITIAL_SETUP))


def restart_setup(doc: dict[str, Any], now: float, delay: float) -> None:
    """An account update: PARTIALLY_OPERATIONAL / ACCOUNT_UPDATE until ``delay`` has passed."""
    doc["_operational_at"] = now + delay
    doc["_setup_reason"] = ACCOUNT_UPDATE


def new_account_document(
    account_id: str, reference: str, fields: dict[str, Any], *, created_at: float, operational_at: float
) -> dict[str, Any]:
    """An account with no sub-resources yet; ``fields`` holds account_name, account_owner and the group."""
    doc: dict[str, Any] = {"account_id": account_id, "account_reference": reference, **fields}
    if doc.get("account_group_reference"):
        doc["account_group_id"] = group_id_for(doc["account_group_reference"])
    doc.update(
        {
            "_created_at": created_at,
            "_operational_at": operational_at,
            "_product_state_changed_at": None,
            "products": [],
            "websites": [],
            "collections": [],
            "account_information": None,
            "business_information": None,
            "stakeholders": [],
            "settlement_information": None,
            "bank_accounts": [],
            "payment_program_enablements": [],
        }
    )
    return doc


def parse_expand(raw: str | None) -> list[str]:
    """The expand names of a request; more than ten or an unknown one is a 400 naming ``expand``."""
    if not raw:
        return []
    names = [n.strip() for n in raw.split(",") if n.strip()]
    if len(names) > MAX_EXPAND:
        raise klarna_validation(
            "Too many sub-resources to expand",
            [{"parameter": "expand", "error_message": f"at most {MAX_EXPAND} names can be expanded"}],
        )
    unknown = [n for n in names if n not in _KNOWN_EXPANSIONS]
    if unknown:
        known = ", ".join(EXPAND_NAMES)
        raise klarna_validation(
            "Unknown sub-resource to expand",
            [{"parameter": "expand", "error_message": f"unknown name {unknown[0]!r}; known: {known}"}],
        )
    return names


def render_account(doc: dict[str, Any], now: float, expand: Sequence[str] = ()) -> dict[str, Any]:
    body = {k: doc[k] for k in ACCOUNT_FIELDS if doc.get(k) is not None}
    body["state"], body["state_reason"] = account_state(doc, now)
    for name in expand:
        value = doc.get(name)
        if value is not None:
            body[name] = value
    return body


def onboard_response(doc: dict[str, Any], now: float, *, created: bool) -> dict[str, Any]:
    """The onboard answer: a new account always starts PARTIALLY_OPERATIONAL / INITIAL_SETUP (even with no
    delay, as Klarna documents); an existing one answers its current state."""
    state, reason = (PARTIALLY_OPERATIONAL, INITIAL_SETUP) if created else account_state(doc, now)
    return {
        "account_id": doc["account_id"],
        "account_reference": doc["account_reference"],
        "account_name": doc["account_name"],
        "state": state,
        "state_reason": reason,
    }


def load_account(store: Store, account_id: str) -> dict[str, Any]:
    doc = store.get(KIND, account_id)
    if doc is None:
        raise klarna_not_found("Account")
    return doc


def save_account(store: Store, doc: dict[str, Any]) -> None:
    store.put(KIND, doc["account_id"], doc, ref=doc["account_reference"])


def require_operational(doc: dict[str, Any], now: float) -> None:
    state, reason = account_state(doc, now)
    if state == DISABLED:
        raise klarna_forbidden(
            f"The account is DISABLED by Klarna ({reason}): it cannot be managed or get new products"
        )
    if state != OPERATIONAL:
        raise klarna_conflict(
            f"The account is not operational yet (PARTIALLY_OPERATIONAL, {reason}): it cannot be managed until "
            "its setup is complete"
        )


def klarna_forbidden(message: str) -> KlarnaProblem:
    return KlarnaProblem(403, "RESOURCE_ERROR", "OPERATION_FORBIDDEN", message)


@contextmanager
def account_for_update(request: Request, account_id: str) -> Iterator[dict[str, Any]]:
    """Load an OPERATIONAL account for a management write and save it when the block ends without error.

    The whole block is one store transaction, so the write is atomic and committed before the response.
    """
    sandbox = sandbox_of(request)
    with sandbox.store.transaction():
        doc = load_account(sandbox.store, account_id)
        require_operational(doc, sandbox.now())
        yield doc
        save_account(sandbox.store, doc)


def find_item(items: list[dict[str, Any]], id_field: str, item_id: str, what: str) -> dict[str, Any]:
    for item in items:
        if item[id_field] == item_id:
            return item
    raise klarna_not_found(what)


def remove_item(items: list[dict[str, Any]], id_field: str, item_id: str, what: str) -> None:
    items.remove(find_item(items, id_field, item_id, what))


def rate_limited(retry_after: int, message: str) -> KlarnaProblem:
    return KlarnaProblem(429, "ACCESS_ERROR", "RATE_LIMITED", message, headers={"Retry-After": str(retry_after)})


def advance_accounts(store: Store, now: float) -> int:
    """Make every account still in its setup OPERATIONAL now; returns how many changed."""
    return len(advanced_accounts(store, now))


def advanced_accounts(store: Store, now: float) -> list[dict[str, Any]]:
    """Make every account still in its setup OPERATIONAL now; returns the accounts that changed."""
    changed: list[dict[str, Any]] = []
    with store.transaction():
        after: str | None = None
        while True:
            page = store.list(KIND, after_id=after, limit=500)
            if not page:
                break
            for doc in page:
                if doc["_operational_at"] > now:
                    doc["_operational_at"] = now
                    changed.append(doc)
            after = page[-1]["account_id"]
        store.put_many(KIND, ((d["account_id"], d["account_reference"], d) for d in changed))
    return changed
