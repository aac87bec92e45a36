"""The generated Klarna merchants of the seed route: deterministic, realistic and served like any other.

No timing is asserted (this machine's speed is not the code's): ``benchmarks/sandbox_seed.py`` prints it.
"""

from __future__ import annotations

import random
import time

from fastapi import FastAPI
from fastapi.testclient import TestClient

from reconciler.sandbox.klarna.accounts import EXPAND_NAMES, KIND, advance_accounts
from reconciler.sandbox.klarna.models import iban_is_valid
from reconciler.sandbox.klarna.seed import generate_klarna_accounts

NOW = 1_700_000_000.0


def test_generation_is_deterministic_and_continues_from_start() -> None:
    first = list(generate_klarna_accounts(3, rng=random.Random(7), now=NOW))
    again = list(generate_klarna_accounts(3, rng=random.Random(7), now=NOW))
    assert first == again
    assert [ref for _, ref, _ in first] == ["SBX000000", "SBX000001", "SBX000002"]
    later = list(generate_klarna_accounts(2, rng=random.Random(7), now=NOW, start=3))
    assert [ref for _, ref, _ in later] == ["SBX000003", "SBX000004"]


def test_ten_thousand_merchants_are_unique_and_valid() -> None:
    merchants = list(generate_klarna_accounts(10_000, rng=random.Random(1), now=NOW))
    assert len({account_id for account_id, _, _ in merchants}) == 10_000
    assert len({ref for _, ref, _ in merchants}) == 10_000
    for account_id, ref, doc in merchants[::97]:
        assert (doc["account_id"], doc["account_reference"]) == (account_id, ref)
        assert all(iban_is_valid(b["iban"]) for b in doc["bank_accounts"])
        assert all(doc[name] for name in EXPAND_NAMES), "every sub-resource is present"
        assert doc["stakeholders"][0]["national_identification"]["number"].startswith("TEST-")
        assert doc["account_owner"]["email"].endswith("@example.com")


def test_seeded_merchants_are_served_operational_with_every_sub_resource(
    klarna: TestClient, sandbox_app: FastAPI
) -> None:
    store = sandbox_app.state.sandbox.store
    rows = ((a, r, d) for a, r, d in generate_klarna_accounts(20, rng=random.Random(3), now=time.time()))
    assert store.put_many(KIND, rows) == 20
    assert advance_accounts(store, time.time()) == 0
    page = klarna.get("/klarna/v1/accounts", params={"limit": 1000, "expand": ",".join(EXPAND_NAMES)}).json()
    assert len(page["accounts"]) == 20
    assert page["pagination"]["next"] is None
    account = page["accounts"][5]
    assert (account["state"], account["account_reference"]) == ("OPERATIONAL", "SBX000005")
    assert all(name in account for name in EXPAND_NAMES)
    assert not any(key.startswith("_") for key in account)
    product = account["products"][0]["product_id"]
    path = f"/klarna/v1/accounts/{account['account_id']}/products/payment/{product}/disable"
    assert klarna.post(path, json={"reason": "FRAUD"}).json()["state"] == "DISABLED"
    programs = klarna.get(path.rsplit("/", 1)[0] + "/payment-programs").json()["payment_programs"]
    assert "ENABLED" in {row.get("enablement_state") for row in programs}
