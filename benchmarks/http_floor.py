"""What one read costs the client, against what the transport alone, and aiohttp, cost for the same request.

    python benchmarks/http_floor.py --requests 3000 --rounds 3

It serves a sandbox on loopback (no latency, so the figure is CPU, not waiting), seeds 500 merchants, and
reads the same expanded Klarna accounts (``GET /v1/accounts?account_reference=…&expand=…``, 32 at a time)
in several ways, each in a fresh event loop, printing the client's CPU time (user + system of this
process) per request:

- ``reconciler``: ``KlarnaClient.resolve_account``, the read a plan makes: the layered send (auth, rate
  limit, retries, error classes), JSON decoding and validation of the account;
- ``transport + JSON``: ``NetworkTransport.exchange`` alone (``reconciler.live.wire``'s HTTP/1.1 pool)
  and the same decoding, without the layers above it or validation;
- ``aiohttp + JSON`` and ``aiohttp``: one ``aiohttp`` session, the general client the transport replaced,
  with the decoding and with the body read only; printed when aiohttp is installed
  (``pip install aiohttp``), which the reconciler does not need.

No figure is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlencode

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plan_scale import sandbox_server  # noqa: E402 - the sibling module, found through the path

MERCHANTS = 500
PARALLELISM = 32


async def _timed(requests: int, read: Callable[[int], Awaitable[object]]) -> float:
    """CPU milliseconds per request for ``requests`` reads, ``PARALLELISM`` at a time, after one warm-up."""
    gate = asyncio.Semaphore(PARALLELISM)

    async def one(index: int) -> object:
        async with gate:
            return await read(index)

    await one(0)
    started = time.process_time()
    await asyncio.gather(*(one(index) for index in range(requests)))
    return (time.process_time() - started) * 1000 / requests


def _reference(index: int) -> str:
    return f"SBX{index % MERCHANTS:06d}"


async def reconciler_reads(base_url: str, requests: int) -> float:
    from reconciler.live.factory import ClientParams, build_clients

    params = ClientParams(klarna_url=base_url + "/klarna", dintero_url=base_url + "/dintero", parallelism=PARALLELISM)
    async with build_clients(params) as clients:

        async def read(index: int) -> object:
            account = await clients.klarna.resolve_account(_reference(index))
            assert account is not None
            return account

        return await _timed(requests, read)


async def transport_reads(base_url: str, requests: int) -> float:
    from pydantic_core import from_json

    from reconciler.live.klarna import EXPAND_ALL, expand_param
    from reconciler.live.transport import NetworkTransport
    from reconciler.sandbox.platform.settings import DEFAULT_KLARNA_API_KEY

    headers = {"Authorization": f"Basic {DEFAULT_KLARNA_API_KEY}", "Accept": "application/json"}
    query = urlencode({"expand": expand_param(EXPAND_ALL)})
    network = NetworkTransport(PARALLELISM)
    timeout = {"connect": 30.0, "read": 30.0, "pool": 30.0}

    async def read(index: int) -> object:
        url = f"{base_url}/klarna/v1/accounts?account_reference={_reference(index)}&{query}"
        answer = await network.exchange("GET", url, headers, None, timeout)
        assert answer.status_code == 200, answer.status_code
        return from_json(answer.content)

    try:
        return await _timed(requests, read)
    finally:
        await network.aclose()


async def aiohttp_reads(base_url: str, requests: int, decode: bool) -> float:
    import aiohttp
    from pydantic_core import from_json

    from reconciler.live.klarna import EXPAND_ALL, expand_param
    from reconciler.sandbox.platform.settings import DEFAULT_KLARNA_API_KEY

    headers = {"Authorization": f"Basic {DEFAULT_KLARNA_API_KEY}"}
    expand = expand_param(EXPAND_ALL)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=PARALLELISM), headers=headers) as session:

        async def read(index: int) -> object:
            params = {"account_reference": _reference(index), "expand": expand}
            async with session.get(base_url + "/klarna/v1/accounts", params=params) as response:
                body = await response.read()
                assert response.status == 200, response.status
                return from_json(body) if decode else body

        return await _timed(requests, read)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args(argv)
    from reconciler.cli.loop import run_async  # uvloop where it is installed, as the commands run

    try:
        import aiohttp  # noqa: F401 - only whether it is there
    except ImportError:
        with_aiohttp = False
    else:
        with_aiohttp = True
    figures: dict[str, list[float]] = {"reconciler": [], "transport + JSON": []}
    if with_aiohttp:
        figures.update({"aiohttp + JSON": [], "aiohttp": []})
    with tempfile.TemporaryDirectory(prefix="http-floor-") as work, sandbox_server(Path(work), 0, 0) as server:
        seeded = httpx.post(server.base_url + "/_sandbox/seed", json={"count": MERCHANTS, "seed": 1}, timeout=600)
        seeded.raise_for_status()
        for _ in range(max(1, options.rounds)):
            figures["reconciler"].append(run_async(reconciler_reads(server.base_url, options.requests)))
            figures["transport + JSON"].append(run_async(transport_reads(server.base_url, options.requests)))
            if not with_aiohttp:
                continue
            figures["aiohttp + JSON"].append(run_async(aiohttp_reads(server.base_url, options.requests, True)))
            figures["aiohttp"].append(run_async(aiohttp_reads(server.base_url, options.requests, False)))
    for label, values in figures.items():
        rounds = ", ".join(f"{value:.3f}" for value in values)
        print(f"{label:18} median {statistics.median(values):.3f} ms CPU per request  (rounds: {rounds})")
    if not with_aiohttp:
        print("aiohttp is not installed: no comparison with it")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
