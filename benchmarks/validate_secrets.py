"""``validate`` over N merchants whose sensitive values are ``!secret`` references, against the same
merchants with the values written in clear.

    python benchmarks/validate_secrets.py --merchants 10000

Writes two desired-state directories (each merchant: an owner with a national id, an IBAN) and times
``load_desired(check_only=True)`` on each: in clear, with ``!secret`` and an identity (the store holds
2N values and is decrypted once), and with ``!secret`` and no identity (names from secrets.index).
Prints each wall time (the best of ``--repeat`` runs) and the ratios to the clear one.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pyrage

from reconciler.desired.load import load_desired
from reconciler.desired.secret_store import SecretsStore, write_recipients

MERCHANT = """account_reference: BENCH-{n:05d}
klarna:
  account_name: Bench Shop {n}
  stakeholders:
    - given_name: Owner
      family_name: Number{n}
      date_of_birth: 1980-05-17
      national_identification: {{number: {national_id}, country: NO}}
      roles: [OWNER]
  bank_accounts:
    - {{account_holder: Bench Shop {n}, bic: DNBANOKKXXX, iban: {iban}}}
"""
IBAN = "NO9386011117947"
NATIONAL_ID = '"17058000000"'


def write_fleet(root: Path, count: int, *, secrets: bool, identity: pyrage.x25519.Identity) -> Path:
    directory = root / ("with-secrets" if secrets else "in-clear")
    (directory / "merchants").mkdir(parents=True)
    store = SecretsStore(directory)
    for n in range(count):
        if secrets:
            iban, national_id = f"!secret BENCH_{n}_IBAN", f"!secret BENCH_{n}_OWNER_ID"
            store.set(f"BENCH_{n}_IBAN", IBAN)
            store.set(f"BENCH_{n}_OWNER_ID", "17058000000")
        else:
            iban, national_id = IBAN, NATIONAL_ID
        text = MERCHANT.format(n=n, iban=iban, national_id=national_id)
        (directory / "merchants" / f"m{n:05d}.yaml").write_text(text, encoding="utf-8")
    if secrets:
        write_recipients(directory, [str(identity.to_public())])
        store.save()
    return directory


def best_of(repeat: int, directory: Path, environ: dict[str, str]) -> tuple[float, int, int]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        state = load_desired(directory, environ=environ, notify=None, check_only=True)
        times.append(time.perf_counter() - started)
    return min(times), len(state.merchants), len(state.withheld_files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--merchants", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    identity = pyrage.x25519.Identity.generate()
    with tempfile.TemporaryDirectory() as work:
        root = Path(work)
        clear = write_fleet(root, args.merchants, secrets=False, identity=identity)
        secret = write_fleet(root, args.merchants, secrets=True, identity=identity)
        base, loaded, _ = best_of(args.repeat, clear, {})
        print(f"in clear:                 {base:7.2f} s  ({loaded} merchants)")
        keyed, loaded, _ = best_of(args.repeat, secret, {"RECONCILER_AGE_IDENTITY": str(identity)})
        print(f"!secret, with identity:   {keyed:7.2f} s  ({loaded} merchants)  ratio {keyed / base:.2f}")
        names, _, withheld = best_of(args.repeat, secret, {})
        print(f"!secret, names only:      {names:7.2f} s  ({withheld} files checked without values)  "
              f"ratio {names / base:.2f}")


if __name__ == "__main__":
    main()
