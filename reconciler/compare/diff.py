"""Field-by-field comparison of a desired resource with its live counterpart.

A ``Change`` is ``(op, path, before, after)`` with the path as a tuple of field names, after
kopf's diffs; the dotted form is made for output only (``path_text``). Only what the desired side
declares is compared: a key the YAML leaves out is not managed. Lists are compared as a whole, and
without regard to order (roles, markets, payment options): a list that differs is one change of
the whole list. An item of a live list is compared by the keys the desired items declare: a key
none of them declares is not managed there either. Values arrive normalised, so equality is exact.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import field
from enum import StrEnum
from typing import Any

from reconciler.records import record

Path = tuple[str, ...]


class ChangeOp(StrEnum):
    ADD = "add"  # the live side has no value
    CHANGE = "change"
    REMOVE = "remove"  # the desired side has no value (``after`` is None)


@record
class Change:
    """One field that differs: what happens to it, its path inside the resource, and both values.

    ``origin`` names the file the desired value was written in (``profiles/eu-retail.yaml``), when the
    merchant uses profiles; it informs a reviewer and is no part of what the change is, so two
    changes that differ only by origin are equal (a saved plan without origins still matches).
    """

    op: ChangeOp
    path: Path
    before: Any
    after: Any
    origin: str | None = field(default=None, compare=False)

    @classmethod
    def of(cls, path: Path, before: Any, after: Any, origin: str | None = None) -> Change:
        op = ChangeOp.ADD if before is None else ChangeOp.REMOVE if after is None else ChangeOp.CHANGE
        return cls(op, path, before, after, origin)


def path_text(path: Path) -> str:
    """``("address", "city")`` as ``address.city``: how plans print and store a path."""
    return ".".join(path)


def parse_path(text: str) -> Path:
    return tuple(text.split(".")) if text else ()


# Sorted, compact, ASCII JSON (anything else as its text): the one form values are compared, hashed
# and fingerprinted in. Built once: ``json.dumps`` with options builds a new encoder at every call.
canonical_text = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str).encode
# Leaves compared by equality alone; telling them apart first spares the walk two abstract-class checks
# per leaf, and most leaves of a plan are these.
_SCALARS = frozenset({str, int, float, bool, type(None)})


def lists_equal(left: list[Any], right: list[Any]) -> bool:
    """Equal as multisets: order never makes a change."""
    if len(left) != len(right):
        return False
    # Equal strings have equal texts; anything else is equal item by item when the two lists' texts
    # are (a JSON text reads back one way), while ``==`` alone takes ``1`` for ``1.0``.
    if left == right and (all(type(item) is str for item in left) or canonical_text(left) == canonical_text(right)):
        return True
    if sorted(map(canonical_text, left)) == sorted(map(canonical_text, right)):
        return True
    # Items may be dicts whose own nested lists differ only in order. Imported here: deepdiff loads
    # numpy when it is installed, a tenth of a second of every plan's start for a rare case.
    from deepdiff import DeepDiff

    return not DeepDiff(left, right, ignore_order=True, report_repetition=True)


# One tuple per distinct path (fields are the models' names): a plan of ten thousand creates would
# otherwise hold a copy of ("address", "city") for every merchant.
_PATHS: dict[Path, Path] = {}
_MAX_PATHS = 100_000


def _path(prefix: Path, key: str) -> Path:
    path = (*prefix, key)
    shared = _PATHS.get(path)
    if shared is not None:
        return shared
    if len(_PATHS) < _MAX_PATHS:  # data-named keys (connection names) are few, but bounded anyway
        _PATHS[path] = path
    return path


def diff_fields(desired: Mapping[str, Any], current: Mapping[str, Any] | None, prefix: Path = ()) -> list[Change]:
    """The changes that turn ``current`` into ``desired``, limited to the keys ``desired`` declares.

    Changes come in the order of their keys. The walk follows the mapping's own order and sorts only
    the keys that changed, and a path is made only for a change or a nested mapping: most resources
    of a plan have no change, and sorting every mapping's keys to find that out cost a tenth of the
    comparison. Plain dicts and lists, which both sides hold, are told apart by their type before
    the abstract-class checks (a third of the walk); any other mapping or list takes those checks.
    """
    if current is None:
        current = {}
    found: list[tuple[str, list[Change]]] | None = None
    for key, want in desired.items():
        have = current.get(key)
        kind = type(want)
        if kind in _SCALARS:
            # ``True == 1`` in Python, not in JSON: a free-form field (branding, a connection's
            # configuration) that holds ``1`` where ``true`` is wanted has a change to make.
            if want == have and (kind is bool) is (type(have) is bool):
                continue
            changes = [Change.of(_path(prefix, key), have, want)]
        # ``kind is not list``: a list never takes the abstract-class check (``isinstance`` of a
        # plain list against ``list`` below is a type comparison).
        elif (kind is dict and type(have) is dict) or (
            kind is not list and isinstance(want, Mapping) and isinstance(have, Mapping)
        ):
            changes = diff_fields(want, have, _path(prefix, key))
            if not changes:
                continue
        elif isinstance(want, list) and isinstance(have, list):
            if lists_equal(want, have):
                continue
            # A live item may hold fields the YAML does not declare (a field Klarna or Dintero added, or
            # one no API documents): they are not managed, so they make no change, and their values,
            # which may be anything (a national id), are not shown as what the list was.
            declared = declared_part(have, want)
            if declared is not have and lists_equal(want, declared):
                continue
            changes = [Change.of(_path(prefix, key), declared, want)]
        elif want != have:
            changes = [Change.of(_path(prefix, key), have, want)]
        else:
            continue
        if found is None:
            found = [(key, changes)]
        else:
            found.append((key, changes))
    if found is None:
        return []
    if len(found) == 1:
        return found[0][1]
    found.sort(key=_first)  # keys of one mapping are distinct: the sort never compares the changes
    return [change for _key, changes in found for change in changes]


def declared_part(have: list[Any], want: list[Any]) -> list[Any]:
    """The live list ``have`` with each mapping item limited to the keys the desired items declare.

    ``have`` itself (the same object) when there is nothing to leave out: no desired item is a mapping,
    or no live item holds a key that none of them declares.
    """
    templates = [item for item in want if isinstance(item, Mapping)]
    if not templates or not any(isinstance(item, Mapping) for item in have):
        return have
    declared = [_declared_item(item, templates) for item in have]
    return have if declared == have else declared


def _declared_item(have: Any, templates: list[Mapping[str, Any]]) -> Any:
    """``have`` limited to the keys any of ``templates`` declares, nested mappings and lists too."""
    if not isinstance(have, Mapping):
        return have
    out: dict[str, Any] = {}
    for key, value in have.items():
        wanted = [template[key] for template in templates if key in template]
        if not wanted:
            continue
        nested = [w for w in wanted if isinstance(w, Mapping)]
        if isinstance(value, Mapping) and nested:
            out[key] = _declared_item(value, nested)
        elif isinstance(value, list):
            out[key] = declared_part(value, [item for w in wanted if isinstance(w, list) for item in w])
        else:
            out[key] = value
    return out


def _first(item: tuple[str, list[Change]]) -> str:
    return item[0]


def project(current: Mapping[str, Any], desired: Mapping[str, Any]) -> dict[str, Any]:
    """The part of ``current`` that ``desired`` declares (for fingerprints and display)."""
    out: dict[str, Any] = {}
    for key, want in desired.items():
        if key not in current:
            continue
        have = current[key]
        out[key] = project(have, want) if isinstance(want, Mapping) and isinstance(have, Mapping) else have
    return out
