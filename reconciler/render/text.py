"""Text rendering, like ``terraform plan``: one operation per line, its field changes below it."""

from __future__ import annotations

from typing import Any

import click

from reconciler.compare.diff import path_text
from reconciler.plan import Action, Operation, Plan
from reconciler.plan.operation import Risk
from reconciler.render.profiles import origin_suffix, profile_lines
from reconciler.render.symbols import (
    SYMBOLS,
    group_by_merchant,
    operation_title,
    policy_lines,
    risk_line,
    show,
    summary_line,
    targets_line,
)

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
    symbol = SYMBOLS[op.action]
    head = f"  {_style(symbol.rjust(3), color, fg=fg, bold=True)} {operation_title(op)}"
    if symbol != op.action.value:  # a word says it already
        head += f"  {_style(op.action.value, color, fg=fg)}"
    if op.risk is Risk.HIGH and op.action is not Action.BLOCKED:
        head += f"  {_style('[high risk]', color, fg='red')}"
    if op.held_by is not None:
        head += f"  [held by {op.held_by}]"
    if op.reason:
        head += f"  ({op.reason})"
    lines = [head]
    for change in op.changes:
        if op.action is Action.CREATE:
            lines.append(f"        {path_text(change.path)}: {show(change.after)}")
        else:
            lines.append(f"        {path_text(change.path)}: {show(change.before)} → {show(change.after)}")
        lines[-1] += origin_suffix(change)
    return lines


def render_text(plan: Plan, color: bool = False) -> str:
    """The plan as text, with ANSI colours when ``color`` (the CLI sets it on a terminal)."""
    lines: list[str] = []
    targets = targets_line(plan)
    if targets is not None:
        lines += [targets, ""]
    lines += profile_lines(plan)
    changes = [op for op in plan.operations if op.action is not Action.BLOCKED]
    held = [op for op in plan.operations if op.held_by is not None]
    blocked = [op for op in plan.operations if op.action is Action.BLOCKED and op.held_by is None]
    if not plan.operations:
        lines.append("No changes. The live state matches the desired state.")
    if held:
        lines.append("Changed by the provider: it holds this state, and no write will change it back:")
        for merchant, ops in group_by_merchant(held).items():
            lines.append("")
            lines.append(_style(merchant, color, bold=True))
            for op in ops:
                lines.extend(_operation_lines(op, color))
        lines.append("")
    if changes:
        lines.append("reconciler will perform the following actions:")
        for merchant, ops in group_by_merchant(changes).items():
            lines.append("")
            lines.append(_style(merchant, color, bold=True))
            for op in ops:
                lines.extend(_operation_lines(op, color))
    if blocked:
        lines.append("")
        lines.append("Blocked: these differences cannot be written through the APIs; they need a person:")
        for merchant, ops in group_by_merchant(blocked).items():
            lines.append("")
            lines.append(_style(merchant, color, bold=True))
            for op in ops:
                lines.extend(_operation_lines(op, color))
    if plan.notices:
        lines.append("")
        lines.append("Waiting (no write needed):")
        lines.extend(f"  {notice.address}: {notice.message}" for notice in plan.notices)
    if plan.unmanaged:
        lines.append("")
        lines.append(f"Unmanaged: {len(plan.unmanaged)} merchant(s) exist in Klarna and not in the desired state:")
        lines.extend(f"  ? {reference}" for reference in plan.unmanaged)
    verdict = policy_lines(plan)
    if verdict:
        lines.append("")
        lines.extend(_style(line, color, fg="red") for line in verdict)
    lines.append("")
    if changes:
        lines.append(risk_line(plan))
    lines.append(summary_line(plan))
    return "\n".join(lines) + "\n"
