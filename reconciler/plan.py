"""The plan: typed operations built from desired and live resources, sorted and summarised.

The plan is a value. It holds no sensitive value (changes are masked when the plan is built) and
no API ids: apply re-reads the live state, checks each operation's precondition fingerprint, and
takes payloads from the desired state whose digest the plan names.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from reconciler.diff import Change, diff_fields, project
from reconciler.errors import InputError, InputIssue
from reconciler.redact import redact
from reconciler.resources import KIND_ORDER, MerchantView, ResourceKind, ResourceState, resource_address

FORMAT_VERSION = 1
ABSENT = "absent"


class Action(StrEnum):
    CREATE = "create"
    PATCH = "patch"
    DISABLE = "disable"
    ENABLE = "enable"
    DELETE = "delete"
    BLOCKED = "blocked"


ACTION_ORDER = [Action.CREATE, Action.PATCH, Action.DISABLE, Action.ENABLE, Action.DELETE, Action.BLOCKED]

# Kinds whose live members beyond the declared list are deleted (when the YAML declares the list).
DELETABLE = frozenset(
    {ResourceKind.STAKEHOLDER, ResourceKind.BANK_ACCOUNT, ResourceKind.ENABLEMENT, ResourceKind.CREDENTIAL}
)
# Fields the API cannot change after creation: a difference is blocked, never silently dropped.
IMMUTABLE_FIELDS: dict[ResourceKind, frozenset[str]] = {
    ResourceKind.PAYMENT_PRODUCT: frozenset({"distribution_profile_id", "type"}),
    ResourceKind.ENABLEMENT: frozenset({"payment_program_id", "enablement_criteria", "effective_from"}),
    ResourceKind.CREDENTIAL: frozenset({"type", "environment"}),
}


@dataclass(frozen=True)
class Operation:
    address: str
    merchant: str
    resource: ResourceKind
    action: Action
    changes: tuple[Change, ...] = ()
    precondition: str = ABSENT
    depends_on: tuple[str, ...] = ()
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "merchant": self.merchant,
            "resource": self.resource.value,
            "action": self.action.value,
            "changes": [{"path": c.path, "before": c.before, "after": c.after} for c in self.changes],
            "precondition": self.precondition,
            "depends_on": list(self.depends_on),
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Operation:
        return cls(
            address=str(data["address"]),
            merchant=str(data["merchant"]),
            resource=ResourceKind(data["resource"]),
            action=Action(data["action"]),
            changes=tuple(Change(c["path"], c.get("before"), c.get("after")) for c in data.get("changes", [])),
            precondition=str(data.get("precondition", ABSENT)),
            depends_on=tuple(data.get("depends_on", [])),
            reason=data.get("reason"),
        )


@dataclass(frozen=True)
class Plan:
    desired_digest: str
    operations: tuple[Operation, ...]
    unmanaged: tuple[str, ...] = ()
    merchants: tuple[str, ...] = field(default=())  # every merchant the plan covers, changed or not
    # Set when the plan is made (not built: building is pure). Idempotency keys derive from it, so
    # retries and re-runs of this plan replay, while a new plan may repeat an old write on purpose.
    plan_id: str = ""

    @property
    def summary(self) -> dict[str, int]:
        counts = {action.value: 0 for action in ACTION_ORDER}
        for op in self.operations:
            counts[op.action.value] += 1
        return counts

    @property
    def has_changes(self) -> bool:
        return bool(self.operations)

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "plan_id": self.plan_id,
            "desired_digest": self.desired_digest,
            "summary": self.summary,
            "operations": [op.to_dict() for op in self.operations],
        }
        if self.merchants:
            doc["merchants"] = list(self.merchants)
        if self.unmanaged:
            doc["unmanaged"] = list(self.unmanaged)
        return doc

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "plan") -> Plan:
        if data.get("format_version") != FORMAT_VERSION:
            found = data.get("format_version")
            raise InputError([InputIssue(source, 1, 1, f"format_version: expected {FORMAT_VERSION}, got {found!r}")])
        try:
            return cls(
                desired_digest=str(data["desired_digest"]),
                operations=tuple(Operation.from_dict(op) for op in data["operations"]),
                unmanaged=tuple(data.get("unmanaged", [])),
                merchants=tuple(data.get("merchants", [])),
                plan_id=str(data.get("plan_id") or ""),
            )
        except (KeyError, ValueError, TypeError) as error:
            raise InputError([InputIssue(source, 1, 1, f"not a reconciler plan: {error}")]) from None


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def state_fingerprint(fields: Mapping[str, Any], status: str | None, key: bytes = b"") -> str:
    """What apply compares before writing: the managed fields and the lifecycle status of a live object.

    Keyed (see ``planning.precondition_key``): the fields hold IBANs and dates of birth, and an
    unkeyed hash of a value with few possibilities could be guessed back from a plan file.
    """
    digest = hmac.new(key, canonical_json({"fields": fields, "status": status}).encode(), hashlib.sha256).hexdigest()
    return f"hmac-sha256:{digest[:16]}"


def _masked(changes: Iterable[Change]) -> tuple[Change, ...]:
    return tuple(Change(c.path, redact(c.before, c.path), redact(c.after, c.path)) for c in changes)


def _creation_changes(desired: ResourceState) -> list[Change]:
    changes = diff_fields(desired.fields, None)
    if desired.status is not None and desired.kind is ResourceKind.PAYMENT_PRODUCT:
        changes.append(Change("state", None, desired.status))
    return changes


def precondition_of(desired: ResourceState | None, current: ResourceState | None, key: bytes = b"") -> str:
    """The fingerprint of the live object an operation is planned against (``absent`` when there is none)."""
    if current is None:
        return ABSENT
    if desired is None:
        return state_fingerprint(current.fields, current.status, key)
    return state_fingerprint(project(current.fields, desired.fields), current.status, key)


def plan_resource(
    merchant: str, desired: ResourceState | None, current: ResourceState | None, key: bytes = b""
) -> Operation | None:
    """The operation one resource needs, if any (deletes only for kinds the API can delete)."""
    if desired is None:
        if current is None or current.kind not in DELETABLE:
            return None
        reason = "not declared in the desired state"
        return Operation(
            current.address(merchant),
            merchant,
            current.kind,
            Action.DELETE,
            (),
            precondition_of(None, current, key),
            (),
            reason,
        )
    if current is None:
        address = desired.address(merchant)
        return Operation(address, merchant, desired.kind, Action.CREATE, _masked(_creation_changes(desired)))
    return _plan_existing(merchant, desired, current, key)


def _plan_existing(merchant: str, desired: ResourceState, current: ResourceState, key: bytes) -> Operation | None:
    """The operation that brings one live resource to its desired form, if any."""
    kind = desired.kind
    address = desired.address(merchant)
    changes = diff_fields(desired.fields, current.fields)
    precondition = precondition_of(desired, current, key)
    state_change: Action | None = None
    if kind is ResourceKind.PAYMENT_PRODUCT and desired.status and current.status != desired.status:
        state_change = Action.DISABLE if desired.status == "DISABLED" else Action.ENABLE
        changes.append(Change("state", current.status, desired.status))
    if not changes:
        return None

    def op(action: Action, reason: str | None = None) -> Operation:
        return Operation(address, merchant, kind, action, _masked(changes), precondition, (), reason)

    immutable = sorted({c.path.split(".")[0] for c in changes} & IMMUTABLE_FIELDS.get(kind, frozenset()))
    if immutable:
        return op(Action.BLOCKED, f"{', '.join(immutable)} cannot be changed through the API once created")
    if kind is ResourceKind.ACCOUNT_INFORMATION:
        return op(Action.BLOCKED, "account information can only be set once")
    if kind is ResourceKind.CONNECTION:
        if current.status == "enabled":
            return op(Action.BLOCKED, "the connection is enabled; a signup cannot be changed once enabled")
        if current.status == "pending":
            return op(Action.PATCH, "new signup over the pending one (force_new_signup)")
        return op(Action.PATCH, f"new signup (the previous one is {current.status})")
    return op(state_change or Action.PATCH)


def _dependencies(merchant: str, kind: ResourceKind, planned: set[str]) -> tuple[str, ...]:
    deps: list[str] = []
    account = resource_address(merchant, ResourceKind.ACCOUNT)
    if kind is not ResourceKind.ACCOUNT and kind.api == "klarna" and account in planned:
        deps.append(account)
    product = resource_address(merchant, ResourceKind.PAYMENT_PRODUCT)
    if kind is ResourceKind.ENABLEMENT and product in planned:
        deps.append(product)
    return tuple(deps)


def plan_merchant(desired: MerchantView, current: MerchantView | None, key: bytes = b"") -> list[Operation]:
    """Operations for one merchant, unsorted and without dependencies."""
    merchant = desired.reference
    live = current.resources if current is not None else {}
    ops: list[Operation] = []
    for address, want in desired.resources.items():
        op = plan_resource(merchant, want, live.get(address), key)
        if op is not None:
            ops.append(op)
    for address, have in live.items():
        if address not in desired.resources and have.kind in desired.managed_lists:
            op = plan_resource(merchant, None, have, key)
            if op is not None:
                ops.append(op)
    return ops


def _sort_key(op: Operation) -> tuple[str, int, str]:
    return (op.merchant, KIND_ORDER[op.resource], op.address)


def build_plan(
    desired: Iterable[MerchantView],
    current: Mapping[str, MerchantView | None],
    desired_digest: str,
    unmanaged: Iterable[str] = (),
    key: bytes = b"",
) -> Plan:
    """The whole plan: every merchant's operations, with dependencies, in a deterministic order."""
    ops: list[Operation] = []
    references: list[str] = []
    for view in desired:
        references.append(view.reference)
        ops.extend(plan_merchant(view, current.get(view.reference), key))
    return assemble_plan(ops, references, desired_digest, unmanaged)


def assemble_plan(
    ops: Iterable[Operation], references: Iterable[str], desired_digest: str, unmanaged: Iterable[str] = ()
) -> Plan:
    """A plan from merchants' operations planned one by one: dependencies, order and summary added."""
    ops = list(ops)
    planned = {op.address for op in ops}
    ops = [replace(op, depends_on=_dependencies(op.merchant, op.resource, planned)) for op in ops]
    ops.sort(key=_sort_key)
    return Plan(desired_digest, tuple(ops), tuple(sorted(unmanaged)), tuple(sorted(references)))
