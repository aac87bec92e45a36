"""The plan benchmark at a tiny scale: it runs end to end and reports every figure it promises.

No timing is asserted: this machine's speed is not the code's. What must hold at any scale is that
the YAML it derives from the seeded sandbox gives an empty plan and that a plan costs about two
requests per merchant.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.benchmarks.scripts import load_script

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "plan_scale.py"
MERCHANTS = 20


def load_benchmark() -> ModuleType:
    return load_script("plan_scale")


@pytest.fixture(scope="module")
def plan_scale() -> ModuleType:
    return load_benchmark()


@pytest.fixture(scope="module")
def figures(plan_scale: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    workdir = tmp_path_factory.mktemp("plan-scale")
    out = workdir / "figures.json"
    args = ["--merchants", str(MERCHANTS), "--latency-ms", "0", "--parallelism", "4", "--compare-serial"]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exit_code = plan_scale.main([*args, "--serial-cap", "5", "--json", str(out), "--keep", str(workdir / "run")])
    assert exit_code == 0
    result: dict[str, object] = json.loads(out.read_text(encoding="utf-8"))
    result["workdir"] = str(workdir / "run")
    result["printed"] = printed.getvalue().splitlines()
    return result


def test_reports_every_figure(figures: dict[str, object]) -> None:
    for name in (
        "wall_seconds",
        "requests",
        "server_requests",
        "requests_per_merchant",
        "lower_bound_seconds",
        "ratio",
        "per_api_bound_seconds",
        "peak_rss_mb",
        "peak_rss_load_mb",
        "rss_after_load_mb",
        "tracemalloc_plan_peak_mb",
        "serial",
    ):
        assert name in figures, name
    assert isinstance(figures["wall_seconds"], float) and figures["wall_seconds"] > 0
    assert isinstance(figures["peak_rss_mb"], float) and figures["peak_rss_mb"] > 0
    assert figures["peak_rss_load_mb"] <= figures["peak_rss_mb"]  # type: ignore[operator]


def test_reports_the_cpu_of_loading_beside_the_plans(figures: dict[str, object]) -> None:
    """A `reconciler plan` loads its files before it plans: the figure with loading is the plan's and the load's."""
    load, plan, requests = figures["load_cpu_seconds"], figures["client_cpu_seconds"], figures["requests"]
    assert isinstance(load, float) and load > 0
    assert isinstance(plan, float) and isinstance(requests, int)
    assert figures["client_cpu_ms_per_request_with_load"] == round((plan + load) * 1000 / requests, 3)
    assert figures["load_cpu_ms_per_file"] == round(load * 1000 / MERCHANTS, 3)
    (line,) = [line for line in figures["printed"] if "loading the files" in line]  # type: ignore[attr-defined]
    assert f"client CPU per request with loading: {figures['client_cpu_ms_per_request_with_load']} ms" in line


def test_one_n_ends_with_its_summary_line(figures: dict[str, object]) -> None:
    from summary import parse_summary  # the benchmarks' folder is on the path once plan_scale is loaded

    printed = figures["printed"]
    assert isinstance(printed, list)
    fields = parse_summary(printed[-1])  # one N: the summary is the last line, with no linearity line
    assert (fields["name"], fields["N"], fields["requests"]) == ("plan", str(MERCHANTS), str(figures["requests"]))
    assert fields["requests/merchant"] == f"{figures['requests'] / MERCHANTS:.3f}"  # type: ignore[operator]
    assert fields["bound"] == f"{figures['lower_bound_seconds']:.3f}s"
    assert fields["peak"] == f"{figures['peak_rss_mb']:.1f}MB"
    assert sum(line.startswith("SUMMARY ") for line in printed) == 1


def test_a_kept_run_is_reused(plan_scale: ModuleType, figures: dict[str, object], tmp_path: Path) -> None:
    run = Path(str(figures["workdir"]))
    out = tmp_path / "again.json"
    args = ["--merchants", str(MERCHANTS), "--latency-ms", "0", "--parallelism", "4", "--no-tracemalloc"]
    assert plan_scale.main([*args, "--keep", str(run), "--reuse", "--repeat", "3", "--json", str(out)]) == 0
    again = json.loads(out.read_text(encoding="utf-8"))
    assert again["reused"] is True and again["seed_seconds"] == figures["seed_seconds"]
    runs = again["wall_seconds_runs"]
    assert len(runs) == 3 and runs == sorted(runs) and again["wall_seconds"] == runs[1]  # the median run
    assert again["plan_empty"] is True and again["requests_per_merchant"] == figures["requests_per_merchant"]


def test_the_workers_peak_memory_is_its_own(plan_scale: ModuleType) -> None:
    # A child inherits its parent's ru_maxrss on Linux; the worker's figure must not.
    ballast = bytearray(256 * 2**20)
    ballast[::4096] = b"\x01" * len(ballast[::4096])
    code = f"import runpy; print(runpy.run_path({str(SCRIPT)!r})['peak_rss_mb']())"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    del ballast
    assert float(completed.stdout) < 200


def test_the_derived_yaml_matches_the_seed_exactly(figures: dict[str, object]) -> None:
    assert figures["merchant_files"] == MERCHANTS
    assert figures["plan_operations"] == 0 and figures["plan_empty"] is True
    declared = set(figures["declared_kinds"])  # type: ignore[call-overload]
    for kind in (
        "klarna.account_owner",
        "klarna.payment_product",
        "klarna.websites",
        "klarna.collections",
        "klarna.account_information",
        "klarna.business_information",
        "klarna.stakeholders",
        "klarna.settlement",
        "klarna.bank_accounts",
        "klarna.payment_program_enablements",
        "dintero.connections.klarna",
        "dintero.connections.vipps-psp",
    ):
        assert kind in declared, kind


def test_about_two_requests_per_merchant(figures: dict[str, object]) -> None:
    per_merchant = figures["requests_per_merchant"]
    assert isinstance(per_merchant, float) and per_merchant <= 2.2
    # The clients' own count and the server's log agree: no request went uncounted.
    assert figures["requests"] == figures["server_requests"]
    assert figures["requests_by_api"] == {"klarna": MERCHANTS, "dintero": MERCHANTS + 1}  # + the token


def test_serial_run_is_capped_and_extrapolated(figures: dict[str, object]) -> None:
    serial = figures["serial"]
    assert isinstance(serial, dict)
    assert serial["merchants"] == 5 and serial["extrapolated"] is True
    assert serial["wall_seconds_for_all"] == pytest.approx(serial["wall_seconds"] * MERCHANTS / 5, rel=0.01)


@pytest.mark.parametrize(
    ("requests", "latency", "parallelism", "rate", "bound"),
    [
        (4000, 0.02, 32, 0.0, 2.5),  # latency-bound
        (4000, 0.02, 32, 100.0, 40.0),  # a rate limit of 100/s is slower still
        (10, 0.0, 4, 0.0, 0.0),
    ],
)
def test_lower_bound_is_the_larger_of_latency_and_rate(
    plan_scale: ModuleType, requests: int, latency: float, parallelism: int, rate: float, bound: float
) -> None:
    assert plan_scale.lower_bound(requests, latency, parallelism, rate) == pytest.approx(bound)


def test_a_merchant_file_from_a_dump_drops_what_the_api_adds(plan_scale: ModuleType) -> None:
    account = {
        "account_id": "krn:x",
        "account_reference": "SBX000003",
        "account_name": "Shop",
        "products": [
            {
                "product_id": "p",
                "type": "PAYMENT",
                "distribution_profile_id": "d",
                "merchant_category_code": "5411",
                "state": "ENABLED",
                "state_reason": "APPROVED",
            }
        ],
        "websites": [{"website_id": "w", "website_reference": "web", "channel_collection_id": "c"}],
        "settlement_information": {"settlement_enabled": True, "settlement_enabled_at": "2024-01-01T00:00:00Z"},
    }
    dintero = {
        "account_id": "T20000003",
        "connections": {"klarna": {"signups": [{"case_id": "old"}, {"case_id": "new", "created_at": "x"}]}},
    }
    dump = {"documents": {"klarna.account": [account], "dintero.account": [dintero]}}
    [(reference, merchant)] = list(plan_scale.merchant_files_from_dump(dump))
    assert reference == "SBX000003"
    assert merchant["klarna"] == {
        "account_name": "Shop",
        "payment_product": {"distribution_profile_id": "d", "merchant_category_code": "5411", "state": "enabled"},
        "websites": [{"website_reference": "web"}],
        "settlement": {"settlement_enabled": True},
    }
    assert merchant["dintero"] == {"account_id": "T20000003", "connections": {"klarna": {"signup": {"case_id": "new"}}}}


def test_learning_the_rate_limit_tells_the_clients_nothing(plan_scale: ModuleType, tmp_path: Path) -> None:
    out = tmp_path / "learnt.json"
    args = ["--merchants", "6", "--latency-ms", "0", "--parallelism", "4", "--rate-limit", "500", "--learn-rate-limit"]
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        assert plan_scale.main([*args, "--no-tracemalloc", "--json", str(out)]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["rate_limit"] == 500 and result["clients_told_rate_limit"] is False and result["plan_empty"]
    assert "not told to the clients" in printed.getvalue()


def test_learning_a_rate_limit_needs_the_servers_limit(plan_scale: ModuleType) -> None:
    with pytest.raises(SystemExit) as refused, contextlib.redirect_stderr(io.StringIO()) as said:
        plan_scale.main(["--merchants", "2", "--learn-rate-limit"])
    assert refused.value.code == 2 and "--learn-rate-limit needs --rate-limit" in said.getvalue()
