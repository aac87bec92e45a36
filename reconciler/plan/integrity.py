"""The plan's MAC: a keyed hash over its whole document, so apply can tell a plan it made from an edited one.

Keyed like the preconditions (``plan.fingerprint.precondition_key``): the plan and apply jobs hold
the key; someone who can only edit the file cannot make a MAC that verifies.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from reconciler.errors import InputError, InputIssue
from reconciler.plan.value import Plan

PREFIX = "hmac-sha256:"


def mac_of(document: Mapping[str, Any], key: bytes) -> str:
    """The MAC of every part of a plan document but its own ``mac``."""
    body = {name: value for name, value in document.items() if name != "mac"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return PREFIX + hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def seal(plan: Plan, key: bytes) -> Plan:
    """The plan with its MAC set."""
    return replace(plan, mac=mac_of(replace(plan, mac="").to_dict(), key))


def verify(document: Mapping[str, Any], key: bytes, source: str) -> None:
    """Refuse a plan document whose MAC is missing or does not verify with ``key``."""
    given = document.get("mac")
    if not isinstance(given, str) or not given:
        raise InputError([InputIssue(source, 1, 1, "not a reconciler plan: it has no MAC (plan --out writes one)")])
    if not hmac.compare_digest(given, mac_of(document, key)):
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
