"""Where each value of a YAML file stands, by field path, and the dotted form of those paths.

A path is a tuple of keys and list indexes, ``("klarna", "stakeholders", 1, "date_of_birth")``; its
dotted form, used in every message, is ``klarna.stakeholders[1].date_of_birth``. Lines and columns
are 1-based, as printed in ``FILE:LINE:COL``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from reconciler.errors import printable
from reconciler.sensitive import shown_name

PathPart = str | int
FieldPath = tuple[PathPart, ...]

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def format_path(path: FieldPath) -> str:
    """``("a", 1, "b")`` becomes ``a[1].b``; the empty path is ``(top level)``.

    A key that is not printable (a line break in it) is shown escaped, so a message stays one line; a
    key that looks like a sensitive value (an IBAN written as a key) is masked.
    """
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            name = printable(shown_name(str(part)))
            text += f".{name}" if text else name
    return text or "(top level)"


def parse_path(dotted: str) -> FieldPath:
    """The inverse of ``format_path``: ``a[1].b`` becomes ``("a", 1, "b")``."""
    return tuple(int(index) if index else name for name, index in _PART.findall(dotted))


@dataclass(frozen=True)
class SourcePosition:
    """A place in an input file (1-based line and column)."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class Place(NamedTuple):
    """A file, line and column to report at (``SourcePosition`` is the same place, for callers)."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(eq=False)
class Positions:
    """The line and column of every key and value of one YAML document."""

    values: dict[FieldPath, tuple[int, int]] = field(default_factory=dict)
    keys: dict[FieldPath, tuple[int, int]] = field(default_factory=dict)

    def __eq__(self, other: object) -> bool:
        # Positions found later (``FoundLater``) equal those noted as they were read.
        if not isinstance(other, Positions):
            return NotImplemented
        return (self.values, self.keys) == (other.values, other.keys)

    __hash__ = None  # type: ignore[assignment]  # mutable, as a dataclass with eq is

    def of_value(self, path: FieldPath) -> tuple[int, int]:
        """The value at ``path``, or of its nearest ancestor present in the file."""
        for length in range(len(path), -1, -1):
            found = self.values.get(path[:length])
            if found is not None:
                return found
        return (1, 1)

    def of_key(self, path: FieldPath) -> tuple[int, int]:
        """The key that introduces ``path`` (the list item itself for an index), else its value."""
        return self.keys.get(path) or self.of_value(path)

    def of_missing(self, path: FieldPath) -> tuple[int, int]:
        """Where to report a field that is missing: the key of the mapping that lacks it."""
        parent = path[:-1]
        if not parent:
            return self.values.get((), (1, 1))
        return self.of_key(parent)


class FoundLater(Positions):
    """Positions that were not noted as the document was read: ``find`` reads it again for them when a
    position is first asked for (a file that loads without an issue seldom is)."""

    def __init__(self, find: Callable[[], Positions]) -> None:  # no values or keys until asked for
        self._find = find

    def __getattr__(self, name: str) -> dict[FieldPath, tuple[int, int]]:
        # Called only for an attribute not set: ``values`` and ``keys`` before the first use.
        if name not in ("values", "keys"):
            raise AttributeError(name)
        found = self._find()
        self.values, self.keys = found.values, found.keys
        found_now: dict[FieldPath, tuple[int, int]] = getattr(self, name)
        return found_now
