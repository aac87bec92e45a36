"""Adopting a legacy Klarna merchant (``merchant_id``), and retiring a merchant from management."""

from __future__ import annotations

import json

from tests.plan.conftest import Cli, base_merchant


def _legacy(cli: Cli, merchant_id: str = "K555001") -> None:
    response = cli.live.klarna.post(
        "/_sandbox/klarna/legacy-merchants", json={"merchant_id": merchant_id, "account_name": "Old Shop"}
    )
    assert response.status_code == 201, response.text


def _adopter(reference: str = "AD-0001", merchant_id: str = "K555001") -> dict[str, object]:
    merchant = base_merchant(reference)
    merchant.pop("dintero")
    merchant["klarna"]["merchant_id"] = merchant_id  # type: ignore[index]
    return merchant


def test_a_legacy_merchant_plans_an_adopt_of_high_risk_behind_its_flag(cli: Cli) -> None:
    _legacy(cli)
    cli.desired.write(_adopter())
    result = cli.run("plan", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    (account,) = [op for op in document["operations"] if op["resource"] == "klarna.account"]
    assert account["action"] == "adopt" and account["risk"] == "high"
    assert "overwrites" in account["reason"]
    assert document["summary"]["adopt"] == 1
    assert document["policy"]["flags_needed"] == ["--allow-high-risk"]
    text = cli.run("plan").stdout
    assert "adopt klarna.account" in text and "1 to adopt" in text


def test_apply_of_an_adopt_needs_the_flag_and_converges(cli: Cli) -> None:
    _legacy(cli)
    cli.desired.write(_adopter())
    refused = cli.run("apply", "--auto-approve")
    assert refused.exit_code == 3, refused.output
    applied = cli.run("apply", "--auto-approve", "--allow-high-risk")
    assert applied.exit_code == 0, applied.output
    account = cli.live.account("AD-0001")
    assert account["account_name"] == "Shop AD-0001"  # the file's data overwrote the legacy merchant's
    assert account["products"][0]["merchant_id"] == "K555001"
    again = cli.run("plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    legacy = cli.live.klarna.get("/_sandbox/klarna/legacy-merchants").json()["legacy_merchants"]
    assert legacy[0]["adopted_by"] == account["account_id"]


def test_a_retired_merchant_is_neither_planned_nor_unmanaged(cli: Cli) -> None:
    merchant = base_merchant("RT-0001")
    cli.live.create(merchant)
    merchant["lifecycle"] = "retired"
    merchant["klarna"]["account_name"] = "Changed, but retired"
    cli.desired.write(merchant)
    plan = cli.run("plan", "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output
    drift = cli.run("drift")
    assert drift.exit_code == 0, drift.output
    assert "RT-0001" not in drift.output


def test_an_ignored_reference_is_not_unmanaged(cli: Cli) -> None:
    cli.live.create(base_merchant("IG-0001"), dintero=False)
    cli.desired.root.mkdir(parents=True, exist_ok=True)
    drift = cli.run("drift")
    assert drift.exit_code == 2 and "IG-0001" in drift.output
    (cli.desired.root / "reconciler.yaml").write_text("ignored_references: [IG-0001]\n")
    drift = cli.run("drift")
    assert drift.exit_code == 0, drift.output


def test_a_branding_key_named_lifecycle_retires_nobody(cli: Cli) -> None:
    merchant = base_merchant("RT-0002")
    cli.live.create(merchant)
    collection = merchant["klarna"].setdefault("collections", [{"collection_reference": "rt-web"}])[0]
    collection["branding"] = {"lifecycle": "retired"}
    merchant["klarna"]["account_name"] = "Changed, and managed"
    cli.desired.write(merchant)
    plan = cli.run("plan", "--detailed-exitcode")
    assert plan.exit_code == 2, plan.output  # planned: the merchant is not retired
    assert "Changed, and managed" in plan.output
