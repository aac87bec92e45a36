"""benchmarks/hash_load.py at a tiny size and cheap Argon2id costs: the loads it compares give the same
documents, and it reports each step (no timing asserted)."""

from __future__ import annotations

import contextlib
import io

from tests.benchmarks.scripts import load_script


def test_the_kept_hashes_benchmark_runs_and_compares_the_documents() -> None:
    module = load_script("hash_load")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = module.main(
            ["--merchants", "4", "--repeat", "1", "--time-cost", "1", "--memory-cost-kib", "64", "--parallelism", "1"]
        )
    lines = out.getvalue().splitlines()
    assert code == 0, lines
    assert "  same merchant documents: True" in lines
    assert any(line.startswith("  reconciler secrets hashes:") and "bank-hashes.age" in line for line in lines)
    assert lines[-1].startswith("RESULT hash_load N=4 ") and lines[-1].endswith(" same=True")
