"""Request URLs: the path under the API's base URL, and the query encoded exactly as httpx encodes it."""

from __future__ import annotations

import httpx
import pytest

from reconciler.errors import ApiError
from reconciler.live.envelopes import klarna_error_text
from reconciler.live.http import ApiHttpClient

pytestmark = pytest.mark.anyio

BASE = "http://127.0.0.1:9/klarna/"


def client(seen: list[httpx.URL]) -> ApiHttpClient:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, json={})

    return ApiHttpClient("klarna", BASE, error_text=klarna_error_text, transport=httpx.MockTransport(answer))


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/accounts", {"account_reference": "SBX000001", "expand": "products,websites"}),
        ("/v1/accounts", {"account_reference": "A B/ø&x=1#frag", "limit": 100}),
        ("/v1/accounts", {"enabled": True, "deleted": False, "starting_after": "", "n": 0, "~*+": "a+b c%"}),
        ("/v1/accounts/krn:partner:account:1/stakeholders", None),
        ("/v1/accounts/krn%3Aa%20b/channels/websites", {}),
        # Paths httpx escapes itself: built by parsing, not from the parsed base URL.
        ("/v1/accounts/a b/ø", None),
        ("/v1/accounts/100%/x", {"q": "%"}),
        ("/v1/accounts/a%2", None),
    ],
)
async def test_the_url_is_the_one_httpx_would_build(path: str, params: dict[str, str | int] | None) -> None:
    seen: list[httpx.URL] = []
    async with client(seen) as http:
        await http.request("GET", path, operation="read", params=params)
    expected = httpx.AsyncClient(base_url=BASE.rstrip("/")).build_request("GET", path, params=params).url
    assert seen == [expected]
    assert str(seen[0]).startswith("http://127.0.0.1:9/klarna/v1/")


async def test_a_path_must_start_at_the_root() -> None:
    seen: list[httpx.URL] = []
    async with client(seen) as http:
        with pytest.raises(ValueError, match="starts with '/'"):
            await http.request("GET", "v1/accounts", operation="read")
    assert seen == []


@pytest.mark.parametrize("path", ["/v1/accounts/a/stakeholders/..", "/v1/accounts/./stakeholders", "/v1/accounts/.."])
async def test_a_dot_segment_is_refused_and_nothing_is_sent(path: str) -> None:
    """An id of ".." from the API would make ``DELETE …/stakeholders/..`` the account itself once normalised."""
    seen: list[httpx.URL] = []
    async with client(seen) as http:
        with pytest.raises(ApiError) as caught:
            await http.request("DELETE", path, operation="delete_stakeholder", merchant="M-1")
    assert seen == []
    assert caught.value.merchant == "M-1" and caught.value.operation == "delete_stakeholder"


async def test_an_id_holding_dots_is_sent_as_it_is() -> None:
    seen: list[httpx.URL] = []
    async with client(seen) as http:
        await http.request("GET", "/v1/accounts/a..b/stakeholders/.x", operation="read")
    assert [url.raw_path for url in seen] == [b"/klarna/v1/accounts/a..b/stakeholders/.x"]
