"""The apply benchmark: N new merchants applied to an empty served sandbox, against the network bound.

    python benchmarks/apply_scale.py --merchants 1000 --latency-ms 20 --operational-delay 1 --parallelism 32

It generates N merchants in an in-process sandbox (``POST /_sandbox/seed``, then ``GET /_sandbox/dump``)
only to write a desired-state directory declaring them (as ``plan_scale.py`` does), then starts an
*empty* ``reconciler sandbox serve`` on 127.0.0.1 with the given latency, operational delay and rate
limit. A fresh worker process loads the directory, plans it (every merchant is new), applies the plan
as ``reconciler apply`` does (the executor, then the re-plan of the touched merchants that checks
convergence), and plans once more: that plan must be empty. It prints, one line each:

- N, wall time of the apply (executor and verification), requests (the clients' counters and the
  server's log), requests per new merchant, 429s;
- the bound: each API's requests × latency ÷ parallelism (or requests ÷ rate limit, when larger),
  the larger of the two APIs, plus one operational delay (every merchant waits for its account once,
  and those waits overlap); the ratio of the wall time to it;
- the client's CPU per request (user + system of the worker, measured by itself), the sandbox
  process's CPU over the apply, and the worker's peak RSS.

Nothing is asserted about time; the script exits 1 when the plan after apply is not empty or an
operation failed.

``--merchants`` takes several N (``--merchants 500 2000 10000``): each is applied on its own fresh
sandbox and files, each one's figures end with a ``SUMMARY`` line (``summary.py``), and a ``LINEARITY``
line closes the run; ``--json`` then writes a list.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from plan_scale import (  # noqa: E402 - the sibling script, found through the path set above
    logged_requests,
    lower_bound,
    peak_rss_mb,
    process_cpu_seconds,
    run_worker_process,
    sandbox_server,
    write_desired_state,
)
from summary import Summary, add_scale_arguments, print_runs  # noqa: E402

MAX_MERCHANTS = 10_000


# --- the desired state of N new merchants ---------------------------------------------------------------


def generate_desired_state(merchants: int, seed: int, root: Path) -> dict[str, Any]:
    """Merchant files for N generated merchants, from a throw-away in-process sandbox."""
    from fastapi.testclient import TestClient

    from reconciler.sandbox import SandboxSettings, create_app

    started = time.perf_counter()
    app = create_app(SandboxSettings(db_path=None, operational_delay_seconds=0.0))
    with TestClient(app) as client:
        seeded = client.post("/_sandbox/seed", json={"count": merchants, "seed": seed, "with_dintero": True})
        seeded.raise_for_status()
        dump = client.get("/_sandbox/dump").json()
    files, kinds = write_desired_state(dump, root)
    return {
        "merchant_files": files,
        "declared_kinds": list(kinds),
        "setup_seconds": round(time.perf_counter() - started, 3),
    }


# --- the worker: plan, apply, verify, plan again ------------------------------------------------------------


def _stats(clients: Any) -> dict[str, dict[str, Any]]:
    return {"klarna": clients.klarna.http.stats.as_dict(), "dintero": clients.dintero.http.stats.as_dict()}


def _minus(after: dict[str, dict[str, Any]], before: dict[str, dict[str, Any]]) -> dict[str, dict[str, int]]:
    keys = ("requests", "retries", "rate_limited")
    return {api: {k: after[api][k] - before[api][k] for k in keys} for api in after}


async def apply_run(job: dict[str, Any]) -> dict[str, Any]:
    from reconciler.apply.executor import ExecutorSettings, apply_plan
    from reconciler.apply.report import Outcome
    from reconciler.desired.load import load_desired
    from reconciler.kinds import MerchantView
    from reconciler.live.factory import ClientParams, build_clients
    from reconciler.pipeline import desired_views_of, make_plan, read_live_view
    from reconciler.plan import Plan
    from reconciler.plan.fingerprint import precondition_key

    base_url, parallelism, rate = job["base_url"], job["parallelism"], job["rate_limit"]
    state = load_desired(Path(job["desired"]), environ={})
    params = ClientParams(
        klarna_url=base_url + "/klarna",
        dintero_url=base_url + "/dintero",
        parallelism=parallelism,
        klarna_requests_per_second=rate or None,
        dintero_requests_per_second=rate or None,
    )
    key = precondition_key(state.config)
    async with build_clients(params) as clients:
        started = time.perf_counter()
        plan = await make_plan(clients, state, state.merchants, include_partner=False)
        plan_seconds = time.perf_counter() - started
        plan_stats = _stats(clients)
        desired = desired_views_of(state, plan.merchants)

        async def read_live(reference: str) -> MerchantView:
            return await read_live_view(clients, state, desired[reference])

        async def verify(references: Sequence[str]) -> Plan:
            return await make_plan(clients, state, [state.merchant(r) for r in references], include_partner=False)

        settings = ExecutorSettings(
            precondition_key=key, parallelism=parallelism, operational_timeout_seconds=job["wait_timeout"]
        )
        server_before = logged_requests(base_url)
        sandbox_cpu_before = process_cpu_seconds(job["server_pid"])
        cpu_started = time.process_time()
        started = time.perf_counter()
        report = await apply_plan(clients, plan, desired, read_live, settings, lambda line: None, verify)
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        sandbox_cpu = process_cpu_seconds(job["server_pid"]) - sandbox_cpu_before
        server_requests = logged_requests(base_url) - server_before
        apply_stats = _minus(_stats(clients), plan_stats)
        after = await make_plan(clients, state, state.merchants, include_partner=False)
    outcomes: dict[str, int] = {}
    for result in report.results:
        outcomes[result.outcome.value] = outcomes.get(result.outcome.value, 0) + 1
    return {
        "plan_operations": len(plan.operations),
        "plan_seconds": round(plan_seconds, 3),
        "plan_requests": sum(s["requests"] for s in plan_stats.values()),
        "wall_seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
        "sandbox_cpu_seconds": None if sandbox_cpu is None else round(sandbox_cpu, 3),
        "requests_by_api": {api: s["requests"] for api, s in apply_stats.items()},
        "rate_limited": sum(s["rate_limited"] for s in apply_stats.values()),
        "retries": sum(s["retries"] for s in apply_stats.values()),
        "server_requests": server_requests,
        "outcomes": outcomes,
        "failed": sum(1 for r in report.results if r.outcome is Outcome.FAILED) + len(report.not_converged),
        "operations_after": len(after.operations),
        "first_after": [op.address for op in after.operations[:5]],
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def worker_main(job_file: Path) -> int:
    job = json.loads(job_file.read_text(encoding="utf-8"))
    from reconciler.cli.loop import run_async  # the event loop of `reconciler apply`

    json.dump(run_async(apply_run(job)), sys.stdout)
    return 0


# --- figures ------------------------------------------------------------------------------------------------


def apply_bound(
    requests_by_api: dict[str, int], latency_s: float, parallelism: int, rate_limit: float, operational_delay: float
) -> float:
    """The busier API's requests × latency ÷ parallelism (or ÷ rate limit), plus one operational delay."""
    busiest = max(lower_bound(n, latency_s, parallelism, rate_limit) for n in requests_by_api.values())
    return busiest + operational_delay


def figures(options: argparse.Namespace, setup: dict[str, Any], worker: dict[str, Any]) -> dict[str, Any]:
    n = options.merchants
    requests = sum(worker["requests_by_api"].values())
    bound = apply_bound(
        worker["requests_by_api"],
        options.latency_ms / 1000,
        options.parallelism,
        options.rate_limit,
        options.operational_delay,
    )
    return {
        "merchants": n,
        "latency_ms": options.latency_ms,
        "operational_delay": options.operational_delay,
        "parallelism": options.parallelism,
        "rate_limit": options.rate_limit,
        **setup,
        **worker,
        "requests": requests,
        "requests_per_merchant": round(requests / n, 3),
        "bound_seconds": round(bound, 3),
        "ratio": round(worker["wall_seconds"] / bound, 3) if bound > 0 else None,
        "cpu_ms_per_request": round(worker["cpu_seconds"] * 1000 / requests, 3) if requests else None,
        "converged": worker["operations_after"] == 0 and worker["failed"] == 0,
    }


def report(r: dict[str, Any]) -> str:
    rate = f", rate limit {r['rate_limit']}/s per API" if r["rate_limit"] else ""
    lines = [
        f"apply of {r['merchants']} new merchants, latency {r['latency_ms']} ms, operational delay "
        f"{r['operational_delay']} s, parallelism {r['parallelism']}{rate}",
        f"  setup: {r['merchant_files']} merchant files in {r['setup_seconds']} s; the plan: "
        f"{r['plan_operations']} operations from {r['plan_requests']} requests in {r['plan_seconds']} s",
        f"  N {r['merchants']}; wall {r['wall_seconds']} s; requests {r['requests']} {r['requests_by_api']} "
        f"({r['server_requests']} in the server's log), {r['requests_per_merchant']} per merchant; "
        f"429s {r['rate_limited']}, retries {r['retries']}",
        f"  bound {r['bound_seconds']} s (busier API's requests x latency / parallelism, or / rate, "
        f"+ {r['operational_delay']} s); ratio {r['ratio']}",
        f"  client CPU {r['cpu_seconds']} s, {r['cpu_ms_per_request']} ms per request; sandbox CPU "
        f"{r['sandbox_cpu_seconds']} s; peak memory {r['peak_rss_mb']} MB",
        f"  outcomes {r['outcomes']}; plan after apply: {r['operations_after']} operations"
        + (" (converged)" if r["converged"] else f" (NOT CONVERGED: {', '.join(r['first_after'])})"),
    ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    add_scale_arguments(parser, max_merchants=MAX_MERCHANTS, default=[1000])
    parser.add_argument(
        "--operational-delay", type=float, default=1.0, help="seconds until a new account is OPERATIONAL"
    )
    parser.add_argument("--parallelism", type=int, default=32, help="the clients' and the executor's parallelism")
    parser.add_argument(
        "--rate-limit", type=float, default=0.0, help="requests/second per API, server and client (0: none)"
    )
    parser.add_argument("--wait-timeout", type=float, default=120.0, help="the executor's wait for OPERATIONAL")
    options = parser.parse_args(argv)
    if not all(1 <= n <= MAX_MERCHANTS for n in options.merchants):
        parser.error(f"--merchants must be between 1 and {MAX_MERCHANTS}")
    if options.parallelism < 1 or options.latency_ms < 0 or options.rate_limit < 0 or options.operational_delay < 0:
        parser.error("--parallelism must be positive; --latency-ms, --rate-limit, --operational-delay not negative")
    return options


def run(options: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    desired = workdir / "desired-state"
    setup = generate_desired_state(options.merchants, options.seed, desired)
    with sandbox_server(workdir, options.latency_ms, options.rate_limit, options.operational_delay) as server:
        job = {
            "base_url": server.base_url,
            "server_pid": server.process.pid,
            "desired": str(desired),
            "parallelism": options.parallelism,
            "rate_limit": options.rate_limit,
            "wait_timeout": options.wait_timeout,
        }
        job_file = workdir / "job.json"
        job_file.write_text(json.dumps(job), encoding="utf-8")
        path = os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), *sys.path]))
        worker = run_worker_process(Path(__file__), job_file, "apply", env={**os.environ, "PYTHONPATH": path})
    return figures(options, setup, worker)


def summary_of(result: dict[str, Any]) -> Summary:
    """The common summary figures: the apply's (executor and verification), not the first plan's."""
    return Summary(
        name="apply",
        merchants=result["merchants"],
        wall_seconds=result["wall_seconds"],
        requests=result["requests"],
        bound_seconds=result["bound_seconds"],
        ratio=result["ratio"],
        cpu_seconds=result["cpu_seconds"],
        peak_mb=result["peak_rss_mb"],
        sandbox_cpu_seconds=result["sandbox_cpu_seconds"],
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) == 2 and args[0] == "--worker":
        return worker_main(Path(args[1]))
    options = parse_args(args)

    def run_one(n: int) -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="apply-scale-") as tmp:
            return run(argparse.Namespace(**{**vars(options), "merchants": n}), Path(tmp))

    results = print_runs((run_one(n) for n in options.merchants), report, summary_of, options.json)
    return 0 if all(result["converged"] for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
