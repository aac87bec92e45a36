"""The plan's MAC: a keyed hash over its whole document, so apply can tell a plan it made from an edited one.

Keyed like the preconditions (``plan.fingerprint.precondition_key``): the plan and apply jobs hold
the key; someone who can only edit the file cannot make a MAC that verifies.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from reconciler.compare.diff import canonical_text
from reconciler.errors import InputError, InputIssue
from reconciler.plan.value import Plan, Streamed

PREFIX = "hmac-sha256:"


def canonical_chunks(document: Mapping[str, Any]) -> Iterator[str]:
    """``json.dumps(document without "mac", sort_keys=True, compact, ASCII)``, a top-level array's items
    one at a time: a plan of a hundred thousand operations is hashed without its whole text in memory
    (with it, sealing such a plan took more memory than the plan itself)."""
    yield "{"
    for index, name in enumerate(sorted(name for name in document if name != "mac")):
        yield ("," if index else "") + canonical_text(name) + ":"
        value = document[name]
        if isinstance(value, list | tuple | Streamed):
            yield "["
            for position, item in enumerate(value):
                yield ("," if position else "") + canonical_text(item)
            yield "]"
        else:
            yield canonical_text(value)
    yield "}"


def mac_of(document: Mapping[str, Any], key: bytes) -> str:
    """The MAC of every part of a plan document but its own ``mac``."""
    mac = hmac.new(key, digestmod=hashlib.sha256)
    for chunk in canonical_chunks(document):
        mac.update(chunk.encode())
    return PREFIX + mac.hexdigest()


def seal(plan: Plan, key: bytes) -> Plan:
    """The plan with its MAC set."""
    return replace(plan, mac=mac_of(replace(plan, mac="").to_dict(streamed=True), key))


def verify(document: Mapping[str, Any], key: bytes, source: str) -> None:
    """Refuse a plan document whose MAC is missing or does not verify with ``key``."""
    given = document.get("mac")
    if not isinstance(given, str) or not given:
        raise InputError([InputIssue(source, 1, 1, "not a reconciler plan: it has no MAC (plan --out writes one)")])
    # compare_digest takes a str of ASCII only (a TypeError otherwise): a MAC we wrote is hex.
    if not given.isascii() or not hmac.compare_digest(given, mac_of(document, key)):
        raise InputError(
            [
                InputIssue(
                    source,
                    1,
                    1,
                    "the plan was changed after it was written, or made with other credentials: its MAC does "
                    "not verify; plan again",
                )
            ]
        )
