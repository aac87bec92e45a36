"""Dintero partner routes: the view of one merchant, the paged list, and status events."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

PARTNER = "T11200000"
ACCOUNTS = f"/dintero/v1/accounts/{PARTNER}/management/accounts"
CASE_ID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
KLARNA_SIGNUP = {
    "case_id": CASE_ID,
    "payment_options": [{"currencies": ["NOK"], "type": "klarna.klarna"}],
    "price_package": "EU_DINTERO_PP001",
    "mcc": 5814,
}
VIPPS_SIGNUP = {"case_id": CASE_ID, "payment_options": [{"currencies": ["NOK"], "type": "dintero_psp.vipps"}]}


def sign_up(dintero: TestClient, aid: str, name: str = "klarna") -> dict[str, Any]:
    signup = KLARNA_SIGNUP if name == "klarna" else VIPPS_SIGNUP
    path = f"/dintero/v1/accounts/{aid}/management/settings/connections/{name}"
    response = dintero.post(path, json={"signup": signup})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def events_path(aid: str, name: str) -> str:
    return f"{ACCOUNTS}/{aid}/connections/{name}/events"


def test_partner_view_holds_only_the_connections_that_exist(dintero: TestClient) -> None:
    klarna = sign_up(dintero, "T11200001")
    sign_up(dintero, "T11200001", "vipps-psp")
    response = dintero.get(f"{ACCOUNTS}/T11200001")
    assert response.status_code == 200
    account = response.json()
    assert account["account_id"] == account["id"] == "T11200001"
    assert account["partner_id"] == PARTNER and account["livemode"] is False
    assert set(account["connections"]) == {"klarna", "vipps-psp"}
    assert account["connections"]["klarna"] == klarna


def test_partner_view_of_an_unknown_account_is_404(dintero: TestClient) -> None:
    response = dintero.get(f"{ACCOUNTS}/T11299999")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("oid", ["T11300000", "T99900000"])
def test_partner_routes_of_another_partner_are_403(dintero: TestClient, oid: str) -> None:
    sign_up(dintero, "T11200001")
    other = f"/dintero/v1/accounts/{oid}/management/accounts"
    for response in (
        dintero.get(other),
        dintero.get(f"{other}/T11200001"),
        dintero.post(f"{other}/T11200001/connections/klarna/events", json={"status": "enabled"}),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"


def test_the_list_pages_in_creation_order_with_a_total_count(dintero: TestClient) -> None:
    aids = [f"T112000{n:02d}" for n in range(1, 8)]
    for aid in aids:
        sign_up(dintero, aid)
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(10):  # bounded: 7 accounts in pages of 3
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["starting_after"] = cursor
        response = dintero.get(ACCOUNTS, params=params)
        assert response.status_code == 200
        assert response.headers["total-count"] == "7"
        page = [a["account_id"] for a in response.json()]
        if not page:
            break
        assert len(page) <= 3
        seen += page
        cursor = page[-1]
    assert seen == aids
    assert dintero.get(ACCOUNTS).json()[0]["connections"]["klarna"]["status"] == "pending"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"starting_after": "nope"}, "starting_after"),
        ({"starting_after": "T11299999"}, "starting_after"),
    ],
)
def test_bad_list_parameters_are_400(dintero: TestClient, params: dict[str, Any], field: str) -> None:
    sign_up(dintero, "T11200001")
    response = dintero.get(ACCOUNTS, params=params)
    assert response.status_code == 400
    assert field in [e["field"] for e in response.json()["error"]["errors"]]


def test_a_status_event_moves_the_status_and_is_appended(dintero: TestClient) -> None:
    sign_up(dintero, "T11200001")
    body = {
        "status": "enabled",
        "event": "approved",
        "description": "Klarna approved the merchant",
        "metadata": {"reviewer": "sandbox"},
    }
    response = dintero.post(events_path("T11200001", "klarna"), json=body)
    assert response.status_code == 201
    event = response.json()
    assert {k: event[k] for k in body} == body
    assert event["id"] and event["created_at"] and event["created_by"]
    connection = dintero.get(f"{ACCOUNTS}/T11200001").json()["connections"]["klarna"]
    assert connection["status"] == "enabled"
    assert [e["status"] for e in connection["events"]] == ["pending", "enabled"]
    assert connection["events"][-1] == event

    assert dintero.post(events_path("T11200001", "klarna"), json={"status": "failed"}).status_code == 201
    connection = dintero.get("/dintero/v1/accounts/T11200001/management/settings/connections/klarna").json()
    assert connection["status"] == "failed"
    assert [e["status"] for e in connection["events"]] == ["pending", "enabled", "failed"]


@pytest.mark.parametrize(
    ("aid", "name", "status"),
    [("T11299999", "klarna", 404), ("T11200001", "vipps-psp", 404), ("T11200001", "swish", 404)],
    ids=["unknown-account", "no-such-connection", "unknown-connection-type"],
)
def test_an_event_for_a_connection_that_does_not_exist_is_404(
    dintero: TestClient, aid: str, name: str, status: int
) -> None:
    sign_up(dintero, "T11200001")
    response = dintero.post(events_path(aid, name), json={"status": "enabled"})
    assert response.status_code == status
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("body", [{"status": "active"}, {}, {"status": "enabled", "surprise": True}])
def test_an_invalid_event_is_400_and_moves_nothing(dintero: TestClient, body: dict[str, Any]) -> None:
    sign_up(dintero, "T11200001")
    response = dintero.post(events_path("T11200001", "klarna"), json=body)
    assert response.status_code == 400
    assert dintero.get(f"{ACCOUNTS}/T11200001").json()["connections"]["klarna"]["status"] == "pending"
