"""The admin routes under /_sandbox: reset, seed, advance, the request log, dump, faults, health."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from reconciler.sandbox import SandboxSettings, create_app
from reconciler.sandbox.klarna.seed import sample_onboard_payload

KLARNA_AUTH = {"Authorization": "Basic klarna_test_api_sandbox"}
CREDENTIALS = "/klarna/v1/account/credentials"
NEW_CREDENTIAL = {"description": "ci", "type": "API", "environment": "TEST"}
PARTNER_ACCOUNTS = "/dintero/v1/accounts/T11200000/management/accounts"


def seed(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post("/_sandbox/seed", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_health(client: TestClient) -> None:
    assert client.get("/_sandbox/health").json() == {"status": "ok"}


def test_seed_loads_linked_klarna_and_dintero_merchants(klarna: TestClient, dintero: TestClient) -> None:
    result = seed(klarna, count=25, seed=1)
    assert result["klarna_accounts"] == result["dintero_accounts"] == 25
    assert result["first"] == {
        "account_id": result["first"]["account_id"],
        "account_reference": "SBX000000",
        "aid": "T20000000",
    }
    found = klarna.get("/klarna/v1/accounts", params={"account_reference": "SBX000024", "expand": "products"})
    assert found.status_code == 200 and found.json()["accounts"][0]["state"] == "OPERATIONAL"
    listed = dintero.get(PARTNER_ACCOUNTS, params={"limit": 100})
    assert listed.headers["total-count"] == "25"
    account = dintero.get(f"{PARTNER_ACCOUNTS}/T20000024").json()
    klarna_connection = account["connections"]["klarna"]
    assert klarna_connection["status"] == "enabled"
    assert [e["status"] for e in klarna_connection["events"]] == ["pending", "enabled"]
    mcc = found.json()["accounts"][0]["products"][0]["merchant_category_code"]
    assert klarna_connection["signups"][0]["mcc"] == int(mcc)


def test_seed_is_reproducible_and_appends_after_existing_merchants(client: TestClient, sandbox_app: FastAPI) -> None:
    sandbox_app.state.sandbox.clock = lambda: 1_800_000_000.0
    seed(client, count=5, seed=42)
    first = client.get("/_sandbox/dump").json()["documents"]
    client.post("/_sandbox/reset")
    seed(client, count=5, seed=42)
    assert client.get("/_sandbox/dump").json()["documents"] == first
    more = seed(client, count=3, seed=42, with_dintero=False)
    assert (more["start"], more["klarna_accounts"], more["dintero_accounts"]) == (5, 3, 0)
    counts = client.get("/_sandbox/dump").json()["counts"]
    assert counts["klarna.account"] == 8 and counts["dintero.account"] == 5


@pytest.mark.parametrize("body", [{"count": 0}, {"count": 100_001}, {}, {"count": 1, "extra": 1}])
def test_a_bad_seed_request_is_400(client: TestClient, body: dict[str, Any]) -> None:
    assert client.post("/_sandbox/seed", json=body).status_code == 400
    assert client.get("/_sandbox/dump").json()["counts"] == {}


def test_seeding_ten_thousand_merchants_loads_both_apis(client: TestClient) -> None:
    # How long it takes is printed by benchmarks/sandbox_seed.py, not asserted here.
    result = seed(client, count=10_000, seed=7)
    assert result["klarna_accounts"] == result["dintero_accounts"] == 10_000


def test_advance_makes_new_accounts_operational_now() -> None:
    with TestClient(create_app(SandboxSettings(operational_delay_seconds=3600))) as klarna:
        klarna.headers.update(KLARNA_AUTH)
        account = klarna.post("/klarna/v1/distribution/onboard", json=sample_onboard_payload()).json()
        assert account["state"] == "PARTIALLY_OPERATIONAL"
        assert klarna.post("/_sandbox/advance").json() == {"advanced": 1}
        assert klarna.get(f"/klarna/v1/accounts/{account['account_id']}").json()["state"] == "OPERATIONAL"
        assert klarna.post("/_sandbox/advance").json() == {"advanced": 0}


def test_reset_forgets_state_log_and_fault_changes(klarna: TestClient) -> None:
    klarna.post(CREDENTIALS, json=NEW_CREDENTIAL, headers={"Klarna-Idempotency-Key": "k"})
    klarna.put("/_sandbox/faults", json={"latency_ms": 1})
    assert klarna.post("/_sandbox/reset").json() == {"reset": True}
    assert klarna.get("/_sandbox/dump").json() == {"counts": {}, "documents": {}}
    assert klarna.get("/_sandbox/requests").json()["requests"] == []
    assert klarna.get("/_sandbox/faults").json()["latency_ms"] == 0
    # The idempotency record is gone too: the same key acts again.
    again = klarna.post(CREDENTIALS, json=NEW_CREDENTIAL, headers={"Klarna-Idempotency-Key": "k"})
    assert again.status_code == 201 and "klarna-idempotency-replayed" not in again.headers


def test_the_request_log_records_api_requests_and_filters_them(klarna: TestClient, dintero: TestClient) -> None:
    klarna.put("/_sandbox/faults", json={"fail_next": [{"api": "klarna", "path_pattern": "profiles"}]})
    klarna.post(CREDENTIALS, json=NEW_CREDENTIAL, headers={"Klarna-Idempotency-Key": "key-1"})
    klarna.post(CREDENTIALS, json=NEW_CREDENTIAL, headers={"Klarna-Idempotency-Key": "key-1"})
    klarna.get("/klarna/v1/distribution/profiles")
    dintero.get(f"{PARTNER_ACCOUNTS}?limit=5")
    log = klarna.get("/_sandbox/requests").json()
    entries = log["requests"]
    # The dintero fixture's token request comes first; admin requests are never logged.
    assert [(e["api"], e["method"], e["path"], e["status"]) for e in entries] == [
        ("dintero", "POST", "/dintero/v1/accounts/T11200000/auth/token", 200),
        ("klarna", "POST", CREDENTIALS, 201),
        ("klarna", "POST", CREDENTIALS, 201),
        ("klarna", "GET", "/klarna/v1/distribution/profiles", 500),
        ("dintero", "GET", PARTNER_ACCOUNTS, 200),
    ]
    assert [e["idempotency_key"] for e in entries[1:3]] == ["key-1", "key-1"]
    assert [e["replayed"] for e in entries[1:3]] == [False, True]
    assert entries[3]["fault"] == "before_effect" and entries[2]["fault"] is None
    assert entries[4]["query"] == "limit=5"
    assert log["last_seq"] == entries[-1]["seq"]

    since = entries[2]["seq"]
    assert [e["seq"] for e in klarna.get("/_sandbox/requests", params={"since": since}).json()["requests"]] == [
        since + 1,
        since + 2,
    ]
    writes = klarna.get("/_sandbox/requests", params={"api": "klarna", "method": "post"}).json()["requests"]
    assert len(writes) == 2

    assert klarna.delete("/_sandbox/requests").status_code == 204
    assert klarna.get("/_sandbox/requests").json()["requests"] == []
    klarna.get(CREDENTIALS)
    [after_clear] = klarna.get("/_sandbox/requests").json()["requests"]
    assert after_clear["seq"] == log["last_seq"] + 1  # cursors stay valid across a clear


def test_the_request_log_is_bounded() -> None:
    with TestClient(create_app(SandboxSettings(request_log_size=3))) as client:
        for _ in range(5):
            client.get(CREDENTIALS)
        entries = client.get("/_sandbox/requests").json()["requests"]
        assert [e["seq"] for e in entries] == [3, 4, 5]
        assert {e["status"] for e in entries} == {401}


def test_dump_holds_every_document_by_kind(klarna: TestClient, dintero: TestClient) -> None:
    credential = klarna.post(CREDENTIALS, json=NEW_CREDENTIAL).json()
    dintero.post(
        "/dintero/v1/accounts/T11200001/management/settings/connections/vipps-psp",
        json={
            "signup": {
                "case_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
                "payment_options": [{"currencies": ["NOK"], "type": "dintero_psp.vipps"}],
            }
        },
    )
    dump = klarna.get("/_sandbox/dump").json()
    assert dump["counts"] == {"dintero.account": 1, "klarna.credential": 1}
    assert dump["documents"]["klarna.credential"] == [credential]
    assert dump["documents"]["dintero.account"][0]["connections"]["vipps-psp"]["status"] == "pending"
