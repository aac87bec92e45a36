"""The sandbox's seed benchmark: how long generating and seeding N merchants takes.

    python benchmarks/sandbox_seed.py --merchants 10000

In process, with no server: it times ``generate_klarna_accounts`` alone (the Klarna documents of N
merchants), then ``POST /_sandbox/seed`` with their Dintero accounts through a ``TestClient`` on a
fresh sandbox (in memory, or with ``--db-file`` a temporary SQLite file, as ``plan_scale.py`` serves).
It prints both figures and the seed route's own ``seconds``; no time is asserted, since the speed of
this machine is not the code's. The seeded counts are checked, and it exits 1 when they are short.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from reconciler.sandbox import SandboxSettings, create_app
from reconciler.sandbox.klarna.seed import generate_klarna_accounts

MAX_MERCHANTS = 100_000
NOW = 1_700_000_000.0


def time_generation(merchants: int, seed: int) -> float:
    started = time.perf_counter()
    generated = sum(1 for _ in generate_klarna_accounts(merchants, rng=random.Random(seed), now=NOW))
    elapsed = time.perf_counter() - started
    assert generated == merchants
    return elapsed


def time_seed_route(merchants: int, seed: int, db_path: Path | None) -> dict[str, Any]:
    app = create_app(SandboxSettings(db_path=db_path, operational_delay_seconds=0.0))
    with TestClient(app) as client:
        started = time.perf_counter()
        response = client.post("/_sandbox/seed", json={"count": merchants, "seed": seed, "with_dintero": True})
        wall = time.perf_counter() - started
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return {
        "wall_seconds": round(wall, 3),
        "route_seconds": body["seconds"],
        "klarna_accounts": body["klarna_accounts"],
        "dintero_accounts": body["dintero_accounts"],
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--merchants", type=int, default=10_000, help=f"N, 1 to {MAX_MERCHANTS}")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated merchants")
    parser.add_argument("--db-file", action="store_true", help="seed into a temporary SQLite file, not memory")
    options = parser.parse_args(argv)
    if not 1 <= options.merchants <= MAX_MERCHANTS:
        parser.error(f"--merchants must be between 1 and {MAX_MERCHANTS}")
    return options


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    generation = time_generation(options.merchants, options.seed)
    with tempfile.TemporaryDirectory(prefix="sandbox-seed-") as tmp:
        db_path = Path(tmp) / "sandbox.sqlite3" if options.db_file else None
        seeded = time_seed_route(options.merchants, options.seed, db_path)
    n = options.merchants
    print(f"seed of {n} merchants ({'SQLite file' if options.db_file else 'in memory'})")
    print(f"  Klarna documents generated: {generation:.3f} s ({generation / n * 1000:.3f} ms a merchant)")
    print(
        f"  POST /_sandbox/seed with Dintero: {seeded['wall_seconds']} s "
        f"(the route's own {seeded['route_seconds']} s; {seeded['wall_seconds'] / n * 1000:.3f} ms a merchant)"
    )
    print(f"  seeded: {seeded['klarna_accounts']} Klarna accounts, {seeded['dintero_accounts']} Dintero accounts")
    return 0 if seeded["klarna_accounts"] == seeded["dintero_accounts"] == n else 1


if __name__ == "__main__":
    sys.exit(main())
