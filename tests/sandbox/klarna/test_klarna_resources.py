"""The sandbox's Klarna sub-resources: products and their state, channels, information, stakeholders, bank accounts."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from reconciler.sandbox.klarna.seed import sample_onboard_payload

ACCOUNTS = "/klarna/v1/accounts"
IBAN = "SE4550000000058398257466"
STAKEHOLDER = {
    "given_name": "John",
    "family_name": "Doe",
    "address": {
        "street_address": "800 N. High St",
        "street_address2": "Ste. 400",
        "postal_code": "43215",
        "city": "Columbus",
        "region": "US-OH",
        "country": "US",
    },
    "date_of_birth": "1970-01-01",
    "national_identification": {"number": "123-456-7890", "country": "US"},
    "roles": ["OWNER"],
}


@pytest.fixture
def clock(sandbox_app: FastAPI) -> list[float]:
    """The sandbox's clock, moved by assigning ``clock[0]``; it starts at the real time, after ``account``."""
    now = [time.time()]
    sandbox_app.state.sandbox.clock = lambda: now[0]
    return now


@pytest.fixture
def account(klarna: TestClient) -> dict[str, Any]:
    """An onboarded, OPERATIONAL account with its sub-resources expanded, plus ``base`` and ``product`` paths."""
    created = klarna.post("/klarna/v1/distribution/onboard", json=sample_onboard_payload())
    base = f"{ACCOUNTS}/{created.json()['account_id']}"
    body: dict[str, Any] = klarna.get(base, params={"expand": "products,websites,collections"}).json()
    body["base"] = base
    body["product"] = f"{base}/products/payment/{body['products'][0]['product_id']}"
    return body


def problem(response: Any, status: int, code: str, parameter: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error_code"] == code
    if parameter is not None:
        assert parameter in [e["parameter"] for e in response.json()["errors"]]


def test_products_list_and_patch(klarna: TestClient, account: dict[str, Any]) -> None:
    products = klarna.get(account["base"] + "/products/payment").json()
    assert [(p["type"], p["state"], p["state_reason"]) for p in products] == [("PAYMENT", "ENABLED", "APPROVED")]
    assert products[0]["product_id"].startswith("krn:partner:global:account:product:payment:")
    response = klarna.patch(account["product"], json={"merchant_category_code": "5812"})
    assert response.status_code == 200
    assert response.json()["merchant_category_code"] == "5812"
    assert klarna.get(account["base"] + "/products/payment").json()[0]["merchant_category_code"] == "5812"


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({"merchant_category_code": "58120"}, "merchant_category_code"),
        ({"distribution_profile_id": "krn:unknown"}, "distribution_profile_id"),
        ({"type": "PAYMENT"}, "type"),
    ],
)
def test_product_patch_rejects_bad_bodies(
    klarna: TestClient, account: dict[str, Any], body: dict[str, Any], parameter: str
) -> None:
    problem(klarna.patch(account["product"], json=body), 400, "VALIDATION_ERROR", parameter)


def test_unknown_product_is_404(klarna: TestClient, account: dict[str, Any]) -> None:
    path = account["base"] + "/products/payment/krn:partner:global:account:product:payment:nope"
    problem(klarna.patch(path, json={"merchant_category_code": "5812"}), 404, "RESOURCE_NOT_FOUND")
    problem(klarna.post(path + "/enable"), 404, "RESOURCE_NOT_FOUND")


def test_disable_and_enable_set_state_as_the_reference_shows(
    klarna: TestClient, account: dict[str, Any], clock: list[float]
) -> None:
    disabled = klarna.post(account["product"] + "/disable", json={"reason": "FRAUD", "reason_details": "Fraud seen"})
    assert disabled.status_code == 200
    body = disabled.json()
    assert (body["state"], body["state_reason"]) == ("DISABLED", "FRAUD_BY_PARTNER")
    assert body["state_context"] == {"reason_details": "Fraud seen"}
    assert klarna.get(account["base"] + "/products/payment").json()[0]["state"] == "DISABLED"
    clock[0] += 1.0
    enabled = klarna.post(account["product"] + "/enable").json()
    assert (enabled["state"], enabled["state_reason"]) == ("ENABLED", "APPROVED")
    assert "state_context" not in enabled


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({}, "reason"),
        ({"reason_details": "x"}, "reason"),
        ({"reason": "BORED"}, "reason"),
        ({"reason": "FRAUD", "x": 1}, "x"),
    ],
)
def test_disable_needs_a_known_reason(
    klarna: TestClient, account: dict[str, Any], body: dict[str, Any], parameter: str
) -> None:
    problem(klarna.post(account["product"] + "/disable", json=body), 400, "VALIDATION_ERROR", parameter)
    assert klarna.get(account["base"] + "/products/payment").json()[0]["state"] == "ENABLED"


def test_second_product_state_change_within_a_second_is_429(
    klarna: TestClient, account: dict[str, Any], clock: list[float]
) -> None:
    assert klarna.post(account["product"] + "/disable", json={"reason": "COMPLIANCE"}).status_code == 200
    clock[0] += 0.5
    response = klarna.post(account["product"] + "/enable")
    problem(response, 429, "RATE_LIMITED")
    assert response.json()["error_type"] == "ACCESS_ERROR"
    assert response.headers["Retry-After"] == "1"
    assert klarna.get(account["base"] + "/products/payment").json()[0]["state"] == "DISABLED"
    clock[0] += 0.5
    assert klarna.post(account["product"] + "/enable").json()["state"] == "ENABLED"


def test_a_state_change_that_changes_nothing_is_not_rate_limited(
    klarna: TestClient, account: dict[str, Any], clock: list[float]
) -> None:
    assert klarna.post(account["product"] + "/enable").json()["state"] == "ENABLED"
    assert klarna.post(account["product"] + "/disable", json={"reason": "OTHER"}).status_code == 200
    again = klarna.post(account["product"] + "/disable", json={"reason": "OTHER"})
    assert (again.status_code, again.json()["state_reason"]) == (200, "OTHER_BY_PARTNER")


def test_websites_list_and_patch(klarna: TestClient, account: dict[str, Any]) -> None:
    website = account["websites"][0]
    path = f"{account['base']}/channels/websites/{website['website_id']}"
    response = klarna.patch(path, json={"website_name": "Steaks Online"})
    assert response.status_code == 200
    listed = klarna.get(account["base"] + "/channels/websites").json()
    assert listed == [response.json()]
    assert listed[0]["website_name"] == "Steaks Online"
    assert listed[0]["channel_collection_id"] == account["collections"][0]["collection_id"]


def test_website_patch_errors(klarna: TestClient, account: dict[str, Any]) -> None:
    base = account["base"] + "/channels/websites/"
    path = base + account["websites"][0]["website_id"]
    problem(klarna.patch(path, json={"channel_collection_reference": "nope"}), 400, "VALIDATION_ERROR",
            "channel_collection_reference")  # fmt: skip
    problem(klarna.patch(path, json={"url": "https://x"}), 400, "VALIDATION_ERROR", "url")
    problem(klarna.patch(base + "krn:nope", json={"website_name": "x"}), 404, "RESOURCE_NOT_FOUND")
    payload = sample_onboard_payload()
    payload["websites"].append({"website_reference": "other", "website_name": "Other"})
    assert klarna.post("/klarna/v1/distribution/onboard", json=payload).status_code == 201
    problem(klarna.patch(path, json={"website_reference": "other"}), 409, "RESOURCE_CONFLICT")


def test_collection_patch_renames_and_websites_follow(klarna: TestClient, account: dict[str, Any]) -> None:
    collection = account["collections"][0]
    path = f"{account['base']}/channels/collections/{collection['collection_id']}"
    body = {
        "collection_reference": "web-shops",
        "branding": {"element": {}},
        "social_media_links": ["https://x.example"],
    }
    response = klarna.patch(path, json=body)
    assert response.status_code == 200
    assert klarna.get(account["base"] + "/channels/collections").json() == [response.json()]
    assert response.json()["collection_reference"] == "web-shops"
    website = klarna.get(account["base"] + "/channels/websites").json()[0]
    assert website["channel_collection_reference"] == "web-shops"
    problem(klarna.patch(account["base"] + "/channels/collections/krn:nope", json={}), 404, "RESOURCE_NOT_FOUND")


def test_account_information_can_be_set_once(klarna: TestClient, account: dict[str, Any]) -> None:
    path = account["base"] + "/account-information"
    problem(klarna.get(path), 404, "RESOURCE_NOT_FOUND")
    info = {"account_created_from_ip": "192.168.1.1", "account_created_at": "2024-01-01T13:00:00+01:00"}
    first = klarna.put(path, json=info)
    assert first.json() == {"account_created_from_ip": "192.168.1.1", "account_created_at": "2024-01-01T12:00:00Z"}
    assert klarna.put(path, json=info).status_code == 200
    different = klarna.put(path, json={**info, "account_created_from_ip": "10.0.0.1"})
    problem(different, 409, "RESOURCE_CONFLICT")
    assert different.json()["error_message"] == "Account information can only be set once"
    assert klarna.get(path).json() == first.json()


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        (
            {"account_created_from_ip": "999.1.1.1", "account_created_at": "2024-01-01T12:00:00Z"},
            "account_created_from_ip",
        ),
        ({"account_created_from_ip": "192.168.1.1", "account_created_at": "2024-01-01T12:00:00"}, "account_created_at"),
        ({"account_created_from_ip": "192.168.1.1"}, "account_created_at"),
    ],
)
def test_account_information_is_validated(
    klarna: TestClient, account: dict[str, Any], body: dict[str, Any], parameter: str
) -> None:
    problem(klarna.put(account["base"] + "/account-information", json=body), 400, "VALIDATION_ERROR", parameter)


def test_business_information_patch_creates_then_merges(klarna: TestClient, account: dict[str, Any]) -> None:
    path = account["base"] + "/business-information"
    problem(klarna.get(path), 404, "RESOURCE_NOT_FOUND")
    address = {"street_address": "800 N. High St", "postal_code": "43215", "city": "Columbus", "country": "US"}
    first = klarna.patch(
        path, json={"business_name": "John Doe LLC", "business_entity_type": "LIMITED_LIABILITY_COMPANY"}
    )
    assert first.status_code == 200
    second = klarna.patch(path, json={"registration_number": "12345678", "operating_address": address}).json()
    assert second == {
        "business_name": "John Doe LLC",
        "business_entity_type": "LIMITED_LIABILITY_COMPANY",
        "registration_number": "12345678",
        "operating_address": address,
    }
    assert klarna.get(path).json() == second


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({"business_entity_type": "PIRATE_SHIP"}, "business_entity_type"),
        ({"operating_address": {"street_address": "x", "postal_code": "1", "city": "y", "country": "usa"}},
         "operating_address.country"),
    ],
)  # fmt: skip
def test_business_information_is_validated(
    klarna: TestClient, account: dict[str, Any], body: dict[str, Any], parameter: str
) -> None:
    problem(klarna.patch(account["base"] + "/business-information", json=body), 400, "VALIDATION_ERROR", parameter)


def test_stakeholder_lifecycle(klarna: TestClient, account: dict[str, Any]) -> None:
    path = account["base"] + "/stakeholders"
    created = klarna.post(path, json=STAKEHOLDER)
    assert created.status_code == 201
    stakeholder = created.json()
    assert stakeholder["stakeholder_id"].startswith("krn:partner:global:account:stakeholder:")
    assert {k: v for k, v in stakeholder.items() if k != "stakeholder_id"} == STAKEHOLDER
    one = f"{path}/{stakeholder['stakeholder_id']}"
    assert klarna.get(path).json() == [stakeholder]
    assert klarna.get(one).json() == stakeholder
    patched = klarna.patch(one, json={"roles": ["OWNER", "DIRECTOR"], "ownership_percentage": 60}).json()
    assert (patched["roles"], patched["ownership_percentage"], patched["given_name"]) == (
        ["OWNER", "DIRECTOR"],
        60,
        "John",
    )
    assert klarna.delete(one).status_code == 204
    problem(klarna.get(one), 404, "RESOURCE_NOT_FOUND")
    problem(klarna.delete(one), 404, "RESOURCE_NOT_FOUND")
    assert klarna.get(path).json() == []


def test_stakeholder_errors(klarna: TestClient, account: dict[str, Any]) -> None:
    path = account["base"] + "/stakeholders"
    problem(klarna.post(path, json={**STAKEHOLDER, "roles": ["KING"]}), 400, "VALIDATION_ERROR", "roles.0")
    problem(
        klarna.post(path, json={k: v for k, v in STAKEHOLDER.items() if k != "roles"}), 400, "VALIDATION_ERROR", "roles"
    )
    problem(
        klarna.post(path, json={**STAKEHOLDER, "date_of_birth": "1970-13-01"}), 400, "VALIDATION_ERROR", "date_of_birth"
    )
    problem(
        klarna.post(path, json={**STAKEHOLDER, "ownership_percentage": 101}),
        400,
        "VALIDATION_ERROR",
        "ownership_percentage",
    )
    assert klarna.post(path, json=STAKEHOLDER).status_code == 201
    problem(klarna.post(path, json=STAKEHOLDER), 409, "RESOURCE_CONFLICT")
    problem(klarna.patch(path + "/krn:nope", json={"roles": ["OWNER"]}), 404, "RESOURCE_NOT_FOUND")
    assert len(klarna.get(path).json()) == 1


def test_settlement_information_get_and_patch(klarna: TestClient, account: dict[str, Any]) -> None:
    path = account["base"] + "/settlement-information"
    problem(klarna.get(path), 404, "RESOURCE_NOT_FOUND")
    body = {"settlement_enabled": True, "settlement_enabled_at": "2024-01-01T12:00:00Z"}
    assert klarna.patch(path, json=body).json() == body
    assert klarna.patch(path, json={"settlement_enabled": False}).json() == {**body, "settlement_enabled": False}
    assert klarna.get(path).json() == {**body, "settlement_enabled": False}
    problem(klarna.patch(path, json={"settlement_enabled": "maybe"}), 400, "VALIDATION_ERROR", "settlement_enabled")


def test_bank_account_lifecycle(klarna: TestClient, account: dict[str, Any]) -> None:
    path = account["base"] + "/settlement-information/bank-accounts"
    body = {"bank_account_type": "IBAN", "account_holder": "John Doe Stakehouse", "bic": "NDEASEGGXXX", "iban": IBAN}
    created = klarna.post(path, json=body)
    assert created.status_code == 201
    bank_account = created.json()
    assert bank_account["bank_account_id"].startswith("krn:partner:global:settlement-information:bank-account:")
    one = f"{path}/{bank_account['bank_account_id']}"
    assert klarna.get(path).json() == [bank_account]
    assert klarna.get(one).json() == bank_account
    assert klarna.patch(one, json={"account_holder": "J. Doe"}).json() == {**bank_account, "account_holder": "J. Doe"}
    assert klarna.delete(one).status_code == 204
    problem(klarna.get(one), 404, "RESOURCE_NOT_FOUND")
    assert klarna.get(path).json() == []


def test_bank_account_errors(klarna: TestClient, account: dict[str, Any]) -> None:
    path = account["base"] + "/settlement-information/bank-accounts"
    body = {"bank_account_type": "IBAN", "account_holder": "John Doe", "iban": IBAN}
    problem(klarna.post(path, json={**body, "iban": "SE4550000000058398257467"}), 400, "VALIDATION_ERROR", "iban")
    problem(klarna.post(path, json={**body, "bank_account_type": "BBAN"}), 400, "VALIDATION_ERROR", "bank_account_type")
    problem(klarna.post(path, json={**body, "bic": "nordea"}), 400, "VALIDATION_ERROR", "bic")
    # IBANs are stored without spaces and upper case, so a spaced copy is the same account.
    assert klarna.post(path, json={**body, "iban": "se45 5000 0000 0583 9825 7466"}).json()["iban"] == IBAN
    problem(klarna.post(path, json=body), 409, "RESOURCE_CONFLICT")
    problem(klarna.patch(path + "/krn:nope", json={"account_holder": "x"}), 404, "RESOURCE_NOT_FOUND")
    problem(klarna.delete(path + "/krn:nope"), 404, "RESOURCE_NOT_FOUND")


def test_expand_shows_every_sub_resource_once_set(klarna: TestClient, account: dict[str, Any]) -> None:
    base = account["base"]
    klarna.put(
        base + "/account-information",
        json={"account_created_from_ip": "::1", "account_created_at": "2024-01-01T12:00:00Z"},
    )
    klarna.patch(base + "/business-information", json={"business_name": "John Doe LLC"})
    klarna.patch(base + "/settlement-information", json={"settlement_enabled": True})
    stakeholder = klarna.post(base + "/stakeholders", json=STAKEHOLDER).json()
    bank = {"bank_account_type": "IBAN", "account_holder": "John", "iban": IBAN}
    bank_account = klarna.post(base + "/settlement-information/bank-accounts", json=bank).json()
    expand = "account_information,business_information,settlement_information,stakeholders,bank_accounts"
    body = klarna.get(base, params={"expand": expand}).json()
    assert body["account_information"] == {
        "account_created_from_ip": "::1",
        "account_created_at": "2024-01-01T12:00:00Z",
    }
    assert body["business_information"] == {"business_name": "John Doe LLC"}
    assert body["settlement_information"] == {"settlement_enabled": True}
    assert body["stakeholders"] == [stakeholder]
    assert body["bank_accounts"] == [bank_account]
