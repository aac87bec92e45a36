"""How long ``reconciler --version`` and ``reconciler --help`` take, against a bare interpreter.

    python benchmarks/cli_startup.py --runs 15

Each command runs in a fresh interpreter (this one, with this checkout first on ``PYTHONPATH``); it
prints the median and the fastest wall time of each, and of ``python -c pass`` for the interpreter's
own start, so the figure that is the CLI's is the difference. No time is asserted: the speed of this
machine is not the code's (the target is 0.3 s on a developer's machine).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "reconciler --version": ["-m", "reconciler", "--version"],
    "reconciler --help": ["-m", "reconciler", "--help"],
}


def timed(args: list[str], runs: int) -> list[float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, *args], env=env, capture_output=True, check=True, timeout=60)
        seconds.append(time.perf_counter() - start)
    return seconds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    options = parser.parse_args(argv)
    baseline = 0.0
    for label, args in COMMANDS.items():
        seconds = timed(args, max(1, options.runs))
        median = statistics.median(seconds)
        baseline = baseline or median
        extra = "" if label.startswith("python") else f"  (+{median - baseline:.3f} s over the interpreter)"
        print(f"{label:24} median {median:.3f} s  fastest {min(seconds):.3f} s{extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
