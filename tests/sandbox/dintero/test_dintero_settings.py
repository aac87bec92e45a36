"""Dintero account settings, the common signup's organization_number, the Vipps connection's secrets,
signups keyed by case and store, numbers that keep their type, and connections moved by their provider."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

AID = "T11200001"
PARTNER_VIEW = f"/dintero/v1/accounts/T11200000/management/accounts/{AID}"
SETTINGS = f"/dintero/v1/accounts/{AID}/management/settings"
CONNECTIONS = f"/dintero/v1/accounts/{AID}/management/settings/connections"
CASE_ID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
ADDRESS = {"address_line": "Storgata 1", "postal_place": "Oslo", "country": "NO", "postal_code": "0155"}
COMPANY = {
    "business_name": "Nordic Bikes AS",
    "display_name": "Nordic Bikes",
    "organization_number": "987654321MVA",
    "address": ADDRESS,
    "email": "post@example.com",
    "branding": {"logo_url": "https://example.com/logo.png"},
}
BILLING = {"business_name": "Nordic Bikes AS", "address": ADDRESS, "email": "billing@example.com", "reference": "PO-1"}
KLARNA_SIGNUP = {"case_id": CASE_ID, "payment_options": [{"type": "klarna.klarna", "currencies": ["NOK"]}], "mcc": 5940}
COMMON_SIGNUP = {
    "payment_options": [{"type": "dintero.zero", "currencies": ["NOK"]}],
    "revenue": {"estimated_percentage_per_payment_type": [{"type": "swish.swish", "percentage": 50}]},
    "ownership": {"owners": [{"name": "Ola", "percentage": 25}, {"name": "Kari", "percentage": 12.5}]},
}
VIPPS_CALLBACK = {
    "orgnumber": "987654321",
    "merchant-name": "Nordic Bikes",
    "createdTime": "12:00:00",
    "merchantSerialNumber": "123456",
    "client_Id": "51358942-08c8-4d50-99f4-a9aa970b5f5b",
    "client_Secret": "verysecret123",
    "subscriptionKeys": [{"product": "Access", "ocp-apim-subscription-key": "de897dbb-0cd3-4445-b003-ac8214ac4638"}],
}


def put_settings(dintero: TestClient, **body: Any) -> dict[str, Any]:
    response = dintero.put(SETTINGS, json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_settings_are_created_read_and_replaced_member_by_member(dintero: TestClient) -> None:
    assert dintero.get(SETTINGS).status_code == 404
    answer = put_settings(dintero, company=COMPANY)
    assert answer["company"] == COMPANY and "billing" not in answer and "connections" not in answer
    assert (answer["account_id"], answer["partner_id"], answer["livemode"]) == (AID, "T11200000", False)
    assert dintero.get(SETTINGS).json() == answer
    with_billing = put_settings(dintero, billing=BILLING)
    assert (with_billing["company"], with_billing["billing"]) == (COMPANY, BILLING)
    smaller = {"business_name": "Nordic Bikes AS", "address": ADDRESS}
    assert put_settings(dintero, company=smaller)["company"] == smaller  # a company is replaced as a whole
    assert put_settings(dintero)["billing"] == BILLING  # an empty PUT changes nothing


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"company": {"address": ADDRESS}}, "company.business_name"),
        ({"company": {"business_name": "X"}}, "company.address"),
        ({"company": {**COMPANY, "address": {"address_line": "x", "country": "NO"}}}, "company.address.postal_place"),
        ({"company": {**COMPANY, "address": {**ADDRESS, "country": "Norway"}}}, "company.address.country"),
        ({"company": {**COMPANY, "vat": "yes"}}, "company.vat"),
        ({"billing": {"address": ADDRESS}}, "billing.business_name"),
        ({"applicant": {}}, "applicant"),
    ],
)  # fmt: skip
def test_invalid_settings_are_400_naming_the_field(dintero: TestClient, body: dict[str, Any], field: str) -> None:
    response = dintero.put(SETTINGS, json=body)
    assert response.status_code == 400, response.text
    assert field in [e["field"] for e in response.json()["error"]["errors"]]
    assert dintero.get(SETTINGS).status_code == 404


def test_settings_of_a_production_account_are_forbidden(dintero: TestClient) -> None:
    path = "/dintero/v1/accounts/P11200001/management/settings"
    assert dintero.put(path, json={"company": COMPANY}).status_code == 403
    assert dintero.get(path).status_code == 403


def test_the_partner_view_holds_the_settings(dintero: TestClient) -> None:
    put_settings(dintero, company=COMPANY, billing=BILLING)
    dintero.post(f"{CONNECTIONS}/klarna", json={"signup": KLARNA_SIGNUP})
    view = dintero.get(PARTNER_VIEW).json()  # the fast read
    assert view["settings"] == {"company": COMPANY, "billing": BILLING}
    assert (view["company"], view["billing"]) == (COMPANY, BILLING)  # where Dintero's Account schema has them
    assert view["connections"]["klarna"]["status"] == "pending"
    assert dintero.get(PARTNER_VIEW, params={"via": "route"}).json() == view  # the route answers the same
    [listed] = dintero.get("/dintero/v1/accounts/T11200000/management/accounts").json()
    assert listed == view


def test_a_partner_view_without_settings_has_no_settings_member(dintero: TestClient) -> None:
    dintero.post(f"{CONNECTIONS}/klarna", json={"signup": KLARNA_SIGNUP})
    assert "settings" not in dintero.get(PARTNER_VIEW).json()


def test_a_common_signup_needs_the_companys_organization_number(dintero: TestClient) -> None:
    for settings in (None, {"business_name": "No Number AS", "address": ADDRESS}):
        if settings is not None:
            put_settings(dintero, company=settings)
        refused = dintero.post(f"{CONNECTIONS}/common", json={"signup": COMMON_SIGNUP})
        assert refused.status_code == 400, refused.text
        error = refused.json()["error"]
        assert error["code"] == "organization_number_required" and "organization_number" in error["message"]
        assert [e["field"] for e in error["errors"]] == ["company.organization_number"]
        assert dintero.get(f"{CONNECTIONS}/common").status_code == 404
    put_settings(dintero, company=COMPANY)
    assert dintero.post(f"{CONNECTIONS}/common", json={"signup": COMMON_SIGNUP}).status_code == 201


def test_numbers_keep_their_json_type(dintero: TestClient) -> None:
    put_settings(dintero, company=COMPANY)
    response = dintero.post(f"{CONNECTIONS}/common", json={"signup": COMMON_SIGNUP})
    for text in (response.text, dintero.get(f"{CONNECTIONS}/common").text):
        assert re.findall(r'"percentage":([0-9.]+)', text) == ["50", "25", "12.5"]
    signup = response.json()["signup"]
    assert signup["revenue"] == COMMON_SIGNUP["revenue"] and signup["ownership"] == COMMON_SIGNUP["ownership"]
    share = copy.deepcopy(COMMON_SIGNUP)
    share["revenue"]["estimated_percentage_per_payment_type"][0]["percentage"] = True
    forced = {"force_new_signup": "true"}
    assert dintero.post(f"{CONNECTIONS}/common", json={"signup": share}, params=forced).status_code == 400


def test_signups_are_unique_per_case_and_store(dintero: TestClient) -> None:
    path = f"{CONNECTIONS}/klarna"
    assert dintero.post(path, json={"signup": KLARNA_SIGNUP}).status_code == 201
    forced = {"force_new_signup": "true"}
    again = dintero.post(path, json={"signup": {**KLARNA_SIGNUP, "mcc": 5411}}, params=forced).json()
    assert [(s["case_id"], s.get("store_id"), s["mcc"]) for s in again["signups"]] == [(CASE_ID, None, 5411)]
    store = {**KLARNA_SIGNUP, "store_id": "oslo-1"}
    added = dintero.post(path, json={"signup": store}, params=forced).json()
    assert [(s.get("store_id"), s["mcc"]) for s in added["signups"]] == [(None, 5411), ("oslo-1", 5940)]
    replaced = dintero.post(path, json={"signup": {**store, "mcc": 5942}}, params=forced).json()
    assert [(s.get("store_id"), s["mcc"]) for s in replaced["signups"]] == [(None, 5411), ("oslo-1", 5942)]
    assert [c["case_id"] for c in replaced["configuration"]["credentials"]] == [CASE_ID]
    assert dintero.post(path, json={"signup": {**store, "store_id": ""}}, params=forced).status_code == 400


def test_a_new_signup_waits_for_the_signature_and_its_provider_moves_it(dintero: TestClient) -> None:
    signup = {"case_id": CASE_ID, "payment_options": [{"type": "dintero_psp.vipps", "currencies": ["NOK"]}]}
    created = dintero.post(f"{CONNECTIONS}/vipps-psp", json={"signup": signup}).json()
    [event] = created["events"]
    assert (created["status"], event["status"], event["event"]) == ("pending", "pending", "signature_required")
    assert event["metadata"]["signature_link"].startswith("https://")
    events = f"/dintero/v1/accounts/T11200000/management/accounts/{AID}/connections/vipps-psp/events"
    for status in ("declined", "failed", "enabled"):
        moved = dintero.post(events, json={"status": status, "event": f"provider_{status}"})
        assert moved.status_code == 201
        assert dintero.get(f"{CONNECTIONS}/vipps-psp").json()["status"] == status
    history = dintero.get(PARTNER_VIEW).json()["connections"]["vipps-psp"]["events"]
    assert [e["status"] for e in history] == ["pending", "declined", "failed", "enabled"]


def test_the_vipps_connection_gets_its_credentials_from_vipps_and_reads_return_them(dintero: TestClient) -> None:
    refused = dintero.put(f"{CONNECTIONS}/vipps")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "organization_number_required"
    put_settings(dintero, company=COMPANY)
    started = dintero.put(f"{CONNECTIONS}/vipps")
    assert started.status_code == 200, started.text
    connection = started.json()
    signup = connection["signup"]
    assert set(signup) == {"id", "url", "created_at", "expires_at"} and connection["status"] == "pending"
    [event] = connection["events"]
    assert event["event"] == "signature_required" and event["metadata"]["signature_link"] == signup["url"]
    assert dintero.get(f"{CONNECTIONS}/vipps").json() == connection
    restarted = dintero.put(f"{CONNECTIONS}/vipps").json()  # not enabled yet: a new signup link
    assert restarted["signup"]["id"] != signup["id"] and len(restarted["events"]) == 2

    callback = f"{CONNECTIONS}/vipps/{restarted['signup']['id']}"
    assert dintero.post(f"{CONNECTIONS}/vipps/{signup['id']}", json=VIPPS_CALLBACK).status_code == 404
    answered = dintero.post(callback, json=VIPPS_CALLBACK)
    assert (answered.status_code, answered.json()) == (200, {})
    enabled = dintero.get(f"{CONNECTIONS}/vipps").json()
    assert enabled["status"] == "enabled" and enabled["events"][-1]["status"] == "enabled"
    assert enabled["configuration"] == {
        "payment_options": [{"type": "vipps", "currencies": ["NOK"]}],
        "merchant_name": "Nordic Bikes",
        "created_time": "12:00:00",
        "merchant_serial_number": "123456",
        "client_id": "51358942-08c8-4d50-99f4-a9aa970b5f5b",
        "subscription_keys": [
            {"product": "Access", "ocp_apim_subscription_key": "de897dbb-0cd3-4445-b003-ac8214ac4638"}
        ],
    }
    assert "verysecret123" not in dintero.get(PARTNER_VIEW).text  # the client secret is not kept
    assert dintero.get(PARTNER_VIEW).json()["connections"]["vipps"] == enabled
    assert dintero.put(f"{CONNECTIONS}/vipps").status_code == 409
    assert dintero.post(callback, json={**VIPPS_CALLBACK, "surprise": 1}).status_code == 400
