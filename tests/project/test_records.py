"""Records (``reconciler.records``): read-only to the type checker, plain dataclasses at run time."""

from __future__ import annotations

import dataclasses
import os
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
