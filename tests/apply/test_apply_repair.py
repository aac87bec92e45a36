"""Apply repairs drift: an object deleted or changed out of band after an apply is written again,
even when the live state is back exactly where it was before that apply (no stale replayed answer)."""

from __future__ import annotations

from .conftest import Workspace, duplicates


def test_a_stakeholder_deleted_after_apply_is_created_again(converged: Workspace) -> None:
    account = converged.sandbox.accounts()["NB-2024-0001"]
    [kari] = [s for s in account["stakeholders"] if s["given_name"] == "Kari"]
    converged.sandbox.klarna("DELETE", f"/v1/accounts/{account['account_id']}/stakeholders/{kari['stakeholder_id']}")
    since = converged.sandbox.last_seq()

    result = converged.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    [write] = converged.sandbox.writes(since=since)
    assert (write["method"], write["status"], write["replayed"]) == ("POST", 201, False)
    names = {s["given_name"] for s in converged.sandbox.accounts()["NB-2024-0001"]["stakeholders"]}
    assert names == {"Ola", "Kari"}
    assert converged.run("plan", "--detailed-exitcode").exit_code == 0
    assert duplicates(converged.sandbox) == []


def test_a_field_changed_back_out_of_band_is_patched_again(converged: Workspace) -> None:
    converged.edit_merchant("NB-2024-0001", "account_name: Nordic Bikes AS", "account_name: Nordic Bikes Oslo AS")
    assert converged.run("apply", "--auto-approve").exit_code == 0
    account_id = converged.sandbox.accounts()["NB-2024-0001"]["account_id"]
    converged.sandbox.klarna("PATCH", f"/v1/accounts/{account_id}", {"account_name": "Nordic Bikes AS"})

    result = converged.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert converged.sandbox.accounts()["NB-2024-0001"]["account_name"] == "Nordic Bikes Oslo AS"
