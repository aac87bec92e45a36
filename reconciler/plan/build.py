"""Building the plan: the operation each resource needs, with dependencies, in a deterministic order.

What an operation may be comes from its kind (``reconciler.kinds``): which fields are immutable or
set once, whether it can be deleted, whether it has a lifecycle state. Changes are masked here, so
the plan never holds a sensitive value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from reconciler.compare.diff import Change, diff_fields
from reconciler.kinds import KINDS, MerchantView, ResourceKind, ResourceState
from reconciler.kinds.account import INITIAL_SETUP, OPERATIONAL
from reconciler.kinds.order import KEYED_PARENTS, RANK, ancestors, delete_rank, depends_on
from reconciler.kinds.payment_product import DISABLED
from reconciler.plan.fingerprint import precondition_of
from reconciler.plan.operation import Action, Notice, Operation
from reconciler.plan.risk import risk_of
from reconciler.plan.value import Plan
from reconciler.sensitive import redact


def _masked(changes: Iterable[Change]) -> tuple[Change, ...]:
    # Built directly: ``dataclasses.replace`` costs four times as much, and a create masks every field.
    return tuple(
        Change(
            c.op,
            c.path,
            redact(_in_desired_shape(c.before, [c.after]), c.path, within=True),  # live text may hold a secret
            redact(c.after, c.path),
            c.origin,
        )
        for c in changes
    )


def _in_desired_shape(before: Any, wanted: list[Any]) -> Any:
    """The live value as it may be shown, against the desired values it stands for (``wanted``).

    An object or a list the API sent where the desired state has a value of another shape stands as its
    kind, not its content, and an object keeps only the keys the desired one declares: the keys of
    such a value are none a model knows (``redact`` masks by the name of a field), so a national id or
    an IBAN under one of them would otherwise be shown as it is. The change still tells that they differ.
    """
    if isinstance(before, Mapping):
        templates = [want for want in wanted if isinstance(want, Mapping)]
        if not templates:
            return OBJECT_SHOWN
        return {
            key: _in_desired_shape(value, [t[key] for t in templates if key in t])
            for key, value in before.items()
            if any(key in t for t in templates)
        }
    if isinstance(before, list):
        lists = [want for want in wanted if isinstance(want, list)]
        if not lists:
            return LIST_SHOWN
        items = [item for items in lists for item in items]
        return [_in_desired_shape(item, items) for item in before]
    return before


OBJECT_SHOWN = "(an object)"
LIST_SHOWN = "(a list)"


def _creation_changes(desired: ResourceState) -> list[Change]:
    changes = diff_fields(desired.fields, None)
    if desired.status is not None and KINDS[desired.kind].lifecycle:
        changes.append(Change.of(("state",), None, desired.status))
    return changes


def plan_resource(
    merchant: str, desired: ResourceState | None, current: ResourceState | None, key: bytes = b""
) -> Operation | None:
    """The operation one resource needs, if any (deletes only for kinds the API can delete)."""
    if desired is None:
        if current is None or not KINDS[current.kind].deletable:
            return None
        reason = "not declared in the desired state"
        precondition = precondition_of(None, current, key)
        return Operation(current.address(merchant), merchant, current.kind, Action.DELETE, (), precondition, (), reason)
    if current is None:
        address = desired.address(merchant)
        action = Action.ADOPT if KINDS[desired.kind].adopts(desired) else Action.CREATE
        why = (
            "onboards the existing Klarna merchant into the Management API, which overwrites all its data"
            if action is Action.ADOPT
            else None
        )
        return Operation(
            address, merchant, desired.kind, action, _masked(_creation_changes(desired)), reason=why
        )
    return _plan_existing(merchant, desired, current, key)


def _plan_existing(merchant: str, desired: ResourceState, current: ResourceState, key: bytes) -> Operation | None:
    """The operation that brings one live resource to its desired form, if any."""
    kind = KINDS[desired.kind]
    changes = diff_fields(desired.fields, current.fields)
    state_change: Action | None = None
    if kind.lifecycle and desired.status and current.status != desired.status:
        state_change = Action.DISABLE if desired.status == DISABLED else Action.ENABLE
        changes.append(Change.of(("state",), current.status, desired.status))

    hold = kind.provider_hold(desired, current, bool(changes))
    if hold is None and not changes:
        return None  # before anything else is made: a resource with nothing to do costs its comparison alone

    def op(action: Action, reason: str | None = None, held_by: str | None = None) -> Operation:
        # Fingerprinted only here, for a resource that has an operation.
        precondition = precondition_of(desired, current, key)
        address = desired.address(merchant)
        return Operation(
            address, merchant, kind.name, action, _masked(changes), precondition, (), reason, held_by=held_by
        )

    if hold is not None:
        return op(Action.BLOCKED, hold.reason, hold.provider)

    immutable = sorted({c.path[0] for c in changes} & kind.immutable)
    if immutable:
        return op(Action.BLOCKED, f"{', '.join(immutable)} cannot be changed through the API once created")
    blocked = kind.blocked_reason(current)
    if blocked is not None:
        return op(Action.BLOCKED, blocked)
    return op(state_change or Action.PATCH, kind.patch_reason(current))


def plan_merchant(desired: MerchantView, current: MerchantView | None, key: bytes = b"") -> list[Operation]:
    """Operations for one merchant, unsorted and without dependencies."""
    merchant = desired.reference
    live = current.resources if current is not None else {}
    ops: list[Operation] = []
    for address, want in desired.resources.items():
        op = plan_resource(merchant, want, live.get(address), key)
        if op is not None:
            named = KINDS[want.kind].references(want, desired)
            ops.append(replace(op, depends_on=named) if named else op)
    for address, have in live.items():
        if address not in desired.resources and have.kind in desired.managed_lists:
            op = plan_resource(merchant, None, have, key)
            if op is not None:
                ops.append(op)
    if not ops:
        return ops  # nothing to pair, hold or rank: most merchants of a plan
    ops = _held_with_their_account(_replacements(ops, desired, live), merchant)
    onboarding = in_onboarding(merchant, live)
    return [replace(op, risk=risk_of(op.resource, op.action), onboarding=onboarding) for op in ops]


def in_onboarding(merchant: str, live: Mapping[str, ResourceState]) -> bool:
    """Whether the merchant's onboarding is not complete: it has no account yet, or its new account is
    not yet OPERATIONAL (``plan.policy``: its disables are not counted)."""
    account = live.get(f"{merchant}/{ResourceKind.ACCOUNT.value}")
    return account is None or (account.status != OPERATIONAL and account.extra.get("state_reason") == INITIAL_SETUP)


def _held_with_their_account(ops: list[Operation], merchant: str) -> list[Operation]:
    """Everything under an account the provider holds is held too: a disabled account cannot be managed."""
    account = next(
        (op for op in ops if op.resource is ResourceKind.ACCOUNT and op.held_by is not None),
        None,
    )
    if account is None:
        return ops
    reason = f"{account.reason} (the account holds it)"
    return [
        replace(op, action=Action.BLOCKED, reason=reason, held_by=account.held_by)
        if ResourceKind.ACCOUNT in ancestors(op.resource) and op.action is not Action.BLOCKED
        else op
        for op in ops
    ]


def _replacements(ops: list[Operation], desired: MerchantView, live: Mapping[str, ResourceState]) -> list[Operation]:
    """A lone create and a lone delete of one replaceable kind are one replace: the natural key changed.

    With more than one of either the pairing would be a guess, so they stay creates and deletes.
    """
    out = list(ops)
    for name, kind in KINDS.items():
        if not kind.replaceable:
            continue
        creates = [op for op in out if op.resource is name and op.action is Action.CREATE]
        deletes = [op for op in out if op.resource is name and op.action is Action.DELETE]
        if len(creates) != 1 or len(deletes) != 1:
            continue
        (create,), (delete,) = creates, deletes
        want, have = desired.resources[create.address], live[delete.address]
        changes = _masked(diff_fields(want.fields, have.fields))
        reason = f"a new natural key: the new {kind.title.removeprefix('a ')} is created, then {delete.address} deleted"
        replacement = replace(
            create,
            action=Action.REPLACE,
            changes=changes,
            precondition=delete.precondition,
            reason=reason,
            replaces=delete.address,
        )
        out = [replacement if op is create else op for op in out if op is not delete]
    return out


def notices_of(desired: MerchantView, current: MerchantView | None) -> list[Notice]:
    """What a reviewer should know of the merchant's live objects beyond the operations."""
    if current is None:
        return []
    notices = []
    for address, want in desired.resources.items():
        have = current.resources.get(address)
        message = KINDS[want.kind].notice(want, have) if have is not None else None
        if message is not None:
            notices.append(Notice(address, desired.reference, message))
    return notices


def _dependencies(op: Operation, planned: set[str]) -> tuple[str, ...]:
    """The planned operations of the op's ancestors, and of the objects it names (already on ``op``)."""
    named = tuple(address for address in op.depends_on if address in planned)
    return tuple(dict.fromkeys((*depends_on(op.merchant, op.resource, planned), *named)))


def implied_dependencies(op: Operation, planned: set[str], desired: Callable[[str], MerchantView]) -> tuple[str, ...]:
    """The ``depends_on`` that building gives ``op`` in a plan of the ``planned`` addresses, derived again.

    Apply checks a saved plan's against these: an operation whose dependencies ran in the same run is
    let past the check of its live object (they may have changed it), so a dependency a plan file adds
    would let an operation through against an object that changed since the plan. ``desired`` gives a
    merchant's desired view, asked for only when the kind can name a keyed parent (a webhook its key).
    """
    named: tuple[str, ...] = ()
    if any(parent in KEYED_PARENTS for parent in ancestors(op.resource)):
        view = desired(op.merchant)
        want = view.resources.get(op.address)
        if want is not None:
            named = KINDS[want.kind].references(want, view)
    return _dependencies(replace(op, depends_on=named), planned)


def first_unimplied_dependencies(ops: Sequence[Operation], desired: Callable[[str], MerchantView]) -> int | None:
    """The index of the first operation whose ``depends_on`` differs from ``implied_dependencies`` (None: none)."""
    planned = {op.address for op in ops}
    for index, op in enumerate(ops):
        if op.depends_on != implied_dependencies(op, planned, desired):
            return index
    return None


def _sort_key(op: Operation) -> tuple[str, int, int, str]:
    rank, after = delete_rank(op.resource) if op.action is Action.DELETE else (RANK[op.resource], 0)
    return (op.merchant, rank, after, op.address)


def build_plan(
    desired: Iterable[MerchantView],
    current: Mapping[str, MerchantView | None],
    desired_digest: str,
    unmanaged: Iterable[str] = (),
    key: bytes = b"",
) -> Plan:
    """The whole plan: every merchant's operations, with dependencies, in a deterministic order."""
    ops: list[Operation] = []
    notices: list[Notice] = []
    references: list[str] = []
    for view in desired:
        references.append(view.reference)
        ops.extend(plan_merchant(view, current.get(view.reference), key))
        notices.extend(notices_of(view, current.get(view.reference)))
    return assemble_plan(ops, references, desired_digest, unmanaged, notices)


def assemble_plan(
    ops: Iterable[Operation],
    references: Iterable[str],
    desired_digest: str,
    unmanaged: Iterable[str] = (),
    notices: Iterable[Notice] = (),
) -> Plan:
    """A plan from merchants' operations planned one by one: dependencies, order and summary added."""
    ops = list(ops)
    planned = {op.address for op in ops}
    ops = [replace(op, depends_on=_dependencies(op, planned)) for op in ops]
    ops.sort(key=_sort_key)
    ordered = tuple(sorted(notices, key=lambda n: n.address))
    return Plan(desired_digest, tuple(ops), tuple(sorted(unmanaged)), tuple(sorted(references)), notices=ordered)
