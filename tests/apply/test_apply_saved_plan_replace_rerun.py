"""Running a saved plan again finishes an interrupted replace; it does not call it "already in place".

DESIGN §6: "A replaced resource (a new natural key, such as a new IBAN) is created before the old one is
deleted" and "A crash or kill mid-apply loses nothing: running apply again finishes the job without
duplicates". README: "An object already in its desired form means done (a re-run finishes an interrupted
apply without duplicates)". When the delete half of an approved replace did not happen, the re-run of the
same plan reported the replace "already in place" and exited 0 with the old object still there (a fresh
plan now shows it as a delete, which the safety policy refuses without --allow-delete).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.apply.conftest import Workspace

OLD_IBAN = "SE45 5000 0000 0583 9825 7466"
NEW_IBAN = "SE78 5000 0000 0549 1000 0005"
OLD_BIRTH = "      family_name: Testsson\n      date_of_birth: 1975-11-02"
NEW_BIRTH = "      family_name: Testsson\n      date_of_birth: 1975-11-03"

CASES = {
    # name: (old text, new text, path of the DELETE, what the account holds afterwards)
    "bank account": (f"iban: {OLD_IBAN}", f"iban: {NEW_IBAN}", "/bank-accounts/"),
    "stakeholder": (OLD_BIRTH, NEW_BIRTH, "/stakeholders/"),
}


def held(workspace: Workspace, name: str) -> list[Any]:
    account = workspace.sandbox.accounts()["SK-2024-0002"]
    if name == "bank account":
        return sorted(b["iban"] for b in account.get("bank_accounts", []))
    return sorted(s["date_of_birth"] for s in account.get("stakeholders", []) if s["family_name"] == "Testsson")


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_rerun_of_a_saved_replace_whose_delete_failed_finishes_it(converged: Workspace, name: str) -> None:
    old, new, delete_path = CASES[name]
    converged.edit_merchant("SK-2024-0002", old, new)
    assert converged.run("plan", "--out", "plan.json").exit_code == 0
    before = held(converged, name)
    converged.sandbox.fail_next(
        {"api": "klarna", "method": "DELETE", "path_pattern": delete_path, "status": 400, "count": 1}
    )
    first = converged.run("apply", "plan.json", "--auto-approve")
    assert first.exit_code == 1, first.output
    assert len(held(converged, name)) == len(before) + 1  # the new one made, the old one not deleted

    again = converged.run("apply", "plan.json", "--auto-approve")

    assert "already in place" not in again.stdout, again.output
    assert again.exit_code == 0, again.output
    assert len(held(converged, name)) == len(before)
    assert held(converged, name) != before
    assert converged.run("plan", "--detailed-exitcode").exit_code == 0
