"""Which error a failed request raises: its class from the status table, and whether its outcome is unknown."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable

import httpx
import pytest

from reconciler.errors import (
    OUTCOME_UNKNOWN,
    ApiConflict,
    ApiError,
    ApiNoResponse,
    ApiNotFound,
    ApiRateLimited,
    ApiServerError,
    ApiUnavailable,
    api_error_class,
)
from reconciler.live import ApiClients, DinteroClient, KlarnaClient, RetryPolicy
from reconciler.live.envelopes import klarna_error_text
from reconciler.live.http import ApiHttpClient, HttpSettings

from .conftest import MERCHANT, Admin, klarna_signup, onboarded

pytestmark = pytest.mark.anyio

Answer = Callable[[httpx.Request], httpx.Response]


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (None, ApiNoResponse),
        (400, ApiError),
        (401, ApiError),
        (403, ApiError),
        (404, ApiNotFound),
        (409, ApiConflict),
        (422, ApiError),
        (429, ApiRateLimited),
        (500, ApiServerError),
        (501, ApiServerError),
        (503, ApiServerError),
        (599, ApiServerError),
    ],
)
def test_the_status_table(status: int | None, error_class: type[ApiError]) -> None:
    assert api_error_class(status) is error_class


def test_the_tree_under_api_unavailable() -> None:
    for unavailable in (ApiNoResponse, ApiServerError, ApiRateLimited):
        assert issubclass(unavailable, ApiUnavailable)
    for refused in (ApiNotFound, ApiConflict):
        assert issubclass(refused, ApiError) and not issubclass(refused, ApiUnavailable)


def http(answer: Answer, retry: RetryPolicy) -> ApiHttpClient:
    """A client on a mock transport whose waits are not spent."""

    async def no_wait(seconds: float) -> None:
        return None

    return ApiHttpClient(
        "klarna",
        "http://127.0.0.1:9/klarna",
        error_text=klarna_error_text,
        settings=HttpSettings(retry=retry),
        transport=httpx.MockTransport(answer),
        sleep=no_wait,
    )


def always(status: int, code: str = "SOME_CODE") -> Answer:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"error_code": code, "error_message": f"said {status}"})

    return answer


def lost(error: type[httpx.TransportError]) -> Answer:
    def answer(request: httpx.Request) -> httpx.Response:
        raise error("simulated", request=request)

    return answer


@pytest.mark.parametrize(
    ("method", "answer", "key", "error_class", "attempts", "outcome_unknown"),
    [
        # Refusals: one attempt, the outcome is known (nothing happened).
        ("GET", always(404), None, ApiNotFound, 1, False),
        ("POST", always(409), None, ApiConflict, 1, False),
        ("POST", always(400), None, ApiError, 1, False),
        # A read is repeated through 5xx and lost answers, and a read never leaves an outcome unknown.
        ("GET", always(503), None, ApiServerError, 4, False),
        ("GET", lost(httpx.ReadTimeout), None, ApiNoResponse, 4, False),
        ("GET", always(429, "RATE_LIMITED"), None, ApiRateLimited, 4, False),
        # An unkeyed write is not repeated after it may have arrived: its outcome is unknown.
        ("POST", always(500), None, ApiServerError, 1, True),
        ("PATCH", lost(httpx.ReadError), None, ApiNoResponse, 1, True),
        ("POST", lost(httpx.RemoteProtocolError), None, ApiNoResponse, 1, True),
        # A write that never left is repeated, and nothing can have happened.
        ("POST", lost(httpx.ConnectError), None, ApiNoResponse, 4, False),
        ("POST", always(429, "RATE_LIMITED"), None, ApiRateLimited, 4, False),
        # A keyed write is repeated (a replay), but when every attempt was lost it may still have happened.
        ("POST", always(502), "op-1", ApiServerError, 4, True),
        ("POST", lost(httpx.ReadTimeout), "op-1", ApiNoResponse, 4, True),
    ],
)
async def test_the_error_a_failed_request_raises(
    fast_retry: RetryPolicy,
    method: str,
    answer: Answer,
    key: str | None,
    error_class: type[ApiError],
    attempts: int,
    outcome_unknown: bool,
) -> None:
    async with http(answer, fast_retry) as client:
        with pytest.raises(ApiError) as caught:
            await client.request(
                method,
                "/v1/accounts/A1/stakeholders",
                operation="op",
                json={} if method != "GET" else None,
                safe_to_repeat=True if key else None,
                merchant="M1",
            )

    error = caught.value
    assert type(error) is error_class
    assert client.stats.requests == attempts
    assert error.outcome_unknown is outcome_unknown
    assert ("outcome is unknown" in str(error)) is outcome_unknown
    assert "outcome is unknown" not in error.api_message  # the API's words only
    assert ("gave up after" in str(error)) is (attempts > 1)
    assert "simulated" not in str(error)


async def test_a_delete_lost_then_not_found_is_done_but_not_found_at_once_is_an_error(fast_retry: RetryPolicy) -> None:
    answers = iter([httpx.Response(502), httpx.Response(404), httpx.Response(404)])
    async with http(lambda request: next(answers), fast_retry) as client:
        response = await client.request("DELETE", "/v1/x/1", operation="delete")
        assert response.status_code == 404
        with pytest.raises(ApiNotFound):
            await client.request("DELETE", "/v1/x/1", operation="delete")


async def test_a_request_that_only_asks_is_never_of_unknown_outcome(fast_retry: RetryPolicy) -> None:
    async with http(always(503), fast_retry) as client:
        with pytest.raises(ApiServerError) as caught:
            await client.request("POST", "/v1/auth/token", operation="auth_token", json={}, read_only=True)

    assert client.stats.requests == 4  # read-only: safe to repeat
    assert caught.value.outcome_unknown is False


def an_error() -> ApiServerError:
    return ApiServerError(
        "klarna", "create_stakeholder", 503, "temporarily unavailable", code="UNAVAILABLE",
        retry_after=2.5, outcome_unknown=True, attempts=3,
    )  # fmt: skip


def test_for_merchant_and_attributed_to_keep_the_class_and_every_attribute() -> None:
    error = an_error()

    named = error.for_merchant("M1")
    again = named.attributed_to("M2")  # already named: unchanged

    assert type(named) is ApiServerError and again is named
    assert (named.merchant, named.status, named.code, named.retry_after, named.outcome_unknown, named.attempts) == (
        "M1", 503, "UNAVAILABLE", 2.5, True, 3
    )  # fmt: skip
    assert named.api_message == "temporarily unavailable"
    assert str(named) == (
        "merchant M1: klarna create_stakeholder failed (503 UNAVAILABLE): temporarily unavailable"
        f" (gave up after 3 attempts); {OUTCOME_UNKNOWN}"
    )
    assert str(error.attributed_to("M3")).startswith("merchant M3: ")


@pytest.mark.parametrize("duplicate", [copy.copy, copy.deepcopy, lambda e: pickle.loads(pickle.dumps(e))])
def test_an_error_copies_and_pickles_whole(duplicate: Callable[[ApiError], ApiError]) -> None:
    error = an_error().for_merchant("M1")

    twin = duplicate(error)

    assert type(twin) is ApiServerError and str(twin) == str(error)
    assert (twin.outcome_unknown, twin.retry_after, twin.attempts) == (True, 2.5, 3)


def test_the_outcome_is_rendered_from_the_attribute_only() -> None:
    known = ApiError("dintero", "signup klarna", 400, "bad request")

    assert "outcome" not in str(known)
    assert OUTCOME_UNKNOWN in str(known.evolve(outcome_unknown=True))


async def test_the_sandbox_statuses_reach_their_classes(clients: ApiClients, admin: Admin) -> None:
    klarna: KlarnaClient = clients.klarna
    dintero: DinteroClient = clients.dintero
    with pytest.raises(ApiNotFound):
        await klarna.get_account("krn:partner:global:account:test:NOSUCH00")

    await dintero.signup(MERCHANT, "klarna", klarna_signup(5814))
    with pytest.raises(ApiConflict) as conflict:
        await dintero.signup(MERCHANT, "klarna", klarna_signup(5812))
    assert conflict.value.status == 409 and conflict.value.outcome_unknown is False

    account = await onboarded(klarna, "EC1")
    await admin.fail_next(api="klarna", method="GET", path_pattern="/stakeholders$", status=500, count=50)
    with pytest.raises(ApiServerError) as server_error:
        await klarna.list_stakeholders(account.account_id)
    assert server_error.value.attempts == 4 and server_error.value.outcome_unknown is False


@pytest.mark.parametrize("status", [200, 400])
async def test_an_answer_nested_too_deeply_is_an_api_error_naming_the_merchant(status: int) -> None:
    """A body no parser can follow (a hundred thousand arrays deep) is a clean API error, never a traceback."""
    deep = b"[" * 100_000 + b"]" * 100_000

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=deep, headers={"Content-Type": "application/json"})

    klarna = KlarnaClient(http(answer, RetryPolicy(max_attempts=1)))
    with pytest.raises(ApiError) as caught:
        await klarna.resolve_account(MERCHANT)
    assert caught.value.merchant == MERCHANT and caught.value.operation == "resolve_account"
    assert "[[[" not in str(caught.value)
