"""Canary secrets never appear in plan or drift output, in the plan file, or in an error message.

The YAML and the live state hold canary values (national ids, IBANs, dates of birth, social security
and account numbers, some through ``!env``) that differ from each other, so every one of them sits in
a planned change: created, patched or deleted.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from click.testing import Result

from reconciler.errors import ReadFailed
from reconciler.sandbox.embedded import embedded_app

from .conftest import IBAN_DE, IBAN_SE, REF, Cli, Planner, addr, base_merchant, dump_yaml

YAML_NID = "CANARY-NID-7731"
LIVE_NID = "LIVE-NID-4410"
ENV_NID = "CANARY-ENVNID-9902"
YAML_IBAN = "NL84RABO0331172839"  # a valid checksum, used nowhere else
LIVE_IBAN = "FI4377310200011942"
NEW_DOB = "1977-03-14"
ADA_DOB = "1980-12-10"
ENV_SSN = "CANARY-SSN-4419"
LIVE_SSN = "LIVE-SSN-0377"
ENV_ACCOUNT = "DK2955400004440117"  # account numbers of type iban are IBANs
LIVE_ACCOUNT = "NO6686011117948"
ENV = {"CANARY_SSN": ENV_SSN, "CANARY_ACCOUNT": ENV_ACCOUNT, "CANARY_NID": ENV_NID}

CANARIES = [
    YAML_NID,
    LIVE_NID,
    ENV_NID,
    YAML_IBAN,
    YAML_IBAN[4:],
    "NL84 RABO 0331 1728 39",
    LIVE_IBAN,
    LIVE_IBAN[4:],
    IBAN_SE,
    IBAN_DE,
    NEW_DOB,
    ADA_DOB,
    "1971-12-26",
    ENV_SSN,
    LIVE_SSN,
    ENV_ACCOUNT,
    ENV_ACCOUNT[4:],
    LIVE_ACCOUNT,
    LIVE_ACCOUNT[4:],
]


def _common_signup(ssn: str, account_number: str) -> dict[str, Any]:
    return {
        "payment_options": [{"type": "swish.swish", "currencies": ["SEK"]}],
        "bank_accounts": [{"account_number": account_number, "account_number_type": "iban", "bank_name": "Testbanken"}],
        "applicant": {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@example.com",
            "social_security_number": ssn,
        },
    }


def _live_merchant() -> dict[str, Any]:
    merchant = base_merchant()
    k = merchant["klarna"]
    k["stakeholders"][0]["national_identification"]["number"] = LIVE_NID
    k["bank_accounts"].append({"account_holder": "Old account", "iban": LIVE_IBAN})
    merchant["dintero"]["connections"]["common"] = {"signup": _common_signup(LIVE_SSN, LIVE_ACCOUNT)}
    return merchant


def _desired_yaml() -> str:
    merchant = copy.deepcopy(base_merchant())
    k = merchant["klarna"]
    k["stakeholders"][0]["national_identification"]["number"] = YAML_NID
    k["stakeholders"][1]["national_identification"] = {"number": "@NID@", "country": "SE"}
    k["stakeholders"].append(
        {"given_name": "Carrie", "family_name": "Canary", "date_of_birth": NEW_DOB, "roles": ["SIGNATORY"]}
    )
    k["bank_accounts"].append({"account_holder": "New account", "iban": "NL84 RABO 0331 1728 39"})
    merchant["dintero"]["connections"]["common"] = {"signup": _common_signup("@SSN@", "@ACCOUNT@")}
    text = dump_yaml(merchant)
    for placeholder, name in (("@NID@", "CANARY_NID"), ("@SSN@", "CANARY_SSN"), ("@ACCOUNT@", "CANARY_ACCOUNT")):
        text = text.replace(f"'{placeholder}'", f'!env [{name}, "unset-fallback"]')
    assert "@" not in text.replace("@example.com", "")
    return text


@pytest.fixture
def canaries(cli: Cli) -> Cli:
    cli.live.create(_live_merchant())
    cli.desired.write_text("pt-0001.yaml", _desired_yaml())
    return cli


def assert_no_canary(*texts: str) -> None:
    for text in texts:
        for canary in CANARIES:
            assert canary not in text, f"{canary!r} leaked"


def _all_output(result: Result) -> str:
    return result.stdout + "\n" + result.stderr


def test_every_canary_is_in_a_planned_change(canaries: Cli) -> None:
    """The premise of the other tests: each secret differs between the YAML and the live state."""
    import json

    result = canaries.run("plan", "--format", "json", env=ENV)
    assert result.exit_code == 0, result.output
    ops = {op["address"]: op for op in json.loads(result.stdout)["operations"]}
    assert [c["path"] for c in ops[addr("klarna.stakeholder", "ada-lovelace")]["changes"]] == [
        "national_identification.number"
    ]
    assert ops[addr("klarna.stakeholder", "charles-babbage")]["action"] == "patch"
    assert ops[addr("klarna.stakeholder", "carrie-canary")]["action"] == "create"
    # A new IBAN in place of the old one: one replace of the bank account.
    assert ops[addr("klarna.bank_account", "iban-2839")]["action"] == "replace"
    assert ops[addr("klarna.bank_account", "iban-2839")]["replaces"] == addr("klarna.bank_account", "iban-1942")
    common = ops[addr("dintero.connection", "common")]
    assert common["action"] == "patch"
    assert {c["path"] for c in common["changes"]} == {"signup.applicant.social_security_number", "signup.bank_accounts"}
    masked = ops[addr("klarna.stakeholder", "ada-lovelace")]["changes"][0]
    assert re.fullmatch(r"\*\*\*\* \(fp:[0-9a-f]{4}\)", masked["before"])
    assert masked["before"] != masked["after"]  # masked, yet it still tells that something changed


@pytest.mark.parametrize("command", ["plan", "drift"])
@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_no_canary_in_output_or_plan_file(command: str, fmt: str, canaries: Cli) -> None:
    out_file = canaries.workdir / "plan.json"
    result = canaries.run(command, "--format", fmt, "--out", str(out_file), env=ENV)
    assert result.exit_code == (2 if command == "drift" else 0), result.output
    assert "carrie-canary" in result.stdout  # the output is the plan, not an empty one
    assert_no_canary(_all_output(result), out_file.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "fault",
    [
        {"api": "dintero", "method": "GET", "path_pattern": "/management/accounts/", "status": 403, "count": 50},
        {"api": "klarna", "method": "GET", "path_pattern": "/v1/accounts", "status": 400, "count": 50},
    ],
    ids=["dintero 403", "klarna 400"],
)
def test_a_failed_read_names_the_merchant_and_no_canary(fault: dict[str, Any], canaries: Cli) -> None:
    response = canaries.live.klarna.put("/_sandbox/faults", json={"fail_next": [fault]})
    assert response.status_code == 200, response.text
    result = canaries.run("plan", "--format", "json", env=ENV)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "could not read the live state of 1 merchant(s)" in result.stderr
    assert f"merchant {REF}: {fault['api']}" in result.stderr and str(fault["status"]) in result.stderr
    assert_no_canary(_all_output(result))


def test_a_read_that_keeps_failing_names_the_merchant_and_no_canary(canaries: Cli) -> None:
    """Server errors are retried; after the last attempt the error is the API's text, attributed to the merchant."""
    fault = {"api": "klarna", "method": "GET", "path_pattern": "/v1/accounts", "status": 503, "count": 50}
    assert canaries.live.klarna.put("/_sandbox/faults", json={"fail_next": [fault]}).status_code == 200
    planner = Planner(embedded_app(canaries.workdir))  # fast retries: the CLI's real backoff takes seconds
    with pytest.raises(ReadFailed) as caught:
        planner.plan(canaries.desired.load(ENV))
    message = str(caught.value)
    assert f"merchant {REF}: klarna resolve_account failed (503" in message
    assert "gave up after 2 attempts" in message
    assert_no_canary(message)


def test_a_refused_api_key_is_not_echoed(canaries: Cli) -> None:
    key = "klarna_test_api_CANARY-KEY-8812"
    result = canaries.run("drift", env={**ENV, "KLARNA_API_KEY": key})
    assert result.exit_code == 1
    assert "401" in result.stderr
    assert_no_canary(_all_output(result))
    assert "CANARY-KEY-8812" not in _all_output(result)


def test_a_refused_dintero_secret_is_not_echoed(canaries: Cli) -> None:
    result = canaries.run("plan", env={**ENV, "DINTERO_CLIENT_SECRET": "CANARY-SECRET-6620"})
    assert result.exit_code == 1
    assert "dintero" in result.stderr
    assert "CANARY-SECRET-6620" not in _all_output(result)


@pytest.mark.parametrize(
    "field,value",
    [
        ("iban", "NL85RABO0331172839"),  # the canary IBAN with a wrong checksum
        ("date_of_birth", "1977-02-30"),
    ],
)
def test_an_invalid_sensitive_value_is_reported_without_its_value(field: str, value: str, cli: Cli) -> None:
    merchant = base_merchant()
    if field == "iban":
        merchant["klarna"]["bank_accounts"][0]["iban"] = value
    else:
        merchant["klarna"]["stakeholders"][0]["date_of_birth"] = value
    cli.desired.write(merchant)
    result = cli.run("plan")
    assert result.exit_code == 1
    assert re.search(r"pt-0001\.yaml:\d+:\d+: .*" + field, result.stderr), result.stderr
    assert value not in _all_output(result)
