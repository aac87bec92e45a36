"""The plan benchmark: how close ``plan`` over N merchants comes to the lower bound of DESIGN.md §7.

    python benchmarks/plan_scale.py --merchants 2000 --latency-ms 20 --parallelism 32 --compare-serial

It starts ``reconciler sandbox serve`` on 127.0.0.1 (a free port, a temporary SQLite file, no operational
delay, the given latency), seeds N merchants with their Dintero accounts, and writes a desired-state
directory that declares exactly the seeded state (derived from ``/_sandbox/dump``), so the plan must
be empty. A fresh worker process then loads that directory and plans it against the server with
``make_plan``, so that its peak memory is the planning's alone; it reports:

- wall time of the plan, requests made (client counters and the server's request log), requests per merchant;
  with ``--repeat K`` the plan runs K times and these are the median run's, every run's wall time shown;
- the lower bound ``requests × latency ÷ parallelism`` (or ``requests ÷ rate limit`` when larger) and
  the ratio of the wall time to it; also the tighter per-API bound, since each API has its own pool of
  ``parallelism`` connections;
- peak memory: the worker's peak RSS (its own high-water mark: ``VmHWM`` on Linux, since a child's
  ``ru_maxrss`` starts from its parent's peak there), at the end of loading and overall, and the
  tracemalloc peak of a second, traced plan (tracing slows Python down, so the timed plan runs untraced);
- with ``--compare-serial``, the same plan at parallelism 1, over at most ``--serial-cap`` merchants,
  extrapolated linearly to N when capped.

The server is stopped on every exit path. ``--json FILE`` also writes the figures as JSON. With
``--keep DIR``, a later run with the same ``--merchants`` and ``--seed`` and ``--reuse`` serves the kept
database and plans the kept files instead of seeding and writing them again.

``--merchants`` takes several N (``--merchants 500 2000 10000``): each is measured on its own fresh
sandbox and files, and after each one's figures comes one ``SUMMARY`` line (``summary.py``), then a
``LINEARITY`` line at the end; ``--json`` then writes a list. ``--keep`` takes a single N.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from summary import Summary, add_scale_arguments, print_runs  # noqa: E402 - the sibling module, found through the path

try:
    from yaml import CSafeDumper as SafeDumper
except ImportError:
    from yaml import SafeDumper  # type: ignore[assignment]

if TYPE_CHECKING:
    from reconciler.desired.load import DesiredState

MAX_MERCHANTS = 10_000
KLARNA_KIND = "klarna.account"
DINTERO_KIND = "dintero.account"
SEED_REFERENCE_PREFIX = "SBX"
SEED_AID_PREFIX = "T2"
STARTUP_SECONDS = 30.0
# Keys the API adds to a stored document that no merchant file declares.
KLARNA_IDS = {
    "websites": ("website_id", "channel_collection_id"),
    "collections": ("collection_id",),
    "stakeholders": ("stakeholder_id",),
    "bank_accounts": ("bank_account_id",),
    "payment_program_enablements": ("payment_program_enablement_id", "product_id"),
}
SIGNUP_READ_ONLY = ("created_at", "callback_at")


# --- the desired state of a seeded sandbox --------------------------------------------------------------


def seed_aid(reference: str) -> str:
    """The Dintero account the seed gives the merchant with this reference (``SBX000042`` -> ``T20000042``)."""
    return f"{SEED_AID_PREFIX}{int(reference[len(SEED_REFERENCE_PREFIX) :]):07d}"


def _without(item: dict[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in keys}


def klarna_section(account: dict[str, Any]) -> dict[str, Any]:
    """The ``klarna`` section of a merchant file that declares everything this stored account holds."""
    section: dict[str, Any] = {"account_name": account["account_name"]}
    for name in ("account_group_reference", "account_owner"):
        if account.get(name) is not None:
            section[name] = account[name]
    payment = [p for p in account.get("products") or [] if p.get("type") == "PAYMENT"]
    if payment:
        product = payment[0]
        section["payment_product"] = {
            "distribution_profile_id": product["distribution_profile_id"],
            "merchant_category_code": product["merchant_category_code"],
            "state": str(product["state"]).lower(),
        }
    for name in ("websites", "collections"):
        if account.get(name):
            section[name] = [_without(item, KLARNA_IDS[name]) for item in account[name]]
    for name in ("account_information", "business_information"):
        if account.get(name):
            section[name] = account[name]
    if account.get("stakeholders"):
        section["stakeholders"] = [_without(s, KLARNA_IDS["stakeholders"]) for s in account["stakeholders"]]
    settlement = account.get("settlement_information")
    if settlement:
        section["settlement"] = {"settlement_enabled": settlement["settlement_enabled"]}
    for name in ("bank_accounts", "payment_program_enablements"):
        if account.get(name):
            section[name] = [_without(item, KLARNA_IDS[name]) for item in account[name]]
    return section


def dintero_section(account: dict[str, Any]) -> dict[str, Any]:
    """The ``dintero`` section: the account id and the latest signup of each connection."""
    connections = {
        name: {"signup": _without(connection["signups"][-1], SIGNUP_READ_ONLY)}
        for name, connection in sorted((account.get("connections") or {}).items())
        if connection.get("signups")
    }
    section: dict[str, Any] = {"account_id": account["account_id"]}
    if connections:
        section["connections"] = connections
    return section


def merchant_files_from_dump(dump: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(account_reference, merchant file) for every seeded Klarna account, with its Dintero account if any."""
    documents = dump["documents"]
    dintero = {doc["account_id"]: doc for doc in documents.get(DINTERO_KIND, [])}
    for account in documents.get(KLARNA_KIND, []):
        reference = account["account_reference"]
        merchant: dict[str, Any] = {"account_reference": reference, "klarna": klarna_section(account)}
        linked = dintero.get(seed_aid(reference)) if reference.startswith(SEED_REFERENCE_PREFIX) else None
        if linked is not None:
            merchant["dintero"] = dintero_section(linked)
        yield reference, merchant


def write_desired_state(dump: dict[str, Any], root: Path) -> tuple[int, dict[str, int]]:
    """Write ``root/merchants/*.yaml`` from a dump; returns the file count and how many files declare each kind."""
    folder = root / "merchants"
    folder.mkdir(parents=True, exist_ok=True)
    kinds: dict[str, int] = {}
    written = 0
    for reference, merchant in merchant_files_from_dump(dump):
        for name in merchant["klarna"]:
            kinds[f"klarna.{name}"] = kinds.get(f"klarna.{name}", 0) + 1
        for name in (merchant.get("dintero") or {}).get("connections") or {}:
            kinds[f"dintero.connections.{name}"] = kinds.get(f"dintero.connections.{name}", 0) + 1
        with (folder / f"{reference.lower()}.yaml").open("w", encoding="utf-8") as out:
            # libyaml's emitter: 10,000 files in 8 s against about 60 s with ruamel's (dump included).
            # It quotes what YAML 1.1 reads as another type (NO, 0742); a string that only 1.2 reads
            # so (1e3) would come back as a number and the plan would not be empty, which is checked.
            yaml.dump(merchant, out, Dumper=SafeDumper, default_flow_style=False, allow_unicode=True, sort_keys=False)
        written += 1
    return written, dict(sorted(kinds.items()))


# --- the sandbox server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@contextmanager
def sandbox_server(
    workdir: Path, latency_ms: float, rate_limit: float, operational_delay: float = 0.0
) -> Iterator[Server]:
    """``reconciler sandbox serve`` on a free loopback port; stopped however the block ends."""
    port = free_port()
    log_path = workdir / "server.log"
    command = [
        sys.executable,
        "-m",
        "reconciler",
        "sandbox",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--db",
        str(workdir / "sandbox.db"),
        "--latency-ms",
        str(latency_ms),
        "--rate-limit",
        str(rate_limit),
        "--operational-delay",
        str(operational_delay),
    ]
    # This checkout first, by its absolute path: the server runs in ``workdir``, where a relative
    # PYTHONPATH (``PYTHONPATH=.``) names nothing.
    path = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH")]))
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, cwd=workdir, env={**os.environ, "PYTHONPATH": path}
        )
    server = Server(f"http://127.0.0.1:{port}", process, log_path)
    try:
        wait_until_healthy(server)
        yield server
    finally:
        server.stop()


def wait_until_healthy(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the sandbox server exited: {server.log_path.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(server.base_url + "/_sandbox/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"the sandbox server did not answer within {STARTUP_SECONDS:.0f} s")


def logged_requests(base_url: str) -> int:
    """The sequence number of the last request the server logged (counts every API request ever answered)."""
    response = httpx.get(base_url + "/_sandbox/requests", params={"since": 2**62}, timeout=30.0)
    response.raise_for_status()
    return int(response.json()["last_seq"])


# --- the worker: load, plan, measure ----------------------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident memory.

    On Linux a child started by fork and exec inherits its parent's ``ru_maxrss`` (the high-water
    mark of the memory it was forked from), so the benchmark's own peak would show up as the
    worker's; ``VmHWM`` is the high-water mark of the worker's own address space.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    # ru_maxrss is in kilobytes on Linux and in bytes on macOS.
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process ``pid`` so far (Linux ``/proc``; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        # After the command name: state is field 3, utime 14 and stime 15 (1-based, man 5 proc).
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def children_cpu_seconds() -> float:
    """User + system CPU of this process's children that have ended (the load's worker processes)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def current_rss_mb() -> float | None:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * resource.getpagesize() / 2**20


async def timed_plan(
    base_url: str,
    state: DesiredState,
    parallelism: int,
    limit: int | None,
    rate_limit: float,
    server_pid: int | None = None,
    with_unmanaged: bool = False,
    from_lists: bool = False,
) -> dict[str, Any]:
    """One plan over the first ``limit`` merchants (all when None), with its own fresh clients."""
    from reconciler.live.factory import ClientParams, build_clients
    from reconciler.pipeline import make_plan

    merchants = state.merchants[:limit] if limit else state.merchants
    params = ClientParams(
        klarna_url=base_url + "/klarna",
        dintero_url=base_url + "/dintero",
        parallelism=parallelism,
        klarna_requests_per_second=rate_limit or None,
        dintero_requests_per_second=rate_limit or None,
    )
    before = logged_requests(base_url)
    server_cpu_before = process_cpu_seconds(server_pid) if server_pid else None
    async with build_clients(params) as clients:
        started = time.perf_counter()
        cpu_started = time.process_time()
        plan = await make_plan(
            clients, state, merchants, include_partner=False, with_unmanaged=with_unmanaged, from_lists=from_lists
        )
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        stats = {"klarna": clients.klarna.http.stats.as_dict(), "dintero": clients.dintero.http.stats.as_dict()}
    server_cpu_after = process_cpu_seconds(server_pid) if server_pid else None
    server_requests = logged_requests(base_url) - before
    server_cpu = (
        round(server_cpu_after - server_cpu_before, 3)
        if server_cpu_before is not None and server_cpu_after is not None
        else None
    )
    return {
        "server_cpu_seconds": server_cpu,
        "unmanaged": len(plan.unmanaged),
        "merchants": len(merchants),
        "wall_seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
        "operations": len(plan.operations),
        "first_operations": [op.address for op in plan.operations[:5]],
        "client_requests": sum(s["requests"] for s in stats.values()),
        "server_requests": server_requests,
        "stats": stats,
    }


def run_worker(job: dict[str, Any]) -> dict[str, Any]:
    """The worker process: load the desired state once, then the timed plan, a traced one, a serial one.

    Each plan runs on the event loop the CLI's commands use (``reconciler.cli.loop``)."""
    from reconciler.cli.loop import run_async
    from reconciler.desired.load import load_desired

    base_url, parallelism, rate_limit = job["base_url"], job["parallelism"], job["rate_limit"]
    started, cpu_started, children_started = time.perf_counter(), time.process_time(), children_cpu_seconds()
    state = load_desired(Path(job["desired"]), environ={})
    in_workers = children_cpu_seconds() - children_started  # the load's worker processes (reconciler.processes)
    result: dict[str, Any] = {
        "load_seconds": round(time.perf_counter() - started, 3),
        "load_cpu_seconds": round(time.process_time() - cpu_started + in_workers, 3),
        "load_workers_cpu_seconds": round(in_workers, 3),
        # The largest peak of any worker process (Linux gives it in kilobytes); 0 when none ran.
        "load_workers_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "rss_after_load_mb": _rounded(current_rss_mb()),
        "peak_rss_load_mb": round(peak_rss_mb(), 1),
    }
    pid, drift = job.get("server_pid"), job.get("drift", False)
    lists = drift and not job.get("each", False)  # a drift over every merchant reads the lists, as the CLI's
    runs = [
        run_async(timed_plan(base_url, state, parallelism, None, rate_limit, pid, drift, lists))
        for _ in range(job["repeat"])
    ]
    runs.sort(key=lambda run: run["wall_seconds"])
    result["parallel"] = runs[(len(runs) - 1) // 2]  # the median run (the lower one of an even count)
    result["parallel_walls"] = [run["wall_seconds"] for run in runs]
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    if job["tracemalloc"]:
        # Traced separately: tracing slows Python down several times. Started after loading, so the
        # peak is what planning allocates on top of the loaded desired state.
        tracemalloc.start()
        try:
            run_async(timed_plan(base_url, state, parallelism, None, rate_limit, None, drift, lists))
            result["tracemalloc_plan_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        finally:
            tracemalloc.stop()
    if job["serial_cap"]:
        result["serial"] = run_async(timed_plan(base_url, state, 1, job["serial_cap"], rate_limit))
    result["peak_rss_end_mb"] = round(peak_rss_mb(), 1)
    return result


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def worker_main(job_file: Path) -> int:
    job = json.loads(job_file.read_text(encoding="utf-8"))
    json.dump(run_worker(job), sys.stdout)
    return 0


# --- figures ----------------------------------------------------------------------------------------------


def lower_bound(requests: int, latency_s: float, parallelism: int, rate_limit: float) -> float:
    """DESIGN.md §7: ``requests × latency ÷ parallelism`` or ``requests ÷ rate limit``, whichever is larger."""
    by_latency = requests * latency_s / parallelism
    by_rate = requests / rate_limit if rate_limit > 0 else 0.0
    return max(by_latency, by_rate)


def per_api_bound(stats: dict[str, dict[str, Any]], latency_s: float, parallelism: int, rate_limit: float) -> float:
    """The tighter bound: each API has its own ``parallelism`` connections, so the busier API sets the pace."""
    return max(lower_bound(s["requests"], latency_s, parallelism, rate_limit) for s in stats.values())


def ratio(wall: float, bound: float) -> float | None:
    return round(wall / bound, 3) if bound > 0 else None


def _learnt(result: dict[str, Any]) -> bool:
    return bool(result["rate_limit"]) and not result.get("clients_told_rate_limit", True)


def figures(options: argparse.Namespace, setup: dict[str, Any], worker: dict[str, Any]) -> dict[str, Any]:
    latency_s = options.latency_ms / 1000
    parallel = worker["parallel"]
    requests = parallel["client_requests"]
    bound = lower_bound(requests, latency_s, options.parallelism, options.rate_limit)
    strict = per_api_bound(parallel["stats"], latency_s, options.parallelism, options.rate_limit)
    result: dict[str, Any] = {
        "merchants": options.merchants,
        "latency_ms": options.latency_ms,
        "parallelism": options.parallelism,
        "rate_limit": options.rate_limit,
        "clients_told_rate_limit": bool(options.rate_limit) and not options.learn_rate_limit,
        "seed": options.seed,
        **setup,
        "plan_operations": parallel["operations"],
        "plan_empty": parallel["operations"] == 0,
        "load_seconds": worker["load_seconds"],
        "wall_seconds": parallel["wall_seconds"],
        "wall_seconds_runs": worker["parallel_walls"],
        "client_cpu_seconds": parallel["cpu_seconds"],
        "requests": requests,
        "server_requests": parallel["server_requests"],
        "requests_per_merchant": round(requests / options.merchants, 4),
        "requests_by_api": {api: s["requests"] for api, s in parallel["stats"].items()},
        "retries": sum(s["retries"] for s in parallel["stats"].values()),
        "max_in_flight": {api: s["max_in_flight"] for api, s in parallel["stats"].items()},
        "shared_pool_bound_seconds": round(bound, 3),
        "shared_pool_ratio": ratio(parallel["wall_seconds"], bound),
        # The bound: each API has its own connections (and its own rate limit); the busier API sets the pace.
        "lower_bound_seconds": round(strict, 3),
        "ratio": ratio(parallel["wall_seconds"], strict),
        "per_api_bound_seconds": round(strict, 3),
        "per_api_ratio": ratio(parallel["wall_seconds"], strict),
        "client_cpu_ms_per_request": round(parallel["cpu_seconds"] * 1000 / requests, 3) if requests else None,
        "client_cpu_ms_per_merchant": round(parallel["cpu_seconds"] * 1000 / options.merchants, 3),
        # What a `reconciler plan` spends besides: loading and validating the files (start-up aside).
        "load_cpu_seconds": worker["load_cpu_seconds"],
        "load_workers_cpu_seconds": worker["load_workers_cpu_seconds"],
        "load_workers_peak_rss_mb": worker["load_workers_peak_rss_mb"],
        "load_cpu_ms_per_file": round(worker["load_cpu_seconds"] * 1000 / options.merchants, 3),
        "client_cpu_ms_per_request_with_load": round(
            (parallel["cpu_seconds"] + worker["load_cpu_seconds"]) * 1000 / requests, 3
        )
        if requests
        else None,
        # Pages of a list follow one another: read from the lists, the busier API's pages in a row bound it.
        "page_chain_bound_seconds": round(max(s["requests"] for s in parallel["stats"].values()) * latency_s, 3),
        "sandbox_cpu_seconds": parallel["server_cpu_seconds"],
        "rate_limited": sum(s["rate_limited"] for s in parallel["stats"].values()),
        "unmanaged": parallel["unmanaged"],
        "drift": options.drift,
        "rss_after_load_mb": worker["rss_after_load_mb"],
        "peak_rss_load_mb": worker["peak_rss_load_mb"],
        "peak_rss_mb": worker["peak_rss_mb"],
    }
    if parallel["first_operations"]:
        result["first_operations"] = parallel["first_operations"]
    if "tracemalloc_plan_peak_mb" in worker:
        result["tracemalloc_plan_peak_mb"] = worker["tracemalloc_plan_peak_mb"]
    serial = worker.get("serial")
    if serial is not None:
        scale = options.merchants / serial["merchants"]
        result["serial"] = {
            "merchants": serial["merchants"],
            "wall_seconds": serial["wall_seconds"],
            "requests": serial["client_requests"],
            "extrapolated": serial["merchants"] < options.merchants,
            "wall_seconds_for_all": round(serial["wall_seconds"] * scale, 3),
            "speedup": round(serial["wall_seconds"] * scale / parallel["wall_seconds"], 2)
            if parallel["wall_seconds"] > 0
            else None,
        }
    return result


def report(result: dict[str, Any]) -> str:
    lines = [
        f"plan over {result['merchants']} merchants, latency {result['latency_ms']} ms, "
        f"parallelism {result['parallelism']}"
        + (f", rate limit {result['rate_limit']}/s per API" if result["rate_limit"] else "")
        + (" (not told to the clients: learnt from the headers)" if _learnt(result) else ""),
        f"  setup{' (reused from an earlier run)' if result.get('reused') else ''}: seed {result['seed_seconds']} s, "
        f"dump+YAML {result['yaml_seconds']} s, "
        f"load {result['load_seconds']} s; files declare {', '.join(result['declared_kinds'])}",
        f"  {'drift' if result['drift'] else 'plan'}: {result['plan_operations']} operations"
        + (" (empty, as it must be)" if result["plan_empty"] else " (NOT EMPTY: the YAML does not match the seed)"),
        f"  wall time: {result['wall_seconds']} s (client CPU {result['client_cpu_seconds']} s)"
        + (
            f"; the median of {len(result['wall_seconds_runs'])} runs: "
            + ", ".join(f"{wall} s" for wall in result["wall_seconds_runs"])
            if len(result["wall_seconds_runs"]) > 1
            else ""
        ),
        f"  requests: {result['requests']} by the clients ({result['requests_by_api']}), "
        f"{result['server_requests']} in the server's log; retries {result['retries']}",
        f"  requests per merchant: {result['requests_per_merchant']}",
        f"  bound (the busier API's requests x latency / its {result['parallelism']} connections, or / its rate "
        f"limit): {result['lower_bound_seconds']} s; ratio {result['ratio']} (one shared pool: "
        f"{result['shared_pool_bound_seconds']} s, ratio {result['shared_pool_ratio']})",
        f"  page-chain bound (the busier API's requests one after another): {result['page_chain_bound_seconds']} s; "
        f"ratio {ratio(result['wall_seconds'], result['page_chain_bound_seconds'])}",
        f"  client CPU per request: {result['client_cpu_ms_per_request']} ms, per merchant "
        f"{result['client_cpu_ms_per_merchant']} ms; sandbox CPU over the plan: "
        f"{result['sandbox_cpu_seconds']} s; 429s {result['rate_limited']}"
        + (f"; unmanaged accounts listed: {result['unmanaged']}" if result["drift"] else ""),
        f"  loading the files: {result['load_seconds']} s, {result['load_cpu_seconds']} s of CPU "
        f"({result['load_workers_cpu_seconds']} s of it in worker processes), "
        f"{result['load_cpu_ms_per_file']} ms a file; "
        f"client CPU per request with loading: {result['client_cpu_ms_per_request_with_load']} ms",
        f"  peak memory of the planning process: {result['peak_rss_mb']} MB "
        f"(peak {result['peak_rss_load_mb']} MB while loading, RSS {result['rss_after_load_mb']} MB once loaded; "
        f"largest peak of a load worker {result['load_workers_peak_rss_mb']} MB)"
        + (
            f"; tracemalloc peak of the plan itself {result['tracemalloc_plan_peak_mb']} MB"
            if "tracemalloc_plan_peak_mb" in result
            else ""
        ),
    ]
    if "first_operations" in result:
        lines.append(f"  first operations: {', '.join(result['first_operations'])}")
    serial = result.get("serial")
    if serial:
        note = (
            f" (measured over {serial['merchants']} merchants, extrapolated linearly to {result['merchants']})"
            if serial["extrapolated"]
            else ""
        )
        lines.append(f"  parallelism 1: {serial['wall_seconds_for_all']} s{note}; speedup {serial['speedup']}x")
    return "\n".join(lines)


# --- the command ------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    add_scale_arguments(parser, max_merchants=MAX_MERCHANTS, default=None)
    parser.add_argument("--parallelism", type=int, default=32, help="the clients' parallelism per API")
    parser.add_argument("--rate-limit", type=float, default=0.0, help="requests/second per API (0: none)")
    parser.add_argument(
        "--learn-rate-limit",
        action="store_true",
        help="the server keeps --rate-limit but the clients are not told it: they learn it from the headers",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="plan this many times; wall time, requests and ratio are the median run's"
    )
    parser.add_argument("--compare-serial", action="store_true", help="also plan with parallelism 1")
    parser.add_argument("--drift", action="store_true", help="also list the unmanaged accounts, as drift does")
    parser.add_argument(
        "--each", action="store_true", help="with --drift: read merchant by merchant, not from the account lists"
    )
    parser.add_argument(
        "--serial-cap", type=int, default=500, help="plan at most this many merchants serially, then extrapolate"
    )
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the traced plan that measures peak memory")
    parser.add_argument("--keep", type=Path, default=None, help="work in this directory and keep it")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --keep: plan the sandbox and files an earlier run kept there (same --merchants and --seed)",
    )
    options = parser.parse_args(argv)
    if not all(1 <= n <= MAX_MERCHANTS for n in options.merchants):
        parser.error(f"--merchants must be between 1 and {MAX_MERCHANTS}")
    if len(options.merchants) > 1 and options.keep is not None:
        # One kept directory holds one setup: several N would overwrite (or, with --reuse, refuse) each other's.
        parser.error("--keep and --reuse take a single N: give --merchants one value with them")
    if options.parallelism < 1:
        parser.error("--parallelism must be at least 1")
    if options.reuse and options.keep is None:
        parser.error("--reuse needs --keep DIR")
    if not 1 <= options.repeat <= 20:
        parser.error("--repeat must be between 1 and 20")
    if options.learn_rate_limit and not options.rate_limit:
        parser.error("--learn-rate-limit needs --rate-limit (the server's limit)")
    if options.latency_ms < 0 or options.rate_limit < 0 or options.serial_cap < 1:
        parser.error("--latency-ms and --rate-limit must not be negative, --serial-cap must be positive")
    return options


def prepare(server: Server, options: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Seed the sandbox and write the matching desired state, or reuse what an earlier run kept."""
    desired = workdir / "desired-state"
    setup_file = workdir / "setup.json"
    wanted = {"merchants": options.merchants, "seed": options.seed}
    if options.reuse and setup_file.exists():
        kept: dict[str, Any] = json.loads(setup_file.read_text(encoding="utf-8"))
        if {key: kept.get(key) for key in wanted} == wanted:
            return dict(kept["setup"], reused=True)
    started = time.perf_counter()
    seeded = httpx.post(
        server.base_url + "/_sandbox/seed",
        json={"count": options.merchants, "seed": options.seed, "with_dintero": True},
        timeout=600.0,
    )
    seeded.raise_for_status()
    seed_seconds = time.perf_counter() - started
    started = time.perf_counter()
    dump_response = httpx.get(server.base_url + "/_sandbox/dump", timeout=600.0)
    dump_response.raise_for_status()
    dump = dump_response.json()
    del dump_response
    counts = dump["counts"]
    files, kinds = write_desired_state(dump, desired)
    del dump
    setup = {
        "seeded": counts,
        "merchant_files": files,
        "declared_kinds": list(kinds),
        "seed_seconds": round(seed_seconds, 3),
        "yaml_seconds": round(time.perf_counter() - started, 3),
    }
    setup_file.write_text(json.dumps({**wanted, "setup": setup}), encoding="utf-8")
    return setup


def run(options: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    desired = workdir / "desired-state"
    if not options.reuse:
        for stale in (desired, *workdir.glob("sandbox.db*"), workdir / "setup.json"):
            if stale.is_dir():
                shutil.rmtree(stale)
            elif stale.exists():
                stale.unlink()
    with sandbox_server(workdir, options.latency_ms, options.rate_limit) as server:
        setup = prepare(server, options, workdir)
        job = {
            "base_url": server.base_url,
            "desired": str(desired),
            "parallelism": options.parallelism,
            # With --learn-rate-limit the server limits and the clients are told nothing: they pace
            # themselves from its X-Ratelimit-* headers and Retry-After alone.
            "rate_limit": 0.0 if options.learn_rate_limit else options.rate_limit,
            "tracemalloc": not options.no_tracemalloc,
            "serial_cap": min(options.serial_cap, options.merchants) if options.compare_serial else 0,
            "repeat": options.repeat,
            "server_pid": server.process.pid,
            "drift": options.drift,
            "each": options.each,
        }
        job_file = workdir / "job.json"
        job_file.write_text(json.dumps(job), encoding="utf-8")
        worker = run_worker_process(Path(__file__), job_file, "planning")
    return figures(options, setup, worker)


def run_worker_process(script: Path, job_file: Path, what: str, env: dict[str, str] | None = None) -> Any:
    """Run ``script --worker JOB`` in a fresh process (so that its peak memory is its own work's, not
    the set-up's) and answer the JSON it prints."""
    completed = subprocess.run(
        [sys.executable, str(script.resolve()), "--worker", str(job_file)],
        capture_output=True,
        timeout=3600,
        check=False,
        env=env,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"the {what} worker failed: {completed.stderr.decode(errors='replace')[-4000:]}")
    return json.loads(completed.stdout)


def summary_of(result: dict[str, Any]) -> Summary:
    """The common summary figures: the plan's (or drift's), with the per-API bound."""
    return Summary(
        name="drift" if result["drift"] else "plan",
        merchants=result["merchants"],
        wall_seconds=result["wall_seconds"],
        requests=result["requests"],
        bound_seconds=result["lower_bound_seconds"],
        ratio=result["ratio"],
        cpu_seconds=result["client_cpu_seconds"],
        peak_mb=result["peak_rss_mb"],
        sandbox_cpu_seconds=result["sandbox_cpu_seconds"],
    )


def run_one(options: argparse.Namespace) -> dict[str, Any]:
    """One N (``options.merchants`` an int here), in the kept directory or a fresh temporary one."""
    if options.keep is not None:
        options.keep.mkdir(parents=True, exist_ok=True)
        return run(options, options.keep)
    with tempfile.TemporaryDirectory(prefix="plan-scale-") as tmp:
        return run(options, Path(tmp))


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) == 2 and args[0] == "--worker":
        return worker_main(Path(args[1]))
    options = parse_args(args)
    runs = (run_one(argparse.Namespace(**{**vars(options), "merchants": n})) for n in options.merchants)
    results = print_runs(runs, report, summary_of, options.json)
    return 0 if all(result["plan_empty"] for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
