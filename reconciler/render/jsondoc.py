"""JSON rendering: the plan document of DESIGN §5."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from reconciler.plan import Plan
from reconciler.render.symbols import no_legacy_command


def _dumps(value: Any, indent: str) -> str:
    # A value as ``json.dumps(indent=2)`` writes it nested at ``indent``: its later lines shifted by it
    # (JSON strings hold no raw line break, so every line break is the encoder's).
    # ``##[`` is only ever inside a string there, where ``#\\u0023[`` is the same text (``symbols.LEGACY_COMMAND``).
    return no_legacy_command(json.dumps(value, indent=2, ensure_ascii=False, default=str).replace("\n", "\n" + indent))


def json_chunks(plan: Plan) -> Iterator[str]:
    """``render_json``'s text, an operation at a time: the same text, without the whole document of a
    hundred thousand operations (and its text) in memory at once."""
    document = plan.to_dict(streamed=True)
    yield "{"
    for index, (name, value) in enumerate(document.items()):
        yield ("," if index else "") + "\n  " + no_legacy_command(json.dumps(name, ensure_ascii=False)) + ": "
        if name != "operations":
            yield _dumps(value, "  ")
            continue
        empty = True
        for position, operation in enumerate(value):
            yield ("[" if position == 0 else ",") + "\n    " + _dumps(operation, "    ")
            empty = False
        yield "[]" if empty else "\n  ]"
    yield "\n}\n" if document else "}\n"


def render_json(plan: Plan) -> str:
    return "".join(json_chunks(plan))
