"""The sandbox as a real HTTP server (uvicorn on 127.0.0.1): smoke set, CLI options, kill -9 persistence."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from reconciler.cli import main
from reconciler.sandbox.klarna.seed import sample_onboard_payload

KLARNA_AUTH = {"Authorization": "Basic klarna_test_api_sandbox"}
BASIC = {"Authorization": "Basic " + base64.b64encode(b"sandbox:sandbox").decode()}
PARTNER = "T11200000"
TOKEN_BODY = {"grant_type": "client_credentials", "audience": f"https://api.dintero.com/v1/accounts/{PARTNER}"}
CASE_ID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
KLARNA_SIGNUP = {"signup": {"case_id": CASE_ID, "payment_options": [{"currencies": ["NOK"], "type": "klarna.klarna"}]}}


@pytest.fixture
def http(live_sandbox: str) -> Iterator[httpx.Client]:
    """A client on the shared live server; the test's fault changes are undone afterwards."""
    with httpx.Client(base_url=live_sandbox, timeout=10) as client:
        yield client
        client.put(
            "/_sandbox/faults",
            json={
                "rate_limit_per_second": {"klarna": 0, "dintero": 0},
                "fail_next": [],
                "fault_rate": 0,
                "latency_ms": 0,
            },
        )


def unique_aid() -> str:
    return "T3" + str(uuid.uuid4().int)[:7]


def dintero_token(http: httpx.Client) -> dict[str, str]:
    response = http.post(f"/dintero/v1/accounts/{PARTNER}/auth/token", headers=BASIC, json=TOKEN_BODY)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_openapi_and_docs_describe_every_route(http: httpx.Client) -> None:
    spec = http.get("/openapi.json").json()
    operations = [op for item in spec["paths"].values() for op in item.values()]
    assert all(op.get("summary") and op.get("tags") for op in operations)
    tags = {tag for op in operations for tag in op["tags"]}
    assert {"dintero", "sandbox"} <= tags and any(t.startswith("klarna") for t in tags)
    for path in (
        "/dintero/v1/accounts/{oid}/auth/token",
        "/dintero/v1/accounts/{aid}/management/settings/connections/klarna",
        "/dintero/v1/accounts/{oid}/management/accounts/{aid}/connections/{connection}/events",
        "/klarna/v1/distribution/onboard",
        "/_sandbox/faults",
    ):
        assert path in spec["paths"]
    docs = http.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_dintero_token_signup_and_partner_view_over_http(http: httpx.Client) -> None:
    auth = dintero_token(http)
    aid = unique_aid()
    created = http.post(
        f"/dintero/v1/accounts/{aid}/management/settings/connections/klarna", headers=auth, json=KLARNA_SIGNUP
    )
    assert created.status_code == 201
    view = http.get(f"/dintero/v1/accounts/{PARTNER}/management/accounts/{aid}", headers=auth)
    assert view.status_code == 200 and view.json()["connections"]["klarna"]["status"] == "pending"
    assert http.get(f"/dintero/v1/accounts/{PARTNER}/management/accounts/{aid}").status_code == 401


def test_klarna_onboard_and_read_over_http(http: httpx.Client) -> None:
    reference = "SMOKE" + uuid.uuid4().hex[:8]
    onboarded = http.post(
        "/klarna/v1/distribution/onboard", headers=KLARNA_AUTH, json=sample_onboard_payload(reference)
    )
    assert onboarded.status_code == 201
    found = http.get(
        "/klarna/v1/accounts", headers=KLARNA_AUTH, params={"account_reference": reference, "expand": "websites"}
    )
    [account] = found.json()["accounts"]
    assert account["account_id"] == onboarded.json()["account_id"]
    assert account["websites"][0]["website_reference"] == "999888777"
    assert http.get("/klarna/v1/accounts", params={"account_reference": reference}).status_code == 401


def test_faults_and_idempotent_retry_over_http(http: httpx.Client) -> None:
    http.put(
        "/_sandbox/faults",
        json={
            "fail_next": [{"api": "klarna", "method": "POST", "path_pattern": "/credentials$", "when": "after_effect"}]
        },
    )
    key = {"Klarna-Idempotency-Key": str(uuid.uuid4()), **KLARNA_AUTH}
    body = {"description": "smoke", "type": "API", "environment": "TEST"}
    lost = http.post("/klarna/v1/account/credentials", headers=key, json=body)
    assert lost.status_code == 500 and lost.headers["x-sandbox-fault"] == "after_effect"
    retry = http.post("/klarna/v1/account/credentials", headers=key, json=body)
    assert retry.status_code == 201 and retry.headers["klarna-idempotency-replayed"] == "true"


def test_rate_limit_headers_over_http(http: httpx.Client) -> None:
    http.put("/_sandbox/faults", json={"rate_limit_per_second": {"klarna": 1000, "dintero": 3}})
    klarna = http.get("/klarna/v1/distribution/profiles", headers=KLARNA_AUTH)
    assert klarna.headers["x-ratelimit-limit"] == "1000, 1000;w=1"
    statuses = [http.get(f"/dintero/v1/accounts/{PARTNER}/management/accounts").status_code for _ in range(6)]
    assert 429 in statuses  # 401s until the bucket of 3 is empty
    assert set(statuses) == {401, 429}


def test_serve_help_lists_every_option() -> None:
    result = CliRunner().invoke(main, ["sandbox", "serve", "--help"])
    assert result.exit_code == 0
    for option in (
        "--host",
        "--port",
        "--db",
        "--latency-ms",
        "--jitter-ms",
        "--fault-rate",
        "--seed",
        "--rate-limit",
        "--operational-delay",
        "--klarna-api-key",
        "--dintero-client-id",
        "--dintero-client-secret",
    ):
        assert option in result.output


def test_a_killed_server_loses_no_acknowledged_write(tmp_path: Path, server_processes: Callable[..., Any]) -> None:
    db = tmp_path / "state.sqlite3"
    server = server_processes(db)
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        auth = dintero_token(http)
        signup = http.post(
            "/dintero/v1/accounts/T11200042/management/settings/connections/klarna", headers=auth, json=KLARNA_SIGNUP
        )
        onboarded = http.post(
            "/klarna/v1/distribution/onboard", headers=KLARNA_AUTH, json=sample_onboard_payload("KILL-9")
        )
        assert signup.status_code == onboarded.status_code == 201
    server.process.kill()  # SIGKILL: no shutdown, no flush
    server.process.wait(timeout=10)

    restarted = server_processes(db)
    with httpx.Client(base_url=restarted.base_url, timeout=10) as http:
        auth = dintero_token(http)
        connection = http.get("/dintero/v1/accounts/T11200042/management/settings/connections/klarna", headers=auth)
        assert connection.json() == signup.json()
        found = http.get("/klarna/v1/accounts", headers=KLARNA_AUTH, params={"account_reference": "KILL-9"})
        assert found.json()["accounts"][0]["account_id"] == onboarded.json()["account_id"]


def test_serve_takes_other_credentials_and_start_faults(tmp_path: Path, server_processes: Callable[..., Any]) -> None:
    server = server_processes(
        ":memory:",
        "--klarna-api-key",
        "klarna_test_api_other",
        "--dintero-client-id",
        "ci",
        "--dintero-client-secret",
        "ci-secret",
        "--latency-ms",
        "3",
        "--rate-limit",
        "50",
        "--seed",
        "4",
    )
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        assert http.get("/klarna/v1/distribution/profiles", headers=KLARNA_AUTH).status_code == 401
        other = http.get("/klarna/v1/distribution/profiles", headers={"Authorization": "Basic klarna_test_api_other"})
        assert other.status_code == 200
        token_path = f"/dintero/v1/accounts/{PARTNER}/auth/token"
        assert http.post(token_path, headers=BASIC, json=TOKEN_BODY).status_code == 401
        ci = {"Authorization": "Basic " + base64.b64encode(b"ci:ci-secret").decode()}
        assert http.post(token_path, headers=ci, json=TOKEN_BODY).status_code == 200
        faults = http.get("/_sandbox/faults").json()
        assert (faults["latency_ms"], faults["seed"]) == (3, 4)
        assert faults["rate_limit_per_second"] == {"klarna": 50, "dintero": 50}
