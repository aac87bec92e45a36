"""Which characters a desired-state value may hold, and the one normal form of text.

Every string the YAML loader builds (keys, values, ``!env`` values) is put in Unicode NFC, so two
spellings of one name (``é`` composed or as ``e`` and a combining accent) are one value, and is
refused when it holds a character that has no business in an API value and can hide what a reviewer
reads: C0 and C1 control characters (a tab and a line break are allowed in values, for block text),
DEL, the bidirectional embedding, override and isolate controls (text that displays other than it
reads) and lone surrogates (not encodable: no API could receive them). Keys follow the same rule.

Single-line fields (names, references, codes; see ``desired.types``) go further: surrounding
whitespace is stripped and a line break or tab inside is refused. Messages name the character by its
code point and never repeat the value, which may be sensitive.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_BIDI = "\u202a-\u202e\u2066-\u2069"
_SURROGATES = "\ud800-\udfff"
# Anywhere in a value: every control character but TAB and LF, DEL, C1, bidi controls, surrogates.
_FORBIDDEN_IN_VALUE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}{_SURROGATES}]")
# In a single-line value, besides: TAB, LF and the Unicode line and paragraph separators.
_FORBIDDEN_IN_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}{_SURROGATES}]")


def describe_character(character: str) -> str:
    """``control character U+001B``, ``bidirectional control character U+202E``, ``lone surrogate U+D800``."""
    code = ord(character)
    name = f"U+{code:04X}"
    if 0xD800 <= code <= 0xDFFF:
        return f"lone surrogate {name}"
    if 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
        return f"bidirectional control character {name}"
    if character == "\n":
        return f"line break ({name})"
    if character == "\t":
        return f"tab ({name})"
    if character in "\u2028\u2029":
        return f"line separator {name}"
    return f"control character {name}"


def forbidden_character(text: str) -> str | None:
    """A description of the first character ``text`` may not hold, or None when it holds none."""
    found = _FORBIDDEN_IN_VALUE.search(text)
    return describe_character(found.group()) if found else None


def normal_text(text: str) -> str:
    """A value or key as the loader keeps it: in NFC; raises ``ValueError`` naming the first character
    it may not hold (see the module docstring)."""
    found = _FORBIDDEN_IN_VALUE.search(text)
    if found:
        raise ValueError(describe_character(found.group()))
    return text if text.isascii() else nfc(text)


# Keys repeat across thousands of files: each distinct key is checked once.
normal_key = lru_cache(maxsize=4096)(normal_text)


def nfc(text: str) -> str:
    """``text`` in Unicode normal form C (composed characters)."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def single_line(value: object) -> object:
    """A single-line text value stripped of surrounding whitespace and in NFC; raises ``ValueError``
    when a line break, tab or control character stays inside. Anything but a string is returned as
    it is, for the field's own type to judge."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text.isascii():
        text = nfc(text)
    found = _FORBIDDEN_IN_LINE.search(text)
    if found:
        raise ValueError(f"a single line of text is expected; found a {describe_character(found.group())}")
    return text


def block_text(value: object) -> object:
    """Free text that may span lines: stripped of surrounding whitespace, in NFC, no control character
    but tab and line break."""
    if not isinstance(value, str):
        return value
    text = nfc(value.strip())
    problem = forbidden_character(text)
    if problem:
        raise ValueError(f"{problem} is not allowed")
    return text
