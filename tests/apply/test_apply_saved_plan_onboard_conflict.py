"""A saved plan of a new merchant whose account was made (differently) since is stale: exit 4, not 1.

DESIGN §5: apply "re-derives each merchant's operations before writing and refuses (stale, exit 4) any
that differ"; README exit codes: "4 the saved plan is stale (desired state or a live object changed since
it was made)", and the CI guide tells an operator that 4 means "plan again and approve the new plan".
A merchant the plan found on neither API is not read before its onboard ("its onboard checks Klarna's side
itself"): when Klarna refuses that onboard with 409 because an account made since holds other values, apply
reported the approved create as failed with every other operation "skipped", and exited 1 as for an API
failure ("apply failed: 11 operation(s) failed").
"""

from __future__ import annotations

from tests.apply.conftest import Workspace


def test_an_account_made_differently_since_a_create_was_planned_makes_the_plan_stale(workspace: Workspace) -> None:
    assert workspace.run("plan", "--target", "NB-2024-0001", "--out", "plan.json").exit_code == 0
    # Meanwhile another run onboards the merchant, and someone renames the account by hand.
    assert workspace.run("apply", "--target", "NB-2024-0001", "--auto-approve").exit_code == 0
    account = workspace.sandbox.accounts()["NB-2024-0001"]
    workspace.sandbox.klarna("PATCH", f"/v1/accounts/{account['account_id']}", {"account_name": "Changed By Hand AS"})

    result = workspace.run("apply", "plan.json", "--auto-approve")

    assert "Traceback" not in result.output
    assert result.exit_code == 4, result.output
    assert "stale NB-2024-0001/klarna.account" in result.stdout
    assert workspace.sandbox.accounts()["NB-2024-0001"]["account_name"] == "Changed By Hand AS"
