"""The text and JSON renderings are made in pieces: joined, they are exactly the whole documents."""

from __future__ import annotations

import json

import pytest

from reconciler.compare.diff import Change
from reconciler.kinds import ResourceKind
from reconciler.plan.operation import Action, Notice, Operation
from reconciler.plan.value import Plan
from reconciler.render import render_chunks, render_json, render_text


def _plan(count: int) -> Plan:
    ops = tuple(
        Operation(
            f"M-{i}/klarna.account",
            f"M-{i}",
            ResourceKind.ACCOUNT,
            Action.CREATE if i % 2 else Action.PATCH,
            (
                Change.of(("account_name",), None if i % 2 else "Old", f"Café \u202e {i}"),
                Change.of(("x",), [1], {"a": [1, {"b": None}]}),
            ),
        )
        for i in range(count)
    )
    notices = (Notice("M-0/dintero.connection/klarna", "M-0", "waiting for a signature\nand more"),)
    return Plan("digest", ops, unmanaged=("U-1",), merchants=tuple(f"M-{i}" for i in range(count)), notices=notices)


@pytest.mark.parametrize("count", [0, 1, 3])
def test_the_json_pieces_are_json_dumps_of_the_document(count: int) -> None:
    plan = _plan(count)
    whole = json.dumps(plan.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"

    assert render_json(plan) == whole
    assert "".join(render_chunks(plan, "json")) == whole
    assert json.loads(whole)["operations"] == [op.to_dict() for op in plan.operations]


@pytest.mark.parametrize("count", [0, 3])
def test_the_text_pieces_are_lines_of_the_text(count: int) -> None:
    plan = _plan(count)
    chunks = list(render_chunks(plan, "text"))

    assert "".join(chunks) == render_text(plan)
    assert all(chunk.endswith("\n") and chunk.count("\n") == 1 for chunk in chunks)
    assert len(chunks) > 3
