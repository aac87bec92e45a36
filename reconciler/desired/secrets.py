"""Secret references: ``!env NAME`` and ``!env [NAME, fallback]`` in YAML, resolved at load time.

A sensitive value (a national id, an IBAN) need not be committed: ``iban: !env NORDIC_BIKES_IBAN``
takes it from the environment when the reconciler runs. The sequence form gives a fallback used when
the variable is not set, so an example repository validates with an empty environment:
``number: !env [NORDIC_BIKES_OWNER_ID, "01019099999"]``. An unset variable without a fallback is an
input error at the tag's line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.desired.yaml_nodes import scalar_text

ENV_TAG = "!env"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class EnvReference:
    """A value to take from the environment variable ``name``, or ``fallback`` when it is unset."""

    name: str
    fallback: str | None = None

    def resolve(self, environ: Mapping[str, str]) -> str:
        """The variable's value, else the fallback; raises ``LookupError`` when neither exists."""
        value = environ.get(self.name)
        if value is not None:
            return value
        if self.fallback is not None:
            return self.fallback
        raise LookupError(f"environment variable {self.name} is not set (referenced by !env)")


def parse_env_node(node: Any) -> EnvReference:
    """The reference an ``!env`` node holds (a composed node of either YAML parser); raises ``ValueError``
    for any other shape."""
    usage = "write !env NAME or !env [NAME, fallback]"
    if node.id == "scalar":
        name, fallback = scalar_text(node).strip(), None
    elif node.id == "sequence" and len(node.value) == 2 and all(item.id == "scalar" for item in node.value):
        name, fallback = scalar_text(node.value[0]).strip(), scalar_text(node.value[1])
    else:
        raise ValueError(f"!env takes a variable name: {usage}")
    if not _NAME.match(name):
        raise ValueError(f"!env needs an environment variable name (letters, digits, _): {usage}")
    return EnvReference(name, fallback)
