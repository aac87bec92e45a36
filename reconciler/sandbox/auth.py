"""Authentication as each API does it: Klarna's Basic API key, Dintero's client-credentials JWT."""

from __future__ import annotations

import base64
import time
from typing import Any

import jwt
from fastapi import Request

from reconciler.sandbox.problems import DinteroProblem, KlarnaProblem
from reconciler.sandbox.settings import SandboxSettings

JWT_ALGORITHM = "HS256"
DINTERO_AUDIENCE_PREFIX = "https://api.dintero.com/v1/accounts/"


def require_klarna_key(request: Request) -> None:
    """Accept ``Basic <api key>`` or ``Basic <uuid>:<api key>``, as Klarna documents."""
    settings: SandboxSettings = request.app.state.sandbox.settings
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    key = value.rsplit(":", 1)[-1].strip()
    if scheme.lower() != "basic" or key not in settings.klarna_api_keys:
        raise KlarnaProblem(
            401, "ACCESS_ERROR", "UNAUTHORIZED", "The presented credentials failed authentication"
        )


def decode_basic(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return user, password


def issue_dintero_token(settings: SandboxSettings, oid: str, now: float | None = None) -> dict[str, Any]:
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": "https://sandbox.dintero.local",
        "sub": settings.dintero_client_id,
        "aud": DINTERO_AUDIENCE_PREFIX + oid,
        "iat": issued,
        "exp": issued + settings.token_ttl_seconds,
        "scopes": "admin:accounts write:accounts read:accounts",
    }
    token = jwt.encode(claims, settings.jwt_signing_key, algorithm=JWT_ALGORITHM)
    return {"access_token": token, "token_type": "Bearer", "expires_in": settings.token_ttl_seconds}


def require_dintero_token(request: Request) -> dict[str, Any]:
    """Verify the Bearer JWT: signature, expiry and that it was issued to the sandbox's partner."""
    settings: SandboxSettings = request.app.state.sandbox.settings
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise DinteroProblem(401, "unauthorized", "Access forbidden, invalid JWT token was used")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            settings.jwt_signing_key,
            algorithms=[JWT_ALGORITHM],
            audience=DINTERO_AUDIENCE_PREFIX + settings.dintero_partner_id,
        )
    except jwt.ExpiredSignatureError:
        raise DinteroProblem(401, "token_expired", "Access forbidden, the JWT token has expired") from None
    except jwt.InvalidTokenError:
        raise DinteroProblem(401, "unauthorized", "Access forbidden, invalid JWT token was used") from None
    return claims
