"""``apply PLAN.json`` applies exactly the saved plan, refuses a plan whose desired state changed
(exit 4, nothing written), and refuses single operations whose live object changed (exit 4, the
others go on). Without a plan file and without a terminal, apply needs ``--auto-approve``."""

from __future__ import annotations

import json

from .conftest import Workspace, duplicates


def test_a_saved_plan_for_one_merchant_applies_that_merchant_only(workspace: Workspace) -> None:
    planned = workspace.run("plan", "--target", "NB-2024-0001", "--out", "plan.json")
    assert planned.exit_code == 0, planned.output
    document = json.loads((workspace.root / "plan.json").read_text())
    assert document["merchants"] == ["NB-2024-0001"]

    applied = workspace.run("apply", "plan.json", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert set(workspace.sandbox.accounts()) == {"NB-2024-0001"}
    assert set(workspace.sandbox.dintero_accounts()) == {"T11200101"}
    assert workspace.sandbox.dump()["counts"].get("klarna.credential", 0) == 0  # partner.yaml was not planned
    assert workspace.run("plan", "--target", "NB-2024-0001", "--detailed-exitcode").exit_code == 0
    assert workspace.run("plan", "--detailed-exitcode").exit_code == 2  # the others are still to do


def test_a_saved_plan_sends_only_its_operations(converged: Workspace) -> None:
    converged.edit_merchant("NB-2024-0001", "account_name: Nordic Bikes AS", "account_name: Nordic Bikes Oslo AS")
    assert converged.run("plan", "--out", "plan.json").exit_code == 0
    operations = json.loads((converged.root / "plan.json").read_text())["operations"]
    assert [(op["address"], op["action"]) for op in operations] == [("NB-2024-0001/klarna.account", "patch")]

    before = converged.sandbox.last_seq()
    applied = converged.run("apply", "plan.json", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    account_id = converged.sandbox.accounts()["NB-2024-0001"]["account_id"]
    assert [(w["method"], w["path"], w["status"]) for w in converged.sandbox.writes(since=before)] == [
        ("PATCH", f"/klarna/v1/accounts/{account_id}", 200)
    ]
    assert converged.sandbox.accounts()["NB-2024-0001"]["account_name"] == "Nordic Bikes Oslo AS"

    # The same plan once more: everything is in place, so nothing is sent.
    before = converged.sandbox.last_seq()
    again = converged.run("apply", "plan.json", "--auto-approve")
    assert again.exit_code == 0, again.output
    assert "1 already in place" in again.stdout
    assert converged.sandbox.writes(since=before) == []


def test_a_plan_made_before_the_yaml_changed_is_stale_and_writes_nothing(workspace: Workspace) -> None:
    assert workspace.run("plan", "--out", "plan.json").exit_code == 0
    workspace.edit_merchant("SK-2024-0002", "registration_number: 559999-9999", "registration_number: 559999-9998")
    before = workspace.sandbox.last_seq()

    result = workspace.run("apply", "plan.json", "--auto-approve")
    assert result.exit_code == 4, result.output
    assert "desired state changed since this plan was made" in result.stderr
    assert workspace.sandbox.writes(since=before) == []
    assert workspace.sandbox.dump()["counts"] == {}


def test_an_out_of_band_change_refuses_that_operation_and_applies_the_others(converged: Workspace) -> None:
    converged.edit_merchant("NB-2024-0001", "account_name: Nordic Bikes AS", "account_name: Nordic Bikes Oslo AS")
    converged.edit_merchant("SK-2024-0002", "account_name: Stockholm Kaffe AB", "account_name: Stockholm Kafé AB")
    assert converged.run("plan", "--out", "plan.json").exit_code == 0
    nb = converged.sandbox.accounts()["NB-2024-0001"]
    converged.sandbox.klarna("PATCH", f"/v1/accounts/{nb['account_id']}", {"account_name": "Changed By Hand AS"})
    before = converged.sandbox.last_seq()

    result = converged.run("apply", "plan.json", "--auto-approve")
    assert result.exit_code == 4, result.output
    assert "stale NB-2024-0001/klarna.account: the live object changed since the plan was made" in result.stdout
    assert "operation(s) refused" in result.stderr
    accounts = converged.sandbox.accounts()
    assert accounts["NB-2024-0001"]["account_name"] == "Changed By Hand AS"
    assert accounts["SK-2024-0002"]["account_name"] == "Stockholm Kafé AB"
    assert [w["path"] for w in converged.sandbox.writes(since=before)] == [
        f"/klarna/v1/accounts/{accounts['SK-2024-0002']['account_id']}"
    ]
    assert duplicates(converged.sandbox) == []


def test_without_a_terminal_apply_needs_auto_approve(workspace: Workspace) -> None:
    result = workspace.run("apply")
    assert result.exit_code == 1, result.output
    assert "--auto-approve" in result.stderr
    assert "Plan: 59 to create" in result.stdout  # it showed what it would have done
    assert workspace.sandbox.writes() == []
    assert workspace.sandbox.dump()["counts"] == {}


def test_a_refused_operation_exits_4_even_when_its_merchant_had_other_writes(converged: Workspace) -> None:
    converged.edit_merchant("NB-2024-0001", "account_name: Nordic Bikes AS", "account_name: Nordic Bikes Oslo AS")
    converged.edit_merchant("NB-2024-0001", "business_name: Nordic Bikes AS", "business_name: Nordic Bikes Oslo AS")
    assert converged.run("plan", "--out", "plan.json").exit_code == 0
    nb = converged.sandbox.accounts()["NB-2024-0001"]
    converged.sandbox.klarna("PATCH", f"/v1/accounts/{nb['account_id']}", {"account_name": "Changed By Hand AS"})

    result = converged.run("apply", "plan.json", "--auto-approve")
    assert result.exit_code == 4, result.output
    assert "stale NB-2024-0001/klarna.account" in result.stdout
    assert "Not converged" not in result.stdout  # the refusal is reported once, as a refusal
    account = converged.sandbox.accounts()["NB-2024-0001"]
    assert account["account_name"] == "Changed By Hand AS"
    assert account["business_information"]["business_name"] == "Nordic Bikes Oslo AS"
