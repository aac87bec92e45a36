"""libyaml (the fast parser) reads every file exactly as ruamel.yaml does: same data, same ``!env`` paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.desired import libyaml_parser, load_desired
from reconciler.desired.text import normal_text, plain_text
from reconciler.desired.yaml_loader import YamlDocument, load_yaml_file, parse_yaml_text
from reconciler.errors import InputError, InputIssue

HERE = Path(__file__).parent
EXAMPLES = HERE.parent.parent / "desired-state"
ENVIRON = {"SET_VAR": "from-env"}

# Plain scalars whose meaning differs between YAML 1.1 and 1.2 or between parsers' resolvers.
TRICKY_SCALARS = [
    "NO",
    "no",
    "yes",
    "Yes",
    "on",
    "OFF",
    "y",
    "n",
    "true",
    "False",
    "TRUE",
    "null",
    "Null",
    "~",
    "",
    "0742",
    "+4722000000",
    "12345678",
    "-0",
    "0",
    "1_000",
    "0x1F",
    "0o17",
    "0b101",
    "017",
    "1:30",
    "190:20:30",
    "1.5",
    "1e3",
    "1.0e+3",
    ".5",
    "+.inf",
    "-.Inf",
    ".nan",
    "1.",
    "2024-02-29",
    "2024-02-30",
    "2024-1-5",
    "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5",
    "<<",
    "=",
    "SE45 5000 0000 0583 9825 7466",
    "a: b",
    "- x",
    "'quoted'",
    '"double"',
    "!env SET_VAR",
    "!env [UNSET_VAR, fallback]",
    "!!str 5",
    "!!int 7",
    "[1, NO, 0742]",
    "{a: NO}",
    "&anchor NO",
    "|\n  block\n",
    ">-\n  folded\n  text\n",
]

# Texts where libyaml and ruamel.yaml part ways (each must be read by ruamel.yaml alone).
DIVERGING = [
    "a: x\t\n",
    'a: "x"\t\n',
    "a:\tx\n",
    "a:\t\n  b: 1\n",
    "a: x\t# c\n",
    "a: x\t y\n",
    "# c\r%YAML 1.1\r---\rcountry: NO\r",
    "\ufeff%YAML 1.1\n---\ncountry: NO\n",
    "a: 1\x85b: 2",
    "k: x\u2028j: a\n",
    "a: 1 # c\u2028b: 2\n",
    "k:\n  - x\u2028j: a\n",
    "a: !!str &a X\n",
    "a: !env &a NAME\n",
    "key: !\n",
    "k: >#c\n",
    "k: |#c\n",
    "k: |\n \n  b c\n",
    'a: ["a":1]\n',
    "a:\n  &x: 1\n",
    "&x: 1\n",
    "a: {&x: 1}\n",
    "k: [?, :]\n",
    "a: !env\n  - UNSET\n  - >\n    fb\n    fb2\n",
    "? >\n  a\n  b\n: 1\n",
]


def both(text: str) -> tuple[YamlDocument | None, YamlDocument | None]:
    fast, _ = parse_yaml_text(text, "f.yaml", ENVIRON, fast=True)
    exact, _ = parse_yaml_text(text, "f.yaml", ENVIRON)
    return fast, exact


def assert_same(fast: YamlDocument | None, exact: YamlDocument | None) -> None:
    assert (fast is None) == (exact is None)
    if fast is not None and exact is not None:
        assert fast.data == exact.data
        assert {type(v) for v in _leaves(fast.data)} == {type(v) for v in _leaves(exact.data)}
        assert fast.env_references == exact.env_references


def _leaves(value: object) -> list[object]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


@pytest.mark.parametrize("scalar", TRICKY_SCALARS)
def test_a_value_resolves_as_ruamel_resolves_it(scalar: str) -> None:
    text = f"value: {scalar}\nlisted:\n  - {scalar}\n" if "\n" not in scalar else f"value: {scalar}"
    fast, exact = both(text)
    assert_same(fast, exact)


@pytest.mark.parametrize("text", DIVERGING)
def test_text_where_the_parsers_differ_is_left_to_ruamel(text: str) -> None:
    assert not libyaml_parser.in_plain_subset(text)
    fast, fast_issues = parse_yaml_text(text, "f.yaml", ENVIRON, fast=True)
    exact, exact_issues = parse_yaml_text(text, "f.yaml", ENVIRON)
    assert_same(fast, exact)
    assert fast_issues == exact_issues
    if fast is not None and exact is not None:
        assert fast.positions == exact.positions


def test_a_folded_scalar_has_no_fold_marks_anywhere() -> None:
    # ruamel's round-trip composer marks folds with \a: not in values, keys or !env fallbacks.
    text = "a: >\n  x\n  y\n? >\n  k\n  l\n: 1\ne: !env\n  - UNSET_VAR\n  - >\n    f\n    g\n"
    document, issues = parse_yaml_text(text, "f.yaml", {})
    assert issues == [] and document is not None
    assert document.data == {"a": "x y\n", "k l\n": 1, "e": "f g\n"}


def test_deep_nesting_is_an_issue_not_a_crash() -> None:
    text = "klarna: " + "[" * 100_000 + "]" * 100_000 + "\n"
    for fast in (True, False):
        document, issues = parse_yaml_text(text, "f.yaml", {}, fast=fast)
        assert document is None and [i.message for i in issues] == ["YAML error: nested too deeply"]


def test_an_escape_naming_no_character_is_an_issue() -> None:
    document, issues = parse_yaml_text('a: "\\U00110000"\n', "f.yaml", {})
    assert document is None and len(issues) == 1 and issues[0].message.startswith("YAML error:")


def test_yaml_1_1_booleans_under_the_1_1_directive() -> None:
    document, _ = parse_yaml_text("%YAML 1.1\n---\na: yes\nb: on\nc: no\nd: NO\n", "f.yaml", {})
    assert document is not None and document.data == {"a": True, "b": True, "c": False, "d": False}


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("%YAML 1.3\n---\naccount_reference: R-1\n", 1),
        ("%YAML 1.0\n---\naccount_reference: R-1\n", 1),
        ("account_reference: R-1\n%YAML 2.0\n", 2),
        ("account_reference: R-1\nklarna:\n  account_name: A\n%YAML 1.3\n", 4),
    ],
    ids=["1.3-at-start", "1.0-at-start", "2.0-after-a-key", "1.3-after-a-mapping"],
)
def test_a_yaml_version_ruamel_has_no_rules_for_is_an_issue_at_its_directive(
    tmp_path: Path, text: str, line: int
) -> None:
    """ruamel.yaml reads YAML 1.1 and 1.2 only; another version failed an assertion or a KeyError inside it."""
    (issue,) = issues_of_merchant_file(tmp_path, text)
    assert (issue.line, issue.column) == (line, 1)
    assert "only YAML 1.1 and 1.2 are supported" in issue.message and "%YAML" in issue.message


def issues_of_merchant_file(directory: Path, text: str) -> list[InputIssue]:
    """The issues ``load_desired`` reports for a directory holding one merchant file, ``merchants/m.yaml``."""
    merchants = directory / "merchants"
    merchants.mkdir()
    (merchants / "m.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_desired(directory, environ={})
    return caught.value.issues


def test_a_tab_is_refused_end_to_end_as_before(tmp_path: Path) -> None:
    (issue,) = issues_of_merchant_file(tmp_path, "account_reference: R-1\nklarna:\n  account_name: Tab\t\n")
    assert (issue.line, issue.column) == (3, 20) and "YAML syntax error" in issue.message


def test_libyaml_reads_the_example_files() -> None:
    # The fast path is the common one: every example is in the subset libyaml reads.
    for path in sorted((EXAMPLES / "merchants").glob("*.yaml")):
        assert libyaml_parser.in_plain_subset(path.read_text(encoding="utf-8")), path.name


def test_the_resolvers_libyaml_uses_are_ruamels_yaml_1_2_table() -> None:
    """The copy that spares a valid file the import of ruamel.yaml is ruamel.yaml's own table, entry for entry."""
    from ruamel.yaml.resolver import implicit_resolvers

    ruamel = [
        (str(tag), regexp.pattern, regexp.flags, tuple(first))
        for versions, tag, regexp, first in implicit_resolvers
        if (1, 2) in versions
    ]
    copied = [(tag, regexp.pattern, regexp.flags, first) for tag, regexp, first in libyaml_parser.YAML_1_2_RESOLVERS]
    assert copied == ruamel


def test_the_example_configuration_and_profiles_are_read_by_libyaml() -> None:
    for path in [EXAMPLES / "reconciler.yaml", *sorted((EXAMPLES / "profiles").glob("*.yaml"))]:
        assert libyaml_parser.compose_all(path.read_text(encoding="utf-8")) is not None, path.name


def test_libyaml_is_installed() -> None:
    # PyYAML's wheels carry libyaml; without it loading falls back to ruamel.yaml, 30 times slower.
    assert libyaml_parser.available()


def test_yaml_1_1_booleans_stay_text() -> None:
    fast, _ = both("country: NO\nanswer: yes\nswitch: on\n")
    assert fast is not None and fast.data == {"country": "NO", "answer": "yes", "switch": "on"}


@pytest.mark.parametrize(
    "path",
    sorted((EXAMPLES / "merchants").glob("*.yaml")) + sorted((HERE / "broken").glob("*.yaml")),
    ids=lambda p: p.name,
)
def test_every_example_and_broken_file_reads_the_same(path: Path) -> None:
    fast, _ = load_yaml_file(path, ENVIRON, fast=True)
    exact, _ = load_yaml_file(path, ENVIRON)
    assert_same(fast, exact)


def test_a_yaml_1_1_directive_is_read_by_ruamel() -> None:
    # Under %YAML 1.1, "NO" is false: libyaml is never asked, so the version rules are ruamel's.
    assert libyaml_parser.compose_all("%YAML 1.1\n---\ncountry: NO\n") is None
    fast, exact = both("%YAML 1.1\n---\ncountry: NO\n")
    assert_same(fast, exact)


def test_a_syntax_error_is_reported_in_ruamels_words() -> None:
    text = "a: [1, 2\nb: 3\n"
    assert libyaml_parser.compose_all(text) is None
    fast, fast_issues = parse_yaml_text(text, "f.yaml", {}, fast=True)
    exact, exact_issues = parse_yaml_text(text, "f.yaml", {})
    assert fast is None and exact is None and fast_issues == exact_issues


def test_a_broken_file_is_located_by_ruamel(tmp_path: Path) -> None:
    # libyaml places an empty value at its key's line, ruamel at the next token: the loader
    # reports every issue from a second, exact reading, so positions never depend on the parser.
    issues = issues_of_merchant_file(tmp_path, "account_reference: R-1\nklarna:\n  account_name:\n\n")
    exact, _ = load_yaml_file(tmp_path / "merchants" / "m.yaml", {})
    assert exact is not None
    line, column = exact.positions.of_value(("klarna", "account_name"))
    assert [(i.line, i.column) for i in issues] == [(line, column)]


_plain = st.text(alphabet="0123456789abcNOnoyesYESxX.+-_:~ eE", min_size=1, max_size=12).map(str.strip).filter(bool)


@settings(max_examples=300, deadline=None)
@given(st.lists(_plain, min_size=1, max_size=5))
def test_generated_plain_scalars_resolve_alike(values: list[str]) -> None:
    text = "".join(f"k{i}: {value}\n" for i, value in enumerate(values))
    fast, exact = both(text)
    if exact is not None:
        assert_same(fast, exact)


# The plain-subset scan as one search of the whole text, as it was written first: the scan tries the
# pattern only where one of its alternatives can start, and must find the same.
def _subset_by_one_search(text: str) -> bool:
    import re

    flow = text.count("[") + text.count("{") <= 256
    deep = re.search(r"^[ ?:\-]{256}", text, re.MULTILINE) is not None
    outside = any(c in text for c in ("\t", "\x85", "\u2028", "\u2029", "\ufeff"))
    return flow and not deep and not outside and libyaml_parser._OUTSIDE_PLAIN_SUBSET.search(text) is None


_SUBSET_ALPHABET = " \n\r-:?!&*|>%#'\"[]{},x1etnvscr"
_SUBSET_PIECES = ["k: ", "- ", "!env ", "!secret ", "!tag ", "&a ", "*a", "? ", "| ", ">- ", "'q':x", "%Y", "\r", "\n"]
_subset_texts = st.text(alphabet=_SUBSET_ALPHABET, max_size=60) | st.lists(
    st.sampled_from(_SUBSET_PIECES), max_size=12
).map("".join)


@settings(max_examples=1500, deadline=None)
@given(_subset_texts)
def test_the_plain_subset_scan_finds_what_one_search_of_the_text_finds(text: str) -> None:
    assert libyaml_parser.in_plain_subset(text) == _subset_by_one_search(text)


@pytest.mark.parametrize("indent", [" " * 256, "- " * 128, "? " * 128, ": " * 128])
@pytest.mark.parametrize("where", ["first line", "later line"])
def test_a_line_indented_256_deep_is_left_to_ruamel_on_any_line(indent: str, where: str) -> None:
    text = indent + "x: 1\n" if where == "first line" else "a: 1\n" + indent + "x: 1\n"
    assert not libyaml_parser.shallow(text)
    assert libyaml_parser.shallow(indent[:-2] + "x: 1\n")


def _pyyaml_resolver() -> object:
    """PyYAML's own resolver with the YAML 1.2 table: what libyaml's composer resolved by, before."""
    from yaml.resolver import BaseResolver

    class Resolver(BaseResolver):
        yaml_implicit_resolvers: dict[object, object] = {}

    for tag, regexp, first in libyaml_parser.YAML_1_2_RESOLVERS:
        Resolver.add_implicit_resolver(tag, regexp, list(first))
    return Resolver()


_resolved_scalars = (
    st.sampled_from(TRICKY_SCALARS) | _plain | st.text(alphabet="0123456789.+-_:eEtTfFnN~<=!&*x ", max_size=10)
)


@settings(max_examples=1500, deadline=None)
@given(_resolved_scalars, st.booleans(), st.booleans())
def test_the_composers_resolver_gives_pyyamls_tags(value: str, plain: bool, quoted: bool) -> None:
    """libyaml's composer calls ``resolve`` for every node; the one written for speed answers as PyYAML's."""
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    ours = libyaml_parser._Composer("a: 1\n")
    reference = _pyyaml_resolver()
    try:
        for kind in (ScalarNode, SequenceNode, MappingNode):
            implicit = (plain, quoted) if kind is ScalarNode else plain
            assert ours.resolve(kind, value, implicit) == reference.resolve(kind, value, implicit)  # type: ignore[attr-defined]
    finally:
        ours.dispose()


_plain_texts = st.lists(
    st.sampled_from(
        [
            *(f"k{i}: " for i in range(4)),
            "- ",
            "  ",
            "\n",
            "'a''b'",
            '"q r"',
            '"\\x07"',
            '"\\u00e9"',
            "é",
            "e\u0301",
            "x",
            "1",
            "NO",
            "~",
            "[a, b]",
            "{c: d}",
            "\r\n",
            "\r",
            "\x7f",
            "\u202e",
            "!env SET_VAR",
            "# c",
        ]
    ),
    max_size=16,
).map("".join)


@settings(max_examples=1500, deadline=None)
@given(_plain_texts)
def test_strings_of_plain_text_are_kept_unchecked_only_where_checking_changes_nothing(text: str) -> None:
    """Text that ``plain_text`` passes is built without putting each string in NFC or checking its
    characters; every such text must build to the same data and issues as with the checks."""
    from reconciler.desired import yaml_loader
    from reconciler.desired.text import plain_text

    for fast in (True, False):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(yaml_loader, "plain_text", lambda _: False)
            checked, checked_issues = parse_yaml_text(text, "f.yaml", ENVIRON, fast=fast)
        unchecked, unchecked_issues = parse_yaml_text(text, "f.yaml", ENVIRON, fast=fast)
        assert unchecked_issues == checked_issues
        assert (unchecked is None) == (checked is None)
        if unchecked is not None and checked is not None:
            assert unchecked.data == checked.data
    if "\\" in text or not text.isascii() or "\r" in text or "\x7f" in text:
        assert not plain_text(text)


@given(
    st.text(
        st.one_of(
            st.characters(max_codepoint=0x7F),
            st.sampled_from(["\t", "\n", "\r", "\x00", "\x0b", "\x1f", "\x7f", "\\", "é", "\x85", "\u202e", "\ud800"]),
        ),
        max_size=40,
    )
)
def test_plain_text_is_ascii_that_holds_no_escape_nor_anything_a_value_may_not_hold(text: str) -> None:
    def refused_anywhere(character: str) -> bool:
        try:
            normal_text(character)
        except ValueError:
            return True
        return False

    expected = text.isascii() and "\\" not in text and not any(refused_anywhere(c) for c in text)
    assert plain_text(text) is expected
