"""Klarna's own actions (admin routes) and what the public API does afterwards: who holds a state, refusals."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from reconciler.sandbox.klarna.catalogue import EXTENDED_DELIVERY_ID
from reconciler.sandbox.klarna.seed import sample_onboard_payload

ONBOARD = "/klarna/v1/distribution/onboard"
ACCOUNTS = "/klarna/v1/accounts"
ADMIN = "/_sandbox/klarna/accounts"
START = 1_700_000_000.0


@pytest.fixture
def clock(sandbox_app: FastAPI) -> list[float]:
    now = [START]
    sandbox_app.state.sandbox.clock = lambda: now[0]
    return now


@pytest.fixture
def account(klarna: TestClient, clock: list[float]) -> dict[str, Any]:
    """An OPERATIONAL account with ``base``, ``product`` (public path) and ``admin`` (Klarna's product path)."""
    created = klarna.post(ONBOARD, json=sample_onboard_payload())
    assert created.status_code == 201, created.text
    account_id = created.json()["account_id"]
    body: dict[str, Any] = klarna.get(f"{ACCOUNTS}/{account_id}", params={"expand": "products"}).json()
    product_id = body["products"][0]["product_id"]
    body["base"] = f"{ACCOUNTS}/{account_id}"
    body["product"] = f"{ACCOUNTS}/{account_id}/products/payment/{product_id}"
    body["admin"] = f"{ADMIN}/{account_id}"
    body["admin_product"] = f"{ADMIN}/{account_id}/products/payment/{product_id}"
    return body


def problem(response: Any, status: int, code: str, parameter: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error_code"] == code
    if parameter is not None:
        assert parameter in [e["parameter"] for e in body["errors"]]
    return body


def product_state(klarna: TestClient, account: dict[str, Any]) -> tuple[str, str]:
    [product] = klarna.get(account["base"] + "/products/payment").json()
    return product["state"], product["state_reason"]


def management_writes(account: dict[str, Any]) -> list[tuple[str, str, dict[str, Any] | None]]:
    base, product = account["base"], account["product"]
    return [
        ("PATCH", base, {"account_name": "x"}),
        ("PATCH", product, {"merchant_category_code": "5812"}),
        ("POST", product + "/disable", {"reason": "FRAUD"}),
        ("POST", product + "/enable", None),
        ("PATCH", base + "/business-information", {"business_name": "x"}),
        ("POST", base + "/stakeholders", {"given_name": "A", "family_name": "B", "roles": ["OWNER"]}),
        ("PATCH", base + "/settlement-information", {"settlement_enabled": False}),
        ("POST", product + "/payment-program-enablements", {"payment_program_id": EXTENDED_DELIVERY_ID}),
        ("POST", base + "/deep-links", {"subject": "john.doe@example.com", "roles": ["merchant:admin"]}),
    ]


def test_klarna_disables_an_account_and_every_management_write_is_forbidden(
    klarna: TestClient, account: dict[str, Any], clock: list[float]
) -> None:
    response = klarna.post(account["admin"] + "/disable", json={"reason": "NON_COMPLIANT"})
    assert response.status_code == 200, response.text
    answered = response.json()
    assert (answered["state"], answered["state_reason"]) == ("DISABLED", "NON_COMPLIANT")
    # "All products within an account are fully disabled as a part of this status."
    assert [(p["state"], p["state_reason"]) for p in answered["products"]] == [
        ("DISABLED", "ACCOUNT_DISABLED_BY_KLARNA")
    ]
    read = klarna.get(account["base"], params={"expand": "products"}).json()
    assert read == answered
    resolved = klarna.get(ACCOUNTS, params={"account_reference": account["account_reference"]}).json()
    assert resolved["accounts"][0]["state"] == "DISABLED"  # the fast read agrees
    for method, path, body in management_writes(account):
        clock[0] += 1
        refused = problem(klarna.request(method, path, json=body), 403, "OPERATION_FORBIDDEN")
        assert refused["error_type"] == "RESOURCE_ERROR"
        assert "DISABLED" in refused["error_message"], (method, path)
    # No new products or channels either.
    onboard = klarna.post(ONBOARD, json=sample_onboard_payload())
    problem(onboard, 403, "OPERATION_FORBIDDEN")
    assert klarna.get(account["base"], params={"expand": "products"}).json() == read


def test_klarna_enables_the_account_again_and_the_partner_manages_it(
    klarna: TestClient, account: dict[str, Any], clock: list[float]
) -> None:
    klarna.post(account["admin"] + "/disable", json={"reason": "FRAUDULENT_BEHAVIOUR"})
    enabled = klarna.post(account["admin"] + "/enable")
    assert enabled.status_code == 200
    body = enabled.json()
    assert (body["state"], body["state_reason"]) == ("OPERATIONAL", "SETUP_COMPLETE")
    assert [(p["state"], p["state_reason"]) for p in body["products"]] == [("ENABLED", "APPROVED")]
    for method, path, write in management_writes(account):
        clock[0] += 1
        assert klarna.request(method, path, json=write).status_code < 300, (method, path)


def test_enabling_an_account_restores_only_the_products_it_disabled(
    klarna: TestClient, account: dict[str, Any]
) -> None:
    klarna.post(account["product"] + "/disable", json={"reason": "MERCHANT_REQUEST"})
    disabled = klarna.post(account["admin"] + "/disable").json()
    assert (disabled["state"], disabled["state_reason"]) == ("DISABLED", "OTHER_RISK")  # the default decision
    assert product_state(klarna, account) == ("DISABLED", "MERCHANT_REQUEST_BY_PARTNER")
    klarna.post(account["admin"] + "/enable")
    assert product_state(klarna, account) == ("DISABLED", "MERCHANT_REQUEST_BY_PARTNER")


def test_account_actions_that_change_nothing_and_their_errors(klarna: TestClient, account: dict[str, Any]) -> None:
    assert klarna.post(account["admin"] + "/enable").json()["state"] == "OPERATIONAL"  # not disabled: no change
    first = klarna.post(account["admin"] + "/disable", json={"reason": "OTHER_RISK"}).json()
    assert klarna.post(account["admin"] + "/disable", json={"reason": "NON_COMPLIANT"}).json() == first
    problem(klarna.post(f"{ADMIN}/krn:partner:global:account:test:NOPE0000/disable"), 404, "RESOURCE_NOT_FOUND")
    problem(klarna.post(account["admin"] + "/disable", json={"reason": "BORED"}), 400, "VALIDATION_ERROR", "reason")


def test_klarna_disables_a_product_and_the_partner_cannot_enable_it(
    klarna: TestClient, account: dict[str, Any], clock: list[float]
) -> None:
    response = klarna.post(account["admin_product"] + "/disable", json={"reason": "AML", "reason_details": "Review"})
    assert response.status_code == 200, response.text
    product = response.json()
    assert (product["state"], product["state_reason"]) == ("DISABLED", "AML_BY_KLARNA")
    assert product["state_context"] == {"reason_details": "Review"}
    assert klarna.get(account["base"] + "/products/payment").json() == [product]
    refused = problem(klarna.post(account["product"] + "/enable"), 403, "OPERATION_FORBIDDEN")
    assert "disabled by Klarna" in refused["error_message"]
    clock[0] += 1
    problem(klarna.post(account["product"] + "/disable", json={"reason": "FRAUD"}), 403, "OPERATION_FORBIDDEN")
    assert klarna.get(account["base"] + "/products/payment").json() == [product]
    # The product still exists: its terms can change.
    assert klarna.patch(account["product"], json={"merchant_category_code": "5812"}).status_code == 200

    reactivated = klarna.post(account["admin_product"] + "/reactivate").json()
    assert (reactivated["state"], reactivated["state_reason"]) == ("ENABLED", "APPROVED")
    assert "state_context" not in reactivated
    clock[0] += 1
    assert klarna.post(account["product"] + "/disable", json={"reason": "FRAUD"}).json()["state"] == "DISABLED"


def test_klarna_takes_over_a_partner_disable(klarna: TestClient, account: dict[str, Any], clock: list[float]) -> None:
    klarna.post(account["product"] + "/disable", json={"reason": "FRAUD"})
    refused = klarna.post(account["admin_product"] + "/reactivate")
    assert "disabled by the partner" in problem(refused, 409, "RESOURCE_CONFLICT")["error_message"]
    klarna.post(account["admin_product"] + "/disable", json={"reason": "COMPLIANCE"})
    assert product_state(klarna, account) == ("DISABLED", "COMPLIANCE_BY_KLARNA")
    clock[0] += 1
    problem(klarna.post(account["product"] + "/enable"), 403, "OPERATION_FORBIDDEN")


def test_klarna_terminates_a_product_and_only_klarna_reactivates_it(
    klarna: TestClient, account: dict[str, Any], clock: list[float]
) -> None:
    terminated = klarna.post(account["admin_product"] + "/terminate", json={"reason": "FRAUD"}).json()
    assert (terminated["state"], terminated["state_reason"]) == ("TERMINATED", "FRAUD_BY_KLARNA")
    again = klarna.post(account["admin_product"] + "/terminate", json={"reason": "FRAUD"})
    assert again.json() == terminated  # no change
    for method, path, body in [
        ("POST", account["product"] + "/enable", None),
        ("POST", account["product"] + "/disable", {"reason": "FRAUD"}),
        ("PATCH", account["product"], {"merchant_category_code": "5812"}),
    ]:
        clock[0] += 1
        refused = problem(klarna.request(method, path, json=body), 403, "OPERATION_FORBIDDEN")
        assert "terminated by Klarna" in refused["error_message"]
    problem(klarna.post(account["admin_product"] + "/disable", json={"reason": "AML"}), 409, "RESOURCE_CONFLICT")
    assert klarna.post(account["admin_product"] + "/reactivate").json()["state"] == "ENABLED"


def test_terminate_defaults_its_reason_and_a_product_action_on_a_disabled_account_is_409(
    klarna: TestClient, account: dict[str, Any]
) -> None:
    assert klarna.post(account["admin_product"] + "/terminate").json()["state_reason"] == "OTHER_BY_KLARNA"
    klarna.post(account["admin_product"] + "/reactivate")
    klarna.post(account["admin"] + "/disable")
    for action in ("disable", "reactivate", "terminate"):
        response = klarna.post(f"{account['admin_product']}/{action}", json={"reason": "FRAUD"})
        problem(response, 409, "RESOURCE_CONFLICT")
    path = f"{account['admin']}/products/payment/krn:partner:global:account:product:payment:nope/reactivate"
    klarna.post(account["admin"] + "/enable")
    problem(klarna.post(path), 404, "RESOURCE_NOT_FOUND")


@pytest.mark.parametrize(
    ("body", "parameter"),
    [({}, "reason"), ({"reason": "FRAUD_BY_KLARNA"}, "reason"), ({"reason": "AML", "reason_details": "x" * 256},
     "reason_details")],
)  # fmt: skip
def test_a_klarna_disable_needs_a_known_reason(
    klarna: TestClient, account: dict[str, Any], body: dict[str, Any], parameter: str
) -> None:
    problem(klarna.post(account["admin_product"] + "/disable", json=body), 400, "VALIDATION_ERROR", parameter)
    assert product_state(klarna, account) == ("ENABLED", "APPROVED")


def test_partner_and_klarna_reasons_are_told_apart_by_their_suffix(
    klarna: TestClient, account: dict[str, Any], clock: list[float]
) -> None:
    klarna.post(account["product"] + "/disable", json={"reason": "CREDIT_RISK"})
    assert product_state(klarna, account)[1].endswith("_BY_PARTNER")
    clock[0] += 1
    klarna.post(account["product"] + "/enable")
    klarna.post(account["admin_product"] + "/disable", json={"reason": "CREDIT_RISK"})
    assert product_state(klarna, account)[1].endswith("_BY_KLARNA")


def test_an_account_update_sends_the_account_back_to_partially_operational(
    klarna: TestClient, account: dict[str, Any], sandbox_settings: Any, clock: list[float]
) -> None:
    sandbox_settings.operational_delay_seconds = 5.0
    response = klarna.patch(account["base"], json={"account_name": "Renamed"})
    assert response.status_code == 200
    answered = response.json()
    assert (answered["state"], answered["state_reason"]) == ("PARTIALLY_OPERATIONAL", "ACCOUNT_UPDATE")
    assert answered["account_name"] == "Renamed"
    assert klarna.get(account["base"]).json() == answered
    refused = problem(klarna.patch(account["base"], json={"account_name": "Again"}), 409, "RESOURCE_CONFLICT")
    assert "ACCOUNT_UPDATE" in refused["error_message"]
    clock[0] += 5
    read = klarna.get(account["base"]).json()
    assert (read["state"], read["state_reason"]) == ("OPERATIONAL", "SETUP_COMPLETE")
    assert klarna.patch(account["base"], json={"account_name": "Again"}).status_code == 200


def test_an_account_update_is_finished_by_advance(
    klarna: TestClient, account: dict[str, Any], sandbox_settings: Any
) -> None:
    sandbox_settings.operational_delay_seconds = 3600.0
    klarna.patch(account["base"], json={"account_name": "Renamed"})
    assert klarna.post("/_sandbox/advance").json() == {"advanced": 1}
    assert klarna.get(account["base"]).json()["state"] == "OPERATIONAL"


def test_onboard_answers_partially_operational_even_without_a_delay_and_reonboard_answers_the_state(
    klarna: TestClient, account: dict[str, Any]
) -> None:
    created = klarna.post(ONBOARD, json=sample_onboard_payload("OTHER-1")).json()
    assert (created["state"], created["state_reason"]) == ("PARTIALLY_OPERATIONAL", "INITIAL_SETUP")
    again = klarna.post(ONBOARD, json=sample_onboard_payload()).json()  # the existing, OPERATIONAL account
    assert (again["state"], again["state_reason"]) == ("OPERATIONAL", "SETUP_COMPLETE")


def test_klarnas_actions_are_in_the_request_log_as_the_providers(klarna: TestClient, account: dict[str, Any]) -> None:
    since = klarna.get("/_sandbox/requests").json()["last_seq"]
    klarna.post(account["admin_product"] + "/disable", json={"reason": "FRAUD"})
    klarna.get("/_sandbox/klarna/deliveries")  # reading is not logged
    klarna.get(account["base"])
    entries = klarna.get("/_sandbox/requests", params={"since": since}).json()["requests"]
    assert [(e["actor"], e["api"], e["method"]) for e in entries] == [
        ("provider", "klarna", "POST"),
        ("client", "klarna", "GET"),
    ]
    assert entries[0]["path"] == account["admin_product"] + "/disable" and entries[0]["status"] == 200
    providers = klarna.get("/_sandbox/requests", params={"since": since, "actor": "provider"}).json()["requests"]
    assert [e["seq"] for e in providers] == [entries[0]["seq"]]


def test_the_documented_limits(klarna: TestClient, account: dict[str, Any], clock: list[float]) -> None:
    """reason_details at most 255 characters, an enablement code at most 64, a date of birth optional."""
    too_long = {"reason": "FRAUD", "reason_details": "x" * 256}
    problem(klarna.post(account["product"] + "/disable", json=too_long), 400, "VALIDATION_ERROR", "reason_details")
    assert klarna.post(account["product"] + "/disable", json={**too_long, "reason_details": "x" * 255}).is_success
    enablements = account["product"] + "/payment-program-enablements"
    code = {"payment_program_id": EXTENDED_DELIVERY_ID}
    long_code = {**code, "enablement_criteria": {"payment_program_enablement_code": "c" * 65}}
    parameter = "enablement_criteria.payment_program_enablement_code"
    problem(klarna.post(enablements, json=long_code), 400, "VALIDATION_ERROR", parameter)
    ok_code = {**code, "enablement_criteria": {"payment_program_enablement_code": "c" * 64}}
    assert klarna.post(enablements, json=ok_code).status_code == 201
    stakeholder = {"given_name": "Ada", "family_name": "Lovelace", "roles": ["DIRECTOR"]}
    created = klarna.post(account["base"] + "/stakeholders", json=stakeholder)
    assert created.status_code == 201 and "date_of_birth" not in created.json()
