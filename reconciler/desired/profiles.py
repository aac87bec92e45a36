"""Profiles: the shared parts of merchant files, merged under each merchant's own values.

``desired-state/profiles/NAME.yaml`` holds any part of a merchant file. A merchant lists
``profiles: [NAME, ...]``; they are applied in order, then the merchant's own values:

- mappings merge key by key; any other value (text, a number, a list, null) written by a later
  layer replaces the earlier one whole: a list is never merged item by item;
- ``unset: [PATH, ...]`` in a merchant file removes what its profiles set at each dotted path
  (``klarna.payment_program_enablements``), which is then not managed for that merchant. Null is no
  way to remove: it stays an error (``desired.nulls``), with a hint to use ``unset:``;
- ``locked: [PATH, ...]`` in a profile forbids every later layer (a merchant, or a profile listed
  after it) to write, replace or unset that path; an attempt is an issue at the line that tries;
- profiles do not nest: ``profiles:`` (and ``unset:``) in a profile is refused, so there is no cycle
  to look for. A merchant's identity (``account_reference``, ``dintero.account_id``) never comes
  from a profile.

Profile files are validated on their own as strictly as merchant files (unknown keys, types, null),
except that a required field may be missing outside a list. The resolved merchant is a
``ResolvedDocument``: its data is the merge, and every place it reports at is in the file (profile
or merchant) where the value was written; its ``Origins`` go on to the plan.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from reconciler.desired.files import (
    MERCHANT_SUFFIXES,
    UnreadableFile,
    check_in_tree,
    folder_entries,
    input_file_issue,
)
from reconciler.desired.models import Merchant
from reconciler.desired.origins import PROFILES_DIR, Origins, intern_path
from reconciler.desired.positions import FieldPath, Place, format_path
from reconciler.desired.secrets import EnvReference, EnvRules, SecretReference, SecretSource
from reconciler.desired.validate import validate_model
from reconciler.desired.yaml_loader import YamlDocument, load_yaml_file
from reconciler.errors import InputIssue
from reconciler.sensitive import shown_name

PROFILES_KEY = "profiles"
UNSET_KEY = "unset"
LOCKED_KEY = "locked"
MERCHANT_ONLY_KEYS = (PROFILES_KEY, UNSET_KEY)
# A merchant's identity: a profile holding one would give every merchant that uses it the same.
IDENTITY_PATHS: tuple[FieldPath, ...] = (("account_reference",), ("dintero", "account_id"), ("klarna", "merchant_id"))
PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
DOTTED_PATH = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")
_PATH_FORM = (
    "expected a dotted path of field names, such as klarna.payment_product.merchant_category_code "
    "(no list item: a list is taken whole from one file)"
)
UNSET_HINT = "to leave the field unmanaged, leave it out (a value a profile sets: list its path under unset:)"


@dataclass
class Profile:
    """One profile file: its values (without ``locked``), its locks, and whether it can be applied."""

    name: str
    file: str  # relative to the desired-state directory: ``profiles/NAME.yaml``
    document: YamlDocument | None  # None when the file could not be read as YAML (its issues say why)
    locked: dict[FieldPath, Place] = field(default_factory=dict)  # each locked path, where the lock is written
    issues: frozenset[InputIssue] = frozenset()  # its own issues, so merchants do not repeat them


@dataclass
class ProfileSet:
    """Every profile of a desired-state directory, by name, and what reading them found."""

    profiles: dict[str, Profile] = field(default_factory=dict)
    issues: list[InputIssue] = field(default_factory=list)
    notices: list[InputIssue] = field(default_factory=list)


def _issue(place: Place, message: str) -> InputIssue:
    return InputIssue(place.file, place.line, place.column, message)


def profile_files(directory: Path, found: ProfileSet) -> list[Path]:
    """``profiles/*.yaml`` and ``*.yml``; hidden and other entries are ignored with a notice."""
    folder = directory / PROFILES_DIR
    if not os.path.lexists(folder):
        return []
    try:
        check_in_tree(folder, directory.resolve())
    except UnreadableFile as error:
        found.issues.append(InputIssue(str(folder), 1, 1, str(error)))
        return []
    if not folder.is_dir():
        found.issues.append(InputIssue(str(folder), 1, 1, f"{PROFILES_DIR} must be a directory of profile files"))
        return []
    files: list[Path] = []
    names: dict[str, Path] = {}
    try:
        entries = folder_entries(folder)
    except UnreadableFile as error:
        found.issues.append(InputIssue(str(folder), 1, 1, str(error)))
        return []
    for entry in entries:
        if entry.name.startswith("."):
            found.notices.append(InputIssue(str(entry), 1, 1, "notice: hidden entry ignored"))
            continue
        if not entry.name.endswith(MERCHANT_SUFFIXES):
            found.notices.append(
                InputIssue(str(entry), 1, 1, "notice: not a profile file (not *.yaml or *.yml), ignored")
            )
            continue
        name = entry.name.rsplit(".", 1)[0]
        issue = input_file_issue(entry, directory.resolve())
        if issue is None and not PROFILE_NAME.fullmatch(name):
            issue = InputIssue(
                str(entry),
                1,
                1,
                "a profile's name is letters, digits, '-', '_' and '.', starting with a letter or digit",
            )
        if issue is None and name in names:
            issue = InputIssue(str(entry), 1, 1, f"profile '{name}' is also {names[name]}: one file per profile")
        if issue is not None:
            found.issues.append(issue)
            continue
        names[name] = entry
        files.append(entry)
    return files


def _listed(document: YamlDocument, key: str, issues: list[InputIssue]) -> dict[FieldPath, Place]:
    """What a top-level ``key`` lists (profile names; dotted paths for ``locked`` and ``unset``), each
    where it is written; a name is a path of one part."""
    what = "profile names" if key == PROFILES_KEY else "dotted paths"
    value = document.data.get(key)
    if not isinstance(value, list):
        got = ", got null (~)" if value is None else ""
        issues.append(_issue(document.at_value((key,)), f"{key}: expected a list of {what}{got}"))
        return {}
    paths: dict[FieldPath, Place] = {}
    for index, entry in enumerate(value):
        place = document.at_value((key, index))
        if key == PROFILES_KEY:
            if not isinstance(entry, str) or not PROFILE_NAME.fullmatch(entry):
                issues.append(
                    _issue(place, f"{key}[{index}]: expected a profile name (the NAME of {PROFILES_DIR}/NAME.yaml)")
                )
                continue
            path: FieldPath = (entry,)
        elif not isinstance(entry, str) or not DOTTED_PATH.fullmatch(entry):
            issues.append(_issue(place, f"{key}[{index}]: {_PATH_FORM}"))
            continue
        else:
            path = intern_path(tuple(entry.split(".")))
        if path in paths:
            first = paths[path].line
            issues.append(_issue(place, f"{key}[{index}]: {shown_name(entry)} is listed twice (first at line {first})"))
            continue
        paths[path] = place
    return paths


def _value_at(data: Any, path: FieldPath) -> tuple[bool, Any]:
    """Whether ``data`` holds ``path``, and the value there."""
    for part in path:
        in_list = isinstance(part, int) and isinstance(data, list) and 0 <= part < len(data)
        if not in_list and not (isinstance(part, str) and isinstance(data, dict) and part in data):
            return False, None
        data = data[part]
    return True, data


def _written(document: YamlDocument, path: FieldPath) -> bool:
    """Whether ``document`` writes ``path``: in its data, or as a reference left unresolved (a ``!secret``
    known by name only is left out of the data, but the file still writes it)."""
    return _value_at(document.data, path)[0] or _unresolved_at(document, path)


def _unresolved_at(document: YamlDocument, path: FieldPath) -> bool:
    """Whether ``document`` writes a reference at or under ``path`` that this load does not resolve."""
    return any(unresolved[: len(path)] == path for unresolved in document.unresolved)


def _without_keys(document: YamlDocument, keys: Sequence[FieldPath]) -> YamlDocument:
    """The document with some paths taken out of its data (copied along each path, never changed)."""
    data = document.data
    for path in keys:
        data = _removed(data, path, prune=False)
    nulls = [p for p in document.null_paths if not any(p[: len(k)] == k for k in keys)]
    return replace(document, data=data, null_paths=nulls)


def _removed(data: dict[str, Any], path: FieldPath, *, prune: bool) -> dict[str, Any]:
    """A copy of ``data`` without ``path``; with ``prune``, a mapping the removal empties goes too."""
    if not isinstance(data, dict) or path[0] not in data:
        return data
    out = dict(data)
    if len(path) == 1:
        del out[path[0]]
        return out
    child = _removed(out[path[0]], path[1:], prune=prune)
    if prune and child == {}:
        del out[path[0]]
    else:
        out[path[0]] = child
    return out


def _read_profile(
    path: Path, environ: Mapping[str, str], secrets: SecretSource | None, env_rules: EnvRules | None
) -> tuple[Profile, list[InputIssue]]:
    name = path.name.rsplit(".", 1)[0]
    relative = f"{PROFILES_DIR}/{path.name}"
    document, issues = load_yaml_file(path, environ, fast=True, secrets=secrets, env_rules=env_rules)
    if issues:  # exact positions (see yaml_loader)
        document, issues = load_yaml_file(path, environ, secrets=secrets, env_rules=env_rules)
    if document is None:
        return Profile(name, relative, None, issues=frozenset(issues)), issues
    for key in MERCHANT_ONLY_KEYS:
        if key in document.data:
            message = (
                "a profile cannot list profiles: profiles do not nest; list every profile in the merchant file"
                if key == PROFILES_KEY
                else "unset: is written in a merchant file, to remove what its profiles set"
            )
            issues.append(_issue(document.at_key((key,)), f"{key}: {message}"))
    for identity in IDENTITY_PATHS:
        if _value_at(document.data, identity)[0]:
            message = "a merchant's identity is written in its own file, never in a profile"
            issues.append(_issue(document.at_key(identity), f"{format_path(identity)}: {message}"))
    connections = _value_at(document.data, ("dintero", "connections"))[1]
    for connection in sorted(connections) if isinstance(connections, dict) else ():
        signup = connections[connection].get("signup") if isinstance(connections[connection], dict) else None
        if isinstance(signup, dict) and "case_id" in signup:
            # One Dintero signup per case: a profile's case_id would be every merchant's, a copy no check sees.
            at: FieldPath = ("dintero", "connections", str(connection), "signup", "case_id")
            message = "a case_id is one merchant's Dintero signup: write it in the merchant's own file"
            issues.append(_issue(document.at_key(at), f"{format_path(at)}: {message}"))
    locked = _listed(document, LOCKED_KEY, issues) if LOCKED_KEY in document.data else {}
    values = _without_keys(document, [(LOCKED_KEY,), *((key,) for key in MERCHANT_ONLY_KEYS), *IDENTITY_PATHS])
    for lock, place in list(locked.items()):
        if not _written(values, lock):
            issues.append(
                _issue(place, f"{LOCKED_KEY}: {format_path(lock)} is not set in this profile: lock what it sets")
            )
            del locked[lock]
    _, found = validate_model(values, Merchant, partial=True)
    issues.extend(found)
    return Profile(name, relative, values, locked, frozenset(issues)), issues


def load_profiles(
    directory: Path,
    environ: Mapping[str, str],
    *,
    secrets: SecretSource | None = None,
    env_rules: EnvRules | None = None,
) -> ProfileSet:
    """Every profile under ``directory/profiles/``, each read and validated on its own; its ``!env`` and
    ``!secret`` references resolve as a merchant file's do."""
    found = ProfileSet()
    for path in profile_files(directory, found):
        profile, issues = _read_profile(path, environ, secrets, env_rules)
        found.profiles[profile.name] = profile
        found.issues.extend(issues)
    return found


@dataclass
class ResolvedDocument(YamlDocument):
    """A merchant merged from its profiles and its own file, reporting each place in the file that wrote it."""

    layers: tuple[YamlDocument, ...] = ()  # each profile's document, then the merchant's own (its own data)
    origins: Origins | None = None

    def _layer(self, path: FieldPath) -> YamlDocument:
        assert self.origins is not None
        return self.layers[self.origins.layer_at(path)]

    def at_value(self, path: FieldPath) -> Place:
        layer = self._layer(path)
        return Place(layer.file, *layer.positions.of_value(path))

    def file_at(self, path: FieldPath) -> str:
        return self._layer(path).file

    def at_key(self, path: FieldPath) -> Place:
        layer = self._layer(path)
        return Place(layer.file, *layer.positions.of_key(path))

    def at_missing(self, path: FieldPath) -> Place:
        layer = self._layer(path[:-1])
        return Place(layer.file, *layer.positions.of_missing(path))


@dataclass
class Resolution:
    """A merchant file with its profiles applied: the document to validate (None when it cannot be
    resolved: a profile is unknown or unreadable), its origins and the issues of the resolution."""

    document: YamlDocument | None
    origins: Origins | None = None
    issues: list[InputIssue] = field(default_factory=list)
    uses_profiles: bool = False


class _Merge:
    """Merges layers of data, recording where each layer wrote (``desired.origins``)."""

    def __init__(self) -> None:
        self.single: dict[FieldPath, int] = {}
        self.merged: dict[FieldPath, tuple[int, ...]] = {}

    def value(self, path: FieldPath, entries: list[tuple[int, Any]]) -> Any:
        layer, last = entries[-1]
        start = len(entries) - 1
        if isinstance(last, dict):
            while start > 0 and isinstance(entries[start - 1][1], dict):
                start -= 1
        run = entries[start:]  # a value that is not a mapping replaces everything before it
        if len(run) == 1:
            self.single[intern_path(path)] = layer
            return last  # shared, never changed: removals copy (``_removed``)
        self.merged[intern_path(path)] = tuple(index for index, _ in run)
        keys: dict[str, None] = {}
        for _, mapping in run:
            keys.update(dict.fromkeys(mapping))
        return {key: self.value(path + (key,), [(i, m[key]) for i, m in run if key in m]) for key in keys}


def _overriding(data: Any, lock: FieldPath) -> FieldPath | None:
    """The path at which ``data`` writes over ``lock``: the lock itself, or a value replacing a mapping around it."""
    for length, part in enumerate(lock, start=1):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
        if length < len(lock) and not isinstance(data, dict):
            return lock[:length]
    return lock


def _lock_issues(profiles: Sequence[Profile], own: YamlDocument) -> list[InputIssue]:
    issues = []
    layers = [p.document for p in profiles if p.document is not None] + [own]
    later_profiles: list[Profile | None] = [*profiles[1:], None]
    for index, profile in enumerate(profiles):
        for lock, where in profile.locked.items():
            for later, layer in zip(later_profiles[index:], layers[index + 1 :], strict=True):
                hit = _overriding(layer.data, lock)
                if hit is None and _unresolved_at(layer, lock):
                    hit = lock  # written as a reference this load does not resolve (names only)
                if hit is None:
                    continue
                by = f"profile {later.name}, listed after it by {own.file}" if later is not None else "a merchant"
                what = "" if hit == lock else f"replaces {format_path(lock)}, "
                issues.append(
                    _issue(
                        layer.at_key(hit),
                        f"{format_path(hit)}: {what}locked by profile {profile.name} ({where}): "
                        f"{by} may not override it; remove it here",
                    )
                )
    return issues


def _unset(
    data: dict[str, Any], own: YamlDocument, unset: Mapping[FieldPath, Place], profiles: Sequence[Profile]
) -> tuple[dict[str, Any], list[FieldPath], list[InputIssue]]:
    issues = []
    removed = []
    for path, place in unset.items():
        text = format_path(path)
        locks = [
            (p, lock) for p in profiles for lock in p.locked if lock[: len(path)] == path or path[: len(lock)] == lock
        ]
        if locks:
            profile, lock = locks[0]
            issues.append(
                _issue(
                    place, f"unset: {text} cannot be removed: {format_path(lock)} is locked by profile {profile.name}"
                )
            )
        elif _written(own, path):
            issues.append(_issue(place, f"unset: {text} is also written in this file: keep one or the other"))
        elif not _value_at(data, path)[0]:
            issues.append(_issue(place, f"unset: no profile of this merchant sets {text}: nothing to remove"))
        else:
            data = _removed(data, path, prune=True)
            removed.append(path)
    return data, removed, issues


def resolve_merchant(document: YamlDocument, found: ProfileSet, relative: str) -> Resolution:
    """The merchant file ``document`` with the profiles it lists applied (see the module docstring).

    A file with neither ``profiles:`` nor ``unset:`` is returned as it is, with no origins.
    """
    data = document.data
    if PROFILES_KEY not in data and UNSET_KEY not in data:
        return Resolution(document)
    issues: list[InputIssue] = []
    own = _without_keys(document, [(key,) for key in MERCHANT_ONLY_KEYS])
    names = _listed(document, PROFILES_KEY, issues) if PROFILES_KEY in data else {}
    profiles: list[Profile] = []
    resolvable = True
    for name_path, place in names.items():
        name = str(name_path[0])
        profile = found.profiles.get(name)
        if profile is None:
            known = ", ".join(sorted(found.profiles)) or "none"
            shown = shown_name(name)  # an IBAN or a national id typed as a profile name is masked
            message = f"unknown profile '{shown}' (a profile is {PROFILES_DIR}/NAME.yaml; the profiles are: {known})"
            issues.append(_issue(place, f"{PROFILES_KEY}: {message}"))
            resolvable = False
        elif profile.document is None:
            resolvable = False  # its file's own issues say why
        else:
            profiles.append(profile)
    unset = _listed(document, UNSET_KEY, issues) if UNSET_KEY in data else {}
    if not resolvable:
        return Resolution(None, None, issues, True)
    layers = [p.document for p in profiles if p.document is not None] + [own]
    merge = _Merge()
    merged = merge.value((), [(index, layer.data) for index, layer in enumerate(layers)])
    issues.extend(_lock_issues(profiles, own))
    merged, removed, found_issues = _unset(merged, own, unset, profiles)
    issues.extend(found_issues)
    single = {p: layer for p, layer in merge.single.items() if not any(p[: len(r)] == r for r in removed)}
    origins = Origins(
        files=tuple([p.file for p in profiles] + [relative]),
        profiles=tuple(p.name for p in profiles),
        single=single,
        merged=merge.merged,
    )
    nulls: list[FieldPath] = []
    env_references: dict[FieldPath, EnvReference] = {}
    secret_references: dict[FieldPath, SecretReference] = {}
    unresolved: list[FieldPath] = []  # left out of a layer's data: kept where that layer's value would stand
    for index, layer in enumerate(layers):
        unresolved.extend(p for p in layer.unresolved if origins.layer_at(p) == index)
        secret_references.update((p, r) for p, r in layer.secret_references.items() if origins.layer_at(p) == index)
        nulls.extend(p for p in layer.null_paths if origins.layer_at(p) == index and _value_at(merged, p)[0])
        env_references.update(
            (p, ref)
            for p, ref in layer.env_references.items()
            if origins.layer_at(p) == index and _value_at(merged, p)[0]
        )
    # Every field of the merchant's own document (its positions among them), with the merged values.
    own_fields = {f.name: getattr(document, f.name) for f in fields(YamlDocument)}
    own_fields.update(
        data=merged,
        env_references=env_references,
        null_paths=nulls,
        secret_references=secret_references,
        unresolved=unresolved,
    )
    resolved = ResolvedDocument(**own_fields, layers=tuple(layers), origins=origins)
    return Resolution(resolved, origins, issues, True)


def merchant_issues(found: list[InputIssue], profiles: ProfileSet, merchant_file: str) -> list[InputIssue]:
    """A resolved merchant's issues, less those its profiles already report on their own; an issue at a
    profile's line that only this merchant causes says which merchant."""
    own_issues = {issue for profile in profiles.profiles.values() for issue in profile.issues}
    out = []
    for issue in found:
        if issue.file == merchant_file:
            out.append(issue)
        elif issue not in own_issues:
            out.append(
                InputIssue(issue.file, issue.line, issue.column, f"{issue.message} (in merchant {merchant_file})")
            )
    return out
