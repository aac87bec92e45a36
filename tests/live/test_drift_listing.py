"""Drift lists the unmanaged accounts alongside the merchants' reads, not after them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
from fastapi.testclient import TestClient

from reconciler.desired.load import load_desired
from reconciler.live import ClientParams, build_clients
from reconciler.pipeline import make_plan
from reconciler.sandbox import SandboxSettings, create_app
from tests.benchmarks.scripts import load_script


def _plan_scale() -> ModuleType:
    return load_script("plan_scale")


class Recorder(httpx.AsyncBaseTransport):
    """Passes requests to the sandbox, noting the order in which they start."""

    def __init__(self, app: Any) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.started: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        query = request.url.query.decode()
        if request.url.path.endswith("/v1/accounts"):
            self.started.append("read" if "account_reference=" in query else "listing")
        await asyncio.sleep(0.001)  # every answer takes a moment, as over a network
        return await self.inner.handle_async_request(request)


def test_the_unmanaged_listing_starts_before_the_reads_are_done(tmp_path: Path) -> None:
    app = create_app(SandboxSettings(db_path=None, operational_delay_seconds=0.0))
    with TestClient(app) as client:
        assert client.post("/_sandbox/seed", json={"count": 12, "seed": 3}).status_code == 200
        _plan_scale().write_desired_state(client.get("/_sandbox/dump").json(), tmp_path / "desired-state")
    # One merchant is left out of the files: drift must list it as unmanaged.
    left_out = sorted((tmp_path / "desired-state" / "merchants").glob("*.yaml"))[-1]
    reference = left_out.stem.upper()
    left_out.unlink()
    state = load_desired(tmp_path / "desired-state", environ={})
    recorder = Recorder(app)

    async def drift() -> list[str]:
        params = ClientParams(parallelism=2)
        async with build_clients(params, transport=recorder) as clients:
            plan = await make_plan(clients, state, state.merchants, include_partner=False, with_unmanaged=True)
        return list(plan.unmanaged)

    assert asyncio.run(drift()) == [reference]
    assert recorder.started.count("read") == 11
    assert recorder.started.index("listing") < len(recorder.started) - 1 - recorder.started[::-1].index("read")
