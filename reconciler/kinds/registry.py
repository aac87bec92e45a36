"""The registry of kinds: each kind module registers its one ``Kind``; everything else looks it up here.

Importing ``reconciler.kinds`` imports every kind module, so the registry is complete before use.
"""

from __future__ import annotations

from typing import TypeVar

from reconciler.kinds.kind import Kind
from reconciler.kinds.names import ResourceKind

KINDS: dict[ResourceKind, Kind] = {}

K = TypeVar("K", bound=type[Kind])


def register(cls: K) -> K:
    """Class decorator: one instance of ``cls`` serves its kind."""
    if cls.name in KINDS:
        raise ValueError(f"{cls.name} is registered twice")
    KINDS[cls.name] = cls()
    return cls


def onboarded_kinds() -> frozenset[ResourceKind]:
    """The kinds a new account's onboard body carries."""
    return frozenset(name for name, kind in KINDS.items() if kind.onboard_key is not None)
