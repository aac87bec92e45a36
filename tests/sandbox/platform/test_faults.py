"""Operational realism: latency, rate limits, random and scripted faults before and after the effect."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from reconciler.sandbox import SandboxSettings, create_app
from reconciler.sandbox.platform.faults import FaultConfig, FaultController
from reconciler.sandbox.platform.rate_limit import TokenBucket

KLARNA_AUTH = {"Authorization": "Basic klarna_test_api_sandbox"}
CREDENTIALS = "/klarna/v1/account/credentials"
PROFILES = "/klarna/v1/distribution/profiles"
NEW_CREDENTIAL = {"description": "ci", "type": "API", "environment": "TEST"}
KLARNA_SIGNUP = {
    "signup": {
        "case_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
        "payment_options": [{"currencies": ["NOK"], "type": "klarna.klarna"}],
    }
}
DINTERO_KLARNA = "/dintero/v1/accounts/T11200001/management/settings/connections/klarna"


def set_faults(client: TestClient, **config: Any) -> dict[str, Any]:
    response = client.put("/_sandbox/faults", json=config)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def credential_count(client: TestClient) -> int:
    return len(client.get(CREDENTIALS, headers=KLARNA_AUTH).json()["credentials"])


def test_faults_start_from_the_settings_and_reset_returns_to_them() -> None:
    settings = SandboxSettings(latency_ms=5, jitter_ms=2, fault_rate=0.25, rate_limit_per_second=7, seed=3)
    with TestClient(create_app(settings)) as client:
        start = client.get("/_sandbox/faults").json()
        assert start["latency_ms"] == 5 and start["jitter_ms"] == 2 and start["fault_rate"] == 0.25
        assert start["rate_limit_per_second"] == {"klarna": 7, "dintero": 7}
        assert start["seed"] == 3 and start["fail_next"] == [] and start["fault_statuses"] == [500, 503]
        changed = set_faults(client, fault_rate=0, rate_limit_per_second={"klarna": 0, "dintero": 1})
        assert changed["fault_rate"] == 0 and changed["latency_ms"] == 5  # fields not given stay
        assert client.post("/_sandbox/reset").status_code == 200
        assert client.get("/_sandbox/faults").json() == start


@pytest.mark.parametrize(
    "change",
    [
        {"fault_rate": 1.5},
        {"fault_statuses": [404]},
        {"fault_statuses": []},
        {"write_fault_mode": "sometimes"},
        {"latency_ms": -1},
        {"fail_next": [{"path_pattern": "("}]},
        {"fail_next": [{"status": 200}]},
        {"fail_next": [{"api": "stripe"}]},
        {"chaos": True},
    ],
)
def test_an_invalid_fault_change_is_400_and_changes_nothing(client: TestClient, change: dict[str, Any]) -> None:
    before = client.get("/_sandbox/faults").json()
    assert client.put("/_sandbox/faults", json=change).status_code == 400
    assert client.get("/_sandbox/faults").json() == before


def test_a_scripted_fault_before_the_effect_has_no_effect(klarna: TestClient) -> None:
    set_faults(
        klarna,
        fail_next=[
            {"api": "klarna", "method": "post", "path_pattern": "/credentials$", "status": 503, "when": "before_effect"}
        ],
    )
    response = klarna.post(CREDENTIALS, json=NEW_CREDENTIAL)
    assert response.status_code == 503
    assert response.headers["x-sandbox-fault"] == "before_effect"
    assert response.headers["x-sandbox-fault-source"] == "scripted"
    assert response.json()["error_code"] == "TEMPORARY_UNAVAILABLE"
    assert credential_count(klarna) == 0
    assert klarna.post(CREDENTIALS, json=NEW_CREDENTIAL).status_code == 201  # the rule was used up
    assert credential_count(klarna) == 1
    assert klarna.get("/_sandbox/faults").json()["fail_next"] == []


def test_a_scripted_fault_after_the_effect_loses_the_response_of_a_committed_write(dintero: TestClient) -> None:
    set_faults(
        dintero,
        fail_next=[{"api": "dintero", "method": "POST", "path_pattern": "connections/klarna", "when": "after_effect"}],
    )
    response = dintero.post(DINTERO_KLARNA, json=KLARNA_SIGNUP)
    assert response.status_code == 500
    assert response.headers["x-sandbox-fault"] == "after_effect"
    assert response.json() == {"error": {"code": "internal_error", "message": "Unexpected Error"}}
    assert dintero.get(DINTERO_KLARNA).json()["status"] == "pending"  # the signup happened
    assert dintero.post(DINTERO_KLARNA, json=KLARNA_SIGNUP).status_code == 409  # and a blind retry conflicts


def test_scripted_rules_match_api_method_and_path_and_count_down(klarna: TestClient) -> None:
    set_faults(
        klarna,
        fail_next=[
            {"api": "dintero", "count": 5},
            {"method": "GET", "path_pattern": "profiles", "status": 500, "count": 2},
        ],
    )
    assert klarna.post(CREDENTIALS, json=NEW_CREDENTIAL).status_code == 201
    assert [klarna.get(PROFILES).status_code for _ in range(3)] == [500, 500, 200]
    [left] = klarna.get("/_sandbox/faults").json()["fail_next"]
    assert left["api"] == "dintero" and left["count"] == 5


def test_random_klarna_faults_use_the_klarna_envelope(klarna: TestClient) -> None:
    set_faults(klarna, fault_rate=1.0, fault_statuses=[500])
    response = klarna.get(PROFILES)
    assert response.status_code == 500
    body = response.json()
    assert body["error_type"] == "TECHNICAL_ERROR" and body["error_code"] == "TIMEOUT"
    assert response.headers["x-sandbox-fault"] == "before_effect"  # a read has no effect to lose
    assert response.headers["x-sandbox-fault-source"] == "random"
    set_faults(klarna, fault_statuses=[503])
    response = klarna.get(PROFILES)
    assert (response.status_code, response.json()["error_code"]) == (503, "TEMPORARY_UNAVAILABLE")
    assert response.headers["retry-after"] == "1"


@pytest.mark.parametrize(("mode", "effects"), [("before_effect", 0), ("after_effect", 3)])
def test_random_write_faults_follow_the_write_fault_mode(klarna: TestClient, mode: str, effects: int) -> None:
    set_faults(klarna, fault_rate=1.0, fault_statuses=[503], write_fault_mode=mode)
    responses = [klarna.post(CREDENTIALS, json=NEW_CREDENTIAL) for _ in range(3)]
    assert {r.headers["x-sandbox-fault"] for r in responses} == {mode}
    # A response lost after the effect is a timeout, whatever status was drawn.
    assert {r.status_code for r in responses} == ({503} if mode == "before_effect" else {500})
    set_faults(klarna, fault_rate=0.0)
    assert credential_count(klarna) == effects


def _fault_sequence(seed: int, n: int = 40) -> list[tuple[int, str | None]]:
    settings = SandboxSettings(fault_rate=0.5, seed=seed)
    with TestClient(create_app(settings)) as client:
        client.headers.update(KLARNA_AUTH)
        sequence = []
        for _ in range(n):
            response = client.post(CREDENTIALS, json=NEW_CREDENTIAL)
            sequence.append((response.status_code, response.headers.get("x-sandbox-fault")))
        return sequence


def test_a_seed_makes_random_faults_reproducible() -> None:
    first, again, other = _fault_sequence(11), _fault_sequence(11), _fault_sequence(12)
    assert first == again
    assert first != other
    statuses = {status for status, _ in first}
    assert statuses <= {201, 500, 503} and 201 in statuses and statuses & {500, 503}
    assert {marker for _, marker in first} == {None, "before_effect", "after_effect"}


def test_putting_the_seed_restarts_the_sequence(klarna: TestClient) -> None:
    def run() -> list[int]:
        set_faults(klarna, fault_rate=0.5, seed=5)
        return [klarna.get(PROFILES).status_code for _ in range(20)]

    assert run() == run()


def test_rate_limit_answers_429_with_retry_after_and_ratelimit_headers(klarna: TestClient) -> None:
    set_faults(klarna, rate_limit_per_second={"klarna": 2, "dintero": 0})
    responses = [klarna.get(PROFILES) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert [r.headers["x-ratelimit-remaining"] for r in responses] == ["1", "0", "0"]
    assert {r.headers["x-ratelimit-limit"] for r in responses} == {"2, 2;w=1"}
    assert all(int(r.headers["x-ratelimit-reset"]) >= 1 for r in responses)
    limited = responses[-1]
    assert int(limited.headers["retry-after"]) >= 1
    assert (limited.json()["error_type"], limited.json()["error_code"]) == ("ACCESS_ERROR", "RATE_LIMITED")
    # The other API is not limited, and the admin routes never are.
    assert "x-ratelimit-limit" not in klarna.post("/dintero/v1/accounts/T11200000/auth/token").headers
    assert "x-ratelimit-limit" not in klarna.get("/_sandbox/faults").headers


def test_dintero_rate_limit_uses_the_dintero_envelope(dintero: TestClient) -> None:
    set_faults(dintero, rate_limit_per_second={"klarna": 0, "dintero": 1})
    first, second = dintero.get(DINTERO_KLARNA), dintero.get(DINTERO_KLARNA)
    assert first.status_code == 404 and first.headers["x-ratelimit-limit"] == "1"
    assert second.status_code == 429
    assert second.json()["error"]["code"] == "rate_limited"
    assert int(second.headers["retry-after"]) >= 1


def test_token_bucket_refills_at_its_rate() -> None:
    now = [100.0]
    bucket = TokenBucket(4, clock=lambda: now[0])
    assert [bucket.take().allowed for _ in range(5)] == [True, True, True, True, False]
    denied = bucket.take()
    assert denied.retry_after_seconds == 1 and denied.remaining == 0
    now[0] += 0.5  # two tokens back
    assert [bucket.take().allowed for _ in range(3)] == [True, True, False]


def test_latency_delays_api_responses(klarna: TestClient) -> None:
    set_faults(klarna, latency_ms=80)
    started = time.perf_counter()
    assert klarna.get(PROFILES).status_code == 200
    assert time.perf_counter() - started >= 0.08


def test_jitter_is_uniform_on_top_of_the_fixed_latency_and_seeded() -> None:
    def draws() -> list[float]:
        controller = FaultController(FaultConfig(latency_ms=10, jitter_ms=20, seed=9))
        return [controller.latency_seconds() for _ in range(50)]

    first = draws()
    assert first == draws()
    assert all(0.010 <= d <= 0.030 for d in first)
    assert max(first) - min(first) > 0.01
