"""Field-by-field comparison of a desired resource with its live counterpart.

Only what the desired side declares is compared: a key the YAML leaves out is not managed. Lists
inside a resource (roles, markets, payment options) compare without regard to order. Values
arrive normalised (see ``reconciler.desired.normalise``), so equality is exact.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from deepdiff import DeepDiff


@dataclass(frozen=True)
class Change:
    """One field that differs: its dotted path inside the resource and both values."""

    path: str
    before: Any
    after: Any


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def lists_equal(left: list[Any], right: list[Any]) -> bool:
    """Equal as multisets: order never makes a change."""
    if len(left) != len(right):
        return False
    if sorted(map(_canonical, left)) == sorted(map(_canonical, right)):
        return True
    # Items may be dicts whose own nested lists differ only in order.
    return not DeepDiff(left, right, ignore_order=True, report_repetition=True)


def diff_fields(desired: Mapping[str, Any], current: Mapping[str, Any] | None, prefix: str = "") -> list[Change]:
    """The changes that turn ``current`` into ``desired``, limited to the keys ``desired`` declares."""
    current = current or {}
    changes: list[Change] = []
    for key in sorted(desired):
        want = desired[key]
        have = current.get(key)
        path = _join(prefix, key)
        if isinstance(want, Mapping) and isinstance(have, Mapping):
            changes.extend(diff_fields(want, have, path))
        elif isinstance(want, list) and isinstance(have, list):
            if not lists_equal(want, have):
                changes.append(Change(path, have, want))
        elif want != have:
            changes.append(Change(path, have, want))
    return changes


def project(current: Mapping[str, Any], desired: Mapping[str, Any]) -> dict[str, Any]:
    """The part of ``current`` that ``desired`` declares (for fingerprints and display)."""
    out: dict[str, Any] = {}
    for key, want in desired.items():
        if key not in current:
            continue
        have = current[key]
        out[key] = project(have, want) if isinstance(want, Mapping) and isinstance(have, Mapping) else have
    return out
