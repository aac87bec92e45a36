"""Credentials for each API.

Klarna takes the API key itself: ``Authorization: Basic <api key>``. Dintero takes a JWT obtained
with client credentials from ``POST /v1/accounts/{partner_id}/auth/token``; it is cached, renewed
shortly before it expires (one fetch at a time, however many requests wait for it), and renewed
once more when the API answers 401 to a token that had not yet expired by our clock.
"""

from __future__ import annotations

import asyncio
import base64
import math
import re
import time
from collections.abc import Callable, Mapping

from reconciler.errors import ApiError
from reconciler.live.http import ApiHttpClient
from reconciler.sensitive import register_secret_value

DINTERO_AUDIENCE = "https://api.dintero.com/v1/accounts/{oid}"
DINTERO_TOKEN_PATH = "/v1/accounts/{oid}/auth/token"
DEFAULT_TOKEN_SECONDS = 3600.0  # a token whose lifetime the answer does not give (readably)
_SENDABLE_TOKEN = re.compile(r"[\x21-\x7e]+")


# Shorter credentials (the sandbox's ``sandbox``) are words: masked as text everywhere, they would hide
# ordinary output. An API key, a client secret or a token is longer.
MIN_CREDENTIAL_CHARS = 16


def mask_sent(*credentials: str) -> None:
    """Mask these credentials wherever they would be shown from now on: an API may quote what it was sent
    back in its error text (``Invalid key: Basic klarna_live_api_…``), which errors and logs show."""
    for credential in credentials:
        if len(credential.strip()) >= MIN_CREDENTIAL_CHARS:
            register_secret_value(credential)


class KlarnaKeyAuth:
    """Klarna's Basic scheme with the raw API key (no base64, as Klarna documents)."""

    def __init__(self, api_key: str) -> None:
        self._header = {"Authorization": f"Basic {api_key}"}
        mask_sent(api_key)

    def __repr__(self) -> str:
        return "KlarnaKeyAuth(api_key=***)"

    async def headers(self, http: ApiHttpClient) -> dict[str, str]:
        return dict(self._header)

    async def refresh_after_unauthorized(self, http: ApiHttpClient, used: Mapping[str, str]) -> bool:
        return False  # a refused key stays refused


class DinteroTokenAuth:
    """Dintero's client-credentials JWT, cached until shortly before it expires."""

    def __init__(
        self,
        partner_id: str,
        client_id: str,
        client_secret: str,
        *,
        refresh_margin_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.partner_id = partner_id
        encoded = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        self._basic = "Basic " + encoded
        mask_sent(client_secret, encoded)  # the encoded pair decodes to the secret
        self._refresh_margin = refresh_margin_seconds
        self._clock = clock
        self._token: str | None = None
        self._renew_at = 0.0
        self._lock = asyncio.Lock()
        self.fetches = 0

    def __repr__(self) -> str:
        return f"DinteroTokenAuth(partner_id={self.partner_id!r}, client_secret=***)"

    def _fresh(self) -> bool:
        return self._token is not None and self._clock() < self._renew_at

    async def headers(self, http: ApiHttpClient) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.token(http)}"}

    async def token(self, http: ApiHttpClient) -> str:
        if not self._fresh():
            async with self._lock:
                # Whoever waited on the lock finds the token the first holder fetched.
                if not self._fresh():
                    await self._fetch(http)
        assert self._token is not None
        return self._token

    async def refresh_after_unauthorized(self, http: ApiHttpClient, used: Mapping[str, str]) -> bool:
        async with self._lock:
            if self._token is None or used.get("Authorization") == f"Bearer {self._token}":
                await self._fetch(http)
        return True

    async def _fetch(self, http: ApiHttpClient) -> None:
        oid = self.partner_id
        operation = "auth_token"
        response = await http.request(
            "POST",
            DINTERO_TOKEN_PATH.format(oid=oid),
            operation=operation,
            json={"grant_type": "client_credentials", "audience": DINTERO_AUDIENCE.format(oid=oid)},
            headers={"Authorization": self._basic},
            authenticate=False,
            read_only=True,  # asking for a token changes nothing, however often it is asked
        )
        self.fetches += 1
        body = http.json(response, operation)
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise ApiError(http.api, operation, response.status_code, "the token response holds no access_token")
        if not _SENDABLE_TOKEN.fullmatch(token):
            # A header carries visible ASCII only: anything else could not be sent, or would be sent
            # differently by each transport.
            raise ApiError(http.api, operation, response.status_code, "the access_token is not a sendable token")
        try:
            lifetime = float(body.get("expires_in", DEFAULT_TOKEN_SECONDS))
        except (TypeError, ValueError, OverflowError):  # overflow: an integer too large for a float
            lifetime = DEFAULT_TOKEN_SECONDS
        if not math.isfinite(lifetime) or lifetime <= 0:
            lifetime = DEFAULT_TOKEN_SECONDS
        margin = min(self._refresh_margin, lifetime / 10)
        mask_sent(token)
        self._token = token
        self._renew_at = self._clock() + lifetime - margin
