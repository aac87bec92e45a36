"""The import benchmark: ``reconciler import --all`` over N seeded merchants against a served sandbox.

    python benchmarks/import_scale.py --merchants 2000 --latency-ms 20

It starts ``reconciler sandbox serve`` (a free loopback port, a temporary SQLite file, the given latency;
see ``plan_scale.py``), seeds N merchants with their Dintero accounts, and runs ``reconciler import --all``
in a child process against it, into a fresh directory with an age recipient. It prints:

- wall time of the import, and the requests it made (the server's request log), per merchant;
- the bound of DESIGN.md §7, ``requests × latency ÷ parallelism`` taken per API, and the ratio of the wall
  time to it; and, since a cursor-paged list is a chain (each page names the next), the chain's own bound,
  ``pages × latency`` of the longer of the two APIs' chains (they run side by side);
- the import process's peak resident memory (its own ``VmHWM``, printed as it exits), its CPU time (user +
  system, ``time.process_time()`` printed as it exits, start-up included) per request of the server's log,
  and the sandbox process's CPU over the import (``/proc/PID/stat``);
- after each N, one ``SUMMARY`` line in the format the other scale benchmarks share (``summary.py``), and
  after several N a ``LINEARITY`` line. ``--json FILE`` writes the figures (a list when several N).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plan_scale import logged_requests, process_cpu_seconds, sandbox_server  # noqa: E402
from summary import Summary, print_runs  # noqa: E402

READS_PER_MERCHANT_BOUND = 1.1
# Runs the CLI and, at exit, prints the process's own high-water mark of resident memory (VmHWM): the
# children's ru_maxrss would also count the sandbox servers this script has waited for; and its own CPU
# time (user + system) with that of the worker processes it forked, which the script's rusage of its
# children would mix with the servers'.
_WRAPPER = """
import atexit, resource, sys, time
def _peak():
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the import's worker processes, ended by now
    print('CPU_S', repr(time.process_time() + children.ru_utime + children.ru_stime), file=sys.stderr)
    print('WORKERS_PEAK_KB', children.ru_maxrss, file=sys.stderr)
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            print('PEAK_KB', line.split()[1], file=sys.stderr)
atexit.register(_peak)
sys.argv = ['reconciler', *sys.argv[1:]]
from reconciler.cli import main
main()
"""


def requests_by_api(base_url: str, since: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    cursor = since
    while True:
        body = httpx.get(base_url + "/_sandbox/requests", params={"since": cursor}, timeout=60.0).json()
        entries = body["requests"]
        if not entries:
            return counts
        for entry in entries:
            counts[entry["api"]] = counts.get(entry["api"], 0) + 1
        cursor = entries[-1]["seq"]


def run(merchants: int, latency_ms: float, parallelism: int) -> dict[str, Any]:
    import pyrage

    with tempfile.TemporaryDirectory(prefix="import-scale-") as temporary:
        workdir = Path(temporary)
        with sandbox_server(workdir, latency_ms, 0) as server:
            seeded = httpx.post(server.base_url + "/_sandbox/seed", json={"count": merchants, "seed": 1}, timeout=600)
            seeded.raise_for_status()
            target = workdir / "imported"
            target.mkdir()
            identity = pyrage.x25519.Identity.generate()
            (target / "secrets.recipients").write_text(f"{identity.to_public()}\n")
            env = {
                **os.environ,
                "RECONCILER_KLARNA_URL": server.base_url + "/klarna",
                "RECONCILER_DINTERO_URL": server.base_url + "/dintero",
                "KLARNA_API_KEY": "klarna_test_api_sandbox",
                "DINTERO_PARTNER_ID": "T11200000",
                "DINTERO_CLIENT_ID": "sandbox",
                "DINTERO_CLIENT_SECRET": "sandbox",
                "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
            }
            before = logged_requests(server.base_url)
            command = [sys.executable, "-c", _WRAPPER, "import", "--all", "--desired", str(target)]
            command += ["--parallelism", str(parallelism)]
            sandbox_cpu_before = process_cpu_seconds(server.process.pid)
            started = time.perf_counter()
            done = subprocess.run(command, env=env, cwd=workdir, capture_output=True, text=True, check=False)
            wall = time.perf_counter() - started
            sandbox_cpu_after = process_cpu_seconds(server.process.pid)
            if done.returncode != 0:
                raise SystemExit(f"import failed ({done.returncode}): {done.stderr[-2000:]}")
            peaks = [line.split()[1] for line in done.stderr.splitlines() if line.startswith("PEAK_KB")]
            peak_mb = int(peaks[-1]) / 1024 if peaks else resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            cpus = [float(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("CPU_S")]
            workers = [int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("WORKERS_PEAK_KB")]
            by_api = requests_by_api(server.base_url, before)
            files = len(list((target / "merchants").glob("*.yaml")))
    latency = latency_ms / 1000
    requests = sum(by_api.values())
    bound = max(n * latency / parallelism for n in by_api.values())
    chain = max(by_api.values()) * latency
    return {
        "merchants": merchants,
        "files": files,
        "wall_s": wall,
        "requests": requests,
        "reads_per_merchant": requests / merchants,
        "klarna_requests": by_api.get("klarna", 0),
        "dintero_requests": by_api.get("dintero", 0),
        "bound_s": bound,
        "ratio": wall / bound if bound else float("nan"),
        "chain_bound_s": chain,
        "chain_ratio": wall / chain if chain else float("nan"),
        "peak_rss_mb": peak_mb,
        # The largest peak of one of the worker processes that made the files (0: none ran).
        "workers_peak_rss_mb": workers[-1] / 1024 if workers else None,
        "client_cpu_s": cpus[-1] if cpus else None,
        "client_cpu_ms_per_request": cpus[-1] * 1000 / requests if cpus and requests else None,
        "sandbox_cpu_s": (
            sandbox_cpu_after - sandbox_cpu_before
            if sandbox_cpu_before is not None and sandbox_cpu_after is not None
            else None
        ),
    }


def summary_of(r: dict[str, Any]) -> Summary:
    """The common summary figures, with the per-API bound ``requests × latency ÷ parallelism``."""
    return Summary(
        name="import",
        merchants=r["merchants"],
        wall_seconds=r["wall_s"],
        requests=r["requests"],
        bound_seconds=r["bound_s"],
        ratio=r["ratio"] if r["bound_s"] else None,
        cpu_seconds=r["client_cpu_s"],
        peak_mb=r["peak_rss_mb"],
        sandbox_cpu_seconds=r["sandbox_cpu_s"],
    )


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f} ms"


def _mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} MB"


def _s(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} s"


def report(r: dict[str, Any]) -> str:
    return (
        f"N={r['merchants']}: wall {r['wall_s']:.2f} s, {r['files']} files, {r['requests']:.0f} requests "
        f"(klarna {r['klarna_requests']:.0f}, dintero {r['dintero_requests']:.0f}), "
        f"{r['reads_per_merchant']:.3f} reads/merchant (bound {READS_PER_MERCHANT_BOUND}); "
        f"bound requests×latency÷parallelism {r['bound_s']:.3f} s, ratio {r['ratio']:.1f}; "
        f"page-chain bound {r['chain_bound_s']:.2f} s, ratio {r['chain_ratio']:.1f}; "
        f"peak RSS {r['peak_rss_mb']:.0f} MB (largest of a worker: {_mb(r['workers_peak_rss_mb'])}); "
        f"client CPU {_s(r['client_cpu_s'])} "
        f"({_ms(r['client_cpu_ms_per_request'])} per request, start-up included; "
        f"waiting, wall less client CPU: {_s(_waiting(r))}); "
        f"sandbox CPU {_s(r['sandbox_cpu_s'])}"
    )


def _waiting(r: dict[str, Any]) -> float | None:
    """Wall time the import spent not working: on its reads, mostly, and on the disk."""
    return None if r["client_cpu_s"] is None else max(0.0, r["wall_s"] - r["client_cpu_s"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--merchants", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--parallelism", type=int, default=16)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    options = parser.parse_args(argv)
    if any(n < 1 for n in options.merchants) or options.parallelism < 1 or options.latency_ms < 0:
        parser.error("--merchants and --parallelism must be positive, --latency-ms not negative")
    runs = (run(n, options.latency_ms, options.parallelism) for n in options.merchants)
    print_runs(runs, report, summary_of, options.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
