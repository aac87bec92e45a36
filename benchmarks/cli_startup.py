"""How long ``reconciler --version``, ``--help`` and ``validate`` of one file take, against a bare interpreter.

    python benchmarks/cli_startup.py --runs 15

Each command runs in a fresh interpreter (this one, with this checkout first on ``PYTHONPATH``); it
prints the median and the fastest wall time of each, the median CPU time (user + system of the child,
which a loaded machine inflates far less than wall time), and the same for ``python -c pass``, the
interpreter's own start, so the figure that is the CLI's is the difference. ``reconciler validate``
runs on a directory holding one example merchant file (``desired-state/merchants/bergen-fisk.yaml``
with the example profiles and ``reconciler.yaml``). No time is asserted: the speed of this machine is
not the code's (the target is 0.3 s of start-up overhead).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_MERCHANT = "bergen-fisk.yaml"
COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "reconciler --version": ["-m", "reconciler", "--version"],
    "reconciler --help": ["-m", "reconciler", "--help"],
    "reconciler validate": ["-m", "reconciler", "validate", "--desired", "{desired}"],
}


def one_file_directory(work: Path) -> Path:
    """A desired-state directory of one example merchant file, with what that file refers to."""
    source = ROOT / "desired-state"
    target = work / "desired-state"
    (target / "merchants").mkdir(parents=True)
    shutil.copy(source / "reconciler.yaml", target)
    shutil.copytree(source / "profiles", target / "profiles")
    shutil.copy(source / "merchants" / EXAMPLE_MERCHANT, target / "merchants")
    return target


def timed(args: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds (user + system of the child) of each run."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        # In this checkout: ``-m`` puts the working directory first on the path, before PYTHONPATH.
        subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True, check=True, timeout=60)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return walls, cpus


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    options = parser.parse_args(argv)
    baseline = cpu_baseline = 0.0
    with tempfile.TemporaryDirectory() as work:
        desired = str(one_file_directory(Path(work)))
        for label, args in COMMANDS.items():
            walls, cpus = timed([arg.format(desired=desired) for arg in args], max(1, options.runs))
            median, cpu = statistics.median(walls), statistics.median(cpus)
            baseline, cpu_baseline = baseline or median, cpu_baseline or cpu
            extra = (
                ""
                if label.startswith("python")
                else f"  (+{median - baseline:.3f} s wall, +{cpu - cpu_baseline:.3f} s CPU over the interpreter)"
            )
            print(f"{label:24} median {median:.3f} s  fastest {min(walls):.3f} s  CPU {cpu:.3f} s{extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
