"""Reading a file written in block style a line at a time, without composing a node tree.

Merchant files, as ``import`` writes them and as people keep them, are block mappings and sequences
of one-line scalars. libyaml through PyYAML spends about 150 µs of such a file making its event and
node objects alone; one regular expression a line, building the values as it goes, reads it in about
half the time of composing and building it (``benchmarks/README.md``, round fifteen).

It reads only what it is sure of: text with LF line breaks and no tab, no Unicode line break (U+0085,
U+2028, U+2029: YAML 1.1's, which libyaml keeps) and no byte order mark; keys that are plain names
followed by ``:`` and a space or the end of the line; a value on one line that is a plain scalar
(neither starting with an indicator nor holding ``: ``, a comment after `` #``), a single-quoted scalar,
a double-quoted one without escapes, ``!env NAME`` or ``!secret NAME``, or a flow list or mapping of such
scalars (``[OWNER, DIRECTOR]``, ``{currency: SEK}``, ``[]``); ``- `` items, of a scalar or of a mapping.
An anchor, an alias, another tag, a complex key, a block scalar or a directive starts with an indicator
where a value, a key or a line starts, so each is left to the parsers too. Anything else (an empty
value, a scalar over several lines, nested flow collections, a key written twice, indentation it cannot
place, a character YAML refuses...) gives None, and the file is parsed as before: every problem is that
path's to report, never this one's. What this reads is what libyaml and ruamel.yaml read, value for
value and position for position: ``tests/desired/test_block_lines.py`` compares them over generated files.
The check that libyaml may read a text (``libyaml_parser.in_plain_subset``, a tenth of the time a file
takes here) is left to the files this gives up on.

Values are made by the builder (``yaml_loader``), as for a composed node: the same resolution of plain
scalars, the same checks of text, the same references.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

from reconciler.desired.libyaml_parser import (
    OUTSIDE_CHARACTERS,
    RESOLVERS_BY_FIRST_CHARACTER,
    STR_TAG,
    plain_scalar_tag,
)
from reconciler.desired.positions import FieldPath, Positions

# A line: its indentation, a "- " item indicator, a key and its colon, and the rest (a value, or
# nothing). Keys are plain names: what a quoted or odd key means is left to the parsers.
_KEY = r"[A-Za-z_][A-Za-z0-9_.\-]{0,1023}"  # YAML's parsers refuse an implicit key of over 1,024 characters
_LINES = re.compile(rf"^( *)(- +)?(?:({_KEY})(: +|:$))?(.*)$", re.MULTILINE)
# A plain scalar that reads as itself in block context: no indicator first (``- ? : , [ ] { } # & * !
# | > ' " % @ ```), no ``: `` inside nor ``:`` last (a mapping value), no `` #`` (a comment: cut off
# before this is matched).
_NOT_PLAIN_FIRST = frozenset(" -?:,[]{}#&*!|>'\"%@`")
# A quoted scalar on one line, then at most a comment. Double-quoted only without escapes.
_SINGLE_QUOTED = re.compile(r"'((?:[^']|'')*)'(?: +#.*)?")
_DOUBLE_QUOTED = re.compile(r'"([^"\\]*)"(?: +#.*)?')
_EMPTY_FLOW = re.compile(r"(\{\}|\[\])(?: +#.*)?")
# An item of a flow list on one line (``[OWNER, SIGNATORY]``, ``["5712"]``): quoted as above, or plain
# with none of the characters that end or nest one in flow context, nor ``:`` or ``#``; then the comma
# or the closing bracket.
# The plain item's spaces are taken only before more of it (possessively): a lazy item followed by spaces
# would try every split of a run of them, in time quadratic in its length.
_FLOW_PLAIN = r"""[^\s,\[\]{}#'"!&*|>%@`?:\-](?:[^\s,\[\]{}#:]| ++(?=[^\s,\[\]{}#:]))*+"""
_FLOW_ITEM = re.compile(rf""" *(?:'((?:[^']|'')*)'|"([^"\\]*)"|({_FLOW_PLAIN})) *([,\]])""")
_AFTER_FLOW = re.compile(r"(?: +#.*)?")
# An entry of a flow mapping on one line (``{customer_country: SE, currency: SEK}``): a plain name, its
# colon and a space, then a value as an item of a flow list (its group numbers one higher).
_FLOW_ENTRY = re.compile(rf""" *({_KEY}): +(?:'((?:[^']|'')*)'|"([^"\\]*)"|({_FLOW_PLAIN})) *([,}}])""")
_TAGGED = re.compile(r"(!env|!secret) +([A-Za-z_][A-Za-z0-9_.\-]*)(?: +#.*)?")
# Nesting and size beyond what a merchant file has are the parsers' to judge (and to refuse): values
# are bounded by lines and commas.
_MAX_DEPTH = 32
_MAX_VALUES = 20_000

# What YAML's reader refuses anywhere in a file (plain text holds none of it: ``text.plain_text``).
_NOT_PRINTABLE = re.compile("[^\t\n\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

_MAP, _SEQ = 0, 1


class LineBuilder(Protocol):
    """What makes the values (``yaml_loader._Builder``), as it makes them from composed nodes.

    Where it finds a problem (a character a value may not hold) it records an issue, and the caller
    then composes the file; ``line_key`` gives None for a key it cannot take, ``line_tagged`` gives
    ``REFUSED`` for a reference it cannot make here and ``OMITTED`` for one whose value is not known.
    """

    plain_text: bool
    positions: Positions

    def scalar(self, text: str, quoted: bool, path: FieldPath, tag: str, position: tuple[int, int]) -> Any: ...

    def line_key(self, text: str) -> str | None: ...

    def line_tagged(self, tag: str, name: str, path: FieldPath, position: tuple[int, int]) -> Any: ...


class _Sentinel:
    def __init__(self, what: str) -> None:
        self.what = what

    def __repr__(self) -> str:
        return self.what


REFUSED = _Sentinel("REFUSED")
OMITTED = _Sentinel("OMITTED")


class _NotHere(Exception):
    """The text is not one this module reads: libyaml composes it."""


def read_block_lines(text: str, builder: LineBuilder, *, positions: bool = True) -> dict[str, Any] | None:
    """The top-level mapping of ``text``, built by ``builder``; None when the text is not one this
    module reads (see the module's docstring), and then nothing ``builder`` holds is to be used.

    ``positions=False`` leaves ``builder.positions`` empty: a file that loads without an issue is seldom
    asked where a value stands, and noting where each one does is a sixth of the reading (a path's hash
    a value). Read again with them, the same text gives the same data and every position."""
    if "\r" in text or text.count("\n") + text.count(",") > _MAX_VALUES:
        return None
    # Where YAML 1.1 (libyaml) and 1.2 (ruamel.yaml) part, as for libyaml's plain subset: a tab separates
    # words and starts a comment or ends a value as a space does, and 1.1 breaks lines at more characters.
    if any(character in text for character in OUTSIDE_CHARACTERS):
        return None
    if not builder.plain_text and _NOT_PRINTABLE.search(text):
        return None  # the parsers refuse the file (a comment is no value the builder would check)
    try:
        return _read(text, builder, positions)
    except _NotHere:
        return None


def _read(text: str, builder: LineBuilder, positions: bool) -> dict[str, Any]:
    root: dict[str, Any] = {}
    values: dict[FieldPath, tuple[int, int]] | None = builder.positions.values if positions else None
    keys = builder.positions.keys
    # The open collections, innermost last: (indentation of its keys or dashes, kind, the collection, path).
    stack: list[tuple[int, int, Any, FieldPath]] = []
    # A key written with no value on its line: its collection comes on the next lines.
    pending: tuple[int, dict[str, Any], str, FieldPath] | None = None
    references: list[tuple[Any, Any, _Reference]] = []  # where each goes: its collection, key or index
    number = 0
    plain = builder.plain_text
    unnoted = values is None
    for spaces, dash, key, colon, rest in _LINES.findall(text):
        number += 1
        if rest[-1:] == " ":
            rest = rest.rstrip(" ")
        if not rest:
            if not key:
                if dash:
                    raise _NotHere  # an empty item: null
                continue  # a blank line
        elif rest[0] == "#":
            if not key:
                if dash:
                    raise _NotHere  # an empty item, then a comment
                continue  # a comment line
            rest = ""  # a key, then a comment: its value is on the next lines
        indent = len(spaces)
        if pending is not None:
            # The value of the key before: a mapping further in, or a sequence from its key's column on.
            key_column, parent, parent_key, path = pending
            if not (indent > key_column or (dash and indent == key_column)):
                raise _NotHere  # an empty value (null): libyaml's position for it is its own
            collection: Any = [] if dash else {}
            if values is not None:
                values[path] = (number, indent + 1)
            parent[parent_key] = collection
            stack.append((indent, _SEQ if dash else _MAP, collection, path))
            pending = None
        elif not stack:
            if dash or not key:
                raise _NotHere  # the top level is not a mapping
            if values is not None:
                values[()] = (number, indent + 1)
            stack.append((indent, _MAP, root, ()))
        if dash:
            top = stack[-1]
            if top[0] != indent or top[1] != _SEQ:
                top = _innermost(stack, indent, _SEQ)
            sequence, sequence_path = top[2], top[3]
            item_path = (*sequence_path, len(sequence))
            column = indent + len(dash)
            if not key:
                item = _value(rest, item_path, (number, column + 1), builder, values)
                if isinstance(item, _Reference):
                    references.append((sequence, len(sequence), item))
                sequence.append(item)
                continue
            if len(item_path) >= _MAX_DEPTH:
                raise _NotHere
            if values is not None:
                values[item_path] = (number, column + 1)
            entries: dict[str, Any] = {}
            sequence.append(entries)
            top = (column, _MAP, entries, item_path)
            stack.append(top)
        else:
            if not key:
                raise _NotHere  # a scalar over several lines, a document marker, a flow collection...
            top = stack[-1]
            if top[0] != indent or top[1] != _MAP:
                top = _innermost(stack, indent, _MAP)
            column = indent
        mapping = top[2]
        if plain:  # ``_key`` for a key of plain text (itself), without a call: most lines hold one
            if key in mapping:
                raise _NotHere
            if unnoted and rest:
                # A string, as ``_value`` takes one, where nothing is noted: neither its path nor its
                # place is made (most lines of a merchant file).
                first = rest[0]
                if first not in _NOT_PLAIN_FIRST and first not in RESOLVERS_BY_FIRST_CHARACTER:
                    mapping[key] = _plain(rest)
                    continue
                if first == "'":
                    mapping[key] = _quoted(rest, first)
                    continue
            name, path = key, (*top[3], key)
            if values is not None:
                keys[path] = (number, column + 1)
        else:
            name, path = _key(key, mapping, top[3], (number, column + 1), builder, values is not None)
        if not rest:
            if len(path) >= _MAX_DEPTH:
                raise _NotHere
            pending = (column, mapping, name, path)
            continue
        value = _value(rest, path, (number, column + len(key) + len(colon) + 1), builder, values)
        if isinstance(value, _Reference):
            references.append((mapping, name, value))
        mapping[name] = value
    if pending is not None or not stack:
        raise _NotHere  # an empty value last, or no key at all
    # The whole file is read: only now is the environment read and the store asked, in the file's order.
    for container, slot, reference in references:
        made = builder.line_tagged(reference.tag, reference.name, reference.path, reference.position)
        if made is REFUSED:
            raise _NotHere
        if made is not OMITTED:
            container[slot] = made
        elif isinstance(container, dict):
            del container[slot]  # a value not known: its key is left out, as for a composed node
        else:
            container[slot] = None
    return root


def _key(
    written: str,
    mapping: dict[str, Any],
    mapping_path: FieldPath,
    position: tuple[int, int],
    builder: LineBuilder,
    noted: bool,
) -> tuple[str, FieldPath]:
    """A key of ``mapping`` (at ``mapping_path``) as the builder takes it, and its path, its position
    noted when ``noted``."""
    name = written if builder.plain_text else builder.line_key(written)
    if name is None:
        raise _NotHere  # a key the builder refuses: libyaml's path reports it
    if name in mapping:
        raise _NotHere  # a key written twice: libyaml's path reports each
    path = (*mapping_path, name)
    if noted:
        builder.positions.keys[path] = position
    return name, path


def _innermost(stack: list[tuple[int, int, Any, FieldPath]], indent: int, kind: int) -> tuple[int, int, Any, FieldPath]:
    """The open collection of ``kind`` at ``indent`` a line continues, once those further in (or of the
    other kind at that indentation) are closed."""
    top = stack[-1]
    while top[0] > indent or (top[0] == indent and top[1] != kind):
        stack.pop()
        if not stack:
            raise _NotHere
        top = stack[-1]
    if top[0] != indent:
        raise _NotHere
    return top


@dataclass(frozen=True, slots=True)
class _Reference:
    """An ``!env`` or ``!secret`` value, made once the whole file is read (nothing is looked up for a
    file this module gives up on)."""

    tag: str
    name: str
    path: FieldPath
    position: tuple[int, int]


def _value(
    rest: str,
    path: FieldPath,
    position: tuple[int, int],
    builder: LineBuilder,
    values: dict[FieldPath, tuple[int, int]] | None,
) -> Any:
    """The scalar, empty collection or flow collection written as ``rest``, the rest of its line; its
    position noted in ``values`` unless None."""
    first = rest[0]
    if first not in _NOT_PLAIN_FIRST:
        plain = _plain(rest)
        if values is not None:
            values[path] = position
        if builder.plain_text and first not in RESOLVERS_BY_FIRST_CHARACTER:
            return plain  # a string (no resolver starts so), as the builder gives one of plain text: itself
        return builder.scalar(plain, False, path, plain_scalar_tag(plain), position)
    if first == "'" or first == '"':
        text = _quoted(rest, first)
        if values is not None:
            values[path] = position
        if builder.plain_text:
            return text  # a string, as the builder gives one of plain text: itself
        return builder.scalar(text, True, path, STR_TAG, position)
    if first in "{[":
        if values is not None:
            values[path] = position
        empty = _EMPTY_FLOW.fullmatch(rest)
        if empty is None:
            return _flow(rest, path, position, builder, values)
        return {} if empty.group(1) == "{}" else []
    if first == "!":
        tagged = _TAGGED.fullmatch(rest)
        if tagged is None:
            raise _NotHere
        if values is not None:
            values[path] = position
        return _Reference(tagged.group(1), tagged.group(2), path, position)
    raise _NotHere  # another indicator first


def _plain(rest: str) -> str:
    """The plain scalar written as ``rest`` (its first character no indicator), a comment cut off."""
    comment = rest.find(" #")
    plain = rest if comment < 0 else rest[:comment].rstrip(" ")
    if ": " in plain or plain[-1] == ":":
        raise _NotHere  # a mapping value: not a scalar on one line
    return plain


def _quoted(rest: str, quote: str) -> str:
    """The text of the scalar quoted by ``quote`` written as ``rest``, a comment after it cut off."""
    quoted = (_SINGLE_QUOTED if quote == "'" else _DOUBLE_QUOTED).fullmatch(rest)
    if quoted is None:
        raise _NotHere
    return quoted.group(1) if quote == '"' else quoted.group(1).replace("''", "'")


def _flow(
    rest: str,
    path: FieldPath,
    position: tuple[int, int],
    builder: LineBuilder,
    values: dict[FieldPath, tuple[int, int]] | None,
) -> Any:
    """A flow list or mapping of scalars written on one line, ``rest`` from its ``[`` or ``{`` on."""
    line, column = position  # of the "[" or "{" (1-based)
    listed = rest[0] == "["
    pattern, shift = (_FLOW_ITEM, 0) if listed else (_FLOW_ENTRY, 1)
    items: list[Any] = []
    entries: dict[str, Any] = {}
    at = 1
    while True:
        item = pattern.match(rest, at)
        if item is None:
            raise _NotHere
        if listed:
            item_path: FieldPath = (*path, len(items))
        else:
            where = (line, column + item.start(1))
            name, item_path = _key(item.group(1), entries, path, where, builder, values is not None)
        single, double, plain = item.group(1 + shift), item.group(2 + shift), item.group(3 + shift)
        if plain is not None:
            where = (line, column + item.start(3 + shift))
            text, quoted, tag = plain, False, plain_scalar_tag(plain)
        else:
            where = (line, column + item.start((1 if single is not None else 2) + shift) - 1)  # the quote
            text, quoted, tag = (single.replace("''", "'") if single is not None else double), True, STR_TAG
        if values is not None:
            values[item_path] = where
        value = builder.scalar(text, quoted, item_path, tag, where)
        if listed:
            items.append(value)
        else:
            entries[name] = value
        at = item.end()
        if item.group(4 + shift) in "]}":
            break
    if _AFTER_FLOW.fullmatch(rest, at) is None:
        raise _NotHere
    return items if listed else entries
