"""A saved plan made against a merchant neither API had is applied without reading the merchant first
("absent view"): the onboard checks Klarna's side, and Dintero's is read before its first write, so a
signup an earlier apply sent, or one Dintero declined since, is not sent again."""

from __future__ import annotations

import json

from tests.apply.conftest import Workspace, duplicates


def signup_posts(workspace: Workspace, since: int) -> list[tuple[str, int]]:
    return [
        (w["path"], w["status"])
        for w in workspace.sandbox.writes(since=since)
        if w["method"] == "POST" and "/settings/connections/" in w["path"]
    ]


def test_applying_a_saved_plan_of_a_new_merchant_again_writes_nothing(workspace: Workspace) -> None:
    """'A crash or kill mid-apply loses nothing: running apply again finishes the job' - here the first
    run even finished; the same plan file applied again finds everything in place."""
    assert workspace.run("plan", "--target", "NB-2024-0001", "--out", "plan.json").exit_code == 0
    first = workspace.run("apply", "plan.json", "--auto-approve")
    assert first.exit_code == 0, first.output
    since = workspace.sandbox.last_seq()

    again = workspace.run("apply", "plan.json", "--auto-approve")
    assert signup_posts(workspace, since) == []
    assert again.exit_code == 0, again.output
    assert duplicates(workspace.sandbox) == []


def test_a_signup_dintero_declined_since_the_plan_is_not_sent_again(workspace: Workspace) -> None:
    """Plan made while Nordic Bikes was new everywhere. Before apply, its Klarna signup was sent (by an
    earlier apply of another plan, or by hand) and Dintero declined it: that signup, unchanged, is the
    provider's ('Dintero declined the klarna signup'), and must not be re-submitted by the saved plan."""
    assert workspace.run("plan", "--target", "NB-2024-0001", "--out", "plan.json").exit_code == 0
    ops = json.loads((workspace.root / "plan.json").read_text())["operations"]
    assert {op["action"] for op in ops} == {"create"}
    # The same desired signups, sent between plan and apply (by an apply of a fresh plan), then the
    # Klarna one declined by Dintero.
    assert workspace.run("apply", "--target", "NB-2024-0001", "--auto-approve").exit_code == 0
    client = workspace.sandbox.client
    token = client.post(
        "/dintero/v1/accounts/T11200000/auth/token",
        auth=("sandbox", "sandbox"),
        json={"grant_type": "client_credentials", "audience": "https://api.dintero.com/v1/accounts/T11200000"},
    )
    assert token.status_code == 200, token.text
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    event = client.post(
        "/dintero/v1/accounts/T11200000/management/accounts/T11200101/connections/klarna/events",
        json={"status": "declined", "event": "declined", "description": "declined by Dintero"},
        headers=headers,
    )
    assert event.is_success, event.text
    replanned = workspace.run("plan", "--target", "NB-2024-0001", "--format", "json")
    document = json.loads(replanned.stdout[replanned.stdout.index("{") :])
    [held] = [op for op in document["operations"] if op["address"] == "NB-2024-0001/dintero.connection/klarna"]
    assert held["action"] == "blocked" and held.get("held_by") == "Dintero"
    since = workspace.sandbox.last_seq()

    result = workspace.run("apply", "plan.json", "--auto-approve")
    assert [p for p, _ in signup_posts(workspace, since) if p.endswith("/connections/klarna")] == []
    assert result.exit_code == 4, result.output
