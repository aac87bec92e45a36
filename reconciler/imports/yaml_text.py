"""A merchant document as YAML text: block style, every string double-quoted, ``!secret`` tags, comments.

Strings are written as JSON strings (valid YAML double-quoted scalars), so no value is ever read back as
something else: ``NO`` stays a country, ``0742`` a postal code, ``yes`` a word, and a hostile string
cannot open a new key or a comment. Keys are the models' field names (and API connection names), which
are plain words.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from reconciler.imports.document import SCHEMA_LINE, Path, SecretRef

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")
INDENT = "  "
# The json module's own string encoder (C), which ``JSONEncoder(ensure_ascii=False).encode`` calls for a
# string: ``json.dumps`` with an option builds a new encoder at each call, which was most of the cost of
# writing a file.
_ENCODE_JSON_STRING: Callable[[str], str] = json.encoder.encode_basestring
# What JSON writes as it is but YAML text may not hold or reads otherwise (DEL and the C1 controls, NEL a
# line break to YAML 1.1 readers, surrogates, the non-characters U+FFFE and U+FFFF): escaped as
# ``\uXXXX``, which a double-quoted scalar reads back as the same character.
_NOT_YAML_TEXT = re.compile("[\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _escape(match: re.Match[str]) -> str:
    """A character as the ``\\uXXXX`` escape a double-quoted scalar reads back as it."""
    return f"\\u{ord(match.group()):04x}"


def _json_string(text: str) -> str:
    encoded = _ENCODE_JSON_STRING(text)
    if _NOT_YAML_TEXT.search(encoded) is None:
        return encoded
    return _NOT_YAML_TEXT.sub(_escape, encoded)


_LEAVES = frozenset({str, int, float, bool, type(None), SecretRef})


def _scalar(value: Any) -> str:
    if type(value) is str:  # most leaves
        return _json_string(value)
    if isinstance(value, SecretRef):
        return f"!secret {value.name}"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    return _json_string(str(value))


# Keys are the models' field names and API connection names: a few hundred, written again in every file.
_KEYS: dict[str, str] = {}
_MAX_KEYS = 10_000


def _key(key: str) -> str:
    written = _KEYS.get(key)
    if written is None:
        written = key if _PLAIN_KEY.match(key) else _json_string(key)
        if len(_KEYS) < _MAX_KEYS:
            _KEYS[key] = written
    return written


# What a comment line may not hold: every character outside YAML's printable set (a C0 or C1 control, a
# surrogate, U+FFFE, U+FFFF) and the byte order mark, which a reader takes for the stream's start. A
# comment holds API text (Klarna's reasons, Dintero's connection names): one such character once made the
# whole file unreadable. Line breaks are not among them: ``splitlines`` has made each a new comment line.
_NOT_COMMENT_TEXT = re.compile(r"[^\t\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")


def _comment_lines(text: str, depth: int) -> list[str]:
    lines = (_NOT_COMMENT_TEXT.sub(_escape, line) for line in text.splitlines())
    return [f"{INDENT * depth}# {line}".rstrip() for line in lines]


def _lines(
    value: Any, depth: int, path: Path, comments: Mapping[Path, str], out: list[str] | None = None
) -> list[str]:
    """The lines of a mapping's or a list's content, at ``depth``, appended to ``out``.

    One list for the whole file, and a leaf written where it is met: a list per entry, joined again at
    each level, was most of the cost of writing a file.
    """
    if out is None:
        out = []
    pad = INDENT * depth
    if isinstance(value, Mapping):
        for key, item in value.items():
            where = (*path, key)
            if where in comments:
                out += _comment_lines(comments[where], depth)
            if type(item) in _LEAVES:  # most entries: spared the abstract-class checks of ``_entry``
                out.append(f"{pad}{_key(key)}: {_scalar(item)}")
            else:
                _entry(f"{pad}{_key(key)}:", item, depth, where, comments, out, in_list=False)
        return out
    for item in value:
        if type(item) in _LEAVES:
            out.append(f"{pad}- {_scalar(item)}")
        else:
            _entry(f"{pad}-", item, depth, path, comments, out, in_list=True)
    return out


def _entry(
    head: str, item: Any, depth: int, path: Path, comments: Mapping[Path, str], out: list[str], *, in_list: bool
) -> None:
    if isinstance(item, Mapping) and item:
        if not in_list:
            out.append(head)
        at = len(out)
        _lines(item, depth + 1, path, comments, out)
        if in_list:
            # "- key: value" with the rest of the mapping under it.
            out[at] = f"{head} {out[at].lstrip()}"
    elif isinstance(item, list) and item:
        out.append(head)
        _lines(item, depth + 1, path, comments, out)
    elif isinstance(item, Mapping):
        out.append(f"{head} {{}}")
    elif isinstance(item, list):
        out.append(f"{head} []")
    else:
        out.append(f"{head} {_scalar(item)}")


def merchant_yaml(document: Mapping[str, Any], comments: Mapping[Path, str], header: str = "") -> str:
    """The merchant file: the schema line, an optional header comment, then the document."""
    lines = [SCHEMA_LINE]
    if header:
        lines += _comment_lines(header, 0)
    lines += _lines(document, 0, (), comments)
    return "\n".join(lines) + "\n"


def plain_yaml(document: Mapping[str, Any], header: str = "", comments: Mapping[Path, str] | None = None) -> str:
    """Another desired-state file (``partner.yaml``), without the merchant schema line."""
    lines = _comment_lines(header, 0) if header else []
    return "\n".join(lines + _lines(document, 0, (), comments or {})) + "\n"
