"""The example desired state: valid, covering every resource, and the committed JSON Schema up to date."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from reconciler.desired import DesiredState, load_desired
from reconciler.desired.load import identity_loader, load_config
from reconciler.desired.models_klarna import KlarnaMerchant
from reconciler.desired.schema import render_merchant_schema
from reconciler.desired.secret_store import StoreSource
from reconciler.desired.yaml_loader import load_yaml_file

SCHEMA_COMMENT = "# yaml-language-server: $schema=../merchant.schema.json"


@pytest.fixture
def examples(examples_dir: Path) -> DesiredState:
    return load_desired(examples_dir, environ={})


def test_the_examples_load_and_validate_with_an_empty_environment(examples: DesiredState) -> None:
    assert len(examples.merchants) >= 5
    references = [m.account_reference for m in examples.merchants]
    assert references == sorted(references)
    assert examples.partner is not None and examples.partner.klarna is not None
    assert examples.config.klarna.is_sandbox and examples.config.dintero.is_sandbox


def test_the_examples_use_every_resource(examples: DesiredState) -> None:
    merchants = [m.wire() for m in examples.merchants]
    # An adoption (merchant_id) happens once, for a legacy Klarna merchant: no example stands for one.
    for name in set(KlarnaMerchant.model_fields) - {"merchant_id"}:
        assert any(m["klarna"].get(name) for m in merchants), f"no example declares klarna.{name}"
    declared = {connection for m in merchants for connection in m.get("dintero", {}).get("connections", {})}
    assert declared == {"klarna", "vipps-psp", "common"}
    products = [m["klarna"]["payment_product"] for m in merchants if "payment_product" in m["klarna"]]
    assert {p["state"] for p in products} == {"enabled", "disabled"}
    assert all(p.get("disabled_reason") for p in products if p["state"] == "disabled")


def test_the_examples_cover_the_required_markets(examples: DesiredState) -> None:
    def countries(with_dintero: bool) -> set[str]:
        found = set()
        for m in examples.merchants:
            if m.has_dintero != with_dintero:
                continue
            info = m.wire()["klarna"].get("business_information") or {}
            address = info.get("operating_address") or info.get("registration_address")
            if address:
                found.add(address["country"])
        return found

    assert {"NO", "SE"} <= countries(with_dintero=True)
    assert "US" in countries(with_dintero=False)


def test_an_example_reads_its_sensitive_values_from_the_secrets_store(examples_dir: Path) -> None:
    # The sandbox's test key (secrets.identity_file in reconciler.yaml) opens the example store.
    state = load_desired(examples_dir, environ={"NORDIC_BIKES_IBAN": "NO8330001234567"})
    merchant = state.merchant("NB-2024-0001").wire()
    assert merchant["klarna"]["bank_accounts"][0]["iban"] == "NO9386011117947"
    assert state.from_secrets_store("NB-2024-0001", "klarna.bank_accounts[0].iban")
    assert not state.from_environment("NB-2024-0001", "klarna.bank_accounts[0].iban")


def test_the_examples_validate_in_ci_with_nothing_configured(examples_dir: Path) -> None:
    state = load_desired(examples_dir, environ={"CI": "true"}, check_only=True)
    assert len(state.merchants) >= 5


def test_the_examples_sensitive_values_are_secrets_not_environment_fallbacks(examples_dir: Path) -> None:
    for path in sorted((examples_dir / "merchants").glob("*.yaml")):
        assert "!env [" not in path.read_text(encoding="utf-8"), path.name


def test_every_example_points_editors_at_the_schema(examples_dir: Path) -> None:
    files = sorted((examples_dir / "merchants").glob("*.yaml"))
    assert len(files) >= 5
    for path in files:
        assert path.read_text(encoding="utf-8").splitlines()[0] == SCHEMA_COMMENT, path.name


def test_the_committed_schema_is_up_to_date(examples_dir: Path) -> None:
    committed = (examples_dir / "merchant.schema.json").read_text(encoding="utf-8")
    assert committed == render_merchant_schema(), "run: reconciler schema > desired-state/merchant.schema.json"


def test_the_examples_conform_to_the_schema(examples_dir: Path) -> None:
    validator = jsonschema.Draft202012Validator(json.loads(render_merchant_schema()))
    config = load_config(examples_dir, {})
    source = StoreSource(examples_dir, identity_loader(examples_dir, config, {}), need_values=True)
    for path in sorted((examples_dir / "merchants").glob("*.yaml")):
        document, issues = load_yaml_file(path, {}, secrets=source)
        assert document is not None and not issues, issues
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document.data)]
        assert errors == [], path.name


def test_the_schema_marks_sensitive_fields_and_forbids_unknown_keys() -> None:
    schema = json.loads(render_merchant_schema())
    definitions = schema["$defs"]
    assert definitions["BankAccount"]["properties"]["iban"]["x-sensitive"] is True
    assert definitions["Stakeholder"]["properties"]["date_of_birth"]["x-sensitive"] is True
    assert definitions["NationalIdentification"]["properties"]["number"]["x-sensitive"] is True
    assert schema["additionalProperties"] is False
    assert all(d.get("additionalProperties") is False for d in definitions.values() if d.get("type") == "object")
