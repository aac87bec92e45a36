"""Edges of drift's listing of unmanaged Klarna accounts (``live.read.fetch_unmanaged``): an account a list
gives twice, a reference answered as a number."""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from reconciler.live.envelopes import klarna_error_text
from reconciler.live.http import ApiHttpClient
from reconciler.live.klarna import KlarnaClient
from reconciler.live.read import fetch_unmanaged

pytestmark = pytest.mark.anyio

Pages = Callable[[httpx.Request], Any]


def _account(account_id: str, reference: object) -> dict[str, object]:
    return {"account_id": account_id, "account_reference": reference}


async def unmanaged(pages: Pages, declared: list[str]) -> list[str]:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages(request))

    transport = httpx.MockTransport(answer)
    http = ApiHttpClient("klarna", "http://127.0.0.1:9/klarna", error_text=klarna_error_text, transport=transport)
    async with KlarnaClient(http) as klarna:
        return await fetch_unmanaged(types.SimpleNamespace(klarna=klarna), declared)


async def test_an_account_the_list_gives_twice_is_one_unmanaged_merchant() -> None:
    """The last page repeats an account of the first (a page that repeats, or an account moved between
    pages): drift listed the one unmanaged merchant twice ("Unmanaged: 2 merchant(s)")."""

    def pages(request: httpx.Request) -> Any:
        if "starting_after" not in request.url.params:
            accounts = [_account("a", "UN-1"), _account("b", "M1")]
            return {"accounts": accounts, "pagination": {"next": "b"}}
        return {"accounts": [_account("a", "UN-1")]}  # no next: the last page

    assert await unmanaged(pages, ["M1"]) == ["UN-1"]


async def test_an_account_whose_reference_is_a_number_is_unmanaged() -> None:
    """The client's models read a number where a string is typed as its text (``coerce_numbers_to_str``), so a
    read by reference takes ``100002`` as the account of reference "100002"; the listing dropped it."""

    def pages(request: httpx.Request) -> Any:
        return {"accounts": [_account("a", 100002), _account("b", "M1")]}

    assert await unmanaged(pages, ["M1"]) == ["100002"]
