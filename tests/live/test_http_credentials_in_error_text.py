"""An API's error text that quotes the credentials the client sent must not carry them into an error message."""

from __future__ import annotations

import base64

import httpx
import pytest

from reconciler.errors import ApiError
from reconciler.live.auth import DinteroTokenAuth, KlarnaKeyAuth
from reconciler.live.envelopes import dintero_error_text, klarna_error_text
from reconciler.live.http import ApiHttpClient, HttpSettings
from reconciler.live.retry import RetryPolicy

pytestmark = pytest.mark.anyio

# Klarna's documented shape, klarna_<live|test>_api_<random>, the random part base64 (with "+" and "/").
KLARNA_KEY = "klarna_live_api_elZGI1B5dHBIRWltRjF5cjZrNldn+bEVjKnIqeC/x9Qm2LrT7vWpZ0aE4sUybz0"
SECRET_TAIL = "bEVjKnIqeC"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def echoing(status: int, body_of: object) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        said = request.headers.get("authorization", "")
        return httpx.Response(status, json=body_of(said))  # type: ignore[operator]

    return httpx.MockTransport(handler)


async def test_a_klarna_key_quoted_back_in_a_401_is_not_shown() -> None:
    transport = echoing(401, lambda said: {"error_code": "UNAUTHORIZED", "error_message": f"Invalid key: {said}"})
    async with ApiHttpClient(
        "klarna", "http://klarna.test", error_text=klarna_error_text, auth=KlarnaKeyAuth(KLARNA_KEY),
        settings=HttpSettings(retry=RetryPolicy(max_attempts=1)), transport=transport,
    ) as http:
        with pytest.raises(ApiError) as caught:
            await http.request("GET", "/v1/accounts", operation="list_accounts")

    shown = str(caught.value)
    assert SECRET_TAIL not in shown and "x9Qm2LrT7vWpZ0aE4sUybz0" not in shown, shown


async def test_dintero_client_credentials_quoted_back_by_the_token_endpoint_are_not_shown() -> None:
    secret = "Zq8sW3kLmN0pR7tV"
    basic = base64.b64encode(f"my-client:{secret}".encode()).decode()
    transport = echoing(
        401, lambda said: {"error": {"code": "unauthorized", "message": f"bad client credentials ({said})"}}
    )
    async with ApiHttpClient(
        "dintero", "http://dintero.test", error_text=dintero_error_text,
        auth=DinteroTokenAuth("T11200000", "my-client", secret),
        settings=HttpSettings(retry=RetryPolicy(max_attempts=1)), transport=transport,
    ) as http:
        with pytest.raises(ApiError) as caught:
            await http.request("GET", "/v1/accounts/T11200000/management/settings", operation="read")

    shown = str(caught.value)
    assert basic not in shown, shown  # base64 of "client_id:client_secret": the secret, decodable
