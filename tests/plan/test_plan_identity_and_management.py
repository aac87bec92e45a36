"""A merchant's identity and management: klarna.merchant_id names one legacy Klarna merchant (two merchants
adopting it cannot both succeed); a reference ignored_references lists is out of management, file or not."""

from __future__ import annotations

import json

from tests.imports.test_adopt_and_retire import _adopter, _legacy
from tests.plan.conftest import Cli, base_merchant


def test_two_merchant_files_adopting_one_legacy_merchant_are_refused_by_validate(cli: Cli) -> None:
    _legacy(cli)  # K555001
    cli.desired.write(_adopter("AD-0001", "K555001"))
    cli.desired.write(_adopter("AD-0002", "K555001"))
    validate = cli.run("validate")
    # Else the plan shows two adopts, and apply --allow-high-risk adopts K555001 into AD-0001 and then fails
    # AD-0002 with 409 "already onboarded", skipping its other operations.
    assert validate.exit_code == 1, validate.output
    assert "klarna.merchant_id" in validate.output


def test_a_profile_may_not_give_every_merchant_one_legacy_merchant_id(cli: Cli) -> None:
    _legacy(cli)
    profiles = cli.desired.root / "profiles"
    profiles.mkdir(parents=True, exist_ok=True)
    (profiles / "legacy.yaml").write_text("klarna:\n  merchant_id: K555001\n", encoding="utf-8")
    for reference in ("AD-0001", "AD-0002"):
        merchant = _adopter(reference)
        merchant["klarna"].pop("merchant_id")  # type: ignore[attr-defined]
        merchant["profiles"] = ["legacy"]
        cli.desired.write(merchant)
    plan = cli.run("plan", "--format", "json")
    # An identity a profile may not hold: every merchant listing it would adopt the same legacy merchant.
    adopts = [] if plan.exit_code else [op for op in json.loads(plan.stdout)["operations"] if op["action"] == "adopt"]
    assert plan.exit_code == 1 and adopts == [], plan.output


def test_a_merchant_ignored_references_lists_is_not_written_even_with_a_file(cli: Cli) -> None:
    merchant = base_merchant("IG-0001")
    merchant.pop("dintero")
    cli.desired.write(merchant)
    (cli.desired.root / "reconciler.yaml").write_text("ignored_references: [IG-0001]\n", encoding="utf-8")
    validate = cli.run("validate")
    plan = cli.run("plan", "--format", "json")
    operations = json.loads(plan.stdout)["operations"] if plan.exit_code == 0 else []
    # Left out of management, as import leaves it: nothing is planned for it, file or not.
    assert validate.exit_code == 0, validate.output
    assert plan.exit_code == 0 and operations == [], (plan.output, len(operations))
