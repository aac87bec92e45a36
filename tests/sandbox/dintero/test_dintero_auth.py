"""Dintero auth: client credentials at /auth/token, Bearer JWTs, and every refusal."""

from __future__ import annotations

import base64
import time
from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

PARTNER = "T11200000"
TOKEN_PATH = f"/dintero/v1/accounts/{PARTNER}/auth/token"
AUDIENCE = f"https://api.dintero.com/v1/accounts/{PARTNER}"
FOREIGN_KEY = "another-signing-key-0123456789abcdef"
PARTNER_VIEW = f"/dintero/v1/accounts/{PARTNER}/management/accounts"


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def error_of(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["message"]
    if code is not None:
        assert error["code"] == code
    return error


def test_client_credentials_give_a_bearer_jwt_with_the_configured_lifetime(client: TestClient) -> None:
    response = client.post(
        TOKEN_PATH,
        headers=basic("sandbox", "sandbox"),
        json={"grant_type": "client_credentials", "audience": AUDIENCE},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["aud"] == AUDIENCE
    assert claims["exp"] - claims["iat"] == 3600
    listed = client.get(PARTNER_VIEW, headers={"Authorization": f"Bearer {body['access_token']}"})
    assert listed.status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        basic("sandbox", "wrong"),
        basic("someone", "sandbox"),
        {"Authorization": "Bearer sandbox"},
        {"Authorization": "Basic !!!not-base64"},
        {},
    ],
    ids=["wrong-secret", "wrong-client", "bearer", "garbage", "none"],
)
def test_wrong_client_credentials_are_401(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post(TOKEN_PATH, headers=headers, json={"grant_type": "client_credentials", "audience": AUDIENCE})
    error_of(response, 401, "unauthorized")


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"grant_type": "password", "audience": AUDIENCE}, "unsupported_grant_type", "grant_type"),
        (
            {"grant_type": "client_credentials", "audience": "https://api.dintero.com/v1/accounts/T11299999"},
            "invalid_audience",
            "audience",
        ),
        ({"grant_type": "client_credentials"}, "invalid_request", "audience"),
    ],
    ids=["grant", "audience", "missing-audience"],
)
def test_a_wrong_grant_or_audience_is_400(client: TestClient, body: dict[str, str], code: str, field: str) -> None:
    error = error_of(client.post(TOKEN_PATH, headers=basic("sandbox", "sandbox"), json=body), 400, code)
    assert field in [e["field"] for e in error["errors"]]


def test_a_token_for_another_account_than_the_partner_is_403(client: TestClient) -> None:
    other = "T11200001"
    response = client.post(
        f"/dintero/v1/accounts/{other}/auth/token",
        headers=basic("sandbox", "sandbox"),
        json={"grant_type": "client_credentials", "audience": f"https://api.dintero.com/v1/accounts/{other}"},
    )
    error_of(response, 403, "forbidden")


def test_an_expired_token_is_401(client: TestClient, sandbox_app: FastAPI) -> None:
    token = client.post(
        TOKEN_PATH,
        headers=basic("sandbox", "sandbox"),
        json={"grant_type": "client_credentials", "audience": AUDIENCE},
    ).json()["access_token"]
    issued = jwt.decode(token, options={"verify_signature": False})["iat"]
    sandbox_app.state.sandbox.clock = lambda: issued + 3600  # the instant it expires
    response = client.get(PARTNER_VIEW, headers={"Authorization": f"Bearer {token}"})
    error_of(response, 401, "token_expired")


def test_a_token_issued_on_a_clock_moved_ahead_is_accepted(client: TestClient, sandbox_app: FastAPI) -> None:
    sandbox_app.state.sandbox.clock = lambda: time.time() + 600  # its iat is ten minutes from this machine's now
    token = client.post(
        TOKEN_PATH,
        headers=basic("sandbox", "sandbox"),
        json={"grant_type": "client_credentials", "audience": AUDIENCE},
    ).json()["access_token"]
    response = client.get(PARTNER_VIEW, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer not.a.jwt",
        "Bearer " + jwt.encode({"aud": AUDIENCE, "exp": 4_000_000_000}, FOREIGN_KEY, algorithm="HS256"),
        "Basic klarna_test_api_sandbox",
        "",
    ],
    ids=["garbage", "foreign-signature", "basic", "missing"],
)
def test_routes_refuse_a_missing_or_wrong_token_with_401(client: TestClient, authorization: str) -> None:
    for path in (PARTNER_VIEW, "/dintero/v1/accounts/T11200001/management/settings/connections/klarna"):
        error_of(client.get(path, headers={"Authorization": authorization}), 401, "unauthorized")


def test_a_token_issued_with_other_credentials_settings_is_refused(sandbox_settings: Any) -> None:
    from reconciler.sandbox import create_app

    sandbox_settings.dintero_client_id = "partner-ci"
    sandbox_settings.dintero_client_secret = "s3cret"
    with TestClient(create_app(sandbox_settings)) as custom:
        body = {"grant_type": "client_credentials", "audience": AUDIENCE}
        error_of(custom.post(TOKEN_PATH, headers=basic("sandbox", "sandbox"), json=body), 401)
        assert custom.post(TOKEN_PATH, headers=basic("partner-ci", "s3cret"), json=body).status_code == 200
