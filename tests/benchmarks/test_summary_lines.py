"""The scale benchmarks' one-line summaries: every script prints one per N in the common format, its
figures are the ones the script reports in JSON, and a run over several N ends with a linearity line.

Tiny N and latency, no timing asserted: only that the lines are there, complete and consistent.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.benchmarks.scripts import load_script

FIELDS = {"name", "N", "wall", "requests", "requests/merchant", "bound", "ratio", "cpu/request", "peak", "sandbox_cpu"}


def load(name: str) -> ModuleType:
    return load_script(name)


@pytest.fixture(scope="module")
def summary() -> ModuleType:
    return load("summary")


def run_main(module: ModuleType, args: list[str]) -> tuple[int, list[str]]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = module.main(args)
    return code, out.getvalue().splitlines()


def unit(value: str, suffix: str) -> float:
    assert value.endswith(suffix), (value, suffix)
    return float(value[: -len(suffix)])


def check_summary(summary: ModuleType, line: str, name: str, figures: dict[str, Any], keys: dict[str, str]) -> None:
    """``line`` is a complete summary of ``figures``; ``keys`` names the script's own JSON keys."""
    fields = summary.parse_summary(line)
    assert set(fields) == FIELDS, line
    n, requests = figures[keys["merchants"]], figures[keys["requests"]]
    assert fields["name"] == name
    assert int(fields["N"]) == n
    assert int(fields["requests"]) == requests > 0
    assert fields["requests/merchant"] == f"{requests / n:.3f}"
    assert unit(fields["wall"], "s") == pytest.approx(figures[keys["wall"]], abs=0.0005)
    assert unit(fields["bound"], "s") == pytest.approx(figures[keys["bound"]], abs=0.0005)
    assert float(fields["ratio"]) == pytest.approx(figures[keys["ratio"]], abs=0.005)
    cpu_ms = figures[keys["cpu"]] * 1000 / requests
    assert unit(fields["cpu/request"], "ms") == pytest.approx(cpu_ms, abs=0.0005) and cpu_ms > 0
    assert unit(fields["peak"], "MB") == pytest.approx(figures[keys["peak"]], abs=0.05)
    assert unit(fields["sandbox_cpu"], "s") == pytest.approx(figures[keys["sandbox_cpu"]], abs=0.005)


def summaries(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("SUMMARY ")]


def check_linearity(summary: ModuleType, lines: list[str], name: str, runs: list[tuple[int, float]]) -> None:
    """The last line compares per-merchant wall times of ``runs`` ((N, wall seconds), in run order)."""
    last = lines[-1]
    assert last.startswith(f"LINEARITY {name} "), last
    for n, wall in runs:
        assert f"N={n} wall/merchant={wall * 1000 / n:.3f}ms cpu/request=" in last
    (small_n, small_wall), (large_n, large_wall) = min(runs), max(runs)
    head, _, growth = last.rpartition(": ")
    assert head.endswith(f"wall/merchant N={large_n} over N={small_n}")
    assert float(growth) == pytest.approx((large_wall / large_n) / (small_wall / small_n), abs=0.01)


PLAN_KEYS = {
    "merchants": "merchants",
    "requests": "requests",
    "wall": "wall_seconds",
    "bound": "lower_bound_seconds",
    "ratio": "ratio",
    "cpu": "client_cpu_seconds",
    "peak": "peak_rss_mb",
    "sandbox_cpu": "sandbox_cpu_seconds",
}


# --- the shared format --------------------------------------------------------------------------------------


def test_a_summary_line_reads_back(summary: ModuleType) -> None:
    line = summary.summary_line(summary.Summary("plan", 2000, 3.2104, 4001, 1.25, 2.568, 5.29, 98.14, 1.8))
    assert line == (
        "SUMMARY plan N=2000 wall=3.210s requests=4001 requests/merchant=2.001 bound=1.250s ratio=2.57 "
        "cpu/request=1.322ms peak=98.1MB sandbox_cpu=1.80s"
    )
    assert summary.parse_summary(line)["cpu/request"] == "1.322ms"


def test_what_was_not_measured_is_marked(summary: ModuleType) -> None:
    fields = summary.parse_summary(summary.summary_line(summary.Summary("import", 3, 0.5, 6, 0.0, None, None, 7, None)))
    assert (fields["ratio"], fields["cpu/request"], fields["sandbox_cpu"]) == ("n/a", "n/a", "n/a")
    assert fields["peak"] == "7.0MB"


@pytest.mark.parametrize(
    ("name", "merchants"), [("planning", 3), ("plan", 0)], ids=["unknown benchmark", "no merchant"]
)
def test_a_summary_needs_a_known_name_and_merchants(summary: ModuleType, name: str, merchants: int) -> None:
    with pytest.raises(ValueError):
        summary.summary_line(summary.Summary(name, merchants, 1.0, 1, 1.0, 1.0, 1.0, 1.0, 1.0))


def test_not_a_summary_line_is_refused(summary: ModuleType) -> None:
    for line in ("plan N=3", "SUMMARY plan N3"):
        with pytest.raises(ValueError):
            summary.parse_summary(line)


def test_linearity_compares_the_largest_n_with_the_smallest(summary: ModuleType) -> None:
    sizes = ((2000, 8.0), (500, 1.0))
    runs = [summary.Summary("apply", n, wall, 11 * n, 1.0, None, None, 90.0, 1.0) for n, wall in sizes]
    line = summary.linearity_line(runs)
    assert line.startswith("LINEARITY apply N=2000 wall/merchant=4.000ms cpu/request=n/a | N=500 wall/merchant=2.000ms")
    assert line.endswith("| wall/merchant N=2000 over N=500: 2.00")
    assert summary.linearity_line(runs[:1]) is None
    assert summary.linearity_line([runs[0], runs[0]]) is None


# --- each script ----------------------------------------------------------------------------------------------


def test_plan_over_several_n_as_drift(summary: ModuleType, tmp_path: Path) -> None:
    plan_scale = load("plan_scale")
    out = tmp_path / "figures.json"
    args = ["--merchants", "4", "3", "--latency-ms", "1", "--parallelism", "4", "--no-tracemalloc", "--drift"]
    code, lines = run_main(plan_scale, [*args, "--json", str(out)])
    assert code == 0
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert [f["merchants"] for f in figures] == [4, 3] and all(f["plan_empty"] for f in figures)
    found = summaries(lines)
    assert len(found) == 2
    for line, one in zip(found, figures, strict=True):
        check_summary(summary, line, "drift", one, PLAN_KEYS)
    # Each N's summary closes its own figures: the next N's report starts after it.
    assert lines.index(found[0]) < lines.index("plan over 3 merchants, latency 1.0 ms, parallelism 4")
    check_linearity(summary, lines, "drift", [(f["merchants"], f["wall_seconds"]) for f in figures])


def test_plan_keeps_a_single_n_only(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    plan_scale = load("plan_scale")
    for extra in (["--keep", str(tmp_path)], ["--keep", str(tmp_path), "--reuse"]):
        with pytest.raises(SystemExit) as refused:
            plan_scale.parse_args(["--merchants", "3", "5", *extra])
        assert refused.value.code == 2
        assert "--keep and --reuse take a single N" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_apply_summary(summary: ModuleType, tmp_path: Path) -> None:
    apply_scale = load("apply_scale")
    out = tmp_path / "figures.json"
    args = ["--merchants", "3", "--latency-ms", "1", "--operational-delay", "0", "--parallelism", "4"]
    code, lines = run_main(apply_scale, [*args, "--json", str(out)])
    assert code == 0
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["converged"] is True  # one N: the JSON is the figures themselves, as before
    [line] = summaries(lines)
    assert lines[-1] == line  # one N: no linearity line
    keys = dict(PLAN_KEYS, bound="bound_seconds", cpu="cpu_seconds")
    check_summary(summary, line, "apply", figures, keys)


def test_import_summary_over_several_n(summary: ModuleType, tmp_path: Path) -> None:
    import_scale = load("import_scale")
    out = tmp_path / "figures.json"
    code, lines = run_main(
        import_scale, ["--merchants", "3", "4", "--latency-ms", "1", "--parallelism", "4", "--json", str(out)]
    )
    assert code == 0
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert [(f["merchants"], f["files"]) for f in figures] == [(3, 3), (4, 4)]
    keys = {
        "merchants": "merchants",
        "requests": "requests",
        "wall": "wall_s",
        "bound": "bound_s",
        "ratio": "ratio",
        "cpu": "client_cpu_s",
        "peak": "peak_rss_mb",
        "sandbox_cpu": "sandbox_cpu_s",
    }
    found = summaries(lines)
    assert len(found) == 2
    for line, one in zip(found, figures, strict=True):
        assert one["client_cpu_s"] > 0 and one["client_cpu_ms_per_request"] == pytest.approx(
            one["client_cpu_s"] * 1000 / one["requests"]
        )
        check_summary(summary, line, "import", one, keys)
        waiting = max(0.0, one["wall_s"] - one["client_cpu_s"])  # the time the import did not work
        shown = f"wall less client CPU: {waiting:.2f} s"
        assert any(text.startswith(f"N={one['merchants']}: ") and shown in text for text in lines), lines
    check_linearity(summary, lines, "import", [(f["merchants"], f["wall_s"]) for f in figures])
