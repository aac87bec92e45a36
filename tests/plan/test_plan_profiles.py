"""Plans of merchants that use profiles: each change names its origin, and a profile edit is summarised once.

The fleet test seeds 1,000 merchants into the in-process sandbox, writes their files with the parts
they share factored into one profile (so the plan is empty), then changes one value of the profile.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from reconciler.compare.diff import Change
from reconciler.desired.load import load_desired
from reconciler.errors import InputError
from reconciler.kinds import ResourceKind
from reconciler.plan import Action, Operation, Plan
from reconciler.plan.operation import Risk
from reconciler.render import render_json, render_markdown, render_text
from reconciler.render.profiles import ProfileChange, origin_label, profile_changes
from tests.benchmarks.scripts import load_script
from tests.plan.conftest import Planner

FLEET = 1_000


def _plan_scale() -> ModuleType:
    return load_script("plan_scale", "plan_scale_for_profiles")


def _write_fleet(root: Path, dump: dict[str, Any]) -> dict[str, Any]:
    """Every seeded merchant's file, with what they all share in ``profiles/fleet.yaml``; returns the profile."""
    profile: dict[str, Any] = {"klarna": {"account_group_reference": "sandbox-seed"}}
    (root / "merchants").mkdir(parents=True)
    (root / "profiles").mkdir()
    for reference, merchant in _plan_scale().merchant_files_from_dump(dump):
        klarna = merchant["klarna"]
        assert klarna.pop("account_group_reference") == "sandbox-seed"
        product = klarna["payment_product"]
        shared = {"distribution_profile_id": product.pop("distribution_profile_id"), "state": product.pop("state")}
        assert profile["klarna"].setdefault("payment_product", shared) == shared
        assert profile["klarna"].setdefault("settlement", klarna.pop("settlement")) == {"settlement_enabled": True}
        merchant = {"profiles": ["fleet"], **merchant}
        (root / "merchants" / f"{reference.lower()}.yaml").write_text(yaml.safe_dump(merchant), encoding="utf-8")
    (root / "profiles" / "fleet.yaml").write_text(yaml.safe_dump(profile), encoding="utf-8")
    return profile


def test_a_profile_change_to_1000_converged_merchants_plans_as_one_summarised_change(
    client: TestClient, planner: Planner, tmp_path: Path
) -> None:
    seeded = client.post("/_sandbox/seed", json={"count": FLEET, "seed": 12, "with_dintero": True})
    assert seeded.status_code == 200, seeded.text
    root = tmp_path / "desired-state"
    profile = _write_fleet(root, client.get("/_sandbox/dump").json())
    # The profile holds what each merchant file held before: every merchant is converged.
    assert profile["klarna"]["settlement"] == {"settlement_enabled": True}
    assert not planner.plan(load_desired(root, environ={}, notify=None)).operations

    profile["klarna"]["account_group_reference"] = "fleet-2"
    (root / "profiles" / "fleet.yaml").write_text(yaml.safe_dump(profile), encoding="utf-8")
    plan = planner.plan(load_desired(root, environ={}, notify=None))

    assert len(plan.operations) == FLEET
    assert {(op.resource, op.action) for op in plan.operations} == {(ResourceKind.ACCOUNT, Action.PATCH)}
    assert {c.origin for op in plan.operations for c in op.changes} == {"profiles/fleet.yaml"}
    field = "klarna.account.account_group_reference"
    assert profile_changes(plan) == [ProfileChange("fleet", Action.PATCH, field, '"sandbox-seed"', "fleet-2", FLEET)]
    summary = 'profile fleet: 1,000 merchants, ~ klarna.account.account_group_reference "sandbox-seed" → "fleet-2"'
    text = render_text(plan)
    assert text.count(summary) == 1
    assert text.index(summary) < text.index("reconciler will perform the following actions:")
    assert text.count('account_group_reference: "sandbox-seed" → "fleet-2"  (profile fleet)') == FLEET
    markdown = render_markdown(plan)
    assert f"- `{summary}`" in markdown
    assert markdown.index(summary) < markdown.index("| merchant |")
    changes = [c for op in json.loads(render_json(plan))["operations"] for c in op["changes"]]
    assert {c["origin"] for c in changes} == {"profiles/fleet.yaml"}


def _plan(*changes: Change) -> Plan:
    # A patch of a product is medium risk: a plan document whose risk is not its action's is no plan.
    op = Operation(
        "M-1/klarna.payment_product", "M-1", ResourceKind.PAYMENT_PRODUCT, Action.PATCH, changes, "fp", risk=Risk.MEDIUM
    )
    return Plan("sha256:x", (op,), merchants=("M-1",))


def test_the_origin_of_a_change_round_trips_in_the_plan_document_and_older_plans_still_read() -> None:
    mcc = Change.of(("merchant_category_code",), "5411", "5412", "profiles/eu-retail.yaml")
    plan = _plan(mcc)
    document = plan.to_dict()
    assert document["operations"][0]["changes"][0]["origin"] == "profiles/eu-retail.yaml"
    assert Plan.from_dict(document).operations[0].changes[0].origin == "profiles/eu-retail.yaml"
    del document["operations"][0]["changes"][0]["origin"]  # as a plan written before origins were kept
    older = Plan.from_dict(document)
    assert older.operations[0].changes[0].origin is None
    # An origin informs; it is not part of the change, so apply still matches an older saved plan.
    assert older.operations[0].same_as(plan.operations[0])
    document["operations"][0]["changes"][0]["origin"] = 5
    with pytest.raises(InputError, match="origin"):  # the plan document stays strict about types
        Plan.from_dict(document)


def test_a_change_line_names_the_profiles_that_wrote_its_value() -> None:
    def label(origin: str | None) -> str | None:
        return origin_label(Change.of(("x",), 1, 2, origin))

    assert label("profiles/eu-retail.yaml") == "profile eu-retail"
    assert label("profiles/a.yaml + profiles/b.yaml") == "profiles a, b"
    assert label("profiles/a.yaml + merchants/m.yaml") == "profile a and the merchant file"
    assert label("merchants/m.yaml") is None
    assert label(None) is None
    text = render_text(_plan(Change.of(("merchant_category_code",), "5411", "5412", "profiles/eu-retail.yaml")))
    assert 'merchant_category_code: "5411" → "5412"  (profile eu-retail)' in text
    assert "profile eu-retail: 1 merchant, ~ klarna.payment_product.merchant_category_code" in text
    own = render_text(_plan(Change.of(("merchant_category_code",), "5411", "5412", "merchants/m.yaml")))
    assert "profile" not in own
