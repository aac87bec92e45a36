"""A merchant document as YAML text: block style, every string double-quoted, ``!secret`` tags, comments.

Strings are written as JSON strings (valid YAML double-quoted scalars), so no value is ever read back as
something else: ``NO`` stays a country, ``0742`` a postal code, ``yes`` a word, and a hostile string
cannot open a new key or a comment. Keys are the models' field names (and API connection names), which
are plain words.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from reconciler.imports.document import SCHEMA_LINE, Path, SecretRef

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")
INDENT = "  "
# One encoder for every string: ``json.dumps`` with an option builds a new encoder at each call,
# which was most of the cost of writing a file.
_ENCODE_JSON_STRING = json.JSONEncoder(ensure_ascii=False).encode
# What JSON writes as it is but YAML text may not hold or reads otherwise (DEL and the C1 controls, NEL a
# line break to YAML 1.1 readers, surrogates, the non-characters U+FFFE and U+FFFF): escaped as
# ``\uXXXX``, which a double-quoted scalar reads back as the same character.
_NOT_YAML_TEXT = re.compile("[\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _json_string(text: str) -> str:
    encoded = _ENCODE_JSON_STRING(text)
    if _NOT_YAML_TEXT.search(encoded) is None:
        return encoded
    return _NOT_YAML_TEXT.sub(lambda match: f"\\u{ord(match.group()):04x}", encoded)


_LEAVES = frozenset({str, int, float, bool, type(None), SecretRef})


def _scalar(value: Any) -> str:
    if isinstance(value, SecretRef):
        return f"!secret {value.name}"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    return _json_string(str(value))


def _key(key: str) -> str:
    return key if _PLAIN_KEY.match(key) else _json_string(key)


# What a comment line may not hold: every character outside YAML's printable set (a C0 or C1 control, a
# surrogate, U+FFFE, U+FFFF) and the byte order mark, which a reader takes for the stream's start. A
# comment holds API text (Klarna's reasons, Dintero's connection names): one such character once made the
# whole file unreadable. Line breaks are not among them: ``splitlines`` has made each a new comment line.
_NOT_COMMENT_TEXT = re.compile(r"[^\t\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")


def _comment_lines(text: str, depth: int) -> list[str]:
    lines = (_NOT_COMMENT_TEXT.sub(lambda match: f"\\u{ord(match.group()):04x}", line) for line in text.splitlines())
    return [f"{INDENT * depth}# {line}".rstrip() for line in lines]


def _lines(value: Any, depth: int, path: Path, comments: Mapping[Path, str]) -> list[str]:
    """The lines of a mapping's or a list's content, at ``depth``."""
    pad = INDENT * depth
    out: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            where = (*path, key)
            if where in comments:
                out += _comment_lines(comments[where], depth)
            out += _entry(f"{pad}{_key(key)}:", item, depth, where, comments)
        return out
    for item in value:
        out += _entry(f"{pad}-", item, depth, path, comments, in_list=True)
    return out


def _entry(
    head: str, item: Any, depth: int, path: Path, comments: Mapping[Path, str], *, in_list: bool = False
) -> list[str]:
    if type(item) in _LEAVES:  # most entries: spared the abstract-class checks below
        return [f"{head} {_scalar(item)}"]
    if isinstance(item, Mapping) and item:
        inner = _lines(item, depth + 1, path, comments)
        if in_list:
            # "- key: value" with the rest of the mapping under it.
            first = inner[0].lstrip()
            return [f"{head} {first}", *inner[1:]]
        return [head, *inner]
    if isinstance(item, list) and item:
        return [head, *_lines(item, depth + 1 if not in_list else depth + 1, path, comments)]
    if isinstance(item, Mapping):
        return [f"{head} {{}}"]
    if isinstance(item, list):
        return [f"{head} []"]
    return [f"{head} {_scalar(item)}"]


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
