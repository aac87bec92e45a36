"""The import benchmark: ``reconciler import --all`` over N seeded merchants against a served sandbox.

    python benchmarks/import_scale.py --merchants 2000 --latency-ms 20

It starts ``reconciler sandbox serve`` (a free loopback port, a temporary SQLite file, the given latency;
see ``plan_scale.py``), seeds N merchants with their Dintero accounts, and runs ``reconciler import --all``
in a child process against it, into a fresh directory with an age recipient. It prints:

- wall time of the import, and the requests it made (the server's request log), per merchant;
- the bound of DESIGN.md §7, ``requests × latency ÷ parallelism`` taken per API, and the ratio of the wall
  time to it; and, since a cursor-paged list is a chain (each page names the next), the chain's own bound,
  ``pages × latency`` of the longer of the two APIs' chains (they run side by side);
- the import process's peak resident memory (its own ``VmHWM``, printed as it exits).
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

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plan_scale import logged_requests, sandbox_server  # noqa: E402

READS_PER_MERCHANT_BOUND = 1.1
# Runs the CLI and, at exit, prints the process's own high-water mark of resident memory (VmHWM): the
# children's ru_maxrss would also count the sandbox servers this script has waited for.
_WRAPPER = """
import atexit, sys
def _peak():
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


def run(merchants: int, latency_ms: float, parallelism: int) -> dict[str, float]:
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
            started = time.perf_counter()
            done = subprocess.run(command, env=env, cwd=workdir, capture_output=True, text=True, check=False)
            wall = time.perf_counter() - started
            if done.returncode != 0:
                raise SystemExit(f"import failed ({done.returncode}): {done.stderr[-2000:]}")
            peaks = [line.split()[1] for line in done.stderr.splitlines() if line.startswith("PEAK_KB")]
            peak_mb = int(peaks[-1]) / 1024 if peaks else resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
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
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--merchants", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--parallelism", type=int, default=16)
    options = parser.parse_args(argv)
    for n in options.merchants:
        r = run(n, options.latency_ms, options.parallelism)
        print(
            f"N={r['merchants']}: wall {r['wall_s']:.2f} s, {r['files']} files, {r['requests']:.0f} requests "
            f"(klarna {r['klarna_requests']:.0f}, dintero {r['dintero_requests']:.0f}), "
            f"{r['reads_per_merchant']:.3f} reads/merchant (bound {READS_PER_MERCHANT_BOUND}); "
            f"bound requests×latency÷parallelism {r['bound_s']:.3f} s, ratio {r['ratio']:.1f}; "
            f"page-chain bound {r['chain_bound_s']:.2f} s, ratio {r['chain_ratio']:.1f}; "
            f"peak RSS {r['peak_rss_mb']:.0f} MB",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
