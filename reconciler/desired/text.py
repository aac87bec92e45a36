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


# The ASCII a value may hold: the printable characters, TAB and LF.
_PLAIN_BYTES = bytes(range(0x20, 0x7F)) + b"\t\n"


def plain_text(text: str) -> bool:
    """Whether every string a YAML parser reads from ``text`` is in NFC and holds no character a value
    may not hold: ASCII text (so in NFC), with no escape (a backslash: ``"\\x01"`` is a control
    character) and no character ``normal_text`` refuses (CR among them). Parsed values are made of
    the text's characters, with LF where lines break or fold."""
    # In ASCII what ``normal_text`` refuses is a control character but TAB and LF, or DEL: what is left
    # once every other character is deleted from its bytes (a sixth of the time of the search).
    return text.isascii() and "\\" not in text and not text.encode("ascii").translate(None, _PLAIN_BYTES)


# Keys repeat across thousands of files: each distinct key is checked once.
normal_key = lru_cache(maxsize=4096)(normal_text)


def nfc(text: str) -> str:
    """``text`` in Unicode normal form C (composed characters); raises ``ValueError`` for text that is
    not in NFC and holds a run of more than ``MAX_NONSTARTERS`` combining characters."""
    if unicodedata.is_normalized("NFC", text):
        return text
    if len(text) > MAX_NONSTARTERS and _nonstarter_run(text):
        raise ValueError(f"run of more than {MAX_NONSTARTERS} combining characters")
    return unicodedata.normalize("NFC", text)


# Unicode's stream-safe text format (UAX #15) allows at most 30 non-starters (combining characters)
# in a row; no writing system needs more. CPython puts each run of them in canonical order by
# insertion sort, in time quadratic in its length: a value of 40,000 accents in reverse order took
# 3.3 s to normalise, and a file of the loader's largest size can hold one of 8 million. Text already
# in NFC needs no reordering, so only other text is searched.
MAX_NONSTARTERS = 30
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _nonstarter_run(text: str) -> bool:
    """Whether ``text`` holds more than ``MAX_NONSTARTERS`` characters in a row that are, or decompose
    to, non-starters."""
    return _nonstarter_patterns(bool(_ASTRAL.search(text)))[0].search(text) is not None


def without_nonstarters(text: str) -> str:
    """``text`` without the characters that are, or decompose to, non-starters (combining marks), for
    a folding that drops them anyway: what is left decomposes in linear time."""
    return _nonstarter_patterns(bool(_ASTRAL.search(text)))[1].sub("", text)


@lru_cache(maxsize=2)
def _nonstarter_patterns(astral: bool) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A run of ``_nonstarter_run``'s and any number of non-starters, among characters up to U+FFFF
    or (``astral``) among all characters.

    A class of code points above U+FFFF is a list of ranges the regex engine tries one by one (ten
    times slower than the table of a class within U+FFFF), so only text that has such a character
    pays for them. Built on first use from this Python's Unicode tables (60 ms; every non-starter lies
    between U+0300 and U+1EFFF). A run is matched from its first character only (the look-behind), so
    the search is linear in the text's length.
    """
    ranges: list[list[int]] = []
    for code in range(0x300, 0x1F000 if astral else 0x10000):
        character = chr(code)
        if unicodedata.combining(character) or unicodedata.combining(unicodedata.normalize("NFD", character)[0]):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    members = "".join(f"{chr(low)}-{chr(high)}" for low, high in ranges)
    return re.compile(f"(?<![{members}])[{members}]{{{MAX_NONSTARTERS + 1}}}"), re.compile(f"[{members}]+")


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
