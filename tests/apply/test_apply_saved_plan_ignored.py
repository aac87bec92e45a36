"""A saved plan must not write to a merchant that ``ignored_references`` has taken out of management since.

README "Retiring a merchant": a reference listed in ``ignored_references`` "is out of management as a
retired one is, even if a file declares it" and "nothing is planned or written for it". A merchant file
marked ``lifecycle: retired`` after a plan makes the plan stale (its digest changes); listing the
reference in reconciler.yaml changes no merchant file, so the digest stays and apply wrote anyway.
"""

from __future__ import annotations

from tests.apply.conftest import Workspace


def test_a_saved_plan_does_not_write_to_a_merchant_ignored_since(converged: Workspace) -> None:
    converged.edit_merchant("NB-2024-0001", "account_name: Nordic Bikes AS", "account_name: Nordic Bikes Oslo AS")
    assert converged.run("plan", "--out", "plan.json").exit_code == 0
    config = converged.desired / "reconciler.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "ignored_references: [NB-2024-0001]\n", encoding="utf-8")
    assert converged.run("plan", "--detailed-exitcode").exit_code == 0  # a fresh plan: nothing for it
    before = converged.sandbox.last_seq()

    result = converged.run("apply", "plan.json", "--auto-approve")

    assert converged.sandbox.writes(since=before) == []
    assert converged.sandbox.accounts()["NB-2024-0001"]["account_name"] == "Nordic Bikes AS"
    assert result.exit_code == 4, result.output
    assert "Traceback" not in result.output
