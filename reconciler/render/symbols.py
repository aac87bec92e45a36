"""What every renderer prints the same way: the symbol and verb of each action, values, the summary line."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from reconciler.plan import ACTION_ORDER, Action, Operation, Plan
from reconciler.plan.operation import RISK_ORDER, Risk

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


# Characters that would hide or reorder text on a terminal or a web page: zero-width ones (the word joiner and
# invisible operators, the Mongolian vowel separator, the soft hyphen, the tag characters too), line and
# paragraph separators, bidirectional marks (the Arabic letter mark with LRM and RLM), overrides and
# isolates, lone surrogates, other controls.
_HIDDEN = re.compile(
    "[\x00-\x1f\x7f-\x9f\xad\u061c\u180e\u200b-\u200f\ufeff\u2028\u2029\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\ud800-\udfff\U000e0000-\U000e007f]"
)


def visible(text: str) -> str:
    """Text with every character that could hide or reorder what is around it as a ``\\uXXXX`` escape, and
    with no ``##[`` (``LEGACY_COMMAND``)."""
    return no_legacy_command(_HIDDEN.sub(_escape, text))


# The GitHub Actions runner takes ``##[name]`` anywhere in a line of a step's output for a workflow command
# (``add-mask``, ``error``, ``stop-commands``: actions/runner ``ActionCommand.TryParse``), unlike ``::name::``,
# which must start the line. Its second ``#`` is written as an escape, in text as in JSON.
LEGACY_COMMAND = "##["


def no_legacy_command(text: str) -> str:
    return text.replace(LEGACY_COMMAND, "#\\u0023[") if LEGACY_COMMAND in text else text


def _escape(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def show(value: Any) -> str:
    """One value on one line: strings quoted, absent as ``(none)``."""
    if value is None:
        return "(none)"
    return visible(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))


def summary_line(plan: Plan) -> str:
    counts = plan.summary
    # An adopt is rare (legacy Klarna merchants): named only when there is one.
    parts = [f"{counts[a.value]} {VERBS[a]}" for a in ACTION_ORDER if a is not Action.ADOPT or counts[a.value]]
    return "Plan: " + ", ".join(parts) + "."


def operation_head(op: Operation, style: Callable[[str, str], str] = lambda text, role: text) -> str:
    """The line of an operation, the same in every format: ``+ klarna.account  create  [high risk]``.

    The symbol, the address without the merchant, the action in words (unless the symbol is that
    word), then what else holds for it. ``style(text, role)`` colours a part (roles: the action's value
    for the symbol and the word, ``risk``).
    """
    symbol = SYMBOLS[op.action]
    head = f"{style(symbol, op.action.value)} {visible(operation_title(op))}"
    if symbol != op.action.value:  # a word says it already
        head += f"  {style(op.action.value, op.action.value)}"
    if op.risk is Risk.HIGH and op.action is not Action.BLOCKED:
        head += f"  {style('[high risk]', 'risk')}"
    if op.held_by is not None:
        head += f"  [held by {visible(op.held_by)}]"
    if op.reason:
        head += f"  ({visible(op.reason)})"
    return head


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
    # ``show`` of a saved plan prints its verdict as the file has it: a line break in it would start a
    # line of its own (a workflow command such as ``::add-mask::`` in a CI log, or a forged plan line).
    for violation in plan.policy.violations:
        lines.append(f"  - {visible(violation.message)}")
    lines.append(f"  Flags that lift it: {visible(', '.join(plan.policy.flags_needed))}")
    return lines


def targets_line(plan: Plan) -> str | None:
    """``Targets: klarna https://..., dintero https://...``: what the plan was read from (never a credential)."""
    if not plan.targets:
        return None
    return "Targets: " + ", ".join(f"{api} {visible(url)}" for api, url in target_names(plan).items())


def target_names(plan: Plan) -> dict[str, str]:
    """Each API's base URL as shown, the sandbox named as such."""
    return {api: "sandbox (the bundled simulator)" if url == "sandbox" else url for api, url in plan.targets.items()}
