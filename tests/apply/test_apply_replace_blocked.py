"""A new natural key is one replace, created before the old object goes; blocked operations are not success
(exit 5); a merchant declared disabled from its onboarding converges without --allow-disable."""

from __future__ import annotations

import json

from .conftest import Workspace

OLD_IBAN = "SE45 5000 0000 0583 9825 7466"
NEW_IBAN = "SE78 5000 0000 0549 1000 0005"


def bank_accounts(workspace: Workspace, reference: str) -> list[str]:
    return [b["iban"] for b in workspace.sandbox.accounts()[reference].get("bank_accounts", [])]


def test_a_new_iban_is_one_replace_that_creates_before_it_deletes(converged: Workspace) -> None:
    converged.edit_merchant("SK-2024-0002", f"iban: {OLD_IBAN}", f"iban: {NEW_IBAN}")
    planned = converged.run("plan", "--format", "json")
    (op,) = json.loads(planned.stdout)["operations"]
    assert (op["action"], op["risk"]) == ("replace", "high")
    assert op["address"] == "SK-2024-0002/klarna.bank_account/iban-0005"
    assert op["replaces"] == "SK-2024-0002/klarna.bank_account/iban-7466"
    assert NEW_IBAN.replace(" ", "") not in planned.stdout and OLD_IBAN.replace(" ", "") not in planned.stdout

    since = converged.sandbox.last_seq()
    result = converged.run("apply", "--auto-approve")  # a replace is no delete: no --allow-delete needed
    assert result.exit_code == 0, result.output
    assert [w["method"] for w in converged.sandbox.writes(since=since)] == ["POST", "DELETE"]
    assert bank_accounts(converged, "SK-2024-0002") == [NEW_IBAN.replace(" ", "")]
    assert converged.run("plan", "--detailed-exitcode").exit_code == 0


def test_a_refused_create_leaves_the_old_bank_account(converged: Workspace) -> None:
    converged.edit_merchant("SK-2024-0002", f"iban: {OLD_IBAN}", f"iban: {NEW_IBAN}")
    converged.sandbox.fail_next(
        {"api": "klarna", "method": "POST", "path_pattern": "/bank-accounts$", "status": 400, "count": 1}
    )
    since = converged.sandbox.last_seq()
    result = converged.run("apply", "--auto-approve")
    assert result.exit_code == 1, result.output
    assert [w["method"] for w in converged.sandbox.writes(since=since)] == ["POST"]  # no DELETE followed
    assert bank_accounts(converged, "SK-2024-0002") == [OLD_IBAN.replace(" ", "")]


def test_blocked_operations_make_apply_exit_5_after_doing_the_rest(converged: Workspace) -> None:
    converged.edit_merchant(
        "NB-2024-0001", "account_created_from_ip: 192.0.2.10", "account_created_from_ip: 192.0.2.11"
    )
    converged.edit_merchant("SK-2024-0002", "account_name: Stockholm Kaffe AB", "account_name: Stockholm Kafé AB")
    since = converged.sandbox.last_seq()
    result = converged.run("apply", "--auto-approve")
    assert result.exit_code == 5, result.output
    assert "blocked operation(s) remain" in result.stderr
    assert converged.sandbox.accounts()["SK-2024-0002"]["account_name"] == "Stockholm Kafé AB"  # the rest was done
    assert len(converged.sandbox.writes(since=since)) == 1

    drift = converged.run("drift")
    assert drift.exit_code == 2
    blocked_part = drift.stdout.split("Blocked:", 1)[1]
    assert "NB-2024-0001" in blocked_part and "account information can only be set once" in blocked_part
    assert "reconciler will perform" not in drift.stdout  # nothing else differs


def test_an_interrupted_onboarding_disable_converges_without_allow_disable(workspace: Workspace) -> None:
    """Bergen Fisk is declared disabled (FRAUD) from the start. The first apply stops before its disable
    (it does not wait for the new accounts); the next apply finishes it, though one disable in five
    merchants is over max_disable_percent once percentages apply, because the account's onboarding is
    not complete (it is not yet OPERATIONAL)."""
    workspace.edit_config("percent_min_fleet: 10", "percent_min_fleet: 0")
    settings = workspace.sandbox.client.app.state.sandbox.settings  # type: ignore[attr-defined]
    settings.operational_delay_seconds = 8.0
    first = workspace.run("apply", "--auto-approve", "--wait-timeout", "0")
    assert first.exit_code == 1, first.output
    assert workspace.sandbox.accounts()["BF-2023-0042"]["products"][0]["state"] == "ENABLED"

    planned = json.loads(workspace.run("plan", "--format", "json").stdout)
    disable = [op for op in planned["operations"] if op["action"] == "disable"]
    assert [(op["merchant"], op.get("onboarding")) for op in disable] == [("BF-2023-0042", True)]
    assert planned["policy"]["allowed"] is True

    second = workspace.run("apply", "--auto-approve", "--wait-timeout", "60")  # waits for OPERATIONAL
    assert second.exit_code == 0, second.output
    assert workspace.sandbox.accounts()["BF-2023-0042"]["products"][0]["state"] == "DISABLED"
    assert workspace.run("plan", "--detailed-exitcode").exit_code == 0


def test_disabling_a_running_merchant_still_counts(converged: Workspace) -> None:
    converged.edit_config("percent_min_fleet: 10", "percent_min_fleet: 0")
    converged.edit_merchant(
        "NB-2024-0001",
        "  payment_product:\n",
        "  payment_product:\n    state: disabled\n    disabled_reason:\n      reason: FRAUD\n",
    )
    result = converged.run("apply", "--auto-approve")
    assert result.exit_code == 3, result.output
    assert "--allow-disable" in result.stderr
