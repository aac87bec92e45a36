"""The editor schema as yaml-language-server uses it: references accepted where a value may be one, a
description for every property, examples from the seeds, country codes safe from YAML 1.1."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML

from reconciler.desired.schema import render_merchant_schema

SCHEMA = json.loads(render_merchant_schema())
DEFS: dict[str, Any] = SCHEMA["$defs"]
CUSTOM_TAGS = {"!env": ("scalar", "sequence"), "!secret": ("scalar",)}  # what the README tells editors

# YAML 1.2 core schema, as the `yaml` library yaml-language-server parses with resolves plain scalars.
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$"
)
# What YAML 1.1 reads as a boolean or null: a value like this must be quoted to stay text there.
YAML11_NOT_TEXT = re.compile(
    r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|~|null)$"
)


def _plain(text: str) -> Any:
    if _NULL.match(text):
        return None
    if _BOOL.match(text):
        return text.lower() == "true"
    if _INT.match(text):
        return int(text, 0) if text.startswith(("0o", "0x")) else int(text)
    if _FLOAT.match(text):
        return float(text.replace(".inf", "inf").replace(".nan", "nan"))
    return text


class EditorView:
    """A YAML file as yaml-language-server hands it to the schema validator, with ``customTags`` set."""

    def __init__(self) -> None:
        self.tagged = 0

    def value(self, node: Any) -> Any:
        tag = str(node.tag)
        if tag in CUSTOM_TAGS:
            kind = "scalar" if node.id == "scalar" else "sequence" if node.id == "sequence" else "mapping"
            assert kind in CUSTOM_TAGS[tag], f"{tag} {kind} is not in yaml.customTags"
            self.tagged += 1
            if node.id == "scalar":
                return str(node.value)  # custom-tag-provider.ts: a scalar tag resolves to the scalar's text
        if node.id == "mapping":
            return {str(self.value(key)): self.value(value) for key, value in node.value}
        if node.id == "sequence":
            return [self.value(item) for item in node.value]
        if node.style in ("'", '"', "|", ">"):
            return str(node.value)
        return _plain(str(node.value))

    def load(self, text: str) -> Any:
        return self.value(YAML(typ="rt").compose(text))


def editor_errors(text: str) -> list[str]:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    data = EditorView().load(text)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]


def properties() -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for model, definition in [("Merchant", SCHEMA), *DEFS.items()]:
        for name, schema in (definition.get("properties") or {}).items():
            found.append((model, name, schema))
    return found


def test_every_property_has_a_description() -> None:
    missing = [f"{model}.{name}" for model, name, schema in properties() if not schema.get("description")]
    assert missing == []
    assert len(properties()) > 150


def test_examples_come_from_the_seeds_and_are_valid_values() -> None:
    with_examples = [(m, n, s) for m, n, s in properties() if "examples" in s]
    assert len(with_examples) >= 40
    for model, name, schema in with_examples:
        validator = jsonschema.Draft202012Validator({**schema, "$defs": DEFS})
        for example in schema["examples"]:
            assert "<string>" not in json.dumps(example)
            assert not list(validator.iter_errors(example)), (model, name, example)


def test_country_codes_are_text_in_examples_and_quoted_where_yaml_1_1_would_misread_them() -> None:
    country_examples = 0
    for model, name, schema in properties():
        for example in schema.get("examples", []):
            if not isinstance(example, str) or not YAML11_NOT_TEXT.match(example):
                continue
            # "NO" stays text (never false), and the description shows it written quoted.
            country_examples += 1
            assert f'"{example}"' in schema["description"], (model, name)
    assert country_examples >= 3
    assert DEFS["Market"]["properties"]["customer_country"]["examples"] == ["NO", "SE"]


def test_the_example_merchants_validate_as_an_editor_sees_them(examples_dir: Path) -> None:
    files = sorted((examples_dir / "merchants").glob("*.yaml"))
    tagged = 0
    for path in files:
        view = EditorView()
        data = view.load(path.read_text(encoding="utf-8"))
        tagged += view.tagged
        errors = [
            f"{list(e.absolute_path)}: {e.message}" for e in jsonschema.Draft202012Validator(SCHEMA).iter_errors(data)
        ]
        assert errors == [], path.name
    assert tagged >= 3  # the examples do use references, so the tagged forms were checked


BASE = """\
account_reference: M1
klarna:
  account_name: M One
"""


@pytest.mark.parametrize(
    "value",
    [
        "  bank_accounts: [{iban: !env NORDIC_BIKES_IBAN}]",
        "  bank_accounts: [{iban: !secret nordic-bikes.iban}]",
        '  bank_accounts: [{iban: !env [NORDIC_BIKES_IBAN, "NO93 8601 1117 947"]}]',
        "  stakeholders: [{given_name: A, family_name: B, date_of_birth: !secret a.dob,"
        " ownership_percentage: !env PCT}]",
        "  payment_product: {merchant_category_code: !env MCC}",
        '  payment_product: {merchant_category_code: !env [MCC, "5940"]}',
        "  payment_program_enablements: [{payment_program_id: !env PROGRAM,"
        " enablement_criteria: {merchant_category_codes: [!env MCC, '5411']}}]",
    ],
)
def test_a_reference_is_accepted_where_a_value_may_be_one(value: str) -> None:
    assert editor_errors(BASE + value + "\n") == []


@pytest.mark.parametrize(
    "value",
    [
        "  payment_product: {state: !env STATE}",  # a fixed choice: no reference
        "  settlement: {settlement_enabled: !env ENABLED}",  # true or false: no reference
        '  bank_accounts: [{iban: !env [NORDIC_BIKES_IBAN, "not an iban"]}]',  # the fallback is checked
        "  bank_accounts: [{iban: !env [NORDIC_BIKES_IBAN]}]",  # a name and a fallback, both
        "  bank_accounts: [{iban: !env 'not a name'}]",
        "  payment_product: {state: enabeld}",
    ],
)
def test_a_reference_or_value_that_cannot_be_is_reported(value: str) -> None:
    assert editor_errors(BASE + value + "\n") != []
