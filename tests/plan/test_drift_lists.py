"""A drift over every merchant read from the two account lists: the same plan as a read per merchant, in fewer
requests; an account of an odd shape fails its own merchant only, and one no file declares fails nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from reconciler.desired.load import DesiredState
from reconciler.errors import ReadFailed
from reconciler.live import build_clients
from reconciler.live.read import lists_are_cheaper
from reconciler.pipeline import make_plan, select_merchants
from reconciler.plan import Plan

from .conftest import DesiredDir, Live, base_merchant, fast_params, summarise
from .test_drift import DRIFTS


def drift(app: FastAPI, state: DesiredState, *, from_lists: bool) -> tuple[Plan, int]:
    """The drift plan and the number of requests it took."""

    async def run() -> tuple[Plan, int]:
        async with build_clients(fast_params(), transport=httpx.ASGITransport(app=app)) as clients:
            plan = await make_plan(
                clients, state, select_merchants(state, ()), include_partner=False, with_unmanaged=True,
                from_lists=from_lists,
            )
            return plan, clients.klarna.stats.requests + clients.dintero.stats.requests

    return asyncio.run(run())


def put_raw(app: FastAPI, reference: str, change: dict[str, Any]) -> None:
    """Give a live account a shape the API would not send (a state a real API might still hold)."""
    store = app.state.sandbox.store
    account = store.get_by_ref("klarna.account", reference)
    assert account is not None
    store.put("klarna.account", account["account_id"], {**account, **change}, reference)


@pytest.fixture
def fleet(desired: DesiredDir, live: Live) -> list[str]:
    """Merchants in every state a drift tells apart: one drifted by each out-of-band change, some in sync,
    one declared but never onboarded, one without Dintero; and two accounts no file declares."""
    references = []
    for index in range(2, 6):
        merchant = base_merchant(f"PT-{index:04d}", f"T1120{index:04d}")
        desired.write(merchant)
        live.create(merchant)
        references.append(merchant["account_reference"])
    drifted = base_merchant()  # PT-0001: every change of the drift tests is made to it
    desired.write(drifted)
    live.create(drifted)
    for change, *_ in DRIFTS.values():
        change(live)
    references.append(drifted["account_reference"])
    desired.write(base_merchant("PT-0900", "T11200900"))  # declared, not onboarded: a create in both reads
    klarna_only = base_merchant("PT-0901", "T11200901")
    klarna_only.pop("dintero")
    desired.write(klarna_only)
    live.create(klarna_only, dintero=False)
    for reference in ("UN-1", "UN-2"):
        other = base_merchant(reference, "T11200999")
        other.pop("dintero")
        live.create(other, dintero=False)
    return references


def test_the_lists_give_the_plan_a_read_per_merchant_gives(
    fleet: list[str], desired: DesiredDir, sandbox_app: FastAPI
) -> None:
    state = desired.load()
    each, each_requests = drift(sandbox_app, state, from_lists=False)
    lists, list_requests = drift(sandbox_app, state, from_lists=True)
    assert summarise(lists) == summarise(each)
    assert summarise(each) != []  # the drifted merchants differ, so the comparison compares something
    assert lists.unmanaged == each.unmanaged == ("UN-1", "UN-2")
    assert lists.notices == each.notices
    assert list_requests < each_requests / 3, (list_requests, each_requests)


def test_a_declared_account_of_an_odd_shape_fails_its_merchant_only(
    fleet: list[str], desired: DesiredDir, sandbox_app: FastAPI
) -> None:
    put_raw(sandbox_app, fleet[0], {"stakeholders": "not a list"})
    put_raw(sandbox_app, "UN-1", {"websites": {"odd": True}})  # no file declares it: never validated
    with pytest.raises(ReadFailed) as raised:
        drift(sandbox_app, desired.load(), from_lists=True)
    assert [error.merchant for error in raised.value.failures] == [fleet[0]]
    assert "list_accounts" in str(raised.value) and "stakeholders" in str(raised.value)


def test_a_partner_holding_many_undeclared_accounts_is_read_merchant_by_merchant() -> None:
    assert lists_are_cheaper(accounts=10_000, merchants=10_000, parallelism=32)
    assert lists_are_cheaper(accounts=3_000, merchants=1_000, parallelism=32)
    assert not lists_are_cheaper(accounts=100_000, merchants=1_000, parallelism=32)
    assert not lists_are_cheaper(accounts=0, merchants=0, parallelism=32)


def test_a_declared_dintero_account_of_an_odd_shape_fails_its_merchant_only(
    fleet: list[str], desired: DesiredDir, sandbox_app: FastAPI
) -> None:
    store = sandbox_app.state.sandbox.store
    aid = "T11200002"  # fleet[0]'s Dintero account
    store.put("dintero.account", aid, {**store.get("dintero.account", aid), "connections": "not a mapping"})
    with pytest.raises(ReadFailed) as raised:
        drift(sandbox_app, desired.load(), from_lists=True)
    assert [error.merchant for error in raised.value.failures] == [fleet[0]]
    assert "list_merchants" in str(raised.value) and "connections" in str(raised.value)
