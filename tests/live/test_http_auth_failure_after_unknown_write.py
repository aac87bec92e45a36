"""A write that may have been applied stays 'outcome unknown' when a later attempt fails on its credentials."""

from __future__ import annotations

import httpx
import pytest

from reconciler.errors import ApiError
from reconciler.live.auth import DinteroTokenAuth
from reconciler.live.envelopes import dintero_error_text
from reconciler.live.http import ApiHttpClient, HttpSettings
from reconciler.live.retry import RetryPolicy

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_a_token_failure_on_the_retry_of_a_write_keeps_its_outcome_unknown() -> None:
    calls: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.method} {request.url.path}")
        if request.url.path.endswith("/auth/token"):
            if sum(c.endswith("/auth/token") for c in calls) == 1:
                return httpx.Response(200, json={"access_token": "tok-1", "expires_in": 3600})
            return httpx.Response(503, json={"error": {"code": "unavailable", "message": "token service down"}})
        writes = sum(c.startswith("PUT") for c in calls)
        if writes == 1:
            return httpx.Response(502, json={"error": {"message": "bad gateway"}})  # may have been applied
        return httpx.Response(401, json={"error": {"message": "token expired"}})

    settings = HttpSettings(retry=RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.002))
    auth = DinteroTokenAuth("T11200000", "client", "secret")
    async with ApiHttpClient(
        "dintero", "http://dintero.test", error_text=dintero_error_text, settings=settings, auth=auth,
        transport=httpx.MockTransport(handler),
    ) as http:
        with pytest.raises(ApiError) as caught:
            # a keyed write, repeated after a 5xx (as the Dintero client's settings PUT is)
            await http.request("PUT", "/v1/accounts/T11200000/x", operation="put_settings", json={"a": 1},
                               safe_to_repeat=True, merchant="M-1")

    assert "PUT /v1/accounts/T11200000/x" in calls[1]  # the first attempt reached the API, answered 502
    assert caught.value.outcome_unknown, f"reported as a plain failure: {caught.value}"
