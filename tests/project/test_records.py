"""Records (``reconciler.records``): read-only to the type checker, plain dataclasses at run time."""

from __future__ import annotations

import dataclasses
import os
import pickle
import pickletools
import subprocess
import sys
from pathlib import Path

from reconciler.compare.diff import Change, ChangeOp
from reconciler.kinds import ResourceKind
from reconciler.kinds.state import ResourceState

ROOT = Path(__file__).resolve().parents[2]
WRITES = """
from reconciler.records import record


@record
class Point:
    x: int


point = Point(1)
point.x = 2
Point("one")
"""


def test_the_type_checker_refuses_a_write_to_a_record_field(tmp_path: Path) -> None:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(WRITES, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--follow-imports=silent", str(snippet)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "MYPYPATH": str(ROOT)},
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert 'snippet.py:11: error: Property "x" defined in "Point" is read-only' in done.stdout
    assert "snippet.py:12: error: Argument 1 to \"Point\" has incompatible type" in done.stdout


def test_records_compare_and_replace_as_dataclasses() -> None:
    change = Change(ChangeOp.CHANGE, ("city",), "Oslo", "Bergen", origin="profiles/nordic.yaml")
    assert change == Change(ChangeOp.CHANGE, ("city",), "Oslo", "Bergen")  # the origin is no part of it
    assert dataclasses.replace(change, after="Molde").after == "Molde"
    state = ResourceState(ResourceKind.ACCOUNT, None, {"account_name": "A"})
    assert dataclasses.replace(state, status="OPERATIONAL") == ResourceState(
        ResourceKind.ACCOUNT, None, {"account_name": "A"}, status="OPERATIONAL"
    )
    assert not hasattr(state, "__dict__")  # slots: no per-instance dict


def test_the_records_a_load_hands_back_are_pickled_as_calls_with_their_fields() -> None:
    from reconciler.desired.copies import CopyKey
    from reconciler.desired.declared import DeclaredMerchant
    from reconciler.desired.origins import Origins
    from reconciler.desired.validate import SharedWith, UniqueKey

    values = [
        CopyKey("iban", "IBAN", b"\x01" * 16, "m.yaml", "p.yaml", ("klarna", "bank_accounts", 0, "iban"), 3, 9),
        Origins(("p.yaml", "m.yaml"), ("base",), {("klarna",): 0}, {(): (0, 1)}),
        DeclaredMerchant("M-1", None, "m.yaml", b"{}"),
        UniqueKey("m.yaml", ("account_reference",), "account_reference", "M-1", 1, 20),
        SharedWith("m.yaml", "M-2", "p.yaml", ("shares_with", 0), 4, 3, in_group=False),
    ]
    for value in values:
        written = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        # No BUILD: no state set after the object is made (a frozen dataclass with slots sets its
        # fields one at a time, through Python functions of ``dataclasses``).
        assert "BUILD" not in {opcode.name for opcode, _, _ in pickletools.genops(written)}
        copy = pickle.loads(written)
        assert type(copy) is type(value)
        assert [getattr(copy, f.name) for f in dataclasses.fields(copy)] == [
            getattr(value, f.name) for f in dataclasses.fields(value)
        ]


def test_a_class_of_one_field_is_pickled_by_it() -> None:
    from reconciler.records import pickled_by_fields

    one = pickled_by_fields(dataclasses.make_dataclass("One", [("x", int)], frozen=True, slots=True))
    globals()["One"] = one  # pickled by its name
    one.__module__, one.__qualname__ = __name__, "One"
    assert pickle.loads(pickle.dumps(one(5))) == one(5)
