"""A connection is compared against its newest signup, which is not always the last of ``signups[]``.

Dintero keeps one signup per (case_id, store_id): a new signup under an earlier case_id replaces that
entry where it stands. A file that goes C1 → C2 → C1 with a change (a reverted pull request, say) leaves
``signups`` as [C1 changed, C2]; reading the last entry would plan the same new signup on every run.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from reconciler.kinds.connection import Connection, newest_index
from reconciler.live.read import Bodies

from .conftest import AID, DINTERO_PARTNER, DesiredDir, Live, Planner, base_merchant
from .test_plan_resources import NEW_SIGNUP_CHANGE

OTHER_CASE_ID = "0b6f5d2e-8c1a-4f3b-9e7d-2a4c6b8d0e1f"
MANAGED = f"/dintero/v1/accounts/{DINTERO_PARTNER}/management/accounts/{AID}"


@pytest.fixture
def clock(sandbox_app: FastAPI) -> Iterator[list[float]]:
    """The sandbox's clock, moved by the test: a signup's ``created_at`` has whole seconds."""
    now = [time.time()]
    sandbox_app.state.sandbox.clock = lambda: now[0]
    yield now


def _dintero(live: Live, path: str) -> Any:
    response = live.dintero.get(path)
    assert response.status_code == 200, response.text
    return response.json()


def _reverted(desired: DesiredDir, live: Live, clock: list[float]) -> dict[str, Any]:
    """C1 signed up, then C2 under another case_id, then C1 again with a change; the file declares the last."""
    merchant = base_merchant()
    live.create(merchant)
    first = merchant["dintero"]["connections"]["klarna"]["signup"]
    clock[0] += 5
    live.signup(AID, "klarna", dict(first, case_id=OTHER_CASE_ID), force=True)
    clock[0] += 5
    changed = dict(first, **NEW_SIGNUP_CHANGE)
    live.signup(AID, "klarna", changed, force=True)
    merchant["dintero"]["connections"]["klarna"]["signup"] = changed
    desired.write(merchant)
    return merchant


def test_a_signup_replaced_in_place_is_the_one_compared(
    clock: list[float], desired: DesiredDir, live: Live, planner: Planner
) -> None:
    _reverted(desired, live, clock)
    signups = _dintero(live, MANAGED)["connections"]["klarna"]["signups"]
    assert [s["case_id"] for s in signups][-1] == OTHER_CASE_ID  # the newest is not the last
    assert planner.plan(desired.load()).operations == ()


def test_the_answer_as_sent_reads_the_same_signup(clock: list[float], desired: DesiredDir, live: Live) -> None:
    merchant = _reverted(desired, live, clock)
    live.connection_event(AID, "klarna", "enabled")  # a pending connection is never in sync as sent
    account = _dintero(live, MANAGED)
    kind = Connection()
    members = kind.desired(merchant)
    assert members is not None
    [found] = kind.answered(members, Bodies(klarna=None, dintero=account)) or [None]
    assert found == {"signup": {**account["connections"]["klarna"]["signups"][0]}}
    assert found["signup"]["payment_options"] == NEW_SIGNUP_CHANGE["payment_options"]


@pytest.mark.parametrize(
    "stamps,newest",
    [
        (["2026-01-01T00:00:05Z", "2026-01-01T00:00:01Z"], 0),
        (["2026-01-01T00:00:01Z", "2026-01-01T00:00:05Z"], 1),
        (["2026-01-01T00:00:05Z", "2026-01-01T00:00:05Z"], 1),  # a tie: the later entry
        (["2026-01-01T01:00:00+02:00", "2025-12-31T23:30:00Z"], 1),  # instants, not texts
        (["2026-01-01T00:00:05Z", None, "not a time"], 0),  # a stamp that is no time loses
        ([None, 7, "0001-01-01T00:00:00+23:59"], 2),  # no time at all: the last
    ],
)
def test_newest_index(stamps: list[object], newest: int) -> None:
    assert newest_index(stamps) == newest


# --- a new signup after Dintero declined or failed the one before ---------------------------------


@pytest.mark.parametrize("decision", ["declined", "failed"])
def test_a_corrected_signup_after_a_decision_awaits_dintero_without_a_hold(
    decision: str, clock: list[float], desired: DesiredDir, live: Live, planner: Planner
) -> None:
    merchant = base_merchant()
    live.create(merchant)
    desired.write(merchant)
    clock[0] += 5
    live.connection_event(AID, "klarna", decision)
    [held] = planner.plan(desired.load()).operations
    assert (held.action.value, held.held_by) == ("blocked", "Dintero")  # the same signup again would not help

    clock[0] += 5
    corrected = dict(merchant["dintero"]["connections"]["klarna"]["signup"], **NEW_SIGNUP_CHANGE)
    live.signup(AID, "klarna", corrected)  # as apply sends the corrected file's signup
    merchant["dintero"]["connections"]["klarna"]["signup"] = corrected
    desired.write(merchant)
    plan = planner.plan(desired.load())
    assert plan.operations == ()
    assert [n.message for n in plan.notices] == [
        f"waiting for Dintero's answer to the new signup (it {decision} the one before)"
    ]


def test_a_decision_after_the_newest_signup_holds_it(
    clock: list[float], desired: DesiredDir, live: Live, planner: Planner
) -> None:
    merchant = base_merchant()
    live.create(merchant)
    clock[0] += 5
    corrected = dict(merchant["dintero"]["connections"]["klarna"]["signup"], **NEW_SIGNUP_CHANGE)
    live.signup(AID, "klarna", corrected, force=True)
    merchant["dintero"]["connections"]["klarna"]["signup"] = corrected
    desired.write(merchant)
    clock[0] += 5
    live.connection_event(AID, "klarna", "declined")  # Dintero's answer to the corrected signup
    [held] = planner.plan(desired.load()).operations
    assert (held.action.value, held.held_by) == ("blocked", "Dintero")
