"""A connection Dintero declined, then signed up for again: the newer signup awaits Dintero and is imported."""

from __future__ import annotations

import time
from pathlib import Path

from tests.imports.conftest import Keys
from tests.plan.conftest import AID, REF, Cli, base_merchant
from tests.plan.test_plan_resources import NEW_SIGNUP_CHANGE


def test_a_signup_sent_after_a_decline_is_declared_and_plans_nothing(cli: Cli, target: Path, keys: Keys) -> None:
    now = [time.time()]
    cli.live.klarna.app.state.sandbox.clock = lambda: now[0]  # type: ignore[attr-defined]
    merchant = base_merchant()
    cli.live.create(merchant)
    now[0] += 5
    cli.live.connection_event(AID, "klarna", "declined")
    now[0] += 5
    corrected = dict(merchant["dintero"]["connections"]["klarna"]["signup"], **NEW_SIGNUP_CHANGE)
    cli.live.signup(AID, "klarna", corrected)
    store = cli.live.klarna.app.state.sandbox.store  # type: ignore[attr-defined]
    account = store.get("dintero.account", AID)
    account["applicant"] = {"signup_reference": REF}  # as Dintero's onboarding link leaves it: import links the two
    store.put("dintero.account", AID, account)

    result = cli.run("import", "--all", "--desired", str(target))
    assert result.exit_code == 0, result.output
    written = (target / "merchants" / "pt-0001.yaml").read_text()
    assert "declined by Dintero" not in written
    assert "connections:\n    klarna:" in written
    assert "SEK" in written.split("connections:")[1]  # the corrected signup's payment options

    env = {"RECONCILER_AGE_IDENTITY": keys.secret}
    plan = cli.run("plan", "--desired", str(target), "--detailed-exitcode", env=env)
    assert plan.exit_code == 0, plan.output
    assert "waiting for Dintero's answer to the new signup (it declined the one before)" in plan.output
