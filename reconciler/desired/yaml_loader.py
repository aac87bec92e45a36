"""Reading one YAML file into plain data plus the position of every key and value.

A YAML parser composes the node tree (each node knows its line and column); this module builds the
values itself so that it can report every duplicate key (not just the first), resolve ``!env`` and
``!secret`` references (``desired.secrets``), and keep numbers whose text a conversion would change
(``0742``, ``+4722000000``) as strings. Timestamps stay as written; the models parse them. Every
string (key, value, ``!env`` value) is put in Unicode NFC and refused, at its position, when it
holds a control character
(``desired.text``). Problems become ``InputIssue``s; a file with any of them yields no data, except
problems of references alone (an unset variable, a secret name the store lacks): the document is
returned with those values left out and their paths in ``unresolved``, so that the file's other
problems are found too (``validate_model`` says nothing of an unresolved path).

The parser is ruamel.yaml's. With ``fast=True`` it is libyaml's (through PyYAML, when installed),
resolving plain scalars by ruamel.yaml's own YAML 1.2 rules: ruamel parses a merchant file in about
9 ms, libyaml in about 0.3 ms, which is most of loading ten thousand files; and a file in plain block
style is read a line at a time (``desired.block_lines``), as libyaml reads it, in about half that. They
give the same data but not always the same position as ruamel.yaml (an empty value, for one), so a file
with any problem is read again without ``fast`` before its issues are reported.
"""

from __future__ import annotations

import codecs
import functools
import math
import re
import warnings
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yaml.error import Mark
from yaml.nodes import ScalarNode

from reconciler.desired import block_lines, libyaml_parser
from reconciler.desired.files import UnreadableFile, read_regular_file
from reconciler.desired.positions import FieldPath, FoundLater, Place, Positions, format_path
from reconciler.desired.references import NamedReference
from reconciler.desired.secrets import (
    ENV_TAG,
    SECRET_TAG,
    EnvReference,
    EnvRules,
    SecretReference,
    SecretSource,
    parse_env_node,
    parse_secret_node,
    shown_secret_name,
)
from reconciler.desired.text import forbidden_character, normal_key, normal_text, plain_text
from reconciler.desired.yaml_nodes import Node, node_position, scalar_text
from reconciler.errors import InputIssue, printable
from reconciler.sensitive import is_sensitive_path, register_secret_value, scrub, shown_name

_CANONICAL_INT = re.compile(r"^-?(0|[1-9][0-9]*)$")
# A %YAML directive as ruamel.yaml's scanner sees one: at the start of a line, anywhere in the text.
# (Numbers of at most 9 digits: a longer one is ruamel.yaml's to refuse, and int() of 4,300 digits raises.)
_VERSION_DIRECTIVE = re.compile(r"^%YAML[ \t]+([0-9]{1,9})\.([0-9]{1,9})(?![0-9])", re.MULTILINE)
_READ_VERSIONS = frozenset({(1, 1), (1, 2)})
_YAML = "tag:yaml.org,2002:"
_STR_TAG, _NULL_TAG, _BOOL_TAG = _YAML + "str", _YAML + "null", _YAML + "bool"
_INT_TAG, _FLOAT_TAG, _TIMESTAMP_TAG, _MERGE_TAG = _YAML + "int", _YAML + "float", _YAML + "timestamp", _YAML + "merge"
_MAP_TAG, _SEQ_TAG = _YAML + "map", _YAML + "seq"
# What a key may be tagged (as it resolves, or written): a key is a name, read as its text.
_KEY_TAGS = frozenset((_STR_TAG, _NULL_TAG, _BOOL_TAG, _INT_TAG, _FLOAT_TAG, _TIMESTAMP_TAG))
_QUOTED_STYLES = frozenset(("'", '"', "|", ">"))
_MAX_DEPTH = 64
# Aliases can make a small file expand enormously; no merchant file comes near this many values.
_MAX_VALUES = 100_000


class _Unresolved:
    """A reference whose value is not known: its key is left out of the data."""


_UNRESOLVED = _Unresolved()


@dataclass
class YamlDocument:
    """The data of one YAML file, where each part of it stands, and which paths came from references."""

    file: str
    data: Any
    positions: Positions
    env_references: dict[FieldPath, EnvReference] = field(default_factory=dict)
    # Where the file holds null (``~`` or nothing): checked against the models (``desired.nulls``).
    null_paths: list[FieldPath] = field(default_factory=list)
    # Every reference by name (``!env``; a new tag adds its own), with where it is written.
    references: list[NamedReference] = field(default_factory=list)
    secret_references: dict[FieldPath, SecretReference] = field(default_factory=dict)
    # References whose value is not known (an issue says why, or no identity was given to decrypt):
    # left out of ``data``, and what a model says of them is not reported.
    unresolved: list[FieldPath] = field(default_factory=list)
    # The CRC-32 of the file's bytes as read (``load_yaml_file``): read again for a place to point at, a
    # file is taken only if it is still what was checked (``load._MerchantReader.locate``).
    digest: bytes = field(default=b"", repr=False)

    # Where to point at a value, a key or a missing field. A merchant resolved from profiles
    # (``desired.profiles.ResolvedDocument``) answers with the file each value was written in.
    def at_value(self, path: FieldPath) -> Place:
        return Place(self.file, *self.positions.of_value(path))

    def file_at(self, path: FieldPath) -> str:
        """The file the value at ``path`` is written in (``at_value``'s, without finding the place)."""
        return self.file

    def at_key(self, path: FieldPath) -> Place:
        return Place(self.file, *self.positions.of_key(path))

    def at_missing(self, path: FieldPath) -> Place:
        return Place(self.file, *self.positions.of_missing(path))


class WrittenFloat(float):
    """A number whose text its conversion changes (``12.10`` is 12.1), which a text field takes as written.

    ``DesiredModel`` makes text of a number written for it (``coerce_numbers_to_str``) with ``str``: this
    gives the file's text, as the loader keeps ``0742`` or ``+4722000000`` as written. As a number (a
    percentage, a free-form value) it is the float itself."""

    written: str

    def __new__(cls, number: float, written: str) -> WrittenFloat:
        made = super().__new__(cls, number)
        made.written = written
        return made

    def __str__(self) -> str:
        return self.written

    __repr__ = float.__repr__

    def __reduce__(self) -> tuple[Any, ...]:
        return (WrittenFloat, (float(self), self.written))


def _unsupported_tag(tag: str) -> str:
    """How a message names a tag YAML has and the loader does not take: a tag is the file's text, and one
    written where a value goes may be the value (``!!NO93…``), so it is masked as a name is."""
    return f"unsupported YAML tag {printable(shown_name(tag))}"


def _kind(node: Node) -> str:
    if node.id == "mapping":
        return "a mapping"
    if node.id == "sequence":
        return "a list"
    return "a single value"


class _Builder:
    """Builds plain Python values from composed nodes, collecting issues instead of stopping."""

    def __init__(
        self,
        file: str,
        environ: Mapping[str, str],
        secrets: SecretSource | None,
        env_rules: EnvRules,
        *,
        plain_text: bool = False,
    ) -> None:
        self.file = file
        # The file's text is ASCII with no backslash, CR or character a value may not hold: every key
        # and scalar is made of its characters (and LF, where lines fold), so each is in NFC and holds
        # nothing to refuse, and is kept without checking it (about 60 strings a merchant file).
        self.plain_text = plain_text
        self.environ = environ
        self.secrets = secrets
        self.env_rules = env_rules
        self.positions = Positions()
        self.env_references: dict[FieldPath, EnvReference] = {}
        self.secret_references: dict[FieldPath, SecretReference] = {}
        self.null_paths: list[FieldPath] = []
        self.references: list[NamedReference] = []
        self.unresolved: list[FieldPath] = []
        self.issues: list[InputIssue] = []
        # Problems of a reference alone: they do not stop the rest of the file from being checked.
        self.reference_issues: list[InputIssue] = []
        self.built = 0

    def issue(self, position: tuple[int, int], message: str) -> None:
        self.issues.append(InputIssue(self.file, position[0], position[1], message))

    def unresolved_reference(self, node: Node, path: FieldPath, message: str | None) -> _Unresolved:
        if message is not None:
            line, column = node_position(node)
            self.reference_issues.append(InputIssue(self.file, line, column, f"{format_path(path)}: {message}"))
        self.unresolved.append(path)
        return _UNRESOLVED

    def build(self, node: Node, path: FieldPath) -> Any:
        # Called for every key and value of every file (about 200 a merchant file): the node's parts
        # are read once each, and the commonest cases (plain data) are tried first.
        mark = node.start_mark
        position = (mark.line + 1, mark.column + 1)
        self.positions.values[path] = position
        self.built += 1
        if len(path) > _MAX_DEPTH or self.built > _MAX_VALUES:
            if not self.issues or "too deeply" not in self.issues[-1].message:
                self.issue(position, f"{format_path(path)}: nested too deeply or expands to too many values")
            return None
        tag = str(node.tag)
        if tag[:1] == "!":
            if tag == ENV_TAG:
                return self.build_env(node, path)
            if tag == SECRET_TAG:
                return self.build_secret(node, path)
            if tag[:2] != "!!":
                # A tag's name is the file's text: one written where a value goes may be the value.
                shown = printable(tag[:1] + shown_name(tag[1:]))
                self.issue(position, f"{format_path(path)}: unknown tag {shown} (only !env and !secret are supported)")
                return None
        kind = node.id
        if kind == "scalar":
            return self.build_scalar(node, path, tag, position)
        if tag != (_MAP_TAG if kind == "mapping" else _SEQ_TAG):
            # ``!!python/object {…}``, ``!!set``, ``!!str [..]``: a tag on a collection means something
            # else than the collection; it is refused as on a single value, never dropped.
            self.issue(position, f"{format_path(path)}: {_unsupported_tag(tag)}")
            return None
        if kind == "mapping":
            return self.build_mapping(node, path)
        items = [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        return [None if item is _UNRESOLVED else item for item in items]

    def build_env(self, node: Node, path: FieldPath) -> Any:
        try:
            reference = parse_env_node(node)
        except ValueError as error:
            self.issue(node_position(node), f"{format_path(path)}: {error}")
            return None
        self.env_references[path] = reference
        self.references.append(NamedReference(ENV_TAG, reference.name, path, self.file, *node_position(node)))
        try:
            value = reference.resolve(self.environ, self.env_rules)
        except LookupError as error:
            return self.unresolved_reference(node, path, str(error))
        if is_sensitive_path(path):
            # Masked wherever it turns up, as every !secret's value is (an API's error text may quote it).
            # Not every !env value: a shop's banner text would be masked in every plan that shows it.
            register_secret_value(value)
        try:
            return normal_text(value)
        except ValueError as problem:
            # Never the value itself: an !env value is usually a secret.
            return self.unresolved_reference(node, path, f"the value of !env {reference.name} holds a {problem}")

    def build_secret(self, node: Node, path: FieldPath) -> Any:
        try:
            reference = parse_secret_node(node, self.env_rules.reserved)
        except ValueError as error:
            self.issue(node_position(node), f"{format_path(path)}: {error}")
            return None
        self.secret_references[path] = reference
        self.references.append(NamedReference(SECRET_TAG, reference.name, path, self.file, *node_position(node)))
        if self.secrets is None:
            return self.unresolved_reference(node, path, None)
        found = self.secrets.lookup(reference.name)
        if not found.found:
            name = shown_secret_name(reference.name)  # the value itself typed as the name is masked
            fix = (
                f"add it: reconciler secrets set {name}"
                if name == reference.name
                else "it looks like a sensitive value, not a name: name the secret for what it holds"
            )
            return self.unresolved_reference(node, path, f"secret {name} is not in the secrets store ({fix})")
        if found.value is None:  # known by name only: no identity was given to decrypt
            return self.unresolved_reference(node, path, None)
        register_secret_value(found.value)
        try:
            return normal_text(found.value)
        except ValueError as problem:
            shown = shown_secret_name(reference.name)
            return self.unresolved_reference(node, path, f"the value of !secret {shown} holds a {problem}")

    def text(self, position: tuple[int, int], path: FieldPath, text: str) -> str | None:
        """A string value in NFC, or None (and an issue) when it holds a forbidden character."""
        if self.plain_text:
            return text
        try:
            return normal_text(text)
        except ValueError as problem:
            self.issue(position, f"{format_path(path)}: {problem} is not allowed")
            return None

    def build_mapping(self, node: Node, path: FieldPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        keys = self.positions.keys
        for key_node, value_node in node.value:
            if str(key_node.tag) == _MERGE_TAG:
                self.issue(node_position(key_node), f"{format_path(path)}: merge keys (<<) are not supported")
                continue
            if key_node.id != "scalar":
                self.issue(node_position(key_node), f"{format_path(path)}: a key must be a plain name")
                continue
            key_tag = str(key_node.tag)
            if key_tag not in _KEY_TAGS:
                # ``!!python/object:… name:``, ``!secret name:``: a key is a name, never a reference or an object.
                if key_tag[:1] == "!":  # a local tag (``!env``, ``!foo``), named as on a value
                    what = f"unknown tag {printable('!' + shown_name(key_tag[1:]))} on a key"
                else:
                    what = _unsupported_tag(key_tag)
                self.issue(node_position(key_node), f"{format_path(path)}: {what} (a key is a plain name)")
                continue
            try:
                key = scalar_text(key_node) if self.plain_text else normal_key(scalar_text(key_node))
            except ValueError as problem:
                self.issue(node_position(key_node), f"{format_path(path)}: a key holds a {problem}")
                continue
            child = (*path, key)
            if key in result or child in keys:
                first_line = keys[child][0]
                self.issue(node_position(key_node), f"{format_path(child)}: duplicate key (first at line {first_line})")
                continue
            mark = key_node.start_mark
            keys[child] = (mark.line + 1, mark.column + 1)
            value = self.build(value_node, child)
            if value is not _UNRESOLVED:
                result[key] = value
        return result

    def build_scalar(self, node: Node, path: FieldPath, tag: str, position: tuple[int, int]) -> Any:
        return self.scalar(scalar_text(node), node.style in _QUOTED_STYLES, path, tag, position)

    def scalar(self, text: str, quoted: bool, path: FieldPath, tag: str, position: tuple[int, int]) -> Any:
        if tag == _STR_TAG or quoted:
            return self.text(position, path, text)
        if tag == _NULL_TAG:
            self.null_paths.append(path)
            return None
        if tag == _BOOL_TAG:
            lowered = text.lower()  # yes, y, on, no, n, off: resolved so only under %YAML 1.1
            if lowered in ("true", "yes", "y", "on"):
                return True
            if lowered in ("false", "no", "n", "off"):
                return False
            # ``!!bool 1``, ``!!bool maybe``: a tag written on text that is no boolean; the model judges it
            # as text, never reads it as false.
            return self.text(position, path, text)
        if tag == _INT_TAG:
            # Text a conversion would change (leading zeros, a leading +, 0x, _) stays text, and so does
            # a number longer than Python converts (4,300 digits): the model then names the field.
            if _CANONICAL_INT.match(text):
                try:
                    return int(text)
                except ValueError:
                    pass
            return self.text(position, path, text)
        if tag == _FLOAT_TAG:
            try:
                number = float(text)
            except ValueError:
                return self.text(position, path, text)
            # ``12.10``, ``007.5``, ``1e3``: a number to a number field, its text as written to a text one.
            # (Not beyond a float, 1e999: refused as the infinity it is, wherever it goes.)
            return number if repr(number) == text or not math.isfinite(number) else WrittenFloat(number, text)
        if tag == _TIMESTAMP_TAG:
            return self.text(position, path, text)
        self.issue(position, f"{format_path(path)}: {_unsupported_tag(tag)}")
        return None

    # What ``block_lines`` reads a line at a time is made here, as it is from a composed node.
    def line_key(self, text: str) -> str | None:
        try:
            return normal_key(text)
        except ValueError:
            return None

    def line_tagged(self, tag: str, name: str, path: FieldPath, position: tuple[int, int]) -> Any:
        node = ScalarNode(tag, name, Mark(self.file, 0, position[0] - 1, position[1] - 1, None, 0))
        value = self.build_env(node, path) if tag == ENV_TAG else self.build_secret(node, path)
        if self.issues:
            return block_lines.REFUSED
        return block_lines.OMITTED if value is _UNRESOLVED else value


def _decode(raw: bytes, file: str) -> tuple[str | None, list[InputIssue]]:
    """The text of a file in UTF-8, a byte order mark allowed; or the place of its first byte that is not
    UTF-8, counted in characters after the mark, as every other place is (and as an editor shows it)."""
    mark = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    try:
        return raw[mark:].decode("utf-8"), []
    except UnicodeDecodeError as error:
        offset = mark + error.start
        start = max(raw.rfind(b"\n", 0, offset) + 1, mark)
        line = raw.count(b"\n", 0, offset) + 1
        column = len(raw[start:offset].decode("utf-8")) + 1  # UTF-8 up to the first byte that is not
        return None, [InputIssue(file, line, column, f"file is not UTF-8 text (byte 0x{raw[offset]:02x})")]


def _line_and_column(text: str, offset: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


class _TooManyValues(Exception):
    """More lines and flow items than a desired-state file holds values: not given to ruamel.yaml."""


def _compose_all(text: str, fast: bool) -> list[Node]:
    """The node tree of each document in ``text``; raises ruamel.yaml's error for bad YAML."""
    # ruamel.yaml composes about 7,000 values a second: a file of millions of list items would hold
    # a run for an hour before the value limit is met. Each value takes a line or a comma of its own
    # (nesting on one line is bounded apart), so their count bounds the values, cheaply.
    if text.count("\n") + text.count(",") > _MAX_VALUES:
        raise _TooManyValues
    nodes = libyaml_parser.compose_all(text) if fast else None
    if nodes is not None:
        return nodes
    # Imported here: a file libyaml reads (every valid file in the plain subset) never needs it.
    from ruamel.yaml import YAML

    # ruamel.yaml warns of what YAML allows (an anchor used twice) by printing the lines it saw: a line
    # may hold an IBAN or a national id. Nothing of a file's text reaches stderr that way.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return list(YAML(typ="rt").compose_all(text))


def _syntax_issue(error: Exception, text: str, file: str) -> InputIssue | None:
    """The issue of an error composing ``text`` raised (ruamel.yaml's), or None for one that is no YAML problem."""
    if isinstance(error, _TooManyValues):
        return InputIssue(file, 1, 1, f"more than {_MAX_VALUES:,} lines and list items: too many values for this file")
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    if isinstance(error, ReaderError):  # a character YAML does not allow, e.g. a raw control character
        line, column = _line_and_column(text, error.position)
        what = forbidden_character(chr(error.character)) if isinstance(error.character, int) else None
        return InputIssue(file, line, column, f"{what or 'a character'} is not allowed in YAML text")
    if isinstance(error, MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        # Never ``str(error)``: it quotes the file's line, which may hold an IBAN or a national id. The problem
        # names an alias or an anchor as written, which may be one too: masked as an API's text is.
        problem = scrub(" ".join(part for part in (error.context, error.problem) if part))
        return InputIssue(file, line, column, f"YAML syntax error: {problem or type(error).__name__}")
    if isinstance(error, YAMLError):
        return InputIssue(file, 1, 1, f"YAML error: {type(error).__name__}")
    if isinstance(error, RecursionError):
        return InputIssue(file, 1, 1, "YAML error: nested too deeply")
    version = _unread_version(text)
    if version is not None:
        # ruamel.yaml has rules for YAML 1.1 and 1.2 only: another version fails an assertion (at the
        # start of the text) or a KeyError (later on), not a YAML error.
        line, column = _line_and_column(text, version.start())
        shown = f"{int(version.group(1))}.{int(version.group(2))}"
        return InputIssue(file, line, column, f"YAML syntax error: %YAML {shown}: only YAML 1.1 and 1.2 are supported")
    if isinstance(error, ValueError):  # e.g. an escape naming no Unicode character: "\U00110000"
        return InputIssue(file, 1, 1, f"YAML error: {scrub(str(error))}")
    return None


def _unread_version(text: str) -> re.Match[str] | None:
    """The first %YAML directive of ``text`` naming a version ruamel.yaml has no rules for, if any."""
    for found in _VERSION_DIRECTIVE.finditer(text):
        if (int(found.group(1)), int(found.group(2))) not in _READ_VERSIONS:
            return found
    return None


def parse_yaml_text(
    text: str,
    file: str,
    environ: Mapping[str, str],
    *,
    fast: bool = False,
    secrets: SecretSource | None = None,
    env_rules: EnvRules | None = None,
) -> tuple[YamlDocument | None, list[InputIssue]]:
    """Parse YAML text whose top level must be a mapping; returns the document (None when the file
    has problems other than of references, see the module docstring) and the issues found.

    Without ``secrets``, every ``!secret`` is unresolved, without an issue."""
    plain = plain_text(text)
    if fast:
        # Read a line at a time when it can be (``block_lines``); else composed, by a builder of its own.
        builder = _Builder(file, environ, secrets, env_rules or EnvRules(), plain_text=plain)
        try:
            data = block_lines.read_block_lines(text, builder, positions=False)
        except Exception:  # a failure of the shortcut is no failure of the file: libyaml reads it (and
            data = None  # meets any real error, an unreadable secrets store, again itself)
        if data is not None and not builder.issues:
            builder.positions = FoundLater(functools.partial(_positions_of, text, file, builder.env_rules, plain))
            return _document(file, data, builder), builder.reference_issues
    try:
        nodes = _compose_all(text, fast)
    except Exception as error:  # what it is not a YAML problem of is raised again
        issue = _syntax_issue(error, text, file)
        if issue is None:
            raise
        return None, [issue]
    nodes = [node for node in nodes if node is not None]
    if not nodes:
        return None, [InputIssue(file, 1, 1, "file is empty: expected a mapping of fields")]
    if len(nodes) > 1:
        line, column = node_position(nodes[1])
        return None, [InputIssue(file, line, column, "expected one YAML document, found several (---)")]
    root = nodes[0]
    if root.id != "mapping" or str(root.tag) == ENV_TAG:
        line, column = node_position(root)
        return None, [InputIssue(file, line, column, f"the top level must be a mapping of fields, found {_kind(root)}")]
    builder = _Builder(file, environ, secrets, env_rules or EnvRules(), plain_text=plain)
    data = builder.build(root, ())
    if builder.issues:
        return None, builder.issues + builder.reference_issues
    return _document(file, data, builder), builder.reference_issues


def _positions_of(text: str, file: str, env_rules: EnvRules, plain: bool) -> Positions:
    """Where each key and value stands in a text the line reader read without noting it: read again,
    noting it. Nothing is looked up this time (no environment, no store): a reference's place is noted
    before its value is asked for, and a value not found leaves the same places."""
    builder = _Builder(file, {}, None, env_rules, plain_text=plain)
    if block_lines.read_block_lines(text, builder) is not None:
        return builder.positions
    # Not expected (the same text, read the same way): libyaml's positions, then.
    builder = _Builder(file, {}, None, env_rules, plain_text=plain)
    nodes = libyaml_parser.compose_all(text) or []
    if len(nodes) == 1 and nodes[0] is not None:
        builder.build(nodes[0], ())
    return builder.positions


def _document(file: str, data: Any, builder: _Builder) -> YamlDocument:
    return YamlDocument(
        file,
        data,
        builder.positions,
        builder.env_references,
        builder.null_paths,
        references=builder.references,
        secret_references=builder.secret_references,
        unresolved=builder.unresolved,
    )


def load_yaml_file(
    path: Path,
    environ: Mapping[str, str],
    *,
    fast: bool = False,
    secrets: SecretSource | None = None,
    env_rules: EnvRules | None = None,
    digest: bytes | None = None,
) -> tuple[YamlDocument | None, list[InputIssue]]:
    """Read and parse one file; the file is named in issues as ``str(path)``. Only a regular file is
    read (``desired.files``): a FIFO or a device is an issue, not a wait or an endless read. With
    ``digest``, a file whose bytes are no longer those (``YamlDocument.digest``) is not parsed: an issue."""
    file = str(path)
    try:
        raw = read_regular_file(path)
    except UnreadableFile as error:
        return None, [InputIssue(file, 1, 1, str(error))]
    found = zlib.crc32(raw).to_bytes(4, "big")  # a change, not an attack, is what it is to tell (1 µs a file)
    if digest is not None and found != digest:
        return None, [InputIssue(file, 1, 1, "the file changed while it was being read")]
    text, issues = _decode(raw, file)
    if text is None:
        return None, issues
    document, issues = parse_yaml_text(text, file, environ, fast=fast, secrets=secrets, env_rules=env_rules)
    if document is not None:
        document.digest = found
    return document, issues
