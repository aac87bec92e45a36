"""Text rendering, like ``terraform plan``: one operation per line, its field changes below it."""

from __future__ import annotations

from collections.abc import Iterator
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


def _grouped_lines(plan: Plan, ops: list[Operation], color: bool) -> Iterator[str]:
    """The operations merchant by merchant: a blank line, the merchant's line, its operations."""
    for merchant, group in group_by_merchant(ops).items():
        yield ""
        yield _merchant_line(plan, merchant, color)
        for op in group:
            yield from _operation_lines(op, color)


def text_chunks(plan: Plan, color: bool = False) -> Iterator[str]:
    """The plan as text, line by line (each with its newline): a plan of ten thousand new merchants
    is a few hundred megabytes of text, printed as it is made rather than held whole."""
    for line in _text_lines(plan, color):
        yield line + "\n"


def render_text(plan: Plan, color: bool = False) -> str:
    """The plan as text, with ANSI colours when ``color`` (the CLI sets it on a terminal)."""
    return "".join(text_chunks(plan, color))


def _text_lines(plan: Plan, color: bool) -> Iterator[str]:
    head: list[str] = []
    targets = targets_line(plan)
    if targets is not None:
        head.append(targets)
    if plan.commit:
        head.append(f"Commit: {visible(plan.commit)}")
    if head:
        head.append("")
    yield from head
    yield from profile_lines(plan)
    changes = [op for op in plan.operations if op.action is not Action.BLOCKED]
    held = [op for op in plan.operations if op.held_by is not None]
    blocked = [op for op in plan.operations if op.action is Action.BLOCKED and op.held_by is None]
    if not plan.operations:
        yield "No changes. The live state matches the desired state."
    if held:
        yield "Changed by the provider: it holds this state, and no write will change it back:"
        yield from _grouped_lines(plan, held, color)
        yield ""
    if changes:
        yield "reconciler will perform the following actions:"
        yield from _grouped_lines(plan, changes, color)
    if blocked:
        yield ""
        yield "Blocked: these differences cannot be written through the APIs; they need a person:"
        yield from _grouped_lines(plan, blocked, color)
    if plan.notices:
        yield ""
        yield "Waiting (no write needed):"
        yield from (f"  {visible(notice.address)}: {visible(notice.message)}" for notice in plan.notices)
    if plan.unmanaged:
        yield ""
        yield f"Unmanaged: {len(plan.unmanaged)} merchant(s) exist in Klarna and not in the desired state:"
        yield from (f"  ? {visible(reference)}" for reference in plan.unmanaged)
    verdict = policy_lines(plan)
    if verdict:
        yield ""
        yield from (_style(line, color, fg="red") for line in verdict)
    yield ""
    if changes:
        yield risk_line(plan)
    yield summary_line(plan)
