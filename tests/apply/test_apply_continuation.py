"""A saved create may become a patch only of what this run's onboard made: an account patch that ran
before it cannot have made a stakeholder, so a stakeholder someone made by hand since the plan is not
patched over, and the plan is stale."""

from __future__ import annotations

import json

from tests.apply.conftest import Workspace

ENV = {"RECONCILER_MASK_KEY": "k"}
JANE_DOE = (
    "    - given_name: Jane\n      family_name: Doe\n      date_of_birth: 1972-02-02\n"
    "      roles: [DIRECTOR]\n      ownership_percentage: 25\n"
)
MAX_ROE = "    - given_name: Max\n      family_name: Roe\n      date_of_birth: 1980-03-03\n      roles: [DIRECTOR]\n"


def test_a_create_whose_object_was_made_since_the_plan_is_refused_even_after_an_account_patch(
    converged: Workspace,
) -> None:
    converged.edit_merchant("M123786123412", JANE_DOE, JANE_DOE + MAX_ROE)
    account = converged.sandbox.accounts()["M123786123412"]
    name = account["account_name"]
    converged.edit_merchant("M123786123412", f"account_name: {name}", f"account_name: {name} Two")
    assert converged.run("plan", "--out", "plan.json", env=ENV).exit_code == 0
    ops = json.loads((converged.root / "plan.json").read_text())["operations"]
    assert [(op["resource"], op["action"]) for op in ops] == [
        ("klarna.account", "patch"),
        ("klarna.stakeholder", "create"),
    ]
    assert ops[1]["depends_on"] == ["M123786123412/klarna.account"]
    by_hand = {"given_name": "Max", "family_name": "Roe", "date_of_birth": "1980-03-03", "roles": ["OWNER"]}
    converged.sandbox.klarna("POST", f"/v1/accounts/{account['account_id']}/stakeholders", by_hand)
    since = converged.sandbox.last_seq()

    result = converged.run("apply", "plan.json", "--auto-approve", env=ENV)
    writes = [(w["method"], w["path"]) for w in converged.sandbox.writes(since=since)]
    stakeholder_writes = [w for w in writes if "/stakeholders" in w[1]]
    assert stakeholder_writes == [], writes
    [max_roe] = [s for s in converged.sandbox.accounts()["M123786123412"]["stakeholders"] if s["given_name"] == "Max"]
    assert max_roe["roles"] == ["OWNER"]
    assert result.exit_code == 4, result.output

