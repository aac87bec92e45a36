"""A 404 that is not the API's own "not found" must not read as "this merchant has no account".

The readers turn a 404 into "absent" (``resolve_account`` → None, so the merchant is "not onboarded yet" and
the plan onboards it; Dintero's ``get_merchant`` → None, so its connections are signed up again, without an
idempotency key). A 404 from something in front of the API (a load balancer's or gateway's page, a base URL
with a wrong path prefix) says nothing about the merchant: read as absent, every merchant of a plan is shown
as a new onboarding and a drift reports every merchant missing. The API's own answer is its error envelope
(Klarna ``{error_code, error_message, ...}``, Dintero ``{"error": {...}}``), as the sandbox answers it.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from reconciler.errors import ApiError
from reconciler.live.dintero import DinteroClient
from reconciler.live.envelopes import dintero_error_text, klarna_error_text
from reconciler.live.http import ApiHttpClient
from reconciler.live.klarna import KlarnaClient

pytestmark = pytest.mark.anyio

FOREIGN_404 = [
    {"content": b"<html><body><h1>404 Not Found</h1>nginx</body></html>", "headers": {"content-type": "text/html"}},
    {"content": b""},
    {"json": {"message": "Not Found"}},  # an API gateway's own JSON
]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _http(api: str, answer: Any) -> ApiHttpClient:
    error_text = klarna_error_text if api == "klarna" else dintero_error_text
    return ApiHttpClient(api, f"http://127.0.0.1:9/{api}", error_text=error_text, transport=httpx.MockTransport(answer))


@pytest.mark.parametrize("foreign", FOREIGN_404)
async def test_a_klarna_search_answered_by_a_foreign_404_is_an_error(foreign: dict[str, Any]) -> None:
    async with KlarnaClient(_http("klarna", lambda request: httpx.Response(404, **foreign))) as klarna:
        with pytest.raises(ApiError) as caught:
            found = await klarna.resolve_account("shop-042")
            pytest.fail(f"a 404 that is not Klarna's read as {found!r}: the plan would onboard the merchant again")
    assert caught.value.merchant == "shop-042"


@pytest.mark.parametrize("foreign", FOREIGN_404)
async def test_a_dintero_read_answered_by_a_foreign_404_is_an_error(foreign: dict[str, Any]) -> None:
    async with DinteroClient(_http("dintero", lambda request: httpx.Response(404, **foreign)), "P00000001") as dintero:
        with pytest.raises(ApiError):
            found = await dintero.get_merchant("T11200042")
            pytest.fail(f"a 404 that is not Dintero's read as {found!r}: its connections would be signed up again")


async def test_the_apis_own_404_still_reads_as_absent() -> None:
    klarna_404 = {"json": {"error_code": "RESOURCE_NOT_FOUND", "error_message": "Account was not found"}}
    async with KlarnaClient(_http("klarna", lambda request: httpx.Response(404, **klarna_404))) as klarna:
        assert await klarna.resolve_account("shop-042") is None
    dintero_404 = {"json": {"error": {"message": "no such merchant"}}}
    async with DinteroClient(_http("dintero", lambda request: httpx.Response(404, **dintero_404)), "P1") as dintero:
        assert await dintero.get_merchant("T11200042") is None
