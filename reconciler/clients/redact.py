"""Scrubbing of text that came from an API before it goes into an error message.

The APIs may quote a request's values back in their error text (the sandbox does), and requests
hold IBANs, national ids, dates of birth and keys. Error messages keep the API's words but lose
anything shaped like one of those values.
"""

from __future__ import annotations

import re

MAX_MESSAGE_CHARS = 300

_PATTERNS: tuple[re.Pattern[str], ...] = (
    # API keys, client ids and bearer tokens (Klarna keys, JWTs).
    re.compile(r"\bklarna_(?:test|live)_\w+", re.IGNORECASE),
    re.compile(r"\beyJ[\w-]+\.[\w-]+\.[\w-]*"),
    # IBANs, with or without the usual spaces every four characters.
    re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){10,30}\b", re.IGNORECASE),
    # Dates, as in a date of birth.
    re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+Z?)?\b"),
    # Account numbers, national ids and social security numbers: long runs of digits and separators.
    re.compile(r"\d[\d \-./]{4,}\d"),
)


def scrub(text: str) -> str:
    """``text`` with sensitive-looking values replaced by ``***`` and cut to a readable length."""
    for pattern in _PATTERNS:
        text = pattern.sub("***", text)
    text = " ".join(text.split())
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[: MAX_MESSAGE_CHARS - 1] + "…"
    return text
