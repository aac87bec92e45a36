"""Embedded mode: the sandbox in process, with state under <workdir>/.reconciler/ across commands."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from reconciler.sandbox import SandboxSettings, create_app
from reconciler.sandbox.embedded import embedded_app, embedded_db_path, embedded_transport

KLARNA_AUTH = {"Authorization": "Basic klarna_test_api_sandbox"}
CREDENTIAL = {"description": "embedded", "type": "API", "environment": "TEST"}


def test_embedded_state_lives_under_dot_reconciler_and_outlives_the_app(tmp_path: Path) -> None:
    async def create() -> str:
        transport = embedded_transport(tmp_path)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox", headers=KLARNA_AUTH) as http:
            response = await http.post("/klarna/v1/account/credentials", json=CREDENTIAL)
            assert response.status_code == 201
            credential_id: str = response.json()["credential_id"]
            return credential_id

    credential_id = asyncio.run(create())
    db = embedded_db_path(tmp_path)
    assert db == tmp_path / ".reconciler" / "sandbox.sqlite3" and db.exists()
    # A later command opens a new app on the same file and sees the write.
    later = create_app(SandboxSettings(db_path=db))

    async def read() -> list[str]:
        transport = httpx.ASGITransport(app=later)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox", headers=KLARNA_AUTH) as http:
            listed = (await http.get("/klarna/v1/account/credentials")).json()["credentials"]
            return [c["credential_id"] for c in listed]

    assert asyncio.run(read()) == [credential_id]


def test_one_app_per_working_directory(tmp_path: Path) -> None:
    assert embedded_app(tmp_path) is embedded_app(tmp_path / ".")
    assert embedded_app(tmp_path) is not embedded_app(tmp_path / "other")
