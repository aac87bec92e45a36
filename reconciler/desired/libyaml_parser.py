"""libyaml's YAML parser (through PyYAML), resolving plain scalars by ruamel.yaml's YAML 1.2 rules.

PyYAML resolves by YAML 1.1, where ``country: NO`` is ``false`` and ``0742`` an octal number; the
loader must read a file exactly as ruamel.yaml does, so the resolver here takes ruamel.yaml's own
YAML 1.2 table (a copy, ``YAML_1_2_RESOLVERS``, which a test compares with ruamel.yaml's).

The two parsers also differ at the edges of the syntax: libyaml accepts a tab as separating space,
treats U+0085, U+2028 and U+2029 as line breaks, reads ``&x:`` as an anchor, ``key: !`` as an empty
string, and some block scalar headers that ruamel.yaml refuses. So libyaml reads only text in the
plain subset a merchant file is written in: no tab, no line break but LF and CRLF, no directive, no
anchor, alias, complex key or tag other than ``!env`` and ``!secret``, no block scalar, no flow key written against
its colon, shallow flow nesting. Anything else, and anything libyaml refuses, is ruamel.yaml's to
parse and to report.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.nodes import Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

try:
    from yaml._yaml import CParser  # absent when PyYAML was built without libyaml
except ImportError:
    _PARSER: type[CParser] | None = None
else:
    _PARSER = CParser

# ruamel.yaml's YAML 1.2 implicit resolvers (``ruamel.yaml.resolver.implicit_resolvers``, the entries
# for version (1, 2), in its order): the tag, the pattern and the first characters a plain scalar of
# that tag can start with. Written out so that a file libyaml reads does not import ruamel.yaml (20 ms
# of every start); tests/desired/test_desired_parsers.py checks the copy against ruamel.yaml's own table.
YAML_1_2_RESOLVERS: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...] = (
    (
        "tag:yaml.org,2002:bool",
        re.compile("""^(?:true|True|TRUE|false|False|FALSE)$""", re.X),
        tuple("tTfF"),
    ),
    (
        "tag:yaml.org,2002:float",
        re.compile(
            """^(?:
         [-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\\.(?:inf|Inf|INF)
        |\\.(?:nan|NaN|NAN))$""",
            re.X,
        ),
        tuple("-+0123456789."),
    ),
    (
        "tag:yaml.org,2002:int",
        re.compile(
            """^(?:[-+]?0b[0-1_]+
        |[-+]?0o?[0-7_]+
        |[-+]?[0-9_]+
        |[-+]?0x[0-9a-fA-F_]+)$""",
            re.X,
        ),
        tuple("-+0123456789"),
    ),
    ("tag:yaml.org,2002:merge", re.compile("^(?:<<)$"), ("<",)),
    (
        "tag:yaml.org,2002:null",
        re.compile(
            """^(?: ~
        |null|Null|NULL
        | )$""",
            re.X,
        ),
        ("~", "n", "N", ""),
    ),
    (
        "tag:yaml.org,2002:timestamp",
        re.compile(
            """^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
        |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
        (?:[Tt]|[ \\t]+)[0-9][0-9]?
        :[0-9][0-9] :[0-9][0-9] (?:\\.[0-9]*)?
        (?:[ \\t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
            re.X,
        ),
        tuple("0123456789"),
    ),
    ("tag:yaml.org,2002:value", re.compile("^(?:=)$"), ("=",)),
    ("tag:yaml.org,2002:yaml", re.compile("^(?:!|&|\\*)$"), tuple("!&*")),
)
# Any of these sends the text to ruamel.yaml; a false alarm costs only speed. Each pattern starts
# with the token's own character and looks behind it for what precedes, which keeps the scan fast.
OUTSIDE_CHARACTERS = ("\t", "\x85", "\u2028", "\u2029", "\ufeff")  # tabs, unicode line breaks, a BOM
_OUTSIDE_PLAIN_SUBSET = re.compile(
    r"""%(?<![^\r\n]%)                                   # a directive
    | \r(?!\n)                                         # a CR that is not part of CRLF
    | [&*](?<![^\s\[\]{},][&*])\S                       # an anchor or an alias
    | \?(?<![^\s\[\]{},]\?)                             # a complex key
    | !(?<![^\s\[\]{},]!)(?!env[\s\[]|secret[ ])        # a tag other than !env and !secret
    | [|>](?<![^\s:\-\[{,][|>])[-+0-9]*[ ]*(?:\#.*)?$  # a block scalar header
    | [|>][-+0-9]*\#                                   # ... with a comment against it
    | ["'\]}]:\S                                       # a flow key written against its colon
    """,
    re.MULTILINE | re.VERBOSE,
)
# Each alternative above starts at one of these characters. A search tries every alternative at every
# position of the text (about 0.2 ms a merchant file, a tenth of loading it); a search for these
# characters alone, then the pattern tried where one stands, finds the same.
_TOKEN_STARTS = re.compile(r"""[%\r&*?!|>"'\]}]""")
# libyaml's composer recurses in C, one call per level of nesting: a few tens of thousands of levels
# overflow its stack and kill the process (no exception). Flow nesting is bounded by the number of
# openers; block nesting by the column a line's content starts at, past its indentation and compact
# indicators (``- - - x`` nests three deep on one line): each block level starts further right.
_MAX_FLOW_OPENERS = 256
# A line whose first 256 characters are all indentation or indicators (a false alarm costs only speed):
# the first line, or one after a line break. Written without ``^`` and MULTILINE, whose search tests
# every position for a line start, where a search for the break itself skips to each.
_DEEP_FIRST_LINE = re.compile(r"[ ?:\-]{256}")
_DEEP_BLOCK = re.compile(r"\n[ ?:\-]{256}")


def shallow(text: str) -> bool:
    """Whether libyaml can compose ``text`` without recursing deep enough to overflow its stack."""
    if text.count("[") + text.count("{") > _MAX_FLOW_OPENERS:
        return False
    return _DEEP_FIRST_LINE.match(text) is None and _DEEP_BLOCK.search(text) is None


def text_loader(text: str) -> type[yaml.BaseLoader]:
    """PyYAML's loader that reads every scalar as its text, for ``text``: libyaml's when it can read it
    safely, else the pure-Python one, whose recursion ends in a ``RecursionError`` instead of a crash."""
    loader: type[yaml.BaseLoader] | None = getattr(yaml, "CBaseLoader", None)
    return loader if loader is not None and shallow(text) else yaml.BaseLoader


# The resolvers a plain scalar can match, by its first character ("" for the empty scalar), in order.
RESOLVERS_BY_FIRST_CHARACTER: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {}
for _tag, _regexp, _first in YAML_1_2_RESOLVERS:
    for _character in _first:
        RESOLVERS_BY_FIRST_CHARACTER[_character] = (*RESOLVERS_BY_FIRST_CHARACTER.get(_character, ()), (_tag, _regexp))
STR_TAG = BaseResolver.DEFAULT_SCALAR_TAG
_SEQ_TAG = BaseResolver.DEFAULT_SEQUENCE_TAG
_MAP_TAG = BaseResolver.DEFAULT_MAPPING_TAG


def plain_scalar_tag(value: str) -> str:
    """The tag of a plain scalar by ruamel.yaml's YAML 1.2 rules (``tag:yaml.org,2002:str`` when none)."""
    for tag, regexp in RESOLVERS_BY_FIRST_CHARACTER.get(value[:1], ()):
        if regexp.match(value):
            return tag
    return STR_TAG


if _PARSER is not None:

    class _CoreSchemaResolver(BaseResolver):
        """The implicit tags of ruamel.yaml's YAML 1.2 resolver, and nothing of YAML 1.1.

        libyaml's composer calls ``resolve`` for every node of a file and the path resolver hooks
        around each: PyYAML's versions build a list for every scalar and look for path resolvers,
        which no loader here has; these give the same tags (a test compares them) in less time.
        """

        def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str:
            if kind is ScalarNode:
                return plain_scalar_tag(value) if implicit[0] else STR_TAG
            return _SEQ_TAG if kind is SequenceNode else _MAP_TAG

        def descend_resolver(self, current_node: Any, current_index: Any) -> None:
            pass

        def ascend_resolver(self) -> None:
            pass

    class _Composer(CParser, _CoreSchemaResolver):
        def __init__(self, text: str) -> None:
            CParser.__init__(self, text)
            _CoreSchemaResolver.__init__(self)


def available() -> bool:
    return _PARSER is not None


def in_plain_subset(text: str) -> bool:
    """Whether libyaml reads ``text`` exactly as ruamel.yaml does (see the module's docstring)."""
    if not shallow(text):
        return False
    if any(character in text for character in OUTSIDE_CHARACTERS):
        return False
    outside = _OUTSIDE_PLAIN_SUBSET.match  # at a position, its lookbehinds still see what precedes
    return not any(outside(text, token.start()) for token in _TOKEN_STARTS.finditer(text))


def compose_all(text: str) -> list[Any] | None:
    """The node tree of each document, or None when ruamel.yaml is to parse this text.

    None for text outside the plain subset, for a syntax error (ruamel.yaml reports it in its own
    words) or when libyaml is not installed.
    """
    if _PARSER is None or not in_plain_subset(text):
        return None
    composer = _Composer(text)
    try:
        nodes = []
        while composer.check_node():
            nodes.append(composer.get_node())
        return nodes
    except (yaml.YAMLError, UnicodeError, RecursionError):
        return None
    finally:
        composer.dispose()
