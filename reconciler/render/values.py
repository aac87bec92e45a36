"""Field changes as lines, Terraform style: a mapping or a list value is an indented block.

A scalar stays on its change line (``city: "Oslo" → "Bergen"``). A mapping opens a block with ``{``
and has one line per key; a list opens with ``[`` and has one line per item; both close on a line of
their own. When both sides of a change are mappings, only the keys that differ are shown, marked
``+`` (added), ``-`` (removed) or ``~`` (changed), with a count of those left as they are; two lists
are compared as the plan compares them, without regard to order: an item on both sides is shown
plain, one only after ``+``, one only before ``-``. Any other pair shows the old value ``-`` and the
new ``+``. Text and Markdown share these lines and only lay them out (``render.text``,
``render.markdown``). The values are the plan's, already masked.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.compare.diff import Change, canonical_text, path_text
from reconciler.render.profiles import origin_suffix
from reconciler.render.symbols import show, visible

_BARE_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")


@dataclass(frozen=True)
class ValueLine:
    """One line of a change: its depth below the change line, its mark (``""``, ``+``, ``-``, ``~``), its text."""

    depth: int
    mark: str
    text: str


def _key(key: Any) -> str:
    """A mapping key as printed: bare when it is a plain name, else quoted (a hostile key stays one line)."""
    text = str(key)
    return text if _BARE_KEY.fullmatch(text) else show(text)


def _nested(value: Any) -> bool:
    return isinstance(value, (Mapping, list)) and bool(value)


def value_lines(prefix: str, value: Any, depth: int = 0, mark: str = "") -> list[ValueLine]:
    """``prefix`` and the value: one line for a scalar, a block for a mapping or list."""
    if not _nested(value):
        return [ValueLine(depth, mark, prefix + show(value))]
    if isinstance(value, Mapping):
        lines = [ValueLine(depth, mark, prefix + "{")]
        for key in sorted(value, key=str):
            lines += value_lines(f"{_key(key)}: ", value[key], depth + 1, mark)
        return [*lines, ValueLine(depth, mark, "}")]
    lines = [ValueLine(depth, mark, prefix + "[")]
    for item in value:
        lines += value_lines("", item, depth + 1, mark)
    return [*lines, ValueLine(depth, mark, "]")]


def _mapping_diff(
    prefix: str, before: Mapping[str, Any], after: Mapping[str, Any], depth: int, mark: str
) -> list[ValueLine]:
    lines = [ValueLine(depth, mark, prefix + "{")]
    same = 0
    for key in sorted(set(before) | set(after), key=str):
        label = f"{_key(key)}: "
        if key not in after:
            lines += value_lines(label, before[key], depth + 1, "-")
        elif key not in before:
            lines += value_lines(label, after[key], depth + 1, "+")
        elif canonical_text(before[key]) == canonical_text(after[key]):
            same += 1
        else:
            lines += diff_lines(label, before[key], after[key], depth + 1, "~")
    if same:
        lines.append(ValueLine(depth + 1, "", f"# ({same} unchanged {'field' if same == 1 else 'fields'} hidden)"))
    return [*lines, ValueLine(depth, mark, "}")]


def _list_diff(prefix: str, before: list[Any], after: list[Any], depth: int, mark: str) -> list[ValueLine]:
    remaining = Counter(canonical_text(item) for item in before)
    lines = [ValueLine(depth, mark, prefix + "[")]
    for item in after:
        key = canonical_text(item)
        if remaining[key] > 0:
            remaining[key] -= 1
            lines += value_lines("", item, depth + 1, "")
        else:
            lines += value_lines("", item, depth + 1, "+")
    for item in before:
        key = canonical_text(item)
        if remaining[key] > 0:
            remaining[key] -= 1
            lines += value_lines("", item, depth + 1, "-")
    return [*lines, ValueLine(depth, mark, "]")]


def change_lines(change: Change, created: bool) -> list[ValueLine]:
    """The lines of one field change: the first is the change's own (``path: value`` or ``path: old → new``).

    What else a change says (where its value comes from) belongs at the end of that first line, in
    both formats at once.
    """
    label = f"{visible(path_text(change.path))}: "
    lines = value_lines(label, change.after) if created else diff_lines(label, change.before, change.after)
    suffix = origin_suffix(change)
    if suffix and lines:
        first = lines[0]
        lines[0] = ValueLine(first.depth, first.mark, first.text + suffix)
    return lines


def diff_lines(prefix: str, before: Any, after: Any, depth: int = 0, mark: str = "") -> list[ValueLine]:
    """``prefix`` and the change from ``before`` to ``after``; ``mark`` is the change line's own mark."""
    if not _nested(before) and not _nested(after):
        return [ValueLine(depth, mark, f"{prefix}{show(before)} → {show(after)}")]
    if isinstance(before, Mapping) and isinstance(after, Mapping) and before and after:
        return _mapping_diff(prefix, before, after, depth, mark)
    if isinstance(before, list) and isinstance(after, list) and before and after:
        return _list_diff(prefix, before, after, depth, mark)
    old = [] if before is None else value_lines(prefix, before, depth, "-")
    new = [] if after is None else value_lines(prefix, after, depth, "+")
    return [*old, *new]
