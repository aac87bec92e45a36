"""Run a snippet of Python in a child process that must finish: for input whose cost was once
quadratic, so that a regression fails the test (the child is stopped) instead of hanging the suite.

The bound is generous (the fixed code takes milliseconds; the quadratic cost of the inputs used is
minutes), so it asserts that the work ends, not how fast it is.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOUND_SECONDS = 60


def finishes(code: str) -> str:
    """What ``code`` prints; fails the test when it has not finished within ``BOUND_SECONDS``."""
    environ = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    try:
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=BOUND_SECONDS,
            env=environ,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(f"did not finish within {BOUND_SECONDS} s") from None
    assert done.returncode == 0, done.stderr
    return done.stdout
