"""Failures during apply: an API's 4xx on one merchant is reported with the merchant, the operation
and the API's error text while the other merchants are applied (exit 1); a 429 is retried after its
``Retry-After`` with the same idempotency key; a new account is waited for, bounded, until OPERATIONAL."""

from __future__ import annotations

import re

import pytest

from .conftest import MERCHANTS, Workspace, duplicates


def test_a_4xx_on_one_merchant_is_reported_and_the_others_are_applied(converged: Workspace) -> None:
    converged.edit_merchant("NB-2024-0001", "account_name: Nordic Bikes AS", "account_name: Nordic Bikes Oslo AS")
    converged.edit_merchant("SK-2024-0002", "account_name: Stockholm Kaffe AB", "account_name: Stockholm Kafé AB")
    converged.edit_merchant("MM-2024-0005", "business_name: Malmö Möbler HB", "business_name: Malmö Möbler")
    nb = converged.sandbox.accounts()["NB-2024-0001"]["account_id"]
    converged.sandbox.fail_next(
        {"api": "klarna", "method": "PATCH", "path_pattern": re.escape(f"/v1/accounts/{nb}") + "$", "status": 400}
    )

    result = converged.run("apply", "--auto-approve")
    assert result.exit_code == 1, result.output
    assert (
        "failed NB-2024-0001/klarna.account: merchant NB-2024-0001: klarna patch_account failed "
        "(400 VALIDATION_ERROR): The request is invalid"
    ) in result.stdout
    assert "Apply finished with problems" in result.stdout
    assert "apply failed: 1 operation(s) failed" in result.stderr
    accounts = converged.sandbox.accounts()
    assert accounts["NB-2024-0001"]["account_name"] == "Nordic Bikes AS"
    assert accounts["SK-2024-0002"]["account_name"] == "Stockholm Kafé AB"
    assert accounts["MM-2024-0005"]["business_information"]["business_name"] == "Malmö Möbler"

    # Once the API accepts the request, a second apply finishes the job.
    assert converged.run("apply", "--auto-approve").exit_code == 0
    assert converged.sandbox.accounts()["NB-2024-0001"]["account_name"] == "Nordic Bikes Oslo AS"


def test_a_failed_onboard_skips_what_depends_on_it_and_spares_the_other_merchants(workspace: Workspace) -> None:
    workspace.sandbox.fail_next({"api": "klarna", "method": "POST", "path_pattern": "/onboard$", "status": 403})

    result = workspace.run("apply", "--auto-approve")
    assert result.exit_code == 1, result.output
    [failed] = re.findall(r"failed (\S+)/klarna\.account: merchant \1: klarna onboard failed \(403 ", result.stdout)
    assert "The operation is forbidden" in result.stdout
    assert f"skipped {failed}/klarna.business_information" in result.stdout
    assert set(workspace.sandbox.accounts()) == set(MERCHANTS) - {failed}

    assert workspace.run("apply", "--auto-approve").exit_code == 0
    assert set(workspace.sandbox.accounts()) == set(MERCHANTS)
    assert workspace.run("plan", "--detailed-exitcode").exit_code == 0
    assert duplicates(workspace.sandbox) == []


def test_a_dintero_4xx_is_reported_with_the_api_error_text(workspace: Workspace) -> None:
    workspace.sandbox.fail_next(
        {
            "api": "dintero",
            "method": "POST",
            "path_pattern": "/T11200101/management/settings/connections/vipps-psp$",
            "status": 400,
        }
    )
    result = workspace.run("apply", "--auto-approve")
    assert result.exit_code == 1, result.output
    assert "failed NB-2024-0001/dintero.connection/vipps-psp: merchant NB-2024-0001: dintero" in result.stdout
    assert "(400 invalid_request): Bad / Invalid request" in result.stdout
    connections = workspace.sandbox.dintero_accounts()["T11200101"]["connections"]
    assert set(connections) == {"klarna"}
    assert workspace.run("apply", "--auto-approve").exit_code == 0
    assert duplicates(workspace.sandbox) == []


@pytest.mark.parametrize(
    "rule",
    [
        {"api": "klarna", "method": "POST", "path_pattern": "/stakeholders$", "status": 429},
        {"api": "dintero", "method": "POST", "path_pattern": "/settings/connections/klarna$", "status": 429},
    ],
    ids=["klarna", "dintero"],
)
def test_a_429_is_retried_after_retry_after(workspace: Workspace, rule: dict[str, object]) -> None:
    workspace.sandbox.fail_next(rule)
    result = workspace.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output

    pattern = re.compile(str(rule["path_pattern"]))
    attempts = [w for w in workspace.sandbox.writes() if pattern.search(w["path"])]
    [first] = [w for w in attempts if w["status"] == 429]
    retry = next(w for w in attempts if w["path"] == first["path"] and w["seq"] > first["seq"])
    assert retry["status"] == 201
    assert retry["idempotency_key"] == first["idempotency_key"]
    if rule["api"] == "klarna":
        assert first["idempotency_key"]
    # The sandbox answers a scripted 429 with Retry-After: 1; the client's own first backoff is far shorter.
    assert retry["at"] - first["at"] >= 1.0
    assert workspace.run("plan", "--detailed-exitcode").exit_code == 0
    assert duplicates(workspace.sandbox) == []


def test_a_new_account_is_waited_for_until_operational(workspace: Workspace) -> None:
    workspace.sandbox.client.app.state.sandbox.settings.operational_delay_seconds = 0.6  # type: ignore[attr-defined]
    result = workspace.run("apply", "--auto-approve", "--target", "NB-2024-0001")
    assert result.exit_code == 0, result.output
    assert "NB-2024-0001: waiting up to 120 s for the new account to become OPERATIONAL" in result.stderr
    assert "NB-2024-0001: account is OPERATIONAL" in result.stderr
    assert workspace.run("plan", "--target", "NB-2024-0001", "--detailed-exitcode").exit_code == 0


def test_the_wait_for_operational_is_bounded(workspace: Workspace) -> None:
    workspace.sandbox.client.app.state.sandbox.settings.operational_delay_seconds = 60  # type: ignore[attr-defined]
    result = workspace.run("apply", "--auto-approve", "--target", "NB-2024-0001", "--wait-timeout", "0.5")
    assert result.exit_code == 1, result.output
    assert "NB-2024-0001: the account did not become OPERATIONAL within 0.5 s" in result.stdout
    # One wait per merchant, not one per operation that needs the account.
    assert result.stderr.count("waiting up to 0.5 s") == 1
    assert result.stdout.count("did not become OPERATIONAL") == 7
    [account] = workspace.sandbox.accounts().values()
    assert "stakeholders" not in account or account["stakeholders"] == []
