"""An onboard whose responses were all lost, then confirmed by reading the account back
("applied: confirmed by reading back after an unclear response"), still made the objects its body carried:
a saved create of one of them found as a continuation (Bergen Fisk's payment product, which the onboard
enables and the desired state disables) is the approved operation, not a stale one (exit 4)."""

from __future__ import annotations

from .conftest import Workspace

ONBOARD = {"api": "klarna", "method": "POST", "path_pattern": "/v1/distribution/onboard$"}


def test_a_create_continued_after_an_onboard_confirmed_by_reading_back_is_applied(workspace: Workspace) -> None:
    # Klarna's client tries a write five times: five lost responses exhaust it, and the executor reads back.
    workspace.sandbox.fail_next({**ONBOARD, "when": "after_effect", "status": 500, "count": 5})
    first = workspace.run("apply", "--auto-approve", "--target", "BF-2023-0042")
    assert "applied: confirmed by reading back after an unclear response" in first.stderr, first.output
    assert "stale" not in first.stderr, first.stderr
    assert first.exit_code == 0, first.output
    assert workspace.run("plan", "--target", "BF-2023-0042", "--detailed-exitcode").exit_code == 0
