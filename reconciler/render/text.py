"""Text rendering, like ``terraform plan``: one operation per line, its field changes below it."""

from __future__ import annotations

from typing import Any

import click

from reconciler.compare.diff import path_text
from reconciler.plan import Action, Operation, Plan
from reconciler.render.symbols import SYMBOLS, group_by_merchant, operation_title, show, summary_line

COLOURS: dict[Action, str] = {
    Action.CREATE: "green",
    Action.PATCH: "yellow",
    Action.DISABLE: "red",
    Action.ENABLE: "green",
    Action.DELETE: "red",
    Action.BLOCKED: "magenta",
}


def _style(text: str, color: bool, **styles: Any) -> str:
    return click.style(text, **styles) if color else text


def _operation_lines(op: Operation, color: bool) -> list[str]:
    fg = COLOURS[op.action]
    head = f"  {_style(SYMBOLS[op.action].rjust(3), color, fg=fg, bold=True)} {operation_title(op)}"
    head += f"  {_style(op.action.value, color, fg=fg)}"
    if op.reason:
        head += f"  ({op.reason})"
    lines = [head]
    for change in op.changes:
        if op.action is Action.CREATE:
            lines.append(f"        {path_text(change.path)}: {show(change.after)}")
        else:
            lines.append(f"        {path_text(change.path)}: {show(change.before)} → {show(change.after)}")
    return lines


def render_text(plan: Plan, color: bool = False) -> str:
    """The plan as text, with ANSI colours when ``color`` (the CLI sets it on a terminal)."""
    lines: list[str] = []
    if not plan.operations:
        lines.append("No changes. The live state matches the desired state.")
    else:
        lines.append("reconciler will perform the following actions:")
        for merchant, ops in group_by_merchant(plan).items():
            lines.append("")
            lines.append(_style(merchant, color, bold=True))
            for op in ops:
                lines.extend(_operation_lines(op, color))
    if plan.unmanaged:
        lines.append("")
        lines.append(f"Unmanaged: {len(plan.unmanaged)} merchant(s) exist in Klarna and not in the desired state:")
        lines.extend(f"  ? {reference}" for reference in plan.unmanaged)
    lines.append("")
    lines.append(summary_line(plan))
    return "\n".join(lines) + "\n"
