"""Precondition fingerprints: what apply compares before writing, keyed so a plan file reveals nothing.

The fields hold IBANs and dates of birth, and an unkeyed hash of a value with few possibilities
could be guessed back from a plan file.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from typing import Any

from reconciler.compare.diff import canonical_text, project
from reconciler.config import Config
from reconciler.kinds import ResourceState
from reconciler.plan.operation import ABSENT


def state_fingerprint(fields: Mapping[str, Any], status: str | None, key: bytes = b"") -> str:
    """The managed fields and the lifecycle status of a live object, as a keyed hash."""
    digest = hmac.new(key, canonical_text({"fields": fields, "status": status}).encode(), hashlib.sha256).hexdigest()
    return f"hmac-sha256:{digest[:16]}"


def precondition_of(desired: ResourceState | None, current: ResourceState | None, key: bytes = b"") -> str:
    """The fingerprint of the live object an operation is planned against (``absent`` when there is none)."""
    if current is None:
        return ABSENT
    if desired is None:
        return state_fingerprint(current.fields, current.status, key)
    return state_fingerprint(project(current.fields, desired.fields), current.status, key)


def precondition_key(config: Config) -> bytes:
    """The key of the precondition fingerprints in a plan.

    ``RECONCILER_MASK_KEY`` when set; otherwise derived from the API credentials, which the plan
    and apply jobs both hold and a reader of a plan file does not (whoever holds them can read the
    live data anyway).
    """
    explicit = os.environ.get("RECONCILER_MASK_KEY")
    if explicit:
        return explicit.encode()
    secret = config.dintero.client_secret.get_secret_value() if config.dintero.client_secret else ""
    api_key = config.klarna.api_key.get_secret_value() if config.klarna.api_key else ""
    return hashlib.sha256(f"reconciler/precondition|{api_key}|{secret}".encode()).digest()
