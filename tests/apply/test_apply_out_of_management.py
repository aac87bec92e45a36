"""Retired merchants are out of the safety policy's fleet."""

from __future__ import annotations

import json

from tests.apply.conftest import Workspace
from tests.apply.test_apply_policy import disable

RETIRED = "account_reference: RT-{n:04d}\nlifecycle: retired\nklarna:\n  account_name: Retired {n}\n"


def test_retired_files_do_not_dilute_the_disable_share_of_the_policy(converged: Workspace) -> None:
    converged.edit_config("percent_min_fleet: 10", "percent_min_fleet: 5")
    disable(converged, "NB-2024-0001")  # one of five managed merchants: 20%, over max_disable_percent 10
    before = json.loads(converged.run("plan", "--format", "json").stdout)["policy"]
    assert before["allowed"] is False
    for n in range(5):  # merchants taken out of management: nothing is planned or written for them
        (converged.desired / "merchants" / f"retired-{n}.yaml").write_text(RETIRED.format(n=n), encoding="utf-8")
    after = json.loads(converged.run("plan", "--format", "json").stdout)["policy"]
    # The share is of the merchants under management: retired files are not in the fleet (1 of 10 would pass).
    assert after["allowed"] is False, after
    since = converged.sandbox.last_seq()
    refused = converged.run("apply", "--auto-approve")
    assert refused.exit_code == 3, refused.output
    assert converged.sandbox.writes(since=since) == []
