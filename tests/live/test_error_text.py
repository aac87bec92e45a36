"""Errors carry the API's code and words, and never a sensitive value that was sent or echoed back."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from reconciler.errors import ApiError, ApiNoResponse
from reconciler.live import ApiClients, KlarnaClient
from reconciler.live.envelopes import dintero_error_text, klarna_error_text
from reconciler.live.http import ApiHttpClient
from reconciler.live.models import BankAccount, DinteroSignup, NationalIdentification, Stakeholder

from .conftest import onboarded

IBAN_CANARY = "GB33BUKB20201555555555"
NATIONAL_ID_CANARY = "19121212-1212"
BIRTH_DATE_CANARY = "1912-12-12"
CANARIES = (IBAN_CANARY, NATIONAL_ID_CANARY, BIRTH_DATE_CANARY, "20201555555555", "121212")


def assert_no_canary(error: BaseException) -> None:
    for text in (str(error), repr(error), getattr(error, "api_message", "")):
        for canary in CANARIES:
            assert canary not in text


@pytest.mark.anyio
async def test_a_refused_bank_account_error_names_the_field_not_the_value(klarna_client: KlarnaClient) -> None:
    account = await onboarded(klarna_client, "E1")

    with pytest.raises(ApiError) as caught:
        await klarna_client.create_bank_account(
            account.account_id, BankAccount(bank_account_type="IBAN", account_holder="Ada", iban=IBAN_CANARY + "X")
        )

    assert caught.value.status == 400 and caught.value.code == "VALIDATION_ERROR"
    assert "iban" in str(caught.value)
    assert_no_canary(caught.value)


@pytest.mark.anyio
async def test_a_refused_stakeholder_error_has_no_national_id_or_birth_date(klarna_client: KlarnaClient) -> None:
    account = await onboarded(klarna_client, "E2")

    with pytest.raises(ApiError) as caught:
        await klarna_client.create_stakeholder(
            account.account_id,
            Stakeholder(
                given_name="",
                family_name="Doe",
                date_of_birth=BIRTH_DATE_CANARY + "x",
                national_identification=NationalIdentification(number=NATIONAL_ID_CANARY, country="SWE"),
            ),
        )

    assert caught.value.status == 400
    assert_no_canary(caught.value)


@pytest.mark.anyio
async def test_a_refused_dintero_signup_error_has_no_account_number(clients: ApiClients) -> None:
    signup = DinteroSignup.model_validate(
        {
            "payment_options": [{"type": "dintero.zero", "currencies": ["NOK"]}],
            "bank_accounts": [{"account_number": IBAN_CANARY, "account_number_type": "iban", "unknown": 1}],
            "ownership": {
                "owners": [{"date_of_birth": BIRTH_DATE_CANARY + "x", "social_security_number": NATIONAL_ID_CANARY}]
            },
        }
    )

    with pytest.raises(ApiError) as caught:
        await clients.dintero.signup("T11200001", "common", signup)

    assert caught.value.status == 400 and caught.value.api == "dintero"
    assert_no_canary(caught.value)


@pytest.mark.parametrize(
    ("read", "body"),
    [
        (
            klarna_error_text,
            {
                "error_code": "VALIDATION_ERROR",
                "error_message": f"IBAN {IBAN_CANARY} is invalid",
                "errors": [{"parameter": "iban", "error_message": f"bad value {IBAN_CANARY}"}],
            },
        ),
        (
            klarna_error_text,
            {
                "error_code": "RESOURCE_CONFLICT",
                "error_message": f"Stakeholder {NATIONAL_ID_CANARY} born {BIRTH_DATE_CANARY} exists",
            },
        ),
        (
            dintero_error_text,
            {
                "error": {
                    "code": "invalid_request",
                    "message": f"account {IBAN_CANARY} rejected",
                    "errors": [{"field": "bank_accounts.0", "message": IBAN_CANARY}],
                }
            },
        ),
    ],
)
def test_values_an_api_quotes_back_are_scrubbed(read: Any, body: dict[str, Any]) -> None:
    text = read(httpx.Response(400, json=body))

    assert text.code in ("VALIDATION_ERROR", "RESOURCE_CONFLICT", "invalid_request")
    for canary in CANARIES:
        assert canary not in text.message


def test_an_error_body_that_is_not_an_envelope_gives_the_status_reason() -> None:
    text = klarna_error_text(httpx.Response(403, text=f"<html>blocked {IBAN_CANARY}</html>"))

    assert (text.code, text.message) == (None, "forbidden")


@pytest.mark.anyio
async def test_an_unexpected_response_shape_names_fields_not_values(klarna_client: KlarnaClient) -> None:
    with pytest.raises(ApiError) as caught:
        klarna_client.http.parse(BankAccount, {"iban": [IBAN_CANARY]}, "list_bank_accounts")

    assert "iban" in str(caught.value)
    assert_no_canary(caught.value)


@pytest.mark.anyio
@pytest.mark.parametrize("body", [{"accounts": [[]]}, {"accounts": 5}, ["x"]])
async def test_an_answer_of_an_unexpected_shape_is_not_called_no_response(body: Any) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=body)

    http = ApiHttpClient(
        "klarna", "http://127.0.0.1:9/klarna", error_text=klarna_error_text, transport=httpx.MockTransport(answer)
    )
    with pytest.raises(ApiError) as caught:
        await KlarnaClient(http).resolve_account("M1")
    assert caught.value.status is None
    assert "klarna resolve_account failed: unexpected response shape" in str(caught.value)
    assert "no response" not in str(caught.value)


def test_a_request_that_got_no_answer_says_so() -> None:
    error = ApiNoResponse("dintero", "get_merchant", None, "no response from https://api.dintero.com (ConnectError)")
    assert str(error) == (
        "dintero get_merchant failed (no response): no response from https://api.dintero.com (ConnectError)"
    )
