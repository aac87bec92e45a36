"""What every renderer prints the same way: the symbol and verb of each action, values, the summary line."""

from __future__ import annotations

import json
from typing import Any

from reconciler.plan import ACTION_ORDER, Action, Operation, Plan

SYMBOLS: dict[Action, str] = {
    Action.CREATE: "+",
    Action.PATCH: "~",
    Action.DISABLE: "-/+",
    Action.ENABLE: "+/-",
    Action.DELETE: "-",
    Action.BLOCKED: "!",
}
# ``diff`` fenced blocks colour lines by their first character.
DIFF_MARKS: dict[Action, str] = {
    Action.CREATE: "+",
    Action.PATCH: "!",
    Action.DISABLE: "-",
    Action.ENABLE: "+",
    Action.DELETE: "-",
    Action.BLOCKED: "#",
}
VERBS: dict[Action, str] = {
    Action.CREATE: "to create",
    Action.PATCH: "to patch",
    Action.DISABLE: "to disable",
    Action.ENABLE: "to enable",
    Action.DELETE: "to delete",
    Action.BLOCKED: "blocked",
}


def show(value: Any) -> str:
    """One value on one line: strings quoted, absent as ``(none)``."""
    if value is None:
        return "(none)"
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def summary_line(plan: Plan) -> str:
    counts = plan.summary
    parts = [f"{counts[a.value]} {VERBS[a]}" for a in ACTION_ORDER]
    return "Plan: " + ", ".join(parts) + "."


def operation_title(op: Operation) -> str:
    """``klarna.stakeholder/john-doe``: the address without the merchant."""
    return op.address.split("/", 1)[1]


def group_by_merchant(plan: Plan) -> dict[str, list[Operation]]:
    groups: dict[str, list[Operation]] = {}
    for op in plan.operations:
        groups.setdefault(op.merchant, []).append(op)
    return groups
