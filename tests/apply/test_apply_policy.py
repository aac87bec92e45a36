"""The safety policy of ``reconciler.yaml``: apply refuses (exit 3, nothing written) a plan that
disables too many merchants or deletes anything, naming the operations and the rule, unless a flag
or the policy allows it."""

from __future__ import annotations

import json

import pytest

from .conftest import Workspace

JANE_DOE = (
    "    - given_name: Jane\n      family_name: Doe\n      date_of_birth: 1972-02-02\n"
    "      roles: [DIRECTOR]\n      ownership_percentage: 25\n"
)


def disable(workspace: Workspace, reference: str) -> None:
    workspace.edit_merchant(
        reference,
        "  payment_product:\n",
        "  payment_product:\n    state: disabled\n    disabled_reason:\n      reason: MERCHANT_REQUEST\n",
    )


def product_states(workspace: Workspace) -> dict[str, str]:
    return {ref: a["products"][0]["state"] for ref, a in workspace.sandbox.accounts().items()}


@pytest.mark.parametrize(
    "config_edits,rule",
    [
        # Two merchants of five are 40%, over the example's 10%, once percentages apply to a fleet of five.
        (
            (("percent_min_fleet: 10", "percent_min_fleet: 5"),),
            "40.0% of 5 merchants, over policy.max_disable_percent = 10%",
        ),
        (
            (("max_disable_count: 5", "max_disable_count: 1"), ("max_disable_percent: 10", "max_disable_percent: 100")),
            "more than policy.max_disable_count = 1",
        ),
    ],
    ids=["share", "count"],
)
def test_disabling_too_many_merchants_is_refused(
    converged: Workspace, config_edits: tuple[tuple[str, str], ...], rule: str
) -> None:
    for old, new in config_edits:
        converged.edit_config(old, new)
    disable(converged, "NB-2024-0001")
    disable(converged, "SK-2024-0002")
    since = converged.sandbox.last_seq()

    refused = converged.run("apply", "--auto-approve")
    assert refused.exit_code == 3, refused.output
    assert "apply refused by the safety policy" in refused.stderr
    assert rule in refused.stderr
    assert "NB-2024-0001/klarna.payment_product" in refused.stderr
    assert "SK-2024-0002/klarna.payment_product" in refused.stderr
    assert "--allow-disable" in refused.stderr
    assert ("max_disable_percent" in refused.stderr) == (rule.startswith("40.0%"))  # only the rule that was broken
    assert converged.sandbox.writes(since=since) == []

    allowed = converged.run("apply", "--auto-approve", "--allow-disable")
    assert allowed.exit_code == 0, allowed.output
    states = product_states(converged)
    assert states["NB-2024-0001"] == states["SK-2024-0002"] == "DISABLED"
    assert states["MM-2024-0005"] == "ENABLED"


def test_percentages_do_not_apply_below_the_minimum_fleet(converged: Workspace) -> None:
    """One merchant of five is 20%, over 10%; but five merchants are fewer than percent_min_fleet (10)."""
    disable(converged, "NB-2024-0001")
    planned = converged.run("plan", "--format", "json")
    assert json.loads(planned.stdout)["policy"] == {"allowed": True, "violations": [], "flags_needed": []}
    result = converged.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert product_states(converged)["NB-2024-0001"] == "DISABLED"


def test_disabling_within_the_policy_needs_no_flag(converged: Workspace) -> None:
    converged.edit_config("max_disable_percent: 10", "max_disable_percent: 20")
    disable(converged, "NB-2024-0001")
    result = converged.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert product_states(converged)["NB-2024-0001"] == "DISABLED"


@pytest.mark.parametrize("how", ["--allow-delete", "policy.allow_delete"])
def test_a_delete_is_refused_unless_allowed(converged: Workspace, how: str) -> None:
    converged.edit_merchant("M123786123412", JANE_DOE, "")
    since = converged.sandbox.last_seq()

    refused = converged.run("apply", "--auto-approve")
    assert refused.exit_code == 3, refused.output
    assert "1 delete operation(s), and the policy allows none" in refused.stderr
    assert "M123786123412/klarna.stakeholder/jane-doe" in refused.stderr
    assert converged.sandbox.writes(since=since) == []
    assert len(converged.sandbox.accounts()["M123786123412"]["stakeholders"]) == 2

    # A saved plan is checked by the same policy.
    assert converged.run("plan", "--out", "plan.json").exit_code == 0
    assert converged.run("apply", "plan.json", "--auto-approve").exit_code == 3
    assert converged.sandbox.writes(since=since) == []

    if how == "--allow-delete":
        allowed = converged.run("apply", "plan.json", "--auto-approve", "--allow-delete")
    else:
        converged.edit_config("allow_delete: false", "allow_delete: true")
        allowed = converged.run("apply", "--auto-approve")
    assert allowed.exit_code == 0, allowed.output
    stakeholders = converged.sandbox.accounts()["M123786123412"]["stakeholders"]
    assert [(s["given_name"], s["family_name"]) for s in stakeholders] == [("John", "Doe")]
    assert [w["method"] for w in converged.sandbox.writes(since=since)] == ["DELETE"]


def test_the_verdict_is_in_every_format_of_the_plan(converged: Workspace) -> None:
    """A pull request's plan shows that apply would be refused, the rule, and the flag that lifts it."""
    converged.edit_merchant("M123786123412", JANE_DOE, "")
    text = converged.run("plan")
    assert "Apply would be refused by the safety policy" in text.stdout
    assert "--allow-delete" in text.stdout

    document = json.loads(converged.run("plan", "--format", "json").stdout)
    assert document["policy"]["allowed"] is False
    assert document["policy"]["flags_needed"] == ["--allow-delete"]
    (violation,) = document["policy"]["violations"]
    assert violation["rule"] == "policy.allow_delete"
    assert violation["addresses"] == ["M123786123412/klarna.stakeholder/jane-doe"]

    markdown = converged.run("plan", "--format", "markdown").stdout
    warning_at = markdown.index("> [!WARNING]")
    assert warning_at < markdown.index("Plan: ")  # at the top, before the summary
    assert "--allow-delete" in markdown[warning_at:]

    converged.edit_config("allow_delete: false", "allow_delete: true")
    allowed = converged.run("plan", "--format", "markdown").stdout
    assert "[!WARNING]" not in allowed


def test_high_risk_operations_come_first_in_the_comment_and_can_require_a_flag(converged: Workspace) -> None:
    # A stakeholder's address: a high-risk change.
    converged.edit_merchant("M123786123412", "        city: Columbus\n", "        city: Dayton\n")
    converged.edit_merchant("NB-2024-0001", "account_name: Nordic Bikes AS", "account_name: Nordic Bikes Oslo AS")
    document = json.loads(converged.run("plan", "--format", "json").stdout)
    risks = {op["resource"]: op["risk"] for op in document["operations"]}
    assert risks["klarna.account"] == "medium"
    assert "high" in {risk for resource, risk in risks.items() if resource != "klarna.account"}

    markdown = converged.run("plan", "--format", "markdown").stdout
    assert "Risk: " in markdown
    high_at = markdown.index("**High-risk operations (")
    assert high_at < markdown.index("<details>")
    assert "NB-2024-0001/klarna.account" not in markdown[high_at : markdown.index("<details>")]
    assert "[high risk]" in converged.run("plan").stdout

    converged.edit_config("require_high_risk_flag: false", "require_high_risk_flag: true")
    since = converged.sandbox.last_seq()
    refused = converged.run("apply", "--auto-approve")
    assert refused.exit_code == 3, refused.output
    assert "--allow-high-risk" in refused.stderr
    assert converged.sandbox.writes(since=since) == []
    assert converged.run("apply", "--auto-approve", "--allow-high-risk").exit_code == 0


def test_bank_account_changes_over_the_limit_are_refused(converged: Workspace) -> None:
    converged.edit_config("max_bank_account_changes: 10", "max_bank_account_changes: 0")
    converged.edit_merchant(
        "SK-2024-0002", "iban: SE45 5000 0000 0583 9825 7466", "iban: SE78 5000 0000 0549 1000 0005"
    )
    since = converged.sandbox.last_seq()
    refused = converged.run("apply", "--auto-approve")
    assert refused.exit_code == 3, refused.output
    assert "policy.max_bank_account_changes = 0" in refused.stderr
    assert converged.sandbox.writes(since=since) == []
    assert converged.run("apply", "--auto-approve", "--allow-bank-account-changes").exit_code == 0
