"""Authentication as each API does it: Klarna's Basic API key, Dintero's client-credentials JWT."""

from __future__ import annotations

import base64
import functools
import time
from typing import Any

import jwt
from fastapi import Request

from reconciler.sandbox.platform.problems import DinteroProblem, KlarnaProblem
from reconciler.sandbox.platform.settings import SandboxSettings

JWT_ALGORITHM = "HS256"
DINTERO_AUDIENCE_PREFIX = "https://api.dintero.com/v1/accounts/"


def klarna_key_is_valid(settings: SandboxSettings, header: str) -> bool:
    """Accept ``Basic <api key>`` or ``Basic <uuid>:<api key>``, as Klarna documents."""
    scheme, _, value = header.partition(" ")
    key = value.rsplit(":", 1)[-1].strip()
    return scheme.lower() == "basic" and key in settings.klarna_api_keys


def require_klarna_key(request: Request) -> None:
    settings: SandboxSettings = request.app.state.sandbox.settings
    if not klarna_key_is_valid(settings, request.headers.get("authorization", "")):
        raise KlarnaProblem(401, "ACCESS_ERROR", "UNAUTHORIZED", "The presented credentials failed authentication")


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


@functools.lru_cache(maxsize=4096)
def _verified_claims(token: str, key: str, audience: str) -> dict[str, Any]:
    """Signature and audience checks, cached: a client reuses one token for thousands of reads.

    Expiry (and issue time) is left to the caller, against the sandbox's clock (which tests can move). Callers must not
    mutate the returned claims.
    """
    claims: dict[str, Any] = jwt.decode(
        token,
        key,
        algorithms=[JWT_ALGORITHM],
        audience=audience,
        # Every time is the sandbox clock's, not this machine's: a token issued after a test moved that clock
        # ahead is not "not yet valid".
        options={"verify_exp": False, "verify_iat": False, "verify_nbf": False, "require": ["exp"]},
    )
    return claims


def require_dintero_token(request: Request) -> dict[str, Any]:
    """Verify the Bearer JWT: signature, expiry and that it was issued to the sandbox's partner."""
    settings: SandboxSettings = request.app.state.sandbox.settings
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise DinteroProblem(401, "unauthorized", "Access forbidden, invalid JWT token was used")
    try:
        audience = DINTERO_AUDIENCE_PREFIX + settings.dintero_partner_id
        claims = _verified_claims(token, settings.jwt_signing_key, audience)
    except jwt.InvalidTokenError:
        raise DinteroProblem(401, "unauthorized", "Access forbidden, invalid JWT token was used") from None
    if not isinstance(claims["exp"], int | float) or claims["exp"] <= request.app.state.sandbox.now():
        raise DinteroProblem(401, "token_expired", "Access forbidden, the JWT token has expired")
    return claims
