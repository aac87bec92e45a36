"""The validate benchmark: ``reconciler validate`` over N merchants that use profiles, against the same
merchants written out in full.

    python benchmarks/validate_scale.py --merchants 10000 --repeat 3

It writes two desired-state directories of N generated merchants that resolve to the same documents:
``full/``, each merchant file complete, and ``profiles/``, where what the merchants share sits in
profiles (``fleet`` for every merchant: distribution profile, product state, settlement, account
group; one per segment: the MCC, the payment program enablements, the Dintero price package and
payment options) and each merchant file lists ``profiles: [fleet, SEGMENT]`` and holds the rest. It
checks that both load to the same desired digest, then times ``reconciler validate --desired DIR`` in a
fresh process for each (``--repeat`` runs each, alternating; the median is reported) and prints both
wall times and their ratio (the target is 1.3 or less). No time is asserted: the machine's speed is
not the code's.

Sensitive values (each merchant's national id and IBAN) are ``!secret NAME`` references in both
directories, resolved from a ``secrets.age`` made for the run (an age key generated for it, given to
``validate`` in ``RECONCILER_AGE_IDENTITY``), so both runs decrypt the store and resolve every
reference. With ``--plain-values`` they are written as plain text instead.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

try:
    from yaml import CSafeDumper as SafeDumper
except ImportError:
    from yaml import SafeDumper  # type: ignore[assignment]

MAX_MERCHANTS = 100_000
PROFILE_ID = "krn:partner:global:account:distribution-profile:206bbb83-9b6e-46fa-940d-337153c04a58"
FINANCING_ID = "krn:payment:global:payment:program:a5cd46f7e-573d-4b02-bab8-1f1c0e343291"
EXTENDED_ID = "krn:payment:global:payment:program:df89148e-014e-4e9f-8218-4c1c9617791b"
SEGMENTS = {"grocery": "5411", "cafe": "5814", "books": "5942"}
SCHEMA_COMMENT = "# yaml-language-server: $schema=../merchant.schema.json\n"


class SecretRef(str):
    """A ``!secret NAME`` reference, written as such by the dumper; the value goes to the store."""


SafeDumper.add_representer(SecretRef, lambda dumper, ref: dumper.represent_scalar("!secret", str(ref)))
SECRETS: dict[str, str] = {}  # name -> value, for the store of both directories
USE_SECRETS = True


def sensitive(name: str, value: str) -> Any:
    """A sensitive value as the merchant file writes it: a ``!secret`` reference (the same in both
    directories), or the value itself with ``--plain-values``."""
    if not USE_SECRETS:
        return value
    SECRETS[name] = value
    return SecretRef(name)


def iban(index: int) -> str:
    """A Swedish IBAN of its own for each merchant, with valid check digits (a shared one is a copy)."""
    bban = f"500{index:017d}"
    check = 98 - int(bban + "281400") % 97  # "SE00" moved to the end, letters as numbers (S=28, E=14)
    return f"SE{check:02d}{bban}"


def write_store(directory: Path, identity: Any) -> None:
    """``secrets.recipients`` (the run's key) and ``secrets.age`` holding every generated secret."""
    from reconciler.desired.secret_store import SecretsStore, write_recipients

    write_recipients(directory, [str(identity.to_public())])
    store = SecretsStore(directory)
    for name, value in SECRETS.items():
        store.set(name, value)
    store.save()


def fleet_profile() -> dict[str, Any]:
    return {
        "locked": ["klarna.payment_product.distribution_profile_id"],
        "klarna": {
            "account_group_reference": "fleet",
            "payment_product": {"distribution_profile_id": PROFILE_ID, "state": "enabled"},
            "settlement": {"settlement_enabled": True},
        },
    }


def segment_profile(mcc: str) -> dict[str, Any]:
    markets = [{"customer_country": "SE", "currency": "SEK"}, {"customer_country": "NO", "currency": "NOK"}]
    return {
        "klarna": {
            "payment_product": {"merchant_category_code": mcc},
            "payment_program_enablements": [
                {
                    "payment_program_id": FINANCING_ID,
                    "enablement_criteria": {"markets": markets, "merchant_category_codes": [mcc]},
                    "effective_from": "2024-01-01T12:00:00Z",
                },
                {
                    "payment_program_id": EXTENDED_ID,
                    "enablement_criteria": {"markets": copy.deepcopy(markets[:1])},  # no alias
                    "effective_from": "2024-01-01T12:00:00Z",
                },
            ],
        },
        "dintero": {
            "connections": {
                "klarna": {
                    "signup": {
                        "price_package": "EU_DINTERO_PP001",
                        "payment_options": [{"type": "klarna.klarna", "currencies": ["SEK", "NOK"]}],
                        "mcc": int(mcc),
                    }
                }
            }
        },
    }


def own_part(index: int) -> dict[str, Any]:
    """What is the merchant's own: names, people, addresses, bank account, its Dintero account and case."""
    ref = f"VS{index:06d}"
    slug = ref.lower()
    address = {
        "street_address": f"Provgatan {index % 97 + 1}",
        "postal_code": "111 22",
        "city": "Stockholm",
        "country": "SE",
    }
    return {
        "account_reference": ref,
        "klarna": {
            "account_name": f"Shop {index}",
            "account_owner": {
                "given_name": "Ada",
                "family_name": f"Testsson{index}",
                "email": f"ada.{slug}@example.com",
                "phone": "+46701234567",
            },
            "websites": [
                {
                    "website_reference": f"{slug}-web",
                    "website_name": f"Shop {index}",
                    "channel_collection_reference": f"{slug}-online",
                }
            ],
            "collections": [
                {"collection_reference": f"{slug}-online", "support_contact": {"email": f"help.{slug}@example.com"}}
            ],
            "business_information": {
                "business_name": f"Shop {index} AB",
                "business_entity_type": "LIMITED_LIABILITY_COMPANY",
                "registration_authority": "Bolagsverket",
                "registration_number": f"559{index:07d}",
                "operating_address": dict(address),  # no shared object: the dumper would write an alias
            },
            "stakeholders": [
                {
                    "given_name": "Ada",
                    "family_name": f"Testsson{index}",
                    "date_of_birth": "1980-12-10",
                    "address": address,
                    "national_identification": {
                        "number": sensitive(f"{ref}_NATIONAL_ID", f"19801210-{index % 10000:04d}"),
                        "country": "SE",
                    },
                    "roles": ["OWNER", "DIRECTOR"],
                    "ownership_percentage": 100,
                }
            ],
            "bank_accounts": [
                {
                    "bank_account_type": "IBAN",
                    "account_holder": f"Shop {index} AB",
                    "bic": "NDEASESS",
                    "iban": sensitive(f"{ref}_IBAN", iban(index)),
                }
            ],
        },
        "dintero": {
            "account_id": f"T3{index:07d}",
            "connections": {"klarna": {"signup": {"case_id": f"6f1c2a3e-0d44-4b50-8888-{index:012d}"}}},
        },
    }


def merged(base: Any, over: Any) -> Any:
    """``over`` on ``base`` by the profile rules: mappings key by key, anything else replaced."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = merged(base[key], value) if key in base else value
        return out
    return over


def segment_of(index: int) -> str:
    return list(SEGMENTS)[index % len(SEGMENTS)]


def _dump(path: Path, data: dict[str, Any], comment: str = "") -> None:
    text = yaml.dump(data, Dumper=SafeDumper, default_flow_style=False, allow_unicode=True, sort_keys=False)
    path.write_text(comment + text, encoding="utf-8")


def write_directories(merchants: int, root: Path) -> tuple[Path, Path]:
    """``root/full`` and ``root/profiles``, each a desired-state directory of the same merchants."""
    full, layered = root / "full", root / "profiles"
    for directory in (full, layered):
        (directory / "merchants").mkdir(parents=True)
    (layered / "profiles").mkdir()
    fleet = fleet_profile()
    _dump(layered / "profiles" / "fleet.yaml", fleet)
    fleet_values = {k: v for k, v in fleet.items() if k != "locked"}
    segments = {name: segment_profile(mcc) for name, mcc in SEGMENTS.items()}
    for name, profile in segments.items():
        _dump(layered / "profiles" / f"{name}.yaml", profile)
    for index in range(merchants):
        own = own_part(index)
        segment = segment_of(index)
        name = f"{own['account_reference'].lower()}.yaml"
        written_out = merged(merged(copy.deepcopy(fleet_values), segments[segment]), own)
        written_out = {"account_reference": written_out.pop("account_reference"), **written_out}
        _dump(full / "merchants" / name, written_out, SCHEMA_COMMENT)
        listing = {"account_reference": own["account_reference"], "profiles": ["fleet", segment]}
        _dump(
            layered / "merchants" / name,
            {**listing, **{k: v for k, v in own.items() if k != "account_reference"}},
            SCHEMA_COMMENT,
        )
    return full, layered


def same_documents(full: Path, layered: Path, environ: dict[str, str]) -> bool:
    """Both directories load to the same desired state (the digest of every resolved document)."""
    from reconciler.desired.declared import desired_digest
    from reconciler.desired.load import load_desired

    states = [load_desired(directory, environ=environ, notify=None) for directory in (full, layered)]
    digests = [desired_digest(state.merchants, None, b"") for state in states]
    return digests[0] == digests[1]


def timed_validate(directory: Path, environ: dict[str, str]) -> float:
    """Wall time of ``reconciler validate --desired DIR`` in a fresh process (its start-up included)."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "reconciler", "validate", "--desired", str(directory)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **environ},
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"validate failed on {directory}:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return elapsed


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--merchants", type=int, default=10_000, help=f"N, 1 to {MAX_MERCHANTS}")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each directory (the median is reported)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file as JSON")
    parser.add_argument("--plain-values", action="store_true", help="sensitive values as text, not !secret")
    options = parser.parse_args(argv)
    if not 1 <= options.merchants <= MAX_MERCHANTS:
        parser.error(f"--merchants must be between 1 and {MAX_MERCHANTS}")
    if not 1 <= options.repeat <= 20:
        parser.error("--repeat must be between 1 and 20")
    return options


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    global USE_SECRETS
    USE_SECRETS = not options.plain_values
    environ: dict[str, str] = {"CI": "", "RECONCILER_AGE_IDENTITY": ""}
    with tempfile.TemporaryDirectory(prefix="validate-scale-") as tmp:
        started = time.perf_counter()
        full, layered = write_directories(options.merchants, Path(tmp))
        if USE_SECRETS:
            import pyrage

            identity = pyrage.x25519.Identity.generate()
            environ["RECONCILER_AGE_IDENTITY"] = str(identity)
            for directory in (full, layered):
                write_store(directory, identity)
        written = time.perf_counter() - started
        if not same_documents(full, layered, environ):
            print("the two directories do not resolve to the same documents", file=sys.stderr)
            return 1
        runs: dict[str, list[float]] = {"full": [], "profiles": []}
        for _ in range(options.repeat):
            runs["full"].append(timed_validate(full, environ))
            runs["profiles"].append(timed_validate(layered, environ))
    full_s, profiles_s = statistics.median(runs["full"]), statistics.median(runs["profiles"])
    figures = {
        "merchants": options.merchants,
        "secrets": len(SECRETS),
        "full_seconds": round(full_s, 3),
        "profiles_seconds": round(profiles_s, 3),
        "ratio": round(profiles_s / full_s, 3),
        "runs": {name: [round(t, 3) for t in times] for name, times in runs.items()},
        "write_seconds": round(written, 3),
    }
    values = "plain values" if options.plain_values else f"{len(SECRETS)} values as !secret references"
    print(f"reconciler validate over {options.merchants} merchants, {values} (median of {options.repeat} runs each)")
    print(f"  written out in full:  {full_s:.3f} s  (runs: {', '.join(f'{t:.2f}' for t in runs['full'])})")
    print(f"  using profiles:       {profiles_s:.3f} s  (runs: {', '.join(f'{t:.2f}' for t in runs['profiles'])})")
    print(f"  ratio profiles / full: {profiles_s / full_s:.2f}  (target: 1.3 or less)")
    if options.json is not None:
        options.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
