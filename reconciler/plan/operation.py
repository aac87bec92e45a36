"""An operation of a plan: what happens to one resource, the field changes, and what it was planned against."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from reconciler.compare.diff import Change, path_text
from reconciler.kinds import ResourceKind

ABSENT = "absent"  # the precondition of an operation planned against no live object


class Action(StrEnum):
    CREATE = "create"
    # Onboard an existing (legacy) Klarna merchant into the Management API: it overwrites that merchant's data.
    ADOPT = "adopt"
    PATCH = "patch"
    REPLACE = "replace"  # a new natural key: the new object is created, then the old one deleted
    DISABLE = "disable"
    ENABLE = "enable"
    DELETE = "delete"
    BLOCKED = "blocked"


ACTION_ORDER = [
    Action.CREATE,
    Action.ADOPT,
    Action.PATCH,
    Action.REPLACE,
    Action.DISABLE,
    Action.ENABLE,
    Action.DELETE,
    Action.BLOCKED,
]


class Risk(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


RISK_ORDER = [Risk.HIGH, Risk.MEDIUM, Risk.LOW]


@dataclass(frozen=True, slots=True)
class Operation:
    address: str
    merchant: str
    resource: ResourceKind
    action: Action
    changes: tuple[Change, ...] = ()
    precondition: str = ABSENT
    depends_on: tuple[str, ...] = ()
    reason: str | None = None
    risk: Risk = Risk.LOW
    # A replace: the address of the live object it replaces (deleted once the new one exists).
    replaces: str | None = None
    # Part of the merchant's onboarding (its account is new or not yet OPERATIONAL): see ``plan.policy``.
    onboarding: bool = False
    # Blocked because a provider holds the state ("Klarna", "Dintero"): no write may change it.
    held_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "address": self.address,
            "merchant": self.merchant,
            "resource": self.resource.value,
            "action": self.action.value,
            "risk": self.risk.value,
            "changes": [_change_dict(c) for c in self.changes],
            "precondition": self.precondition,
            "depends_on": list(self.depends_on),
            "reason": self.reason,
        }
        if self.replaces is not None:
            doc["replaces"] = self.replaces
        if self.onboarding:
            doc["onboarding"] = True
        if self.held_by is not None:
            doc["held_by"] = self.held_by
        return doc

    def same_as(self, other: Operation) -> bool:
        """The same operation: action, address, the object it replaces and the (masked) changes."""
        return (self.action, self.address, self.replaces, self.changes) == (
            other.action,
            other.address,
            other.replaces,
            other.changes,
        )


def _change_dict(change: Change) -> dict[str, Any]:
    doc = {"path": path_text(change.path), "before": change.before, "after": change.after}
    if change.origin is not None:
        doc["origin"] = change.origin  # optional: plans written before origins were kept have none
    return doc


@dataclass(frozen=True, slots=True)
class Notice:
    """Something a reviewer should know of a live object that needs no write (no sensitive value)."""

    address: str
    merchant: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"address": self.address, "merchant": self.merchant, "message": self.message}
