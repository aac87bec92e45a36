"""Null (``~``) for every field of a merchant file, partner.yaml and reconciler.yaml, from walking the models.

For each field path ``walk_fields`` yields (so a field added to a model is covered without touching
this file), a minimal valid file is written with that one field set to ``~``; loading it must give
exactly one issue, at the ``~``'s line and column, naming the field and what it expects.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from reconciler.config import ConfigFile
from reconciler.desired import load_desired
from reconciler.desired.introspect import model_at, walk_fields
from reconciler.desired.models import Merchant, Partner
from reconciler.desired.nulls import NULL_MEANS
from reconciler.errors import InputError

# A valid value for every required leaf, by field name (or by generic path where names clash).
SAMPLES: dict[str, Any] = {
    "account_reference": "NULL-1",
    "account_name": "Null Test",
    "given_name": "Ola",
    "family_name": "Nordmann",
    "reason": "FRAUD",
    "website_reference": "web",
    "collection_reference": "online",
    "street_address": "Street 1",
    "postal_code": "0150",
    "city": "Oslo",
    "country": "NO",
    "date_of_birth": "1980-05-17",
    "number": "01018012345",
    "settlement_enabled": True,
    "iban": "SE45 5000 0000 0583 9825 7466",
    "payment_program_id": "krn:payment:global:payment:program:df89148e-014e-4e9f-8218-4c1c9617791b",
    "customer_country": "SE",
    "currency": "SEK",
    "account_id": "T11200101",
    "case_id": "6f1c2a3e-0d44-4b50-8888-8dd25736a001",
    "currencies": ["NOK"],
    "percentage": 50,
    "account_number": "SE35 5000 0000 0549 1000 0003",
    "name": "Ola Nordmann",
    "address_line": "Street 1",
    "business_name": "Null Test AS",
    "postal_place": "Oslo",
    "email": "ola@example.com",
    "first_name": "Ola",
    "last_name": "Nordmann",
    "mcc": "5411",
    "description": "ci",
    "environment": "TEST",
    "dintero.connections.klarna.signup.payment_options[].type": "klarna.klarna",
    "dintero.connections.vipps-psp.signup.payment_options[].type": "dintero_psp.vipps",
    "dintero.connections.common.signup.payment_options[].type": "swish.swish",
    "dintero.connections.common.signup.revenue.estimated_percentage_per_payment_type[].type": "swish.swish",
    "klarna.credentials[].type": "API",
    "account_number_type": "iban",
    "url": "https://127.0.0.1:8443/hooks",
    "event_types": ["partner.*"],
    "signing_key_description": "ci",
}

# model, the file it is written to, the hint an optional field's message ends with
FILES: dict[str, tuple[type[BaseModel], str, str]] = {
    "merchant": (Merchant, "merchants/m.yaml", "to leave the field unmanaged, leave it out"),
    "partner": (Partner, "partner.yaml", "to leave the field unmanaged, leave it out"),
    "config": (ConfigFile, "reconciler.yaml", "to use the default, leave it out"),
}
MARK = "  # <- null"


def _field(model_cls: type[BaseModel], generic: str) -> tuple[type[BaseModel], str, Any]:
    """The model holding the field at ``a.b[].c``, the field's key and its FieldInfo."""
    parent, _, key = generic.rpartition(".")
    holder = model_at(model_cls, tuple(p for p in parent.replace("[]", "").split(".") if p)) if parent else model_cls
    assert holder is not None, generic
    info = next(i for n, i in holder.model_fields.items() if (i.alias or n) == key)
    return holder, key, info


def _minimal(model_cls: type[BaseModel], root: type[BaseModel], prefix: str, paths: set[str]) -> dict[str, Any]:
    """A mapping with every required field of the model at ``prefix`` filled in with a valid value."""
    data: dict[str, Any] = {}
    for name, info in model_cls.model_fields.items():
        if info.is_required():
            key = info.alias or name
            data[key] = _sample(root, f"{prefix}{key}", paths)
    return data


def _sample(root: type[BaseModel], generic: str, paths: set[str]) -> Any:
    if f"{generic}[]" in paths:
        sub = model_at(root, tuple(generic.replace("[]", "").split(".")))
        if sub is not None:
            return [_minimal(sub, root, f"{generic}[].", paths)]
    else:
        sub = model_at(root, tuple(generic.replace("[]", "").split(".")))
        if sub is not None:
            return _minimal(sub, root, f"{generic}.", paths)
    name = generic.rsplit(".", 1)[-1]
    if generic in SAMPLES:
        return SAMPLES[generic]
    assert name in SAMPLES, f"add a valid sample for the required field {generic} to SAMPLES"
    return SAMPLES[name]


class _Null:
    """Where the ``~`` goes."""


def _document(root: type[BaseModel], generic: str, paths: set[str], *, item: bool) -> tuple[dict[str, Any], str]:
    """A minimal valid document with the field at ``generic`` (or its first item) set to null, and the
    field's dotted path in messages (``[0]`` for every list on the way)."""
    data = _minimal(root, root, "", paths)
    node: dict[str, Any] = data
    dotted = ""
    parts = generic.split(".")
    prefix = ""
    for depth, part in enumerate(parts):
        in_list = part.endswith("[]")
        key = part.removesuffix("[]")
        dotted += ("." if dotted else "") + key
        last = depth == len(parts) - 1
        if last:
            if item:
                node[key] = [_Null()]
                dotted += "[0]"
            else:
                node[key] = _Null()
            return data, dotted
        sub = model_at(root, tuple(p.removesuffix("[]") for p in parts[: depth + 1]))
        assert sub is not None, generic
        child = node.get(key)
        if in_list:
            if not isinstance(child, list):
                node[key] = [_minimal(sub, root, f"{prefix}{part}.", paths)]
            node = node[key][0]
            dotted += "[0]"
        else:
            if not isinstance(child, dict):
                node[key] = _minimal(sub, root, f"{prefix}{part}.", paths)
            node = node[key]
        prefix += f"{part}."
    raise AssertionError(generic)


def _emit(value: Any, indent: int, lines: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for key, child in value.items():
            if isinstance(child, _Null):
                lines.append(f"{pad}{key}: ~{MARK}")
            elif isinstance(child, (dict, list)) and child:
                lines.append(f"{pad}{key}:")
                _emit(child, indent + 2, lines)
            else:
                lines.append(f"{pad}{key}: {json.dumps(child, ensure_ascii=False)}")
    else:
        for child in value:
            if isinstance(child, _Null):
                lines.append(f"{pad}- ~{MARK}")
            elif isinstance(child, dict) and child:
                start = len(lines)
                _emit(child, indent + 2, lines)
                lines[start] = f"{pad}- " + lines[start][indent + 2 :]
            else:
                lines.append(f"{pad}- {json.dumps(child, ensure_ascii=False)}")


def _cases() -> list[Any]:
    cases = []
    for kind, (model_cls, _, _) in FILES.items():
        paths = {path for path, _ in walk_fields(model_cls)}
        for path in sorted(paths):
            field = path.removesuffix("[]")
            _, _, info = _field(model_cls, field)
            extra = info.json_schema_extra
            if isinstance(extra, dict) and NULL_MEANS in extra:
                continue  # null has a documented meaning: see test_a_documented_null_is_accepted
            cases.append(pytest.param(kind, field, False, id=f"{kind}:{field}"))
            if path.endswith("[]"):
                cases.append(pytest.param(kind, field, True, id=f"{kind}:{field}[0]"))
    return cases


def _expected_kind(model_cls: type[BaseModel], field: str, paths: set[str], *, item: bool) -> str | None:
    """What the message must say is expected, for lists and sections (None: a single value)."""
    if f"{field}[]" in paths and not item:
        return "a list"
    if model_at(model_cls, tuple(p for p in field.replace("[]", "").split("."))) is not None:
        return "a mapping"
    if field.endswith("branding"):
        return "a mapping"
    return None


@pytest.mark.parametrize(("kind", "field", "item"), _cases())
def test_null_is_refused_at_its_position_naming_the_field(kind: str, field: str, item: bool, desired_dir: Path) -> None:
    model_cls, file, hint = FILES[kind]
    paths = {path for path, _ in walk_fields(model_cls)}
    data, dotted = _document(model_cls, field, paths, item=item)
    lines: list[str] = []
    _emit(data, 0, lines)
    text = "\n".join(lines) + "\n"
    (desired_dir / file).write_text(text, encoding="utf-8")
    (line,) = [n for n, content in enumerate(lines, 1) if content.endswith(MARK)]
    column = lines[line - 1].index("~") + 1

    with pytest.raises(InputError) as caught:
        load_desired(desired_dir, environ={}, notify=None)
    issues = [(i.file, i.line, i.column, i.message) for i in caught.value.issues]
    assert len(issues) == 1, (text, issues)
    (got_file, got_line, got_column, message) = issues[0]
    assert (got_file, got_line, got_column) == (f"desired-state/{file}", line, column), (text, message)
    _, _, info = _field(model_cls, field)
    optional = not item and not info.is_required()
    expected = _expected_kind(model_cls, field, paths, item=item)
    if expected is None:
        assert message.startswith(f"{dotted}: expected "), message
        assert " got null (~)" in message, message
    else:
        assert message == f"{dotted}: expected {expected}, got null (~)" + (f"; {hint}" if optional else "")


def test_every_list_and_section_of_the_merchant_model_is_covered() -> None:
    ids = {case.id for case in _cases()}
    for path, _ in walk_fields(Merchant):
        assert f"merchant:{path.removesuffix('[]')}" in ids
    assert "merchant:klarna.websites" in ids and "merchant:klarna.websites[0]" in ids
    assert "merchant:dintero.connections.common.signup.ownership.owners[0]" in ids
    assert "config:targets.klarna" in ids and "partner:klarna.credentials[0]" in ids


def test_a_documented_null_is_accepted(desired_dir: Path) -> None:
    (desired_dir / "reconciler.yaml").write_text("policy:\n  max_delete_count: ~\n", encoding="utf-8")
    state = load_desired(desired_dir, environ={})
    assert state.config.policy.max_delete_count is None


def test_an_empty_value_is_null_too(desired_dir: Path) -> None:
    (desired_dir / "merchants" / "m.yaml").write_text(
        "account_reference: NULL-2\nklarna:\n  account_name: N\n  collections:\n", encoding="utf-8"
    )
    with pytest.raises(InputError) as caught:
        load_desired(desired_dir, environ={})
    assert [str(i) for i in caught.value.issues] == [
        "desired-state/merchants/m.yaml:5:1: klarna.collections: expected a list, got null (~); "
        "to leave the field unmanaged, leave it out"
    ]
