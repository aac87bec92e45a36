"""``record``: a dataclass that the type checker holds read-only and that is built at a plain one's cost.

A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``: a resource state
took 2.1 µs to build frozen and 0.5 µs plain. A plan builds about sixty of them per merchant, and a
plan of new merchants two changes per field, so the comparison's own records are built plain, and
a write to one is caught where it would be written: mypy (strict) refuses an assignment to a field
of a record as it does for a frozen dataclass. A record is not hashable (nothing hashes one: their
fields hold dicts and lists).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import TypeVar, dataclass_transform

T = TypeVar("T")


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[T]) -> type[T]:
    """``cls`` as a dataclass with slots, read-only to the type checker."""
    return dataclass(slots=True)(cls)


def pickled_by_fields(cls: type[T]) -> type[T]:
    """``cls``, a dataclass, pickled as a call with its fields' values in order.

    A frozen dataclass with slots is otherwise pickled and unpickled by Python functions of
    ``dataclasses``, a field at a time: the outcomes a load's worker processes hand back (six keys and a
    merchant a file) took twice as long to pass that way.
    """
    names = tuple(item.name for item in fields(cls))  # type: ignore[arg-type]
    values = attrgetter(*names) if len(names) > 1 else lambda item: (getattr(item, names[0]),)

    def __reduce__(self: T) -> tuple[type[T], tuple[object, ...]]:
        return cls, values(self)

    cls.__reduce__ = __reduce__  # type: ignore[assignment,method-assign]
    return cls
