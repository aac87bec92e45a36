"""Imported merchants with one owner: which share an IBAN, a national id or a social security number.

One owner with several shops is common in a live account, and validate takes two merchant files holding the
same owner's values for a copied file unless they list each other in ``shares_with`` (``desired.copies``).
Import finds the merchants that share a value, by the digest of its normal form (the copy check's own), and
lists each one's fellows in its file, so what it writes validates. Only digests are kept, never a value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.desired.copies import copy_keys
from reconciler.imports.yaml_text import plain_yaml

COMMENT = (
    "The live state gives these merchants an IBAN, national id or social security number of this one\n"
    "(one owner, several shops): validate does not take what they share for a copied merchant file."
)


def shareable_digests(reference: str, resolved: Mapping[str, Any]) -> list[tuple[str, bytes]]:
    """The kind and digest of each shareable value of a merchant's resolved document: no value itself."""
    keys = copy_keys(resolved, reference, lambda path: (reference, 0, 0), [])
    return [(key.kind, key.digest) for key in keys if key.shareable]


class SharedValues:
    """The references holding each shareable value, collected one merchant at a time."""

    def __init__(self) -> None:
        self._holders: dict[tuple[str, bytes], set[str]] = {}

    def add(self, reference: str, resolved: Mapping[str, Any]) -> None:
        """The shareable values of one merchant's resolved document (every secret replaced by its value)."""
        self.add_digests(reference, shareable_digests(reference, resolved))

    def add_digests(self, reference: str, digests: list[tuple[str, bytes]]) -> None:
        """One merchant's ``shareable_digests``, made where its document was (a worker process of import)."""
        for digest in digests:
            self._holders.setdefault(digest, set()).add(reference)

    def discard(self, reference: str) -> None:
        """Forget one merchant's values (its file is not written)."""
        for holders in self._holders.values():
            holders.discard(reference)

    def fellows(self) -> dict[str, list[str]]:
        """Each reference that shares a value, with the other references it shares one with (sorted)."""
        found: dict[str, set[str]] = {}
        for holders in self._holders.values():
            if len(holders) > 1:
                for reference in holders:
                    found.setdefault(reference, set()).update(holders - {reference})
        return {reference: sorted(others) for reference, others in found.items()}


def with_shares(text: str, fellows: list[str]) -> str:
    """A merchant file's text with ``shares_with`` (and its comment) just before its ``klarna`` section."""
    lines = text.split("\n")
    # Top-level keys stand at column 0, and import writes no comment above ``klarna``.
    at = lines.index("klarna:")
    block = plain_yaml({"shares_with": fellows}, comments={("shares_with",): COMMENT}).rstrip("\n").split("\n")
    return "\n".join(lines[:at] + block + lines[at:])
