"""``block_lines`` reads what libyaml reads, value for value and position for position, or nothing.

Generated files (block and flow collections, every style of scalar, comments, references, broken
variants) are read both ways: wherever the line reader gives a document, it must be the one composing
the file with libyaml and building it gives, down to the types of values, every position, the nulls,
the references and their issues.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.desired import block_lines, libyaml_parser
from reconciler.desired.positions import Positions
from reconciler.desired.secrets import EnvRules, SecretLookup
from reconciler.desired.yaml_loader import _Builder, _compose_all, parse_yaml_text
from reconciler.imports.yaml_text import plain_yaml
from tests.desired.test_desired_parsers import TRICKY_SCALARS

HERE = Path(__file__).parent
EXAMPLES = HERE.parent.parent / "desired-state"
ENVIRON = {"SET_VAR": "from-env", "SHOP_NAME": "Åsa's Shop"}


class _Store:
    """A secrets store holding two values."""

    values = {"known.iban": "NO9386011117947", "known_name": "Kari"}

    def lookup(self, name: str) -> SecretLookup:
        value = self.values.get(name)
        return SecretLookup(value is not None, value)


def _builder(text: str) -> _Builder:
    from reconciler.desired.text import plain_text

    return _Builder("f.yaml", ENVIRON, _Store(), EnvRules(), plain_text=plain_text(text))


def _state(builder: _Builder, data: Any) -> tuple[object, ...]:
    return (
        json.dumps(data, sort_keys=True, default=repr),  # True and 1, 1.0 and 1 told apart
        _typed(data),
        builder.positions.values,
        builder.positions.keys,
        builder.null_paths,
        builder.env_references,
        builder.secret_references,
        builder.references,
        builder.unresolved,
        builder.reference_issues,
    )


def _typed(value: Any) -> Any:
    """A value with every leaf's type, and every mapping's keys in their order."""
    if isinstance(value, dict):
        return ("map", [(key, _typed(item)) for key, item in value.items()])
    if isinstance(value, list):
        return ("list", [_typed(item) for item in value])
    return (type(value).__name__, value)


def by_lines(text: str) -> tuple[object, ...] | None:
    """What the line reader reads, or None where it leaves the text to the parsers (as the loader has it:
    whether libyaml may read the text is not asked first)."""
    builder = _builder(text)
    data = block_lines.read_block_lines(text, builder)
    # Without positions (as a load reads), the same text gives the same outcome, and no position.
    unplaced = _builder(text)
    unplaced_data = block_lines.read_block_lines(text, unplaced, positions=False)
    assert unplaced.positions == Positions()
    if data is None or builder.issues:
        assert unplaced_data is None or unplaced.issues
        return None
    assert unplaced_data is not None and not unplaced.issues
    unplaced.positions = builder.positions
    assert _state(unplaced, unplaced_data) == _state(builder, data)
    return _state(builder, data)


def by_nodes(text: str) -> tuple[object, ...] | None:
    """What composing ``text`` with libyaml and building its nodes gives (None: an issue or no document)."""
    return _built(libyaml_parser.compose_all(text), text)


def by_ruamel_nodes(text: str) -> tuple[object, ...] | None:
    """The same, composed by ruamel.yaml: what the loader reads a text outside the plain subset with."""
    try:
        nodes = _compose_all(text, fast=False)
    except Exception:  # a syntax error: an issue
        return None
    return _built(nodes, text)


def _built(nodes: list[Any] | None, text: str) -> tuple[object, ...] | None:
    if not nodes or len(nodes) != 1 or nodes[0] is None or nodes[0].id != "mapping":
        return None
    builder = _builder(text)
    data = builder.build(nodes[0], ())
    return None if builder.issues else _state(builder, data)


def by_ruamel(text: str) -> Any:
    """The data ruamel.yaml reads (with every type and order), or None where it finds an issue."""
    document, issues = parse_yaml_text(text, "f.yaml", ENVIRON, secrets=_Store())
    if document is None or any("secret" not in issue.message and "!env" not in issue.message for issue in issues):
        return None
    return _typed(document.data)


def assert_read_alike(text: str) -> bool:
    """Whether the line reader read ``text`` (and then read it as libyaml, where libyaml may read it, and
    ruamel.yaml do, positions and all)."""
    lines = by_lines(text)
    if lines is not None:
        if libyaml_parser.in_plain_subset(text):
            assert lines == by_nodes(text), text
        assert lines == by_ruamel_nodes(text), text
        assert lines[1] == by_ruamel(text), text
    return lines is not None


# Scalars as written: what they resolve to differs by style and by YAML's rules.
_SCALARS = [
    *TRICKY_SCALARS,
    "a:b",
    "a :b",
    "x #y",
    "x#y",
    "#x",
    "-x",
    "?x",
    ":x",
    "it's",
    'say "hi"',
    "[1, 2]",
    "{a: 1}",
    "a,b",
    "a]b",
    "@x",
    "`x",
    "%x",
    "!x",
    "&x",
    "*x",
    "|",
    ">",
    "Åsa",
    "e\u0301",
    "tab\there",
    "line\nbreak",
    "x:",
    "https://example.com/a?b=c#d",
    " lead",
    "trail ",
    "a  b",
    "\\",
    "'",
    '"',
    "...",
    "---",
    "é",
    "\xa0",
    "\x7f",
    # Outside the plain subset libyaml is kept to (``libyaml_parser.in_plain_subset``), and plain
    # scalars all the same: ruamel.yaml's to compare with.
    "x &y",
    "x *y",
    "x !y",
    "x ?y",
    "x |",
    "x >-",
    "b]:c",
    "b}:c",
    "5%",
]
_KEYS = ["a", "b", "name", "account_reference", "vipps-psp", "x.y", "_k", "true", "null", "1", "a b", "é", "-k"]
_TAGS = [
    "!env SET_VAR",
    "!env UNSET_VAR",
    "!env SHOP_NAME",
    "!env bad-name",
    "!secret known.iban",
    "!secret known_name",
    "!secret missing",
    "!secret SET_VAR",
    "!other x",
    "!env [UNSET_VAR, fb]",
]


def _quoted(text: str, style: str) -> str:
    if style == "'":
        return "'" + text.replace("'", "''") + "'"
    if style == '"':
        return json.dumps(text, ensure_ascii=False)
    return text


_scalar_texts = st.one_of(
    st.sampled_from(_SCALARS),
    st.text(alphabet="aN0-:#' \"[]{},!&*?|>%@.Åe\u0301x", min_size=0, max_size=8),
)
_written_scalar = st.one_of(
    st.tuples(_scalar_texts, st.sampled_from(["", "'", '"'])).map(lambda pair: _quoted(*pair)),
    st.sampled_from(_TAGS),
)


def _collections(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(_KEYS), inner, max_size=4)


_documents = st.recursive(_written_scalar, _collections, max_leaves=14)
_style = st.fixed_dictionaries(
    {
        "indent": st.sampled_from([1, 2, 4]),
        "indentless": st.booleans(),
        "dash": st.sampled_from(["- ", "-  "]),
        "colon": st.sampled_from([": ", ":  "]),
        "flow": st.booleans(),
        "comment": st.sampled_from(["", " # note", "  #x", " #"]),
        "blank": st.booleans(),
        "separator": st.sampled_from([", ", ",", " , ", ",  "]),
        "base": st.sampled_from([0, 0, 2]),  # the top level's indentation
    }
)
# Lines that mean nothing, put between any two lines: blank, spaces only, comments at any indentation.
_noise = st.lists(st.tuples(st.integers(0, 1000), st.sampled_from(["", "   ", "# c", "    # c", "  #"])), max_size=3)


def _render(document: dict[str, Any], style: dict[str, Any], duplicate: bool) -> str:
    lines: list[str] = []

    def scalar_line(value: Any) -> str:
        return str(value) + style["comment"]

    def flow(value: Any) -> str | None:
        # A collection of scalars, written on one line when the style says so.
        if not style["flow"] or any(isinstance(item, dict | list) for item in _items(value)):
            return None
        if isinstance(value, list):
            return "[" + style.get("separator", ", ").join(str(item) for item in value) + "]"
        return "{" + style.get("separator", ", ").join(f"{key}: {item}" for key, item in value.items()) + "}"

    def block(value: Any, indent: int, first: str | None = None) -> None:
        pad = " " * indent
        if isinstance(value, dict):
            for number, (key, item) in enumerate(value.items()):
                head = first if number == 0 and first is not None else pad
                keys = [key, key] if duplicate and number == len(value) - 1 else [key]
                for written in keys:
                    entry(head + written + style["colon"].rstrip(" "), item, indent)
                if style.get("blank"):
                    lines.append("")
        else:
            for number, item in enumerate(value):
                head = first if number == 0 and first is not None else pad
                dash = style["dash"]
                if isinstance(item, dict) and item and flow(item) is None:
                    block(item, indent + len(dash), head + dash)
                elif isinstance(item, list) and item and flow(item) is None:
                    lines.append(head + dash.rstrip(" "))
                    block(item, indent + style["indent"])
                else:
                    written = flow(item) if isinstance(item, dict | list) else None
                    lines.append(head + dash + (written or _empty(item) or scalar_line(item)))

    def entry(head: str, item: Any, indent: int) -> None:
        colon_space = style["colon"][1:]
        if isinstance(item, dict | list) and item:
            written = flow(item)
            if written is not None:
                lines.append(head + colon_space + written + style["comment"])
                return
            lines.append(head + style["comment"])
            inner = indent if isinstance(item, list) and style["indentless"] else indent + style["indent"]
            block(item, inner)
        else:
            lines.append(head + colon_space + (_empty(item) or scalar_line(item)))

    lines.append("# a comment line")
    block(document, style.get("base", 0))
    return "\n".join(lines) + "\n"


def _items(value: Any) -> list[Any]:
    return list(value.values()) if isinstance(value, dict) else list(value)


def _empty(value: Any) -> str | None:
    if isinstance(value, dict) and not value:
        return "{}"
    if isinstance(value, list) and not value:
        return "[]"
    return None


@settings(max_examples=1500, deadline=None)
@given(
    st.dictionaries(st.sampled_from(_KEYS), _documents, min_size=1, max_size=5),
    _style,
    st.booleans(),
    _noise,
    st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(list(" \n-:#'\"[]{},!x"))), max_size=2),
)
def test_what_the_line_reader_reads_libyaml_reads_alike(
    document: dict[str, Any],
    style: dict[str, Any],
    duplicate: bool,
    noise: list[tuple[int, str]],
    edits: list[tuple[int, str]],
) -> None:
    lines = _render(document, style, duplicate).split("\n")
    for at, line in noise:
        lines.insert(at % (len(lines) + 1), line)
    text = "\n".join(lines)
    for offset, character in edits:  # a character put in or taken out somewhere: broken files too
        at = offset % (len(text) + 1)
        text = text[:at] + character + text[at:] if character != "x" else text[:at] + text[at + 1 :]
    assert_read_alike(text)


# Plain scalars with indicators inside them (``x &y``, ``b]:c``, ``x |``): outside the plain subset libyaml
# is kept to, so read by the line reader where ruamel.yaml would read them, and compared with it.
_inner_indicators = st.one_of(
    st.text(alphabet="ax &*!?|>%@`", min_size=0, max_size=8).map(lambda text: "x" + text),
    st.sampled_from(["b]:c", "b}:c", "x'y", 'x"y', "x #y", "x: y", "x:"]),
)
_outside_documents = st.recursive(
    _inner_indicators,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(_KEYS[:5]), inner, max_size=4),
    max_leaves=10,
)


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(st.sampled_from(_KEYS[:5]), _outside_documents, min_size=1, max_size=5), _style)
def test_plain_scalars_outside_the_plain_subset_read_as_ruamel_reads_them(
    document: dict[str, Any], style: dict[str, Any]
) -> None:
    assert_read_alike(_render(document, style, False))


def test_the_generated_files_are_read_by_lines_most_of_the_time() -> None:
    # The property above means little if the line reader gave up on every file.
    read = sum(
        assert_read_alike(_render({"a": {"b": [{"c": value, "d": "x"}]}, "e": value}, style, False))
        for value in ("1", "'NO'", '"x"', "!env SET_VAR", "[]")
        for style in (
            {"indent": 2, "indentless": True, "dash": "- ", "colon": ": ", "flow": False, "comment": ""},
            {"indent": 4, "indentless": False, "dash": "-  ", "colon": ":  ", "flow": True, "comment": " # c"},
        )
    )
    # All but a reference and an empty list inside a flow mapping ({c: []}), which are libyaml's.
    assert read == 8


@pytest.mark.parametrize(
    "text",
    [
        "a:\nb: 1\n",  # an empty value: null
        "a: 1\nb:\n",  # an empty value last
        "a: one\n  two\n",  # a plain scalar over two lines
        "a: 'one\n  two'\n",  # a quoted one
        "a: 1\na: 2\n",  # a key twice
        "a: [1,\n  2]\n",  # a flow list over two lines
        "a: {b: [1]}\n",  # nested flow
        'a: "x\\ty"\n',  # an escape
        "- a\n- b\n",  # a list at the top
        "---\na: 1\n",  # a document marker
        "a: 1 #c\n  b: 2\n",  # indentation that opens nothing
        "a:\n  - x\n - y\n",  # a dash that lines up with nothing
        "a: b: c\n",  # a mapping value where a scalar is
        "a: !env [X, y]\n",  # a reference in flow form
        "'a': 1\n",  # a quoted key
        "a: x\r\nb: y\r\n",  # CRLF
        "# only a comment\n",
        "",
        "a:\n- \n",  # an empty item: null
        "a:\n-   # c\n",
    ],
)
def test_what_the_line_reader_leaves_to_libyaml(text: str) -> None:
    assert by_lines(text) is None


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("a: !env S#ET_VAR #\n", False),  # a "#" against a name is part of it, not a comment
        ("a: 'x'#c\n", False),
        ("a: []#c\n", False),
        ("a: [x]#c\n", False),
        ("a: x#c # d\n", True),
        ("a: [x, 'y''s', \"z\"] # c\n", True),
        ("a: {b: 1, c: 'NO', d: ~}\n", True),
        ("a: {b: 1, b: 2}\n", False),  # a key twice, in flow
        ("a: {b: 1}\nb: [x]\na: 2\n", False),  # and across flow and block
        ("  a: 1\n  b: 2\n", True),  # a top level further in
        ("  a: 1\nb: 2\n", False),
        ("a:\n- x\n-  y: 1\n   z: 2\nb: 3\n", True),
        ("a:    x\nb:\n    - 1\n    -   2\n", True),
        ("a: # c\n  b: 1\n", True),
        ("a: x # c\n# c\n  # c\n   \nb: y\n", True),
        ("a: 1\n- x\n", False),
        ("a: Åsa\nb: e\u0301\n", True),  # not plain text: each string put in NFC
        ("é: 1\n", False),
        ("# \x0c\na: 1\n", False),  # what YAML refuses anywhere, in a comment
        ("a: Å # \x01\n", False),
        ("a: Å # \x7f\n", False),
        ("a: Å\n# \ufffe\n", False),
        ("a: \u00a0x\n", True),
        ("a: 0742\nb: +47\nc: 1_000\nd: 1.5\ne: .inf\nf: 2024-01-01\ng: true\nh: NO\ni: ~\n", True),
        ("k" * 1024 + ": 1\n", True),  # the longest key YAML's parsers take
        ("k" * 1025 + ": 1\n", False),
        ("a: {" + "k" * 1025 + ": 1}\n", False),
        ("a:\n- " + "k" * 1025 + ": 1\n", False),
        ("a:\n  " + "k" * 1025 + ": 1\n", False),
        ("a: [x" + " " * 1_000_000 + "y]\n", True),  # read in linear time (quadratic: hours)
        ("a: {b: x" + " " * 1_000_000 + "y}\n", True),
        ("a: [x" + " " * 1_000_000 + "y\n", False),
        ("a: '" + "''" * 500_000 + "'\n", True),
        ("a: x" + " " * 1_000_000 + "y #" + " " * 1_000_000 + "\n", True),
        # Outside the plain subset libyaml is kept to, read as ruamel.yaml reads it: an indicator that
        # is no indicator inside a plain scalar.
        ("a: x &y\nb: x *y\nc: x !y\nd: x ?y\ne: x |\nf: x >\ng: b]:c\nh: 100%\n", True),
        ('a: [x]\nb: "y" # c &d\n', True),
        # And left to the parsers: an anchor, an alias, a tag, a complex key, a block scalar, a
        # directive, a tab, YAML 1.1's line breaks, a byte order mark.
        ("a: &x 1\nb: *x\n", False),
        ("&x a: 1\n", False),
        ("a: [&x 1]\n", False),
        ("a: !!str 1\n", False),
        ("a: !env\tX\n", False),
        ("? a\n: 1\n", False),
        ("a: |\n  x\n", False),
        ("a: >-\n  x\n", False),
        ("%YAML 1.2\n---\na: 1\n", False),
        ("a: x\tb\n", False),
        ("a: x\t#c\n", False),
        ("a: x\t\n", False),
        ("a: x\u2028y\n", False),
        ("a: x\x85y\n", False),
        ("a: x\u2029y\n", False),
        ("a: \ufeffx\n", False),
    ],
    ids=lambda value: repr(value)[:40] if isinstance(value, str) else str(value),
)
def test_texts_at_the_edges_read_alike(text: str, read: bool) -> None:
    # Each is read by lines (as libyaml and ruamel.yaml read it) or left to libyaml, as expected.
    assert assert_read_alike(text) == read


@pytest.mark.parametrize("path", sorted(EXAMPLES.rglob("*.yaml")), ids=lambda p: p.name)
def test_the_example_files_read_alike(path: Path) -> None:
    assert_read_alike(path.read_text(encoding="utf-8"))


def test_the_example_files_are_read_by_lines() -> None:
    left = [path.name for path in sorted(EXAMPLES.rglob("*.yaml")) if by_lines(path.read_text()) is None]
    assert left == []


def test_a_file_as_import_writes_it_is_read_by_lines() -> None:
    document = {
        "account_reference": "M-1",
        "klarna": {
            "account_name": "Åsa's Fika #1: Bar, [Göteborg]",
            "payment_product": {"merchant_category_code": "5411", "state": "enabled"},
            "websites": [{"website_name": "x", "website_reference": "w-1"}],
            "collections": [{"branding": {"element": {}}, "social_media_links": []}],
            "stakeholders": [{"ownership_percentage": 100.0, "roles": ["OWNER", "DIRECTOR"], "country": "NO"}],
        },
    }
    text = plain_yaml(document)
    assert assert_read_alike(text)
    parsed, issues = parse_yaml_text(text, "f.yaml", {}, fast=True)
    assert issues == [] and parsed is not None and parsed.data == document


def test_the_loader_takes_the_line_reader_and_falls_back_when_it_gives_up(monkeypatch: pytest.MonkeyPatch) -> None:
    gave: list[bool] = []
    real = block_lines.read_block_lines

    def watched(text: str, builder: Any, *, positions: bool = True) -> Any:
        data = real(text, builder, positions=positions)
        gave.append(data is not None)
        return data

    monkeypatch.setattr(block_lines, "read_block_lines", watched)
    read, _ = parse_yaml_text("a: 1\nb: [x, 'NO']\n", "f.yaml", {}, fast=True)
    assert read is not None and read.data == {"a": 1, "b": ["x", "NO"]}
    composed, _ = parse_yaml_text("a:\nb: |\n  text\n", "f.yaml", {}, fast=True)
    assert composed is not None and composed.data == {"a": None, "b": "text\n"} and composed.null_paths == [("a",)]
    assert gave == [True, False]  # a block scalar: it gives up, and ruamel.yaml reads the file
    parse_yaml_text("a:\nb: 1\n", "f.yaml", {}, fast=True)
    assert gave == [True, False, False]  # an empty value: it gives up, and libyaml reads the file


_PLACED = """\
account_reference: M-1  # a comment
klarna:
  account_name: 'Shop'
  owner: !secret known_name
  token: !env UNSET_VARIABLE
  stakeholders:
  - given_name: Kari
    roles: [OWNER, DIRECTOR]
    address: {city: Oslo, country: "NO"}
  -   given_name: Ola
"""


class _CountingEnviron(dict[str, str]):
    def __init__(self) -> None:
        super().__init__(ENVIRON)
        self.asked = 0

    def __getitem__(self, key: str) -> str:
        self.asked += 1
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.asked += 1
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self.asked += 1
        return super().__contains__(key)


def test_a_file_read_by_lines_finds_its_positions_when_first_asked_looking_nothing_up() -> None:
    store, environ = _AskedStore(), _CountingEnviron()
    document, issues = parse_yaml_text(_PLACED, "f.yaml", environ, fast=True, secrets=store)
    assert document is not None and [issue.message for issue in issues] == [
        "klarna.token: environment variable UNSET_VARIABLE is not set (referenced by !env)"
    ]
    noted = _builder(_PLACED)
    assert block_lines.read_block_lines(_PLACED, noted) is not None
    asked = (list(store.asked), environ.asked)
    assert asked[0] == ["known_name"] and asked[1] > 0
    assert document.positions == noted.positions  # found now, by reading the text again
    assert (store.asked, environ.asked) == asked  # and nothing was looked up again
    assert document.at_value(("klarna", "stakeholders", 1, "given_name")) == ("f.yaml", 10, 19)
    assert document.at_key(("klarna", "owner")) == ("f.yaml", 4, 3)
    assert document.at_value(("klarna", "token")) == ("f.yaml", 5, 10)  # a value left out: its place stays
    exact, _ = parse_yaml_text(_PLACED, "f.yaml", ENVIRON, secrets=_Store())
    assert exact is not None and exact.positions == document.positions


def test_positions_the_line_reader_cannot_find_again_are_libyamls(monkeypatch: pytest.MonkeyPatch) -> None:
    document, _ = parse_yaml_text(_PLACED, "f.yaml", ENVIRON, fast=True, secrets=_Store())
    assert document is not None
    monkeypatch.setattr(block_lines, "read_block_lines", lambda text, builder, positions=True: None)
    composed = _built(libyaml_parser.compose_all(_PLACED), _PLACED)
    assert composed is not None
    assert document.positions.values == composed[2] and document.positions.keys == composed[3]


def test_a_reference_read_by_lines_is_resolved_and_masked_as_a_composed_one() -> None:
    from reconciler.sensitive import registered_secret_values

    text = "a: !secret known.iban\nb: !env SHOP_NAME\nc: !secret missing\nd: [x]\n"
    lines = by_lines(text)
    assert lines is not None and lines == by_nodes(text)
    assert "NO9386011117947" in registered_secret_values()
    document, issues = parse_yaml_text(text, "f.yaml", ENVIRON, fast=True, secrets=_Store())
    assert document is not None and document.data == {"a": "NO9386011117947", "b": "Åsa's Shop", "d": ["x"]}
    assert [issue.message.split(":")[0] for issue in issues] == ["c"] and document.unresolved == [("c",)]


class _Watched(dict[str, str]):
    """An environment that records what is read of it."""

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__(values)
        self.read: list[str] = []

    def __getitem__(self, name: str) -> str:
        self.read.append(name)
        return super().__getitem__(name)

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        self.read.append(name)
        return super().get(name, default)

    def __contains__(self, name: object) -> bool:
        self.read.append(str(name))
        return super().__contains__(name)


class _AskedStore(_Store):
    def __init__(self) -> None:
        self.asked: list[str] = []

    def lookup(self, name: str) -> SecretLookup:
        self.asked.append(name)
        return super().lookup(name)


@pytest.mark.parametrize("broken", ["c: [\n", "c:\n", "c: x\n  y\n"])
def test_nothing_is_looked_up_for_a_file_the_reader_gives_up_on(broken: str) -> None:
    text = "a: !env SET_VAR\nb: !secret known_name\n" + broken
    environ, store = _Watched(ENVIRON), _AskedStore()
    builder = _Builder("f.yaml", environ, store, EnvRules(), plain_text=True)
    assert block_lines.read_block_lines(text, builder) is None
    assert environ.read == [] and store.asked == [] and builder.references == []
    # The file is composed instead, and looked up once.
    document, _ = parse_yaml_text(text, "f.yaml", environ, fast=True, secrets=store)
    assert store.asked.count("known_name") == (1 if document is not None else 0)
    if document is not None:
        assert environ.read.count("SET_VAR") >= 1 and document.data["a"] == "from-env"


def test_references_read_by_lines_are_looked_up_once_in_the_files_order() -> None:
    text = "x: !secret known_name\nl:\n- !env SET_VAR\n- !secret missing\n- y\nz: !secret known.iban\n"
    store = _AskedStore()
    builder = _Builder("f.yaml", ENVIRON, store, EnvRules(), plain_text=True)
    data = block_lines.read_block_lines(text, builder)
    assert data == {"x": "Kari", "l": ["from-env", None, "y"], "z": "NO9386011117947"}
    assert list(data) == ["x", "l", "z"]
    assert store.asked == ["known_name", "missing", "known.iban"]
    assert [reference.name for reference in builder.references] == ["known_name", "SET_VAR", "missing", "known.iban"]


def test_a_failure_of_the_line_reader_leaves_the_file_to_libyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(text: str, builder: Any) -> Any:
        raise IndexError("a defect of the shortcut")

    monkeypatch.setattr(block_lines, "_read", failing)
    document, issues = parse_yaml_text("a: 1\nb: [x]\n", "f.yaml", {}, fast=True)
    assert issues == [] and document is not None and document.data == {"a": 1, "b": ["x"]}
    assert document.positions.values[("b", 0)] == (2, 5)
