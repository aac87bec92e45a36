"""A bank account Klarna holds only as a hash cannot be imported: the list is left undeclared, and said so."""

from __future__ import annotations

import base64
from pathlib import Path

from tests.imports.conftest import Keys
from tests.plan.conftest import Cli

HASH = {
    "value": base64.b64encode(bytes(range(32))).decode(),
    "sanitization_method": "REMOVE_WHITESPACE_UPPERCASE",
    "hashing_method": "ARGON2ID",
}


def test_hashed_bank_accounts_are_left_undeclared_with_a_comment_and_plan_nothing(
    cli: Cli, target: Path, keys: Keys
) -> None:
    response = cli.live.klarna.post("/_sandbox/seed", json={"count": 2, "seed": 11})
    assert response.status_code == 200, response.text
    account_id = cli.live.account_id("SBX000001")
    body = {"bank_account_type": "IBAN", "account_holder": "Hashed Holder", "iban_hash": HASH}
    cli.live.call("POST", f"/v1/accounts/{account_id}/settlement-information/bank-accounts", body)

    result = cli.run("import", "--all", "--desired", str(target))
    assert result.exit_code == 0, result.output
    assert "Klarna bank accounts held as hashes (1): not declared" in result.output
    hashed_file = (target / "merchants" / "sbx000001.yaml").read_text()
    assert "bank_accounts:" not in hashed_file.replace("# bank_accounts:", "")
    assert "# bank_accounts: not declared, so not managed." in hashed_file
    assert HASH["value"] not in hashed_file
    assert "bank_accounts:" in (target / "merchants" / "sbx000000.yaml").read_text()  # a clear one is declared

    env = {"RECONCILER_AGE_IDENTITY": keys.secret}
    plan = cli.run("plan", "--desired", str(target), "--detailed-exitcode", env=env)
    assert plan.exit_code == 0, plan.output
