"""A reference written in a YAML file (``!env NAME``, ``!secret NAME``): its tag, its name and where it stands.

The loader records one for every reference it resolves (``YamlDocument.references``), so checks over
references (``desired.copies``: one name used by two merchants) need not know each tag's own form.
The position is the tag's, in the file the reference is written in.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.desired.positions import FieldPath


@dataclass(frozen=True, slots=True)
class NamedReference:
    """``tag`` (``!env``, ``!secret``) naming ``name``, written at ``file:line:column`` for the value at ``path``."""

    tag: str
    name: str
    path: FieldPath
    file: str
    line: int
    column: int
