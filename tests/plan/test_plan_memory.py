"""What a plan of many creates holds once for all merchants: the paths and keys of their values, and short words."""

from __future__ import annotations

import sys

from reconciler.compare.sides import desired_view
from reconciler.plan import assemble_plan, plan_merchant
from reconciler.sensitive import redact
from tests.plan.conftest import DesiredDir, base_merchant


def test_two_merchants_creates_share_their_paths_and_keys(desired: DesiredDir) -> None:
    for index in range(2):
        desired.write(base_merchant(f"MEM-{index}", f"T112{index:05d}"))
    state = desired.load()
    first, second = (plan_merchant(desired_view(m), None) for m in state.merchants)

    pairs = [(a, b) for x, y in zip(first, second, strict=True) for a, b in zip(x.changes, y.changes, strict=True)]
    assert pairs and all(a.path is b.path for a, b in pairs)
    owners = [(a.after, b.after) for a, b in pairs if isinstance(a.after, dict) and a.after]
    assert owners
    for a, b in owners:
        assert [id(k) for k in a] == [id(k) for k in b if k in a]  # the same key objects


def test_redacting_interns_keys_and_short_words_and_still_masks() -> None:
    key = "".join(["ci", "ty"])  # built at run time: not already the interned constant
    word = "".join(["N", "O"])
    out = redact({key: "Oslo", "country": word, "iban": "NO9386011117947"}, "")

    assert next(iter(out)) is sys.intern("city") and out["country"] is sys.intern("NO")
    assert "NO9386011117947" not in str(out)


def test_an_address_is_held_once_by_its_operation_and_its_dependants(desired: DesiredDir) -> None:
    desired.write(base_merchant("MEM-DEP", "T11200009"))
    ops = plan_merchant(desired_view(desired.load().merchants[0]), None)
    plan = assemble_plan(ops, ["MEM-DEP"], "digest", [], [])
    by_address = {op.address: op.address for op in plan.operations}
    named = [address for op in plan.operations for address in op.depends_on]
    assert named and all(address is by_address[address] for address in named)
