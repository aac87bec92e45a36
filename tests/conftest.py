"""Shared fixtures: an in-process sandbox and HTTP clients for it."""

from __future__ import annotations

import base64
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from reconciler.sandbox import SandboxSettings, create_app
from reconciler.sandbox.platform.settings import (
    DEFAULT_DINTERO_CLIENT_ID,
    DEFAULT_DINTERO_CLIENT_SECRET,
    DEFAULT_DINTERO_PARTNER_ID,
    DEFAULT_KLARNA_API_KEY,
)

KLARNA_AUTH = {"Authorization": f"Basic {DEFAULT_KLARNA_API_KEY}"}


@pytest.fixture
def sandbox_settings() -> SandboxSettings:
    """In-memory state, no lifecycle delay, no faults: tests opt into each behaviour."""
    return SandboxSettings(db_path=None, operational_delay_seconds=0.0)


@pytest.fixture
def sandbox_app(sandbox_settings: SandboxSettings) -> FastAPI:
    return create_app(sandbox_settings)


@pytest.fixture
def client(sandbox_app: FastAPI) -> Iterator[TestClient]:
    """A synchronous in-process HTTP client on the sandbox (no network)."""
    with TestClient(sandbox_app) as test_client:
        yield test_client


@pytest.fixture
def klarna(client: TestClient) -> TestClient:
    """The in-process client with Klarna's Basic API key set."""
    client.headers.update(KLARNA_AUTH)
    return client


# --- Dintero and the real HTTP server (sandbox platform) ---------------------------------------

DINTERO_PARTNER = DEFAULT_DINTERO_PARTNER_ID
DINTERO_BASIC = {
    "Authorization": "Basic "
    + base64.b64encode(f"{DEFAULT_DINTERO_CLIENT_ID}:{DEFAULT_DINTERO_CLIENT_SECRET}".encode()).decode()
}
DINTERO_TOKEN_PATH = f"/dintero/v1/accounts/{DINTERO_PARTNER}/auth/token"
DINTERO_TOKEN_BODY = {
    "grant_type": "client_credentials",
    "audience": f"https://api.dintero.com/v1/accounts/{DINTERO_PARTNER}",
}


@pytest.fixture
def dintero(sandbox_app: FastAPI) -> Iterator[TestClient]:
    """An in-process client holding a Dintero partner token (its own client: ``klarna`` keeps its key)."""
    with TestClient(sandbox_app) as test_client:
        response = test_client.post(DINTERO_TOKEN_PATH, headers=DINTERO_BASIC, json=DINTERO_TOKEN_BODY)
        assert response.status_code == 200, response.text
        test_client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        yield test_client


@dataclass
class ServerProcess:
    """A ``reconciler sandbox serve`` subprocess on 127.0.0.1."""

    process: subprocess.Popen[bytes]
    base_url: str
    log: Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server_process(db: Path | str, log: Path, *extra: str) -> ServerProcess:
    """Start the CLI's server and wait (bounded) until it answers."""
    port = free_port()
    command = [sys.executable, "-m", "reconciler", "sandbox", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--db", str(db), "--operational-delay", "0", *extra]
    with log.open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sandbox server exited: {log.read_text()}")
        try:
            if httpx.get(base_url + "/_sandbox/health", timeout=1).status_code == 200:
                return ServerProcess(process, base_url, log)
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"sandbox server did not start: {log.read_text()}")


def stop_server_process(server: ServerProcess) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


@pytest.fixture(scope="session")
def live_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a real uvicorn sandbox on 127.0.0.1 (one per test session and worker)."""
    workdir = tmp_path_factory.mktemp("live-sandbox")
    server = start_server_process(workdir / "sandbox.sqlite3", workdir / "server.log")
    try:
        yield server.base_url
    finally:
        stop_server_process(server)


@pytest.fixture
def server_processes(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Start sandbox servers on demand (e.g. to kill and restart one); all are stopped afterwards."""
    started: list[ServerProcess] = []

    def start(db: Path, *extra: str) -> ServerProcess:
        server = start_server_process(db, tmp_path / f"server-{len(started)}.log", *extra)
        started.append(server)
        return server

    yield start
    for server in started:
        stop_server_process(server)


@pytest.fixture(autouse=True)
def fresh_secret_values() -> Iterator[None]:
    """No secret value registered for masking (``reconciler.sensitive``) by an earlier test, nor left for a later one.

    The registry is process-global: a value another test registered masks text here whether or not the code
    under test registered (or scrubbed) it, and a value registered here masks text in every test after it.
    Emptied in place, and only once the module is loaded: a test of what a command does not import stays true.
    """
    _forget_secret_values()
    yield
    _forget_secret_values()


def _forget_secret_values() -> None:
    sensitive = sys.modules.get("reconciler.sensitive")
    if sensitive is not None:
        sensitive.forget_secret_values()


@pytest.fixture(autouse=True)
def _sandbox_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests use the sandbox on purpose: under CI=true it must be asked for (the tests of that rule unset this)."""
    monkeypatch.setenv("RECONCILER_ALLOW_SANDBOX", "1")
