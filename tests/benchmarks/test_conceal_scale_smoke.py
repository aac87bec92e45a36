"""benchmarks/conceal_scale.py at a tiny size: it masks every value its lines hold, and reports each size (no
timing asserted)."""

from __future__ import annotations

from tests.benchmarks.scripts import load_script


def test_the_masking_benchmark_masks_every_value_and_counts_the_forms() -> None:
    module = load_script("conceal_scale")
    first, median, forms = module.measure(50, 40)  # asserts inside that no value is left in a line
    assert forms == 50  # an IBAN without spaces and in capitals is its one form
    assert first >= 0 and median >= 0
