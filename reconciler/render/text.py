"""Text rendering, like ``terraform plan``: one operation per line, its field changes below it."""

from __future__ import annotations

from typing import Any

import click

from reconciler.compare.diff import Change
from reconciler.plan import Action, Operation, Plan
from reconciler.render.profiles import profile_lines
from reconciler.render.symbols import (
    SYMBOLS,
    group_by_merchant,
    operation_head,
    policy_lines,
    risk_line,
    summary_line,
    targets_line,
    visible,
)
from reconciler.render.values import ValueLine, change_lines

MARK_COLOURS = {"+": "green", "-": "red", "~": "yellow"}
COLOURS: dict[Action, str] = {
    Action.CREATE: "green",
    Action.ADOPT: "red",
    Action.PATCH: "yellow",
    Action.REPLACE: "red",
    Action.DISABLE: "red",
    Action.ENABLE: "green",
    Action.DELETE: "red",
    Action.BLOCKED: "magenta",
}


def _style(text: str, color: bool, **styles: Any) -> str:
    return click.style(text, **styles) if color else text


def _operation_lines(op: Operation, color: bool) -> list[str]:
    fg = COLOURS[op.action]

    def style(text: str, role: str) -> str:
        if role == "risk":
            return _style(text, color, fg="red")
        return _style(text, color, fg=fg, bold=text == SYMBOLS[op.action])  # the symbol in bold

    # Symbols right-aligned in three columns (``  +``, ``-/+``) under the merchant's name.
    symbol = SYMBOLS[op.action]
    lines = [" " * (5 - min(len(symbol), 3)) + operation_head(op, style)]
    for change in op.changes:
        lines.extend(_change_lines(op, change, color))
    return lines


def _change_lines(op: Operation, change: Change, color: bool) -> list[str]:
    """One field change, and below it the block of a nested value (``render.values``)."""
    return [_value_line(part, color) for part in change_lines(change, created=op.action is Action.CREATE)]


def _value_line(line: ValueLine, color: bool) -> str:
    mark = _style(line.mark, color, fg=MARK_COLOURS[line.mark]) if line.mark else " "
    return f"{'    ' * line.depth}      {mark} {line.text}"


def _merchant_line(plan: Plan, merchant: str, color: bool) -> str:
    """The merchant's reference, then its name and file when the plan knows them."""
    line = _style(visible(merchant), color, bold=True)
    declaration = plan.declarations.get(merchant)
    if declaration is not None:
        named = ", ".join(visible(part) for part in (declaration.name, declaration.file) if part)
        line += f"  {_style(named, color, dim=True)}"
    return line


def _grouped_lines(plan: Plan, ops: list[Operation], color: bool) -> list[str]:
    """The operations merchant by merchant: a blank line, the merchant's line, its operations."""
    lines: list[str] = []
    for merchant, group in group_by_merchant(ops).items():
        lines += ["", _merchant_line(plan, merchant, color)]
        for op in group:
            lines += _operation_lines(op, color)
    return lines


def render_text(plan: Plan, color: bool = False) -> str:
    """The plan as text, with ANSI colours when ``color`` (the CLI sets it on a terminal)."""
    lines: list[str] = []
    targets = targets_line(plan)
    if targets is not None:
        lines.append(targets)
    if plan.commit:
        lines.append(f"Commit: {visible(plan.commit)}")
    if lines:
        lines.append("")
    lines += profile_lines(plan)
    changes = [op for op in plan.operations if op.action is not Action.BLOCKED]
    held = [op for op in plan.operations if op.held_by is not None]
    blocked = [op for op in plan.operations if op.action is Action.BLOCKED and op.held_by is None]
    if not plan.operations:
        lines.append("No changes. The live state matches the desired state.")
    if held:
        lines.append("Changed by the provider: it holds this state, and no write will change it back:")
        lines += _grouped_lines(plan, held, color)
        lines.append("")
    if changes:
        lines.append("reconciler will perform the following actions:")
        lines += _grouped_lines(plan, changes, color)
    if blocked:
        lines.append("")
        lines.append("Blocked: these differences cannot be written through the APIs; they need a person:")
        lines += _grouped_lines(plan, blocked, color)
    if plan.notices:
        lines.append("")
        lines.append("Waiting (no write needed):")
        lines.extend(f"  {visible(notice.address)}: {visible(notice.message)}" for notice in plan.notices)
    if plan.unmanaged:
        lines.append("")
        lines.append(f"Unmanaged: {len(plan.unmanaged)} merchant(s) exist in Klarna and not in the desired state:")
        lines.extend(f"  ? {visible(reference)}" for reference in plan.unmanaged)
    verdict = policy_lines(plan)
    if verdict:
        lines.append("")
        lines.extend(_style(line, color, fg="red") for line in verdict)
    lines.append("")
    if changes:
        lines.append(risk_line(plan))
    lines.append(summary_line(plan))
    return "\n".join(lines) + "\n"
