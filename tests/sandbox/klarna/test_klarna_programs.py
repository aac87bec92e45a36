"""The sandbox's Klarna catalogue, payment program enablements, credentials and distribution profiles."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from reconciler.sandbox.klarna.catalogue import (
    DEFAULT_DISTRIBUTION_PROFILE_ID,
    EXTENDED_DELIVERY_ID,
    FINANCING_ID,
    PAY_LATER_ID,
    PLAN_ID,
)
from reconciler.sandbox.klarna.seed import sample_onboard_payload

DISTRIBUTION = "/klarna/v1/distribution"
CREDENTIALS = "/klarna/v1/account/credentials"


@pytest.fixture
def product(klarna: TestClient) -> str:
    """The path of the payment product of an onboarded, OPERATIONAL account."""
    account_id = klarna.post(DISTRIBUTION + "/onboard", json=sample_onboard_payload()).json()["account_id"]
    product_id = klarna.get(f"/klarna/v1/accounts/{account_id}/products/payment").json()[0]["product_id"]
    return f"/klarna/v1/accounts/{account_id}/products/payment/{product_id}"


def problem(response: Any, status: int, code: str, parameter: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error_code"] == code
    if parameter is not None:
        assert parameter in [e["parameter"] for e in response.json()["errors"]]


def enable(klarna: TestClient, product: str, **fields: Any) -> Any:
    return klarna.post(product + "/payment-program-enablements", json={"payment_program_id": FINANCING_ID, **fields})


def test_catalogue_routes_serve_the_reference_examples(klarna: TestClient) -> None:
    plans = klarna.get(DISTRIBUTION + "/payment-program-plans").json()["payment_program_plans"]
    assert [p["payment_program_plan_id"] for p in plans] == [PLAN_ID]
    programs = klarna.get(f"{DISTRIBUTION}/payment-program-plans/{PLAN_ID}/payment-programs").json()
    assert programs["payment_program_plan_id"] == PLAN_ID
    assert {(p["payment_program_id"], p["enablement_type"]) for p in programs["payment_programs"]} == {
        (PAY_LATER_ID, "PRESET"),
        (FINANCING_ID, "OPTIONAL"),
        (EXTENDED_DELIVERY_ID, "OPTIONAL"),
    }
    detail = klarna.get(f"{DISTRIBUTION}/payment-programs/{FINANCING_ID}").json()
    assert detail["payment_program_name"] == "Financing - Interest Free"
    assert detail["payment_funding"] == {"payment_funding_type": "GUARANTEED"}


def test_catalogue_unknown_ids_are_404(klarna: TestClient) -> None:
    problem(klarna.get(DISTRIBUTION + "/payment-program-plans/krn:nope/payment-programs"), 404, "RESOURCE_NOT_FOUND")
    problem(klarna.get(DISTRIBUTION + "/payment-programs/krn:nope"), 404, "RESOURCE_NOT_FOUND")


def test_distribution_profiles_list(klarna: TestClient) -> None:
    profiles = klarna.get(DISTRIBUTION + "/profiles").json()
    assert DEFAULT_DISTRIBUTION_PROFILE_ID.endswith("206bbb83-9b6e-46fa-940d-337153c04a58")
    assert profiles[0] == {
        "distribution_profile_id": DEFAULT_DISTRIBUTION_PROFILE_ID,
        "price_plan_id": "krn:partner:global:pricing:payments:price-plan:171080e7-2637-4675-a224-ec032723ebdf",
    }


def test_enablement_lifecycle(klarna: TestClient, product: str) -> None:
    criteria = {"markets": [{"customer_country": "SE", "currency": "SEK"}], "payment_program_enablement_code": "promo1"}
    created = enable(klarna, product, enablement_criteria=criteria, effective_from="2024-01-01T12:00:00Z")
    assert created.status_code == 201
    enablement = created.json()
    assert enablement["payment_program_enablement_id"].startswith(
        "krn:partner:global:account:payment:program:enablement:"
    )
    assert enablement["product_id"] == product.rsplit("/", 1)[1]
    one = f"{product}/payment-program-enablements/{enablement['payment_program_enablement_id']}"
    listed = klarna.get(product + "/payment-program-enablements").json()
    assert listed == {"payment_program_enablements": [enablement]}
    assert klarna.get(one).json() == enablement
    patched = klarna.patch(one, json={"effective_to": "2030-12-01T00:00:00Z"}).json()
    assert patched == {**enablement, "effective_to": "2030-12-01T00:00:00Z"}
    assert "effective_to" not in klarna.patch(one, json={"effective_to": None}).json()
    assert klarna.delete(one).status_code == 204
    problem(klarna.get(one), 404, "RESOURCE_NOT_FOUND")
    problem(klarna.delete(one), 404, "RESOURCE_NOT_FOUND")


@pytest.mark.parametrize(
    ("fields", "parameter"),
    [
        ({"payment_program_id": "krn:payment:global:payment:program:unknown"}, "payment_program_id"),
        ({"payment_program_id": PAY_LATER_ID}, "payment_program_id"),
        (
            {"enablement_criteria": {"markets": [{"customer_country": "DE", "currency": "EUR"}]}},
            "enablement_criteria.markets.0",
        ),
        ({"effective_from": "2024-02-01T00:00:00Z", "effective_to": "2024-01-01T00:00:00Z"}, "effective_to"),
        ({"effective_from": "yesterday"}, "effective_from"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_enablement_create_is_validated(
    klarna: TestClient, product: str, fields: dict[str, Any], parameter: str
) -> None:
    problem(enable(klarna, product, **fields), 400, "VALIDATION_ERROR", parameter)
    assert klarna.get(product + "/payment-program-enablements").json()["payment_program_enablements"] == []


def test_enablement_errors(klarna: TestClient, product: str) -> None:
    code = {"enablement_criteria": {"payment_program_enablement_code": "promo"}}
    enablement = enable(klarna, product, **code).json()
    problem(enable(klarna, product, **code), 409, "RESOURCE_CONFLICT")
    assert enable(klarna, product, enablement_criteria={"payment_program_enablement_code": "other"}).status_code == 201
    one = f"{product}/payment-program-enablements/{enablement['payment_program_enablement_id']}"
    problem(
        klarna.patch(one, json={"effective_from": "2024-01-01T00:00:00Z"}), 400, "VALIDATION_ERROR", "effective_from"
    )
    problem(klarna.patch(one, json={"effective_to": "2000-01-01T00:00:00Z"}), 400, "VALIDATION_ERROR", "effective_to")
    problem(klarna.get(product + "/payment-program-enablements/krn:nope"), 404, "RESOURCE_NOT_FOUND")
    other_product = product.rsplit("/", 1)[0] + "/krn:partner:global:account:product:payment:nope"
    problem(klarna.get(other_product + "/payment-program-enablements"), 404, "RESOURCE_NOT_FOUND")


def test_product_payment_programs_show_enablement_state(klarna: TestClient, product: str) -> None:
    def states() -> dict[tuple[str, str], Any]:
        rows = klarna.get(product + "/payment-programs").json()["payment_programs"]
        return {(r["payment_program_id"], r["customer_country"]): r.get("enablement_state") for r in rows}

    assert states()[(PAY_LATER_ID, "SE")] is None
    assert states()[(FINANCING_ID, "SE")] == "DISABLED"
    enable(klarna, product, enablement_criteria={"markets": [{"customer_country": "SE", "currency": "SEK"}]})
    klarna.post(
        product + "/payment-program-enablements",
        json={"payment_program_id": EXTENDED_DELIVERY_ID, "effective_from": "2999-01-01T00:00:00Z"},
    )
    now = states()
    assert (now[(FINANCING_ID, "SE")], now[(FINANCING_ID, "NO")]) == ("ENABLED", "DISABLED")
    assert (now[(EXTENDED_DELIVERY_ID, "SE")], now[(EXTENDED_DELIVERY_ID, "NO")]) == ("SCHEDULED", "SCHEDULED")
    rows = klarna.get(product + "/payment-programs").json()["payment_programs"]
    financing_se = next(r for r in rows if r["payment_program_id"] == FINANCING_ID and r["customer_country"] == "SE")
    assert len(financing_se["enablements"]) == 1


def test_credentials_create_list_and_delete(klarna: TestClient) -> None:
    client = klarna.post(
        CREDENTIALS, json={"description": "Test Client Credentials", "type": "CLIENT", "environment": "TEST"}
    )
    assert client.status_code == 201
    created = client.json()
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", created["credential_id"]
    )
    assert created["client_id"].startswith("klarna_test_client_")
    api = klarna.post(
        CREDENTIALS, json={"description": "Test API Credentials", "type": "API", "environment": "TEST"}
    ).json()
    assert "client_id" not in api
    assert klarna.get(CREDENTIALS).json() == {"credentials": [created, api]}
    assert klarna.delete(f"{CREDENTIALS}/{created['credential_id']}").status_code == 204
    assert klarna.get(CREDENTIALS).json() == {"credentials": [api]}
    problem(klarna.delete(f"{CREDENTIALS}/{created['credential_id']}"), 404, "RESOURCE_NOT_FOUND")


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({"description": "bad <chars>", "type": "API", "environment": "TEST"}, "description"),
        ({"description": "x" * 101, "type": "API", "environment": "TEST"}, "description"),
        ({"description": "ok", "type": "SECRET", "environment": "TEST"}, "type"),
        ({"description": "ok", "type": "API", "environment": "PROD"}, "environment"),
        ({"description": "ok", "type": "API"}, "environment"),
    ],
)
def test_credential_bodies_are_validated(klarna: TestClient, body: dict[str, Any], parameter: str) -> None:
    problem(klarna.post(CREDENTIALS, json=body), 400, "VALIDATION_ERROR", parameter)
    assert klarna.get(CREDENTIALS).json() == {"credentials": []}
