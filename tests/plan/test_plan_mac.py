"""The plan's MAC is computed over the canonical JSON text, streamed: the same text as ``json.dumps`` gives."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from reconciler.compare.diff import Change
from reconciler.kinds import ResourceKind
from reconciler.plan.integrity import canonical_chunks, mac_of, seal, verify
from reconciler.plan.operation import Action, Operation
from reconciler.plan.value import Plan, Streamed

LEAVES = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
VALUES = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=12,
)
DOCUMENTS = st.dictionaries(st.text(max_size=6), VALUES | st.tuples(VALUES, VALUES), max_size=5)


def _dumps(document: dict[str, Any]) -> str:
    body = {name: value for name, value in document.items() if name != "mac"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)


@given(document=DOCUMENTS, streamed=st.booleans())
def test_the_streamed_text_is_json_dumps_text(document: dict[str, Any], streamed: bool) -> None:
    expected = _dumps({**document, "mac": "x"})
    if streamed:
        document = {
            name: Streamed(lambda value=value: iter(value)) if isinstance(value, list) else value
            for name, value in document.items()
        }
    assert "".join(canonical_chunks({**document, "mac": "x"})) == expected


def test_a_sealed_plan_verifies_as_its_document_and_an_edit_does_not() -> None:
    ops = tuple(
        Operation(
            f"M-{i}/klarna.account",
            f"M-{i}",
            ResourceKind.ACCOUNT,
            Action.CREATE,
            (Change.of(("account_name",), None, f"Café {i}"),),
        )
        for i in range(3)
    )
    plan = seal(Plan("digest", ops, merchants=("M-0", "M-1", "M-2"), plan_id="p1"), b"key")
    document = json.loads(json.dumps(plan.to_dict()))

    verify(document, b"key", "plan.json")
    assert plan.mac == mac_of(document, b"key")
    streamed = plan.to_dict(streamed=True)
    assert mac_of(streamed, b"key") == mac_of(streamed, b"key") == plan.mac  # read twice, the same
    document["operations"][1]["changes"][0]["after"] = "Café 9"
    assert mac_of(document, b"key") != plan.mac
