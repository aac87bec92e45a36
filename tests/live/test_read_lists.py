"""Drift's reading from the lists: none of Klarna's requests left running once the reading stops."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from reconciler.desired.declared import DeclaredMerchant
from reconciler.errors import ApiError, ReadFailed
from reconciler.live.dintero import DinteroClient
from reconciler.live.envelopes import dintero_error_text, klarna_error_text
from reconciler.live.factory import ApiClients
from reconciler.live.http import ApiHttpClient
from reconciler.live.klarna import KlarnaClient
from reconciler.live.read import DinteroItems, read_lists
from tests.live.stuck_list import first_page_then_stuck

pytestmark = pytest.mark.anyio


async def test_a_failed_dintero_list_leaves_no_klarna_page_in_flight() -> None:
    """Dintero's list fails while Klarna's asks for its second page: that request is cancelled, and waited
    for, before the error is raised."""
    ended: list[str] = []
    asked = asyncio.Event()

    answer = first_page_then_stuck(ended, asked)

    def unused(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"Dintero is not asked: {request.url}")

    async def dintero_list() -> DinteroItems:
        await asyncio.wait_for(asked.wait(), timeout=10)
        raise ApiError("dintero", "list_merchants", 500, "the list failed")

    klarna = ApiHttpClient(
        "klarna", "http://127.0.0.1:9/klarna", error_text=klarna_error_text, transport=httpx.MockTransport(answer)
    )
    dintero = ApiHttpClient(
        "dintero", "http://127.0.0.1:9/dintero", error_text=dintero_error_text, transport=httpx.MockTransport(unused)
    )
    async with ApiClients(KlarnaClient(klarna), DinteroClient(dintero, "P00000001")) as clients:
        before = asyncio.all_tasks()
        with pytest.raises(ApiError, match="the list failed"):
            async with asyncio.timeout(10):
                await read_lists(clients, [], lambda live: None, dintero=dintero_list())
        assert ended == ["cancelled"]
        assert asyncio.all_tasks() - before == set()


async def test_two_accounts_holding_a_declared_reference_fail_that_merchant_once() -> None:
    """A read by reference refuses to choose between two accounts with the reference; so does drift's
    reading from the list, once for however many there are, while the same account listed twice and
    accounts no file declares are no failure."""
    rows = [("A1", "R-a"), ("B1", "R-b"), ("A1", "R-a"), ("A2", "R-a"), ("A3", "R-a"), ("C1", "R-c"), ("C2", "R-c")]

    def answer(request: httpx.Request) -> httpx.Response:
        accounts = [{"account_id": aid, "account_reference": ref} for aid, ref in rows]
        return httpx.Response(200, json={"accounts": accounts})

    def unused(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"Dintero is not asked: {request.url}")

    async def no_dintero() -> DinteroItems:
        return {}

    klarna = ApiHttpClient(
        "klarna", "http://127.0.0.1:9/klarna", error_text=klarna_error_text, transport=httpx.MockTransport(answer)
    )
    dintero = ApiHttpClient(
        "dintero", "http://127.0.0.1:9/dintero", error_text=dintero_error_text, transport=httpx.MockTransport(unused)
    )
    merchants = [DeclaredMerchant(ref, None, f"merchants/{ref}.yaml", b"{}") for ref in ("R-a", "R-b")]
    handled: list[tuple[str, str | None]] = []
    async with ApiClients(KlarnaClient(klarna), DinteroClient(dintero, "P00000001")) as clients:
        with pytest.raises(ReadFailed) as failed:
            async with asyncio.timeout(10):
                await read_lists(
                    clients,
                    merchants,
                    lambda live: handled.append((live.reference, live.klarna.account_id if live.klarna else None)),
                    dintero=no_dintero(),
                )
    assert [(e.merchant, e.api_message) for e in failed.value.failures] == [
        ("R-a", "the account list holds two accounts with this reference")
    ]
    assert handled == [("R-a", "A1"), ("R-b", "B1")]
