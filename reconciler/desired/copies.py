"""Copies across merchant files: values that belong to one merchant, found in two.

A new merchant file is usually a copy of another, and what is left unchanged is then wrong in a way
no single file shows: the other merchant's Dintero ``case_id``, IBAN, national id or social security
number, or the name of the ``!env`` / ``!secret`` reference that holds it. ``validate`` reports each
such value at both places, ``FILE:LINE:COL`` each, and never prints it.

Values are compared in a normal form, so that a copy edited only in whitespace or case is still one:
an IBAN without whitespace and upper case, a national id or social security number also without the
separators ``-``, ``.`` and ``/`` or any Unicode dash, in NFKC (``010190-12345`` is ``01019012345``), a
``case_id`` as the UUID the model keeps (else in lower case), a reference name case-folded. A national
id and a social security number are one kind of value: the same person's number in a Klarna stakeholder
of one merchant and a Dintero owner of another is caught.

Only the normal form's digest is kept, not the value. A value written in one file is no copy, however
many merchants it reaches (a merchant's own Klarna and Dintero bank account, or one value of a shared
file): the rule is two merchants *and* two files where it is written.

One owner with several shops is no copy either, but only when a file says so: two merchants share their
owner's values when either lists the other in ``shares_with``. The listing names the other merchant, so
a file copied from one of them to make a third still shares with nobody it does not name (a profile's
list names its whole group: it counts for a merchant only when it names that merchant too). A ``case_id``
is never shared, nor the name of an ``!env`` / ``!secret`` holding one: it is one Dintero signup.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.desired.positions import FieldPath, format_path
from reconciler.desired.references import NamedReference
from reconciler.desired.secrets import SECRET_TAG, shown_secret_name
from reconciler.desired.types import canonical_uuid
from reconciler.errors import InputIssue
from reconciler.records import pickled_by_fields, record
from reconciler.sensitive import shown_name

_WHITESPACE = re.compile(r"\s+")
# Whitespace, ``- . /``, and the dashes and hyphens a word processor puts for ``-`` (U+2010 to U+2015, the
# minus sign, the small and full-width hyphen-minus), once in NFKC (full-width digits are digits then).
_ID_SEPARATORS = re.compile(r"[\s\-./\u2010-\u2015\u2212\ufe58\ufe63\uff0d]+")

ANY = "*"  # a pattern part matching every key of a mapping
EACH = "[]"  # a pattern part matching every item of a list


def _compact(value: str) -> str:
    return _WHITESPACE.sub("", value).upper()


def _id_number(value: str) -> str:
    return _ID_SEPARATORS.sub("", value if value.isascii() else unicodedata.normalize("NFKC", value)).upper()


def _case_id(value: str) -> str:
    """A case id as the model keeps it (a UUID in its one canonical form: ``{…}``, ``urn:uuid:…`` and the
    form without hyphens are the same id), or, for one that is not a UUID, stripped and in lower case."""
    try:
        return canonical_uuid(value)
    except ValueError:
        return value.strip().lower()


@dataclass(frozen=True)
class _Watched:
    """Where a value of one kind stands in a merchant document, and its normal form."""

    kind: str  # what is compared: values of one kind are compared with each other
    label: str  # how a message names the value at this place
    pattern: tuple[str, ...]
    normal: Callable[[str], str]


_NATIONAL_ID = "national id or social security number"
# What ``shares_with`` never lets two merchants share (nor the name of a reference holding it).
UNSHAREABLE = frozenset({"case_id"})
WATCHED: tuple[_Watched, ...] = (
    _Watched("case_id", "Dintero case_id", ("dintero", "connections", ANY, "signup", "case_id"), _case_id),
    _Watched("iban", "IBAN", ("klarna", "bank_accounts", EACH, "iban"), _compact),
    _Watched(
        "iban",
        "IBAN",
        ("dintero", "connections", "common", "signup", "bank_accounts", EACH, "account_number"),
        _compact,
    ),
    _Watched(
        _NATIONAL_ID,
        "national id",
        ("klarna", "stakeholders", EACH, "national_identification", "number"),
        _id_number,
    ),
    _Watched(
        _NATIONAL_ID,
        "social security number",
        ("dintero", "connections", "common", "signup", "ownership", "owners", EACH, "social_security_number"),
        _id_number,
    ),
    _Watched(
        _NATIONAL_ID,
        "social security number",
        ("dintero", "connections", "common", "signup", "applicant", "social_security_number"),
        _id_number,
    ),
)


@pickled_by_fields
@record
class CopyKey:
    """One value that must belong to one merchant: its kind, the digest of its normal form, and where it
    is written (``file``, which differs from ``merchant_file`` for a value from a shared file)."""

    kind: str
    label: str
    digest: bytes
    merchant_file: str
    file: str
    path: FieldPath
    line: int
    column: int

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    @property
    def shareable(self) -> bool:
        """Whether merchants listing each other in ``shares_with`` may share it: by where it stands, so
        that the name of a reference holding a ``case_id`` is as unshareable as the ``case_id``."""
        return not any(w.kind in UNSHAREABLE and _matches(w.pattern, self.path) for w in WATCHED)


def _digest(kind: str, normal: str) -> bytes:
    return hashlib.sha256(f"{kind}\0{normal}".encode()).digest()[:16]


def _matches(pattern: tuple[str, ...], path: FieldPath) -> bool:
    return len(pattern) == len(path) and all(
        isinstance(part, int) if head == EACH else head in (ANY, part) and isinstance(part, str)
        for head, part in zip(pattern, path, strict=True)
    )


def _walk(data: Any, pattern: tuple[str, ...]) -> list[tuple[FieldPath, Any]]:
    """Each value at a place ``pattern`` matches, with its path, in the order of the document (keys a
    pattern's ``ANY`` matches sorted). Level by level, without a generator a level: six patterns are
    walked in every merchant file, and most end at a key the file does not have."""
    found: list[tuple[FieldPath, Any]] = [((), data)]
    for head in pattern:
        deeper: list[tuple[FieldPath, Any]] = []
        for path, value in found:
            if head == EACH:
                if isinstance(value, list):
                    deeper.extend(((*path, index), item) for index, item in enumerate(value))
            elif isinstance(value, dict):
                if head == ANY:
                    deeper.extend(((*path, key), value[key]) for key in sorted(value))
                elif head in value:
                    deeper.append(((*path, head), value[head]))
        if not deeper:
            return deeper
        found = deeper
    return found


def copy_keys(
    data: Any,
    merchant_file: str,
    position: Callable[[FieldPath], tuple[str, int, int]] | None,
    references: Sequence[NamedReference],
) -> list[CopyKey]:
    """The values of one merchant document that no other merchant may share.

    ``position`` gives where a value is written: file, line and column (the merchant file, or the shared
    file a value comes from); None: in the merchant file, where is found when an issue points at it
    (line 0, see ``check_copies``). Each reference carries its own place. Values that are not text, or
    that normalise to nothing, are left to the file's own checks.
    """
    keys: list[CopyKey] = []
    for watched in WATCHED:
        for path, value in _walk(data, watched.pattern):
            if not isinstance(value, str | int) or isinstance(value, bool):
                continue
            normal = watched.normal(str(value))
            if normal:
                file, line, column = position(path) if position is not None else (merchant_file, 0, 0)
                digest = _digest(watched.kind, normal)
                keys.append(CopyKey(watched.kind, watched.label, digest, merchant_file, file, path, line, column))
    for reference in references:
        normal = reference.name.strip().casefold()
        # The name as every message shows it: masked when it looks like a value typed where a name goes.
        shown = shown_secret_name(reference.name) if reference.tag == SECRET_TAG else shown_name(reference.name)
        kind, label = f"{reference.tag} name", f"{reference.tag} {shown}"
        digest = _digest(kind, normal)
        keys.append(
            CopyKey(
                kind, label, digest, merchant_file, reference.file, reference.path, reference.line, reference.column
            )
        )
    return keys


def _message(here: CopyKey, there: CopyKey) -> str:
    what = here.label if here.kind.endswith(" name") else f"this {here.label}"
    other = f", as {there.label}," if there.label != here.label and not here.kind.endswith(" name") else ""
    hint = "" if not here.shareable else " (merchants with one owner list each other in shares_with)"
    return (
        f"{format_path(here.path)}: {what} is also used by another merchant{other} at {there.where} "
        f"({format_path(there.path)}): a copied merchant file? each merchant needs its own{hint}"
    )


def check_copies(
    keys: Sequence[CopyKey],
    sharing: Collection[frozenset[str]] = (),
    located: Callable[[CopyKey], CopyKey] | None = None,
) -> list[InputIssue]:
    """Every value two merchant files share, reported at each place it is written, pointing at another.

    Each place points at the first place of another merchant (the first place, at the second).
    ``sharing`` holds the pairs of merchant files that share their owner's values (``shares_with``).
    ``located`` gives a key that does not say where it stands (line 0) with its place.
    """

    def copied(here: CopyKey, there: CopyKey) -> bool:
        if here.merchant_file == there.merchant_file or here.file == there.file:
            return False
        both = here.shareable and there.shareable
        return not both or frozenset((here.merchant_file, there.merchant_file)) not in sharing

    by_value: dict[tuple[str, bytes], list[CopyKey]] = {}
    for key in keys:
        by_value.setdefault((key.kind, key.digest), []).append(key)
    issues: list[InputIssue] = []
    for group in by_value.values():
        if len({k.merchant_file for k in group}) < 2 or len({k.file for k in group}) < 2:
            continue
        if located is not None:
            group = [located(k) for k in group]
        places = list({(k.file, k.line, k.column, k.path): k for k in group}.values())
        for here in places:
            others = [k for k in places if copied(here, k)]
            if others:
                issues.append(InputIssue(here.file, here.line, here.column, _message(here, others[0])))
    return issues
