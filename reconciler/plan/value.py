"""The plan as a value: every operation of a run, the merchants it covers, and the digest it was made from.

It holds no sensitive value (changes are masked when the plan is built) and no API ids: apply
re-reads the live state, checks each operation's precondition fingerprint, and takes payloads from
the desired state whose digest the plan names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.errors import InputError, InputIssue
from reconciler.plan.operation import ACTION_ORDER, Operation

FORMAT_VERSION = 1


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
