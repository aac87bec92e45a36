"""Reading a composed YAML node of either parser (ruamel.yaml's or libyaml's through PyYAML).

Both parsers' nodes have ``id`` ("scalar", "sequence", "mapping"), ``tag``, ``value``, ``style`` and
``start_mark`` (0-based line and column); these helpers are the only places that read them raw.
"""

from __future__ import annotations

from typing import Any

Node = Any


def scalar_text(node: Node) -> str:
    """A scalar's text as written. ruamel.yaml's round-trip composer marks where a folded scalar
    (``>``) was folded with \\a; the text is without the marks."""
    text = str(node.value)
    return text.replace("\a", "") if node.style == ">" else text


def node_position(node: Node) -> tuple[int, int]:
    """Where a node starts: 1-based line and column."""
    return (node.start_mark.line + 1, node.start_mark.column + 1)
