"""Answers no well-behaved API sends: each is a clean API error or a bounded wait, never a crash, a hang
or a sensitive value in an error's text."""

from __future__ import annotations

import math
from typing import Any

import httpx
import pytest

from reconciler.errors import ApiAnswerUnreadable, ApiError
from reconciler.live import DinteroClient, KlarnaClient, RetryPolicy
from reconciler.live.auth import DinteroTokenAuth
from reconciler.live.envelopes import dintero_error_text, klarna_error_text
from reconciler.live.http import ApiHttpClient, HttpSettings
from reconciler.live.ratelimit import RateLimiter
from reconciler.live.requests import AccountPatchRequest
from reconciler.live.retry import MAX_WAIT_SECONDS, parse_retry_after
from reconciler.sensitive import scrub
from tests.bounded import finishes

from .conftest import MERCHANT

pytestmark = pytest.mark.anyio
IBAN = "DE89370400440532013000"


def http(api: str, answer: Any, auth: Any = None) -> ApiHttpClient:
    async def no_wait(seconds: float) -> None:
        return None

    return ApiHttpClient(
        api,
        f"http://127.0.0.1:9/{api}",
        error_text=klarna_error_text if api == "klarna" else dintero_error_text,
        settings=HttpSettings(retry=RetryPolicy(max_attempts=1)),
        transport=httpx.MockTransport(answer),
        auth=auth,
        sleep=no_wait,
    )


def answering(status: int, body: Any) -> Any:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body)

    return answer


@pytest.mark.parametrize(
    "enablements",
    [
        {"p1": [None]},
        {"p1": 5},
        {"p1": "x"},
        [{"payment_program_enablements": []}, 5],
        [{"payment_program_enablements": "x"}],
        [{"payment_program_enablements": [5]}],
    ],
)
async def test_enablements_of_an_unknown_shape_are_a_shape_error(enablements: Any) -> None:
    account = {"account_id": "A1", "account_reference": MERCHANT, "payment_program_enablements": enablements}
    klarna = KlarnaClient(http("klarna", answering(200, {"accounts": [account]})))
    with pytest.raises(ApiError, match="unexpected response shape .*payment_program_enablements") as caught:
        await klarna.resolve_account(MERCHANT)
    assert caught.value.merchant == MERCHANT


def token_answer(token_body: dict[str, Any]) -> Any:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/auth/token"):
            return httpx.Response(200, json=token_body)
        return httpx.Response(404, json={"error": {"message": "no such merchant"}})

    return answer


@pytest.mark.parametrize("token", ["tök", "t\u2028", "two words"])
async def test_a_token_no_header_can_carry_is_refused_by_name(token: str) -> None:
    auth = DinteroTokenAuth("T11200000", "client", "secret")
    dintero = DinteroClient(http("dintero", token_answer({"access_token": token}), auth), "T11200000")
    with pytest.raises(ApiError, match="not a sendable token") as caught:
        await dintero.get_merchant("T11200001")
    assert caught.value.operation == "auth_token"


@pytest.mark.parametrize("lifetime", [10**400, "nan", "inf", [1], None])
async def test_a_token_lifetime_that_is_no_number_of_seconds_counts_as_an_hour(lifetime: Any) -> None:
    clock = [1000.0]
    auth = DinteroTokenAuth("T11200000", "client", "secret", clock=lambda: clock[0])
    answer = token_answer({"access_token": "t", "expires_in": lifetime})
    dintero = DinteroClient(http("dintero", answer, auth), "T11200000")
    assert await dintero.get_merchant("T11200001") is None
    assert await dintero.get_merchant("T11200002") is None
    assert auth.fetches == 1  # one token for both reads
    clock[0] += 3600
    assert await dintero.get_merchant("T11200003") is None
    assert auth.fetches == 2


@pytest.mark.parametrize("value", ["inf", "1e309", "9" * 400, "Fri, 31 Dec 9999 23:59:59 GMT", "99999999999"])
def test_a_retry_after_beyond_an_hour_waits_an_hour(value: str) -> None:
    assert parse_retry_after(value) == MAX_WAIT_SECONDS
    clock = [0.0]
    limiter = RateLimiter(clock=lambda: clock[0])
    limiter.observe(429, {}, parse_retry_after(value))
    assert limiter.paused_until == MAX_WAIT_SECONDS


def test_a_retry_after_of_nan_is_no_wait() -> None:
    assert parse_retry_after("nan") is None
    limiter = RateLimiter(clock=lambda: 0.0)
    limiter.pause_for(math.nan)
    limiter.pause_for(math.inf)
    assert limiter.paused_until == MAX_WAIT_SECONDS


@pytest.mark.parametrize("separator", ["\t", "\n", "\u00a0", "\u2009", "  "])
def test_a_value_spaced_by_any_whitespace_is_scrubbed(separator: str) -> None:
    grouped = separator.join([IBAN[i : i + 4] for i in range(0, len(IBAN), 4)])
    born = separator.join(["1985", "01", "02"])
    text = scrub(f"iban {grouped} is refused; born {born}")
    assert "5320" not in text and "1985" not in text, text


@pytest.mark.parametrize("invisible", ["\u200b", "\u00ad", "\u2060", "\ufeff", "\u200e"])
@pytest.mark.parametrize("envelope", ["klarna", "dintero"])
async def test_a_value_parted_by_invisible_characters_in_an_error_message_is_scrubbed(
    envelope: str, invisible: str
) -> None:
    grouped = invisible.join([IBAN[i : i + 4] for i in range(0, len(IBAN), 4)])
    born = invisible.join(["1985", "-01", "-02"])
    message = f"iban {grouped} is refused; born {born}"
    body = {"error_message": message} if envelope == "klarna" else {"error": {"message": message}}
    client = http(envelope, answering(400, body))
    with pytest.raises(ApiError) as caught:
        await client.request("DELETE", "/v1/x", operation="delete_bank_account")
    shown = str(caught.value).replace("\\u", "").replace(invisible, "")
    assert "5320" not in shown and "1985" not in shown, shown
    assert shown.endswith("born ***"), shown


@pytest.mark.parametrize("envelope", ["klarna", "dintero"])
async def test_an_error_code_is_scrubbed_and_bounded(envelope: str) -> None:
    code = f"bad iban {IBAN} " + "x" * 5000
    body = {"error_code": code, "error_message": "refused"} if envelope == "klarna" else {"error": {"code": code}}
    client = http(envelope, answering(400, body))
    with pytest.raises(ApiError) as caught:
        await client.request("GET", "/v1/x", operation="read")
    assert caught.value.code is not None and IBAN not in caught.value.code and len(caught.value.code) <= 80
    assert IBAN not in str(caught.value)


@pytest.mark.parametrize(
    "token",
    [
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",  # a JWT
        "eyJhbGciOiJIUzI1NiJ9",  # its header alone
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0",  # without its signature
    ],
)
def test_a_token_of_base64_json_is_scrubbed_with_or_without_its_dots(token: str) -> None:
    assert scrub(f"token {token} refused") == "token *** refused"


def test_an_error_message_of_token_starts_is_scrubbed_in_linear_time() -> None:
    # Each "eyJ" of a 1 MB word once started a scan of the rest of the word: minutes of CPU.
    printed = finishes(
        "import httpx\n"
        "from reconciler.live.answer import Answer\n"
        "from reconciler.live.envelopes import klarna_error_text\n"
        "body = httpx.Response(400, json={'error_message': 'eyJ-' * 250_000}).content\n"
        "print(klarna_error_text(Answer(400, {}, body)).message)\n"
    )
    assert printed == "***\n"


def account_item(reference: Any, account_id: str = "A1") -> dict[str, Any]:
    return {"account_id": account_id, "account_reference": reference, "state": "OPERATIONAL"}


@pytest.mark.parametrize(
    "accounts",
    [
        [account_item("OTHER-1"), account_item("OTHER-2", "A2")],  # a filter ignored: a page of the list
        [account_item(MERCHANT.lower())],
        [account_item(MERCHANT + " ")],
        [account_item(11200001)],
    ],
)
async def test_a_search_by_reference_answering_other_accounts_only_is_an_error_not_an_absent_account(
    accounts: list[dict[str, Any]],
) -> None:
    # Taken as "no such account", it planned an onboard of a merchant that may well exist.
    klarna = KlarnaClient(http("klarna", answering(200, {"accounts": accounts})))
    with pytest.raises(ApiError, match="lists .* other account.* and not this one") as caught:
        await klarna.resolve_account(MERCHANT)
    assert caught.value.merchant == MERCHANT


async def test_a_search_by_reference_answering_two_accounts_with_it_is_an_error() -> None:
    accounts = [account_item(MERCHANT, "A1"), account_item(MERCHANT, "A2")]
    klarna = KlarnaClient(http("klarna", answering(200, {"accounts": accounts})))
    with pytest.raises(ApiError, match="two accounts with this reference"):
        await klarna.resolve_account(MERCHANT)


async def test_a_search_by_reference_finds_its_account_among_others_or_twice_over() -> None:
    accounts = [account_item("OTHER-1", "A0"), account_item(MERCHANT), account_item(MERCHANT)]
    accounts.append({**account_item("OTHER-3", "A3"), "websites": 5})  # another's odd shape is not ours
    klarna = KlarnaClient(http("klarna", answering(200, {"accounts": accounts})))
    account = await klarna.resolve_account(MERCHANT)
    assert account is not None and account.account_id == "A1"
    empty = KlarnaClient(http("klarna", answering(200, {"accounts": []})))
    assert await empty.resolve_account(MERCHANT) is None


def answering_bytes(status: int, content: bytes) -> Any:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=content, headers={"content-type": "application/json"})

    return answer


@pytest.mark.parametrize("content", [b"", b"<html>OK</html>", b"[]"], ids=["empty", "not JSON", "not an account"])
async def test_a_write_accepted_with_an_answer_that_cannot_be_read_has_an_unknown_outcome(content: bytes) -> None:
    klarna = KlarnaClient(http("klarna", answering_bytes(200, content)))
    with pytest.raises(ApiAnswerUnreadable) as caught:
        await klarna.patch_account("A1", AccountPatchRequest(account_name="Shop"), idempotency_key="k")
    assert caught.value.outcome_unknown and caught.value.status == 200
    assert "the API accepted the request (200) but its answer could not be read" in str(caught.value)
    assert "failed" not in str(caught.value)


async def test_a_read_answered_with_a_body_that_cannot_be_read_is_an_error_of_its_own() -> None:
    klarna = KlarnaClient(http("klarna", answering_bytes(200, b"<html>OK</html>")))
    with pytest.raises(ApiError) as caught:
        await klarna.get_account("A1")
    assert not isinstance(caught.value, ApiAnswerUnreadable) and not caught.value.outcome_unknown


async def test_an_account_nested_deeper_than_its_models_can_be_dumped_is_an_error_of_the_read() -> None:
    """A collection's ``branding`` is free-form: nested 300 deep, the account read fine, and plan and import
    ended with a traceback of pydantic's serializer ("Circular reference detected") when they dumped it."""
    branding: dict[str, Any] = {"colour": "#ff8800"}
    for _ in range(300):
        branding = {"a": branding}
    collection = {"collection_id": "C1", "collection_reference": "online", "branding": branding}
    accounts = [{**account_item(MERCHANT), "collections": [collection]}]
    klarna = KlarnaClient(http("klarna", answering(200, {"accounts": accounts})))
    with pytest.raises(ApiError, match="not JSON"):
        await klarna.resolve_account(MERCHANT)
    # Within the bound, such a body is read, and dumped, as before.
    shallow = {**collection, "branding": {"a": {"b": {"c": "#ff8800"}}}}
    accounts = [{**account_item(MERCHANT), "collections": [shallow]}]
    klarna = KlarnaClient(http("klarna", answering(200, {"accounts": accounts})))
    account = await klarna.resolve_account(MERCHANT)
    assert account is not None
    account.model_dump(mode="json")
