"""Loading a fleet with bank account hashing: every hash computed, then taken from bank-hashes.age.

Writes N merchant files, one Klarna bank account each, with ``klarna.bank_account_hashing`` at the
given Argon2id costs (Klarna's defaults unless told: t=3, 64 MiB, 4 lanes) and the salt from the
environment, and a recipients file for a key made here. Then, each in a fresh process: a load with no
``bank-hashes.age`` (every hash computed), ``reconciler secrets hashes`` (writes the file), and loads
taking the kept hashes. Prints wall time and CPU (the process and its workers) of each, and checks that
the merchant documents are the same byte for byte. Nothing here talks to a network.

    PYTHONPATH=$PWD python benchmarks/hash_load.py --merchants 300 [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import pyrage

MAX_MERCHANTS = 2000
TIMEOUT = 1800  # seconds for any one step: 2,000 hashes at Klarna's costs take about 4 minutes on 2 cores
SALT_VARIABLE = "BENCH_BANK_ACCOUNT_SALT"

# Run in a fresh process: loads the directory and prints what it took and a digest of the documents.
LOAD = """
import hashlib, json, resource, sys, time
from pathlib import Path
from reconciler.desired.load import load_desired
wall, cpu = time.perf_counter(), time.process_time()
state = load_desired(Path(sys.argv[1]), notify=None)
children = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({
    "wall": time.perf_counter() - wall,
    "cpu": time.process_time() - cpu + children.ru_utime + children.ru_stime,
    "digest": hashlib.sha256(b"".join(m.canonical for m in state.merchants)).hexdigest(),
    "merchants": len(state.merchants),
}))
"""


def iban(number: int) -> str:
    """A Norwegian IBAN whose ISO 7064 check digits hold."""
    bban = f"{number:011d}"
    digits = "".join(str(int(character, 36)) for character in bban + "NO00")
    return f"NO{98 - int(digits) % 97:02d}{bban}"


def write_fleet(directory: Path, merchants: int, costs: dict[str, int]) -> None:
    (directory / "merchants").mkdir(parents=True)
    settings = ", ".join(f"{name}: {value}" for name, value in costs.items())
    (directory / "reconciler.yaml").write_text(
        f"klarna:\n  bank_account_hashing: {{salt_env: {SALT_VARIABLE}, {settings}}}\n", encoding="utf-8"
    )
    for n in range(merchants):
        (directory / "merchants" / f"m{n:05d}.yaml").write_text(
            f"account_reference: M{n:05d}\nklarna:\n  account_name: Shop {n}\n  bank_accounts:\n"
            f"    - {{account_holder: Shop {n}, iban: '{iban(7_000_000 + n)}'}}\n",
            encoding="utf-8",
        )


def timed_load(directory: Path, environ: dict[str, str]) -> dict[str, float | str]:
    done = subprocess.run(
        [sys.executable, "-c", LOAD, str(directory)],
        env=environ,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
    )
    figures: dict[str, float | str] = json.loads(done.stdout.splitlines()[-1])
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--merchants", type=int, default=300, help=f"N, 1 to {MAX_MERCHANTS}")
    parser.add_argument("--repeat", type=int, default=3, help="loads taking the kept hashes (median shown)")
    parser.add_argument("--time-cost", type=int, default=3)
    parser.add_argument("--memory-cost-kib", type=int, default=65536)
    parser.add_argument("--parallelism", type=int, default=4)
    args = parser.parse_args(argv)
    if not 1 <= args.merchants <= MAX_MERCHANTS or not 1 <= args.repeat <= 9:
        parser.error(f"--merchants is 1 to {MAX_MERCHANTS}, --repeat 1 to 9")
    costs = {"time_cost": args.time_cost, "memory_cost_kib": args.memory_cost_kib, "parallelism": args.parallelism}
    with tempfile.TemporaryDirectory(prefix="hash-load-") as work:
        directory = Path(work) / "desired-state"
        write_fleet(directory, args.merchants, costs)
        identity = pyrage.x25519.Identity.generate()
        (directory / "secrets.recipients").write_text(f"{identity.to_public()}\n", encoding="ascii")
        environ = {
            **os.environ,
            SALT_VARIABLE: "bench-salt-" + hashlib.sha256(work.encode()).hexdigest()[:16],
            "RECONCILER_AGE_IDENTITY": str(identity),
        }
        computing = timed_load(directory, environ)
        command = [sys.executable, "-m", "reconciler", "secrets", "hashes", "--desired", str(directory)]
        started = os.times()
        subprocess.run(command, env=environ, capture_output=True, timeout=TIMEOUT, check=True)
        ended = os.times()
        keeping = ended.elapsed - started.elapsed
        keeping_cpu = (ended.children_user - started.children_user) + (ended.children_system - started.children_system)
        kept = [timed_load(directory, environ) for _ in range(args.repeat)]
        size = (directory / "bank-hashes.age").stat().st_size
    same = all(run["digest"] == computing["digest"] for run in kept)
    median = statistics.median(float(run["wall"]) for run in kept)
    median_cpu = statistics.median(float(run["cpu"]) for run in kept)
    print(f"merchants: {args.merchants}, Argon2id {costs}")
    print(f"  load computing every hash:   {float(computing['wall']):.2f} s, {float(computing['cpu']):.2f} s of CPU")
    print(f"  reconciler secrets hashes:   {keeping:.2f} s, {keeping_cpu:.2f} s of CPU; bank-hashes.age {size} bytes")
    walls = ", ".join(f"{float(run['wall']):.2f}" for run in kept)
    print(f"  load taking the kept hashes: {median:.2f} s (runs {walls}), {median_cpu:.2f} s of CPU")
    print(f"  same merchant documents: {same}")
    print(
        f"RESULT hash_load N={args.merchants} computing={float(computing['wall']):.2f}s kept={median:.2f}s "
        f"speedup={float(computing['wall']) / median:.1f}x same={same}"
    )
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
