"""How long masking one line of output takes, by how many values the secrets store holds.

    python benchmarks/conceal_scale.py --values 10 1000 10000 --lines 2000

Every line a command writes passes through ``reconciler.sensitive.conceal`` once the store's values are
registered (``cli.concealed``), and a fleet's store holds several values a merchant. For each count it
registers that many IBAN-like values (each in its forms, as a load does), then masks ``--lines`` plan
lines, one in ten holding one of the values, and prints the first line's time (the search index is made
then) and the median per line of the rest. No time is asserted.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time


def measure(values: int, lines: int) -> tuple[float, float, int]:
    from reconciler import sensitive

    sensitive.forget_secret_values()
    rng = random.Random(values)
    ibans = ["NO93" + "".join(rng.choice("0123456789") for _ in range(11)) for _ in range(values)]
    for iban in ibans:
        sensitive.register_secret_value(iban)
    texts = [
        f"  ~ klarna.bank_account/iban-{n % 10_000:04}  patch  M{n:012}  account_holder: 'Shop {n}'"
        + (f" iban {ibans[n % values]}" if n % 10 == 0 else "")
        + "\n"
        for n in range(lines)
    ]
    started = time.perf_counter()
    sensitive.conceal(texts[0])
    first = time.perf_counter() - started
    times = []
    for text in texts[1:]:
        started = time.perf_counter()
        masked = sensitive.conceal(text)
        times.append(time.perf_counter() - started)
        assert "NO93" not in masked  # every value is masked
    return first, statistics.median(times), len(sensitive.registered_secret_values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--values", type=int, nargs="+", default=[10, 1000, 10_000])
    parser.add_argument("--lines", type=int, default=2000)
    options = parser.parse_args()
    for values in options.values:
        first, median, forms = measure(values, options.lines)
        print(
            f"values={values} forms={forms} lines={options.lines} first_line_ms={first * 1e3:.2f} "
            f"median_line_us={median * 1e6:.1f}"
        )


if __name__ == "__main__":
    main()
