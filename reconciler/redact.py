"""Masking of sensitive values for every output: plans, renderers, dry-run requests, errors.

A value is sensitive by the name of the field that holds it, wherever it is nested, so a whole
signup or stakeholder shown as one value is masked inside too. The masked form still tells that
something changed: ``****7466 (fp:3a9c)``, where the fingerprint is a keyed hash. The key comes
from ``RECONCILER_MASK_KEY`` when set (stable fingerprints across runs); otherwise it is random
per process, so a fingerprint can never be matched against a list of guessed values.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Mapping
from typing import Any

# Field names whose values are never shown. Matched on the last path segment.
SENSITIVE_FIELDS = frozenset(
    {
        "iban",
        "account_number",
        "bank_account_number",
        "national_identification_number",
        "social_security_number",
        "date_of_birth",
        "api_key",
        "client_secret",
        "secret",
        "password",
        "access_token",
        "token",
        "authorization",
    }
)
# Where the last four characters are customarily shown (they identify, they do not disclose).
_SHOW_LAST_FOUR = frozenset({"iban", "account_number", "bank_account_number"})
# ``national_identification.number``: "number" alone is too common a name to mask everywhere.
_SENSITIVE_PAIRS = frozenset({("national_identification", "number")})

_KEY = os.environ.get("RECONCILER_MASK_KEY", "").encode() or secrets.token_bytes(32)

MASK = "****"


def fingerprint(value: Any, length: int = 4) -> str:
    """A short keyed hash of a value: equal values, equal fingerprints, within one key."""
    return hmac.new(_KEY, str(value).encode(), hashlib.sha256).hexdigest()[:length]


def _segments(path: str) -> list[str]:
    return [s for s in re.split(r"[.\[\]/]+", path) if s and not s.isdigit()]


def is_sensitive_path(path: str) -> bool:
    """True for ``iban``, ``stakeholders[0].date_of_birth``, ``national_identification.number``..."""
    parts = _segments(path)
    if not parts:
        return False
    if parts[-1].lower() in SENSITIVE_FIELDS:
        return True
    return len(parts) >= 2 and (parts[-2].lower(), parts[-1].lower()) in _SENSITIVE_PAIRS


def mask_scalar(value: Any, field: str = "") -> str | None:
    """The masked form of one sensitive value (None stays None: absence is not a secret)."""
    if value is None:
        return None
    text = str(value)
    tail = text.replace(" ", "")[-4:] if field.lower() in _SHOW_LAST_FOUR and len(text) > 8 else ""
    return f"{MASK}{tail} (fp:{fingerprint(text)})"


def redact(value: Any, path: str = "") -> Any:
    """A copy of ``value`` with every sensitive leaf masked; ``path`` says where the value sits."""
    if is_sensitive_path(path):
        if isinstance(value, Mapping | list):
            return mask_scalar(_stable_text(value))
        return mask_scalar(value, _segments(path)[-1] if _segments(path) else "")
    if isinstance(value, Mapping):
        return {k: redact(v, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, f"{path}[]") for v in value]
    return value


def _stable_text(value: Any) -> str:
    import json

    return json.dumps(value, sort_keys=True, default=str)
