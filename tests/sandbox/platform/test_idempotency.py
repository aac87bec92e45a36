"""Klarna-Idempotency-Key: replay without a second effect, refused reuse, and faults after the effect."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

KLARNA_AUTH = {"Authorization": "Basic klarna_test_api_sandbox"}
CREDENTIALS = "/klarna/v1/account/credentials"
NEW_CREDENTIAL = {"description": "ci", "type": "API", "environment": "TEST"}
OTHER_CREDENTIAL = {"description": "other", "type": "CLIENT", "environment": "TEST"}


def keyed(key: str) -> dict[str, str]:
    return {"Klarna-Idempotency-Key": key}


def credentials(klarna: TestClient) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = klarna.get(CREDENTIALS).json()["credentials"]
    return listed


def test_the_same_key_and_body_replays_the_first_response_without_a_second_effect(klarna: TestClient) -> None:
    first = klarna.post(CREDENTIALS, json=NEW_CREDENTIAL, headers=keyed("k-1"))
    again = klarna.post(CREDENTIALS, json=NEW_CREDENTIAL, headers=keyed("k-1"))
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert "klarna-idempotency-replayed" not in first.headers
    assert again.headers["klarna-idempotency-replayed"] == "true"
    assert [c["credential_id"] for c in credentials(klarna)] == [first.json()["credential_id"]]


def test_without_a_key_every_write_acts(klarna: TestClient) -> None:
    ids = {klarna.post(CREDENTIALS, json=NEW_CREDENTIAL).json()["credential_id"] for _ in range(2)}
    assert len(ids) == 2 and len(credentials(klarna)) == 2


def test_another_key_acts_again(klarna: TestClient) -> None:
    klarna.post(CREDENTIALS, json=NEW_CREDENTIAL, headers=keyed("k-1"))
    klarna.post(CREDENTIALS, json=NEW_CREDENTIAL, headers=keyed("k-2"))
    assert len(credentials(klarna)) == 2


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", CREDENTIALS, OTHER_CREDENTIAL),
        ("POST", "/klarna/v1/distribution/onboard", NEW_CREDENTIAL),
        ("PATCH", "/klarna/v1/accounts/krn:partner:global:account:test:NOPE", NEW_CREDENTIAL),
    ],
    ids=["other-body", "other-path", "other-method"],
)
def test_reusing_a_key_for_another_request_is_409(
    klarna: TestClient, method: str, path: str, body: dict[str, Any]
) -> None:
    klarna.post(CREDENTIALS, json=NEW_CREDENTIAL, headers=keyed("k-1"))
    response = klarna.request(method, path, json=body, headers=keyed("k-1"))
    assert response.status_code == 409
    problem = response.json()
    assert (problem["error_type"], problem["error_code"]) == ("RESOURCE_ERROR", "IDEMPOTENCY_KEY_REUSED")
    assert len(credentials(klarna)) == 1


def test_an_error_is_not_stored_so_the_fixed_request_can_use_the_same_key(klarna: TestClient) -> None:
    bad = klarna.post(CREDENTIALS, json={**NEW_CREDENTIAL, "type": "FOO"}, headers=keyed("k-1"))
    assert bad.status_code == 400
    fixed = klarna.post(CREDENTIALS, json=NEW_CREDENTIAL, headers=keyed("k-1"))
    assert fixed.status_code == 201 and "klarna-idempotency-replayed" not in fixed.headers
    assert klarna.post(CREDENTIALS, json=NEW_CREDENTIAL, headers=keyed("k-1")).json() == fixed.json()


def test_a_fault_after_the_effect_then_a_retry_replays_the_first_response(klarna: TestClient) -> None:
    klarna.put(
        "/_sandbox/faults",
        json={
            "fail_next": [{"api": "klarna", "method": "POST", "path_pattern": "/credentials$", "when": "after_effect"}]
        },
    )
    lost = klarna.post(CREDENTIALS, json=NEW_CREDENTIAL, headers=keyed("k-1"))
    assert lost.status_code == 500 and lost.json()["error_code"] == "TIMEOUT"
    assert lost.headers["x-sandbox-fault"] == "after_effect"
    retry = klarna.post(CREDENTIALS, json=NEW_CREDENTIAL, headers=keyed("k-1"))
    assert retry.status_code == 201
    assert retry.headers["klarna-idempotency-replayed"] == "true"
    [stored] = credentials(klarna)
    assert retry.json() == stored


def test_a_fault_before_the_effect_then_a_retry_acts_once(klarna: TestClient) -> None:
    klarna.put("/_sandbox/faults", json={"fail_next": [{"api": "klarna", "when": "before_effect"}]})
    assert klarna.post(CREDENTIALS, json=NEW_CREDENTIAL, headers=keyed("k-1")).status_code == 500
    retry = klarna.post(CREDENTIALS, json=NEW_CREDENTIAL, headers=keyed("k-1"))
    assert retry.status_code == 201 and "klarna-idempotency-replayed" not in retry.headers
    assert len(credentials(klarna)) == 1


def test_records_expire_after_the_ttl(klarna: TestClient, sandbox_app: FastAPI) -> None:
    now = [1_800_000_000.0]
    sandbox_app.state.sandbox.clock = lambda: now[0]
    klarna.post(CREDENTIALS, json=NEW_CREDENTIAL, headers=keyed("k-1"))
    now[0] += 24 * 3600 - 1
    assert (
        klarna.post(CREDENTIALS, json=NEW_CREDENTIAL, headers=keyed("k-1")).headers.get("klarna-idempotency-replayed")
        == "true"
    )
    now[0] += 2
    response = klarna.post(CREDENTIALS, json=OTHER_CREDENTIAL, headers=keyed("k-1"))
    assert response.status_code == 201 and "klarna-idempotency-replayed" not in response.headers
    assert len(credentials(klarna)) == 2


def test_the_key_is_not_honoured_on_dintero_or_on_reads(dintero: TestClient, klarna: TestClient) -> None:
    signup = {
        "signup": {
            "case_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
            "payment_options": [{"currencies": ["NOK"], "type": "klarna.klarna"}],
        }
    }
    path = "/dintero/v1/accounts/T11200001/management/settings/connections/klarna"
    assert dintero.post(path, json=signup, headers=keyed("d-1")).status_code == 201
    second = dintero.post(path, json=signup, headers=keyed("d-1"))
    assert second.status_code == 409 and "klarna-idempotency-replayed" not in second.headers
    assert klarna.get(CREDENTIALS, headers=keyed("read")).status_code == 200
    assert klarna.get(CREDENTIALS, headers=keyed("read")).headers.get("klarna-idempotency-replayed") is None


def test_concurrent_requests_with_one_key_act_once(sandbox_app: FastAPI) -> None:
    async def send_together() -> tuple[list[httpx.Response], list[dict[str, Any]]]:
        transport = httpx.ASGITransport(app=sandbox_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox", headers=KLARNA_AUTH) as http:
            await http.put("/_sandbox/faults", json={"latency_ms": 20})
            responses = await asyncio.gather(
                *(http.post(CREDENTIALS, json=NEW_CREDENTIAL, headers=keyed("same")) for _ in range(5))
            )
            return list(responses), (await http.get(CREDENTIALS)).json()["credentials"]

    responses, listed = asyncio.run(send_together())
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["credential_id"] for r in responses}) == 1
    assert sum(r.headers.get("klarna-idempotency-replayed") == "true" for r in responses) == 4
    assert len(listed) == 1


def test_a_request_without_valid_credentials_gets_401_not_the_stored_answer(klarna: TestClient) -> None:
    klarna.post(CREDENTIALS, json=NEW_CREDENTIAL, headers=keyed("k-1"))
    stranger = klarna.post(
        CREDENTIALS, json=NEW_CREDENTIAL, headers={**keyed("k-1"), "Authorization": "Basic klarna_test_api_wrong"}
    )
    assert stranger.status_code == 401
    assert "klarna-idempotency-replayed" not in stranger.headers
