"""Dintero connection signups: the seed envelopes, accumulation, force_new_signup, validation."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient

AID = "T11200001"
CASE_ID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
OTHER_CASE_ID = "7f1d2a7e-5b7a-4c33-9d0f-2a4f9a0c1e55"
PARTNER_EVENTS = "/dintero/v1/accounts/T11200000/management/accounts/{aid}/connections/{name}/events"

SIGNUPS: dict[str, dict[str, Any]] = {
    "klarna": {
        "case_id": CASE_ID,
        "payment_options": [{"currencies": ["NOK"], "type": "klarna.klarna"}],
        "price_package": "EU_DINTERO_PP001",
        "mcc": 5814,
    },
    "vipps-psp": {
        "case_id": CASE_ID,
        "payment_options": [{"currencies": ["NOK"], "type": "dintero_psp.vipps"}],
        "logo": "https://example.com/logo.png",
    },
    "common": {
        "payment_options": [{"currencies": ["NOK"], "type": "dintero.zero"}],
        "store_type": ["online"],
        "package": "Checkout 195 NOK/month + 1.5%",
        "revenue": {"currency": "NOK", "yearly_revenue": "100.000-250.000 NOK", "accept_prepaid": True},
        "bank_accounts": [{"account_number": "NO9386011117947", "account_number_type": "iban", "bank_name": "DNB"}],
        "ownership": {
            "ownership_structure": "owners_with_more_than_25",
            "owners": [{"name": "Ola Nordmann", "date_of_birth": "1990-09-20", "percentage": 25}],
        },
        "signature": {"signatures": [{"name": "Ola Nordmann", "email": "ola@example.com"}]},
        "applicant": {"first_name": "John", "last_name": "Doe", "phone_number": "+4799999999"},
        "company_information": {"industry": "goods", "company_category": "4722", "mcc": {"mcc": "5411"}},
        "payment_method_specific": {"payex": {"signup_url": "https://example.com/payex"}},
    },
}


COMPANY = {
    "business_name": "Nordic Bikes AS",
    "organization_number": "987654321MVA",
    "address": {"address_line": "Storgata 1", "postal_place": "Oslo", "country": "NO"},
}


def path(name: str, aid: str = AID) -> str:
    return f"/dintero/v1/accounts/{aid}/management/settings/connections/{name}"


def sign_up(dintero: TestClient, name: str, signup: dict[str, Any] | None = None, **params: Any) -> Any:
    if name == "common":  # Dintero: the company needs its organization_number before a common signup
        settings = dintero.put(f"/dintero/v1/accounts/{AID}/management/settings", json={"company": COMPANY})
        assert settings.status_code == 200, settings.text
    return dintero.post(path(name), json={"signup": signup or SIGNUPS[name]}, params=params)


def move(dintero: TestClient, name: str, status: str) -> None:
    response = dintero.post(PARTNER_EVENTS.format(aid=AID, name=name), json={"status": status, "event": status})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("name", ["klarna", "vipps-psp"])
def test_first_signup_creates_a_pending_connection_in_the_seed_envelope(dintero: TestClient, name: str) -> None:
    response = sign_up(dintero, name)
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {
        "signups",
        "created_at",
        "created_by",
        "updated_at",
        "metadata",
        "status",
        "events",
        "schema",
        "configuration",
    }
    assert body["status"] == "pending"
    [signup] = body["signups"]
    assert {k: v for k, v in signup.items() if k not in {"created_at", "callback_at"}} == SIGNUPS[name]
    assert signup["created_at"].endswith("Z")
    assert ("callback_at" in signup) is (name == "klarna")
    [event] = body["events"]
    assert event["status"] == "pending" and event["event"] == "signature_required" and event["id"]
    assert body["configuration"]["payment_options"] == SIGNUPS[name]["payment_options"]
    assert dintero.get(path(name)).json() == body


def test_klarna_configuration_holds_credentials_and_vipps_a_serial_number(dintero: TestClient) -> None:
    klarna = sign_up(dintero, "klarna").json()["configuration"]
    [credential] = klarna["credentials"]
    assert credential["case_id"] == CASE_ID and credential["merchant_id"] and credential["username"]
    vipps = sign_up(dintero, "vipps-psp").json()["configuration"]
    assert vipps["merchant_serial_number"].isdigit()


def test_common_signup_echoes_the_request_as_the_seed_shows(dintero: TestClient) -> None:
    body = sign_up(dintero, "common").json()
    assert "signups" not in body and "configuration" not in body
    echoed = {k: v for k, v in body["signup"].items() if k != "created_at"}
    assert echoed == SIGNUPS["common"]
    assert body["status"] == "pending"


def test_get_of_a_connection_that_does_not_exist_is_404(dintero: TestClient) -> None:
    assert dintero.get(path("klarna")).status_code == 404
    sign_up(dintero, "klarna")
    response = dintero.get(path("vipps-psp"))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("name", ["klarna", "vipps-psp", "common"])
def test_a_signup_while_pending_is_409_and_changes_nothing(dintero: TestClient, name: str) -> None:
    first = sign_up(dintero, name).json()
    response = sign_up(dintero, name)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert dintero.get(path(name)).json() == first


def test_force_new_signup_accumulates_signups_while_pending(dintero: TestClient) -> None:
    sign_up(dintero, "klarna")
    changed = {**SIGNUPS["klarna"], "case_id": OTHER_CASE_ID, "mcc": 5411}
    response = sign_up(dintero, "klarna", changed, force_new_signup="true")
    assert response.status_code == 201
    body = response.json()
    assert [s["case_id"] for s in body["signups"]] == [CASE_ID, OTHER_CASE_ID]
    assert body["signups"][1]["mcc"] == 5411
    assert body["status"] == "pending" and len(body["events"]) == 1
    assert [c["case_id"] for c in body["configuration"]["credentials"]] == [CASE_ID, OTHER_CASE_ID]


def test_a_signup_on_an_enabled_connection_is_409_even_when_forced(dintero: TestClient) -> None:
    sign_up(dintero, "klarna")
    move(dintero, "klarna", "enabled")
    assert sign_up(dintero, "klarna").status_code == 409
    assert sign_up(dintero, "klarna", force_new_signup="true").status_code == 409
    assert len(dintero.get(path("klarna")).json()["signups"]) == 1


@pytest.mark.parametrize("status", ["failed", "declined"])
def test_a_signup_after_failed_or_declined_is_accepted_and_keeps_the_status(dintero: TestClient, status: str) -> None:
    sign_up(dintero, "vipps-psp")
    move(dintero, "vipps-psp", status)
    # Another case: signups are unique per (case_id, store_id), so this one is added next to the first.
    response = sign_up(dintero, "vipps-psp", {**SIGNUPS["vipps-psp"], "case_id": OTHER_CASE_ID})
    assert response.status_code == 201
    body = response.json()
    assert len(body["signups"]) == 2
    assert body["status"] == status  # only the events route moves a status


def _without(signup: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in signup.items() if k != key}


def _with(signup: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(signup), **changes}


@pytest.mark.parametrize(
    ("name", "body", "field"),
    [
        ("klarna", {"signup": _with(SIGNUPS["klarna"], case_id="not-a-uuid")}, "signup.case_id"),
        ("klarna", {"signup": _without(SIGNUPS["klarna"], "case_id")}, "signup.case_id"),
        ("klarna", {"signup": _with(SIGNUPS["klarna"], payment_options=[])}, "signup.payment_options"),
        ("klarna", {"signup": _with(SIGNUPS["klarna"], mcc=123456)}, "signup.mcc"),
        (
            "klarna",
            {
                "signup": _with(
                    SIGNUPS["klarna"], payment_options=[{"type": "dintero_psp.vipps", "currencies": ["NOK"]}]
                )
            },
            "signup.payment_options",
        ),
        ("klarna", {"signup": _with(SIGNUPS["klarna"], unknown_field=1)}, "signup.unknown_field"),
        (
            "vipps-psp",
            {
                "signup": _with(
                    SIGNUPS["vipps-psp"], payment_options=[{"type": "dintero_psp.vipps", "currencies": ["nok"]}]
                )
            },
            "signup.payment_options.0.currencies.0",
        ),
        (
            "common",
            {"signup": _with(SIGNUPS["common"], ownership={"owners": [{"date_of_birth": "20.09.1990"}]})},
            "signup.ownership.owners.0.date_of_birth",
        ),
        ("common", {"signup": _without(SIGNUPS["common"], "payment_options")}, "signup.payment_options"),
        ("common", {}, "signup"),
    ],
)
def test_an_invalid_signup_is_400_naming_the_field_and_creates_nothing(
    dintero: TestClient, name: str, body: dict[str, Any], field: str
) -> None:
    response = dintero.post(path(name), json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert field in [e["field"] for e in error["errors"]]
    assert dintero.get(path(name)).status_code == 404


def test_a_body_that_is_not_json_is_400(dintero: TestClient) -> None:
    response = dintero.post(path("klarna"), content=b"{nope", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "error" in response.json()


@pytest.mark.parametrize("aid", ["T1120000", "X11200001", "T112000011", "t11200001"])
def test_an_aid_that_is_not_an_account_id_is_400(dintero: TestClient, aid: str) -> None:
    for response in (dintero.get(path("klarna", aid)), dintero.post(path("klarna", aid), json={"signup": {}})):
        assert response.status_code == 400
        assert "aid" in [e["field"] for e in response.json()["error"]["errors"]]


def test_a_production_aid_is_forbidden_to_the_test_partner(dintero: TestClient) -> None:
    response = dintero.post(path("klarna", "P11200001"), json={"signup": SIGNUPS["klarna"]})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_an_unknown_connection_type_is_404(dintero: TestClient) -> None:
    assert dintero.get(path("swish")).status_code == 404
    assert dintero.post(path("swish"), json={"signup": SIGNUPS["klarna"]}).status_code == 404
