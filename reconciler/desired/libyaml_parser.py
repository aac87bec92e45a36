"""libyaml's YAML parser (through PyYAML), resolving plain scalars by ruamel.yaml's YAML 1.2 rules.

PyYAML resolves by YAML 1.1, where ``country: NO`` is ``false`` and ``0742`` an octal number; the
loader must read a file exactly as ruamel.yaml does, so the resolver here takes ruamel.yaml's own
YAML 1.2 table. Used only for text that libyaml parses without error and that carries no directive;
anything else is ruamel.yaml's to parse and to report.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from ruamel.yaml.resolver import implicit_resolvers as _RUAMEL_RESOLVERS
from yaml.resolver import BaseResolver

try:
    from yaml.cyaml import CParser as _PARSER  # absent when PyYAML was built without libyaml
except ImportError:
    _PARSER = None

_YAML_1_2 = (1, 2)
_DIRECTIVE = re.compile(r"^%", re.MULTILINE)


if _PARSER is not None:

    class _CoreSchemaResolver(BaseResolver):
        """The implicit tags of ruamel.yaml's YAML 1.2 resolver, and nothing of YAML 1.1."""

        yaml_implicit_resolvers: dict[Any, Any] = {}

    for _versions, _tag, _regexp, _first in _RUAMEL_RESOLVERS:
        if _YAML_1_2 in _versions:
            _CoreSchemaResolver.add_implicit_resolver(str(_tag), _regexp, _first)

    class _Composer(_PARSER, _CoreSchemaResolver):  # type: ignore[misc,valid-type]
        def __init__(self, text: str) -> None:
            _PARSER.__init__(self, text)
            _CoreSchemaResolver.__init__(self)


def available() -> bool:
    return _PARSER is not None


def compose_all(text: str) -> list[Any] | None:
    """The node tree of each document, or None when ruamel.yaml is to parse this text.

    None for a syntax error (ruamel.yaml reports it in its own words), a ``%`` directive (a
    ``%YAML 1.1`` document resolves by other rules) or when libyaml is not installed.
    """
    if _PARSER is None or _DIRECTIVE.search(text):
        return None
    composer = _Composer(text)
    try:
        nodes = []
        while composer.check_node():
            nodes.append(composer.get_node())
        return nodes
    except yaml.YAMLError:
        return None
    finally:
        composer.dispose()
