"""An operation of a plan: what happens to one resource, the field changes, and what it was planned against."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from reconciler.compare.diff import Change, parse_path, path_text
from reconciler.kinds import ResourceKind

ABSENT = "absent"  # the precondition of an operation planned against no live object


class Action(StrEnum):
    CREATE = "create"
    PATCH = "patch"
    DISABLE = "disable"
    ENABLE = "enable"
    DELETE = "delete"
    BLOCKED = "blocked"


ACTION_ORDER = [Action.CREATE, Action.PATCH, Action.DISABLE, Action.ENABLE, Action.DELETE, Action.BLOCKED]


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
            "changes": [{"path": path_text(c.path), "before": c.before, "after": c.after} for c in self.changes],
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
            changes=tuple(
                Change.of(parse_path(str(c["path"])), c.get("before"), c.get("after")) for c in data.get("changes", [])
            ),
            precondition=str(data.get("precondition", ABSENT)),
            depends_on=tuple(data.get("depends_on", [])),
            reason=data.get("reason"),
        )
