"""The one-line summary the scale benchmarks print after each N, and the linearity line after several N.

    SUMMARY plan N=200 wall=0.878s requests=401 requests/merchant=2.005 bound=0.126s ratio=6.99
        cpu/request=1.601ms peak=87.8MB sandbox_cpu=0.22s

(one line; the bound and ratio are the script's own per-API ones). ``plan_scale.py`` (``plan`` or
``drift``), ``apply_scale.py`` (``apply``) and ``import_scale.py`` (``import``) all print it through
:func:`summary_line`, so one parser (:func:`parse_summary`) reads them all. A figure that could not be
measured (no bound at zero latency, no ``/proc`` for the sandbox's CPU) is ``n/a``. After a run over
several N, :func:`linearity_line` gives each N's wall time per merchant and CPU per request, and the
ratio of the largest N's wall time per merchant to the smallest's (1.0 is perfectly linear).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NAMES = ("plan", "drift", "apply", "import")
NOT_MEASURED = "n/a"


@dataclass(frozen=True)
class Summary:
    """The figures of one benchmark run over N merchants."""

    name: str
    merchants: int
    wall_seconds: float
    requests: int
    bound_seconds: float
    # The script's own ratio of wall time to its bound, from the unrounded bound; None without a bound.
    ratio: float | None
    cpu_seconds: float | None
    peak_mb: float | None
    sandbox_cpu_seconds: float | None

    @property
    def requests_per_merchant(self) -> float:
        return self.requests / self.merchants

    @property
    def cpu_ms_per_request(self) -> float | None:
        if self.cpu_seconds is None or self.requests == 0:
            return None
        return self.cpu_seconds * 1000 / self.requests

    @property
    def wall_ms_per_merchant(self) -> float:
        return self.wall_seconds * 1000 / self.merchants


def _figure(value: float | None, digits: int, unit: str = "") -> str:
    return NOT_MEASURED if value is None else f"{value:.{digits}f}{unit}"


def summary_line(summary: Summary) -> str:
    if summary.name not in NAMES:
        raise ValueError(f"unknown benchmark name {summary.name!r}")
    if summary.merchants < 1:
        raise ValueError("a summary needs at least one merchant")
    return " ".join(
        [
            "SUMMARY",
            summary.name,
            f"N={summary.merchants}",
            f"wall={summary.wall_seconds:.3f}s",
            f"requests={summary.requests}",
            f"requests/merchant={summary.requests_per_merchant:.3f}",
            f"bound={summary.bound_seconds:.3f}s",
            f"ratio={_figure(summary.ratio, 2)}",
            f"cpu/request={_figure(summary.cpu_ms_per_request, 3, 'ms')}",
            f"peak={_figure(summary.peak_mb, 1, 'MB')}",
            f"sandbox_cpu={_figure(summary.sandbox_cpu_seconds, 2, 's')}",
        ]
    )


def parse_summary(line: str) -> dict[str, str]:
    """The fields of a summary line as text, units kept: ``{"name": "plan", "N": "2000", "wall": "3.210s", ...}``."""
    words = line.split()
    if len(words) < 2 or words[0] != "SUMMARY":
        raise ValueError(f"not a summary line: {line!r}")
    fields = {"name": words[1]}
    for word in words[2:]:
        key, sep, value = word.partition("=")
        if not sep:
            raise ValueError(f"not a key=value field: {word!r}")
        fields[key] = value
    return fields


def linearity_line(summaries: Sequence[Summary]) -> str | None:
    """Each N's wall time per merchant and CPU per request, and the largest N's per-merchant wall time
    over the smallest's; None for fewer than two distinct N."""
    by_size = sorted(summaries, key=lambda s: s.merchants)
    if len(by_size) < 2 or by_size[0].merchants == by_size[-1].merchants:
        return None
    smallest, largest = by_size[0], by_size[-1]
    parts = [
        f"N={s.merchants} wall/merchant={s.wall_ms_per_merchant:.3f}ms "
        f"cpu/request={_figure(s.cpu_ms_per_request, 3, 'ms')}"
        for s in summaries
    ]
    growth = largest.wall_ms_per_merchant / smallest.wall_ms_per_merchant if smallest.wall_ms_per_merchant > 0 else None
    return (
        f"LINEARITY {summaries[0].name} "
        + " | ".join(parts)
        + f" | wall/merchant N={largest.merchants} over N={smallest.merchants}: {_figure(growth, 2)}"
    )


def print_runs(
    runs: Iterable[dict[str, Any]],
    report: Callable[[dict[str, Any]], str],
    summary_of: Callable[[dict[str, Any]], Summary],
    json_path: Path | None,
) -> list[dict[str, Any]]:
    """Each N's figures as they come (its report, then its summary line), the linearity line after
    several N, and the figures in ``json_path`` (one object for one N, a list for several)."""
    results: list[dict[str, Any]] = []
    for result in runs:
        print(report(result))
        print(summary_line(summary_of(result)), flush=True)
        results.append(result)
    linearity = linearity_line([summary_of(result) for result in results])
    if linearity is not None:
        print(linearity)
    if json_path is not None:
        figures: Any = results[0] if len(results) == 1 else results
        json_path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return results


def add_scale_arguments(parser: argparse.ArgumentParser, *, max_merchants: int, default: list[int] | None) -> None:
    """The options ``plan_scale.py`` and ``apply_scale.py`` share: N (several allowed), latency, seed, --json."""
    parser.add_argument(
        "--merchants",
        type=int,
        nargs="+",
        default=default,
        required=default is None,
        help=f"N, 1 to {max_merchants}; several N are measured one after another, each on its own fresh setup",
    )
    parser.add_argument("--latency-ms", type=float, default=20.0, help="latency the server adds to each API request")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated merchants")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
