"""``dintero.connection``: a Dintero payment connection (klarna, vipps-psp, common), keyed by its name.

Dintero has no PATCH: a changed signup is a new signup. Over a ``pending`` one it needs
``force_new_signup``; once ``enabled`` a signup cannot change, so a difference is blocked.
The live side compares against the latest signup, the one a new signup would replace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from reconciler.kinds.kind import Hold, Kind
from reconciler.kinds.names import ResourceKind
from reconciler.kinds.registry import register
from reconciler.kinds.state import MATCH, Member, ResourceState
from reconciler.kinds.writes import Create, Delete, Patch, WriteContext, WriteRequest, dintero_write
from reconciler.live.dintero import Connection as ConnectionName
from reconciler.live.models import DinteroConnection, DinteroSignup
from reconciler.live.read import Bodies, LiveMerchant

PENDING, ENABLED, FAILED, DECLINED = "pending", "enabled", "failed", "declined"
SIGNATURE_REQUIRED = "signature_required"


def signature_link(connection: DinteroConnection) -> str | None:
    """The link the merchant signs at, from the latest ``signature_required`` event (not sensitive).

    Only a text is a link: an object or a list there is no link, and its text could be anything (the
    metadata is free-form), so it is not shown in the plan's notices.
    """
    for event in reversed(connection.events or []):
        if event.event == SIGNATURE_REQUIRED:
            link = (event.metadata or {}).get("signature_link")
            return link if isinstance(link, str) and link else None
    return None


def _instant(created_at: object) -> float | None:
    """A signup's ``created_at`` in seconds since the epoch (UTC when it names no zone), or None if it is no time."""
    if type(created_at) is not str:
        return None
    try:
        moment = datetime.fromisoformat(created_at)
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    except (ValueError, OverflowError):  # OverflowError: a time in year 1 with an offset lies before year 1 in UTC
        return None


def newest_index(created_at: Sequence[object]) -> int:
    """Which of a connection's ``signups[]`` is the newest, given each one's ``created_at``.

    Dintero keeps one signup per (case_id, store_id): a new signup for an earlier case_id replaces that
    entry where it stands, so the newest one is not always the last. The latest ``created_at`` wins; on a
    tie, or where no stamp reads as a time, the later entry does (the order Dintero added them in).
    """
    best, best_at = len(created_at) - 1, None
    for index, stamp in enumerate(created_at):
        at = _instant(stamp)
        if at is not None and (best_at is None or at >= best_at):
            best, best_at = index, at
    return best


def answer_awaited(connection: DinteroConnection) -> bool:
    """Whether the newest signup was sent after Dintero last declined or failed the connection.

    Dintero answers a signup by moving the connection's status (an event); a new signup after a decline is
    one Dintero has not answered yet, whatever status the connection still shows.
    """
    decided = [_instant(e.created_at) for e in connection.events or [] if e.status in (DECLINED, FAILED)]
    if not decided:
        return False
    signed = _instant(latest_signup(connection).get("created_at"))
    # Every decision is looked at, not the last event only: an event without a time could be any of them.
    return signed is not None and None not in decided and signed > max(at for at in decided if at is not None)


def latest_signup(connection: DinteroConnection) -> dict[str, Any]:
    """The signup a new one would replace: the newest of ``signups[]`` (klarna, vipps-psp) or ``signup`` (common)."""
    if signups := connection.signups:
        newest = signups[0] if len(signups) == 1 else signups[newest_index([s.created_at for s in signups])]
        return newest.model_dump(mode="json", exclude_none=True)
    single = (connection.model_extra or {}).get("signup")
    return dict(single) if isinstance(single, Mapping) else {}


@register
class Connection(Kind):
    name = ResourceKind.CONNECTION
    title = "a Dintero connection"
    keyed = True

    def identity(self, fields: Mapping[str, Any]) -> str:
        raise NotImplementedError("a connection is keyed by its name, which projections set")

    def desired(self, document: Mapping[str, Any]) -> Sequence[Member] | None:
        dintero = document.get("dintero")
        if not dintero or dintero.get("account_id") is None:
            return None
        connections = dintero.get("connections") or {}
        aid = dintero["account_id"]
        return [Member(connections[name], extra={MATCH: name, "aid": aid}) for name in sorted(connections)]

    def declared_at(self, state: ResourceState) -> tuple[str, ...]:
        return ("dintero", "connections", str(state.extra.get(MATCH)))

    def live(self, live: LiveMerchant) -> Sequence[Member]:
        account = live.dintero
        if account is None:
            return []
        return [
            Member(
                {"signup": latest_signup(connection)},
                account.account_id,
                connection.status,
                {
                    MATCH: name,
                    "aid": account.account_id,
                    "signature_link": signature_link(connection),
                    "answer_awaited": answer_awaited(connection),
                },
            )
            for name, connection in sorted(account.connections.items())
        ]

    def answered(self, members: Sequence[Member], bodies: Bodies) -> list[Any] | None:
        connections = (bodies.dintero or {}).get("connections") or {}
        if type(connections) is not dict:
            return None
        found = []
        for member in members:
            connection = connections.get(member.extra.get(MATCH))
            # Pending makes a notice; declined and failed a hold, even when the signup is the same.
            if type(connection) is not dict or connection.get("status") in (PENDING, DECLINED, FAILED):
                return None
            signups = connection.get("signups")
            latest = connection.get("signup")
            if signups and type(signups) is not list:
                return None  # a shape the models refuse: validated, and refused, on the full path
            if signups:  # as ``latest_signup`` reads it
                stamps = [s.get("created_at") if type(s) is dict else None for s in signups]
                latest = signups[0] if len(signups) == 1 else signups[newest_index(stamps)]
            found.append({"signup": latest if type(latest) is dict else {}})
        return found

    def provider_hold(self, want: ResourceState, have: ResourceState, changed: bool) -> Hold | None:
        """Dintero declined or failed the signup it has: writing the same signup again would not help.

        A changed signup in the file is a person's answer to that, and is sent as a new signup; once sent, it
        awaits Dintero's answer, which is no hold even while the connection still shows the old decision.
        """
        if changed or have.status not in (DECLINED, FAILED) or have.extra.get("answer_awaited"):
            return None
        return Hold(
            "Dintero",
            f"Dintero {have.status} the {have.key} signup; correct the signup in the merchant file to sign up again "
            "(a new signup), or ask Dintero why",
        )

    def notice(self, want: ResourceState, have: ResourceState) -> str | None:
        if have.status in (DECLINED, FAILED) and have.extra.get("answer_awaited"):
            return f"waiting for Dintero's answer to the new signup (it {have.status} the one before)"
        if have.status != PENDING:
            return None
        link = have.extra.get("signature_link")
        return "pending: waiting for the merchant's signature" + (f" at {link}" if link else "")

    def blocked_reason(self, have: ResourceState) -> str | None:
        if have.status == ENABLED:
            return "the connection is enabled; a signup cannot be changed once enabled"
        return None

    def patch_reason(self, have: ResourceState) -> str | None:
        if have.status == PENDING:
            return "new signup over the pending one (force_new_signup)"
        return f"new signup (the previous one is {have.status})"

    def writes(self, change: Create | Patch | Delete, ctx: WriteContext) -> list[WriteRequest]:
        match change:
            case Create(want=want):
                return [self._signup(want, force=False)]
            case Patch(want=want, have=have):
                return [self._signup(want, force=have.status == PENDING)]
            case Delete():
                raise ValueError("Dintero offers no delete of a connection")

    def _signup(self, want: ResourceState, *, force: bool) -> WriteRequest:
        aid, name = str(want.extra.get("aid")), cast(ConnectionName, want.key)
        signup = DinteroSignup.model_validate(want.fields.get("signup", {}))  # the client wraps it in {"signup": ...}
        return dintero_write(
            "connection",
            lambda c, key: c.dintero.signup(aid, name, signup, force_new_signup=force),
            signup,
            "?force_new_signup=true" if force else "",
            aid=aid,
            connection=name,
        )
