"""What every renderer prints the same way: the symbol and verb of each action, values, the summary line."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from reconciler.plan import ACTION_ORDER, Action, Operation, Plan
from reconciler.plan.operation import RISK_ORDER

# Terraform's symbols where it has one (+ create, ~ update in place, -/+ replace, - destroy); words for
# what Terraform has no symbol for, so a disable never reads as a replace.
SYMBOLS: dict[Action, str] = {
    Action.CREATE: "+",
    Action.ADOPT: "adopt",
    Action.PATCH: "~",
    Action.REPLACE: "-/+",
    Action.DISABLE: "disable",
    Action.ENABLE: "enable",
    Action.DELETE: "-",
    Action.BLOCKED: "blocked",
}
# ``diff`` fenced blocks colour lines by their first character; each line then names its action in words.
DIFF_MARKS: dict[Action, str] = {
    Action.CREATE: "+",
    Action.ADOPT: "!",
    Action.PATCH: "!",
    Action.REPLACE: "!",
    Action.DISABLE: "-",
    Action.ENABLE: "+",
    Action.DELETE: "-",
    Action.BLOCKED: "#",
}
VERBS: dict[Action, str] = {
    Action.CREATE: "to create",
    Action.ADOPT: "to adopt",
    Action.PATCH: "to patch",
    Action.REPLACE: "to replace",
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
    # An adopt is rare (legacy Klarna merchants): named only when there is one.
    parts = [f"{counts[a.value]} {VERBS[a]}" for a in ACTION_ORDER if a is not Action.ADOPT or counts[a.value]]
    return "Plan: " + ", ".join(parts) + "."


def operation_title(op: Operation) -> str:
    """``klarna.stakeholder/john-doe``: the address without the merchant."""
    return op.address.split("/", 1)[1]


def group_by_merchant(operations: Plan | Iterable[Operation]) -> dict[str, list[Operation]]:
    groups: dict[str, list[Operation]] = {}
    for op in operations.operations if isinstance(operations, Plan) else operations:
        groups.setdefault(op.merchant, []).append(op)
    return groups


def risk_line(plan: Plan) -> str:
    """``Risk: 2 high, 5 medium, 1 low.`` over the operations apply would execute."""
    counts = {risk: 0 for risk in RISK_ORDER}
    for op in plan.operations:
        if op.action is not Action.BLOCKED:
            counts[op.risk] += 1
    return "Risk: " + ", ".join(f"{n} {risk.value}" for risk, n in counts.items()) + "."


def policy_lines(plan: Plan) -> list[str]:
    """The safety policy's verdict: nothing when apply would go ahead, else each rule and its flag."""
    if plan.policy is None or plan.policy.allowed:
        return []
    lines = ["Apply would be refused by the safety policy:"]
    for violation in plan.policy.violations:
        lines.append(f"  - {violation.message}")
    lines.append(f"  Flags that lift it: {', '.join(plan.policy.flags_needed)}")
    return lines


def targets_line(plan: Plan) -> str | None:
    """``Targets: klarna https://..., dintero https://...``: what the plan was read from (never a credential)."""
    if not plan.targets:
        return None
    named = {api: "sandbox (the bundled simulator)" if url == "sandbox" else url for api, url in plan.targets.items()}
    return "Targets: " + ", ".join(f"{api} {url}" for api, url in named.items())
