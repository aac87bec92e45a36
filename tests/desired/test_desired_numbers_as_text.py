"""A number written where text goes is kept as written, or refused saying why.

base.py: "coerce_numbers_to_str lets registration_number: 12345678 stand unquoted; the YAML loader keeps
numbers whose text a conversion would change (0742, +4722000000) as written". Two places broke it:

- a reference (``account_reference: 123``, ``website_reference: 2024``) was refused with "a reference is
  1-100 letters, digits, ...": the user wrote digits, and every other text field takes them unquoted;
- a number with a decimal point or an exponent was sent rewritten: ``registration_number: 12.10`` as
  ``"12.1"``, ``street_address: 007.5`` as ``"7.5"``, ``postal_code: 1e3`` as ``"1000.0"``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reconciler.desired.load import load_desired


@pytest.fixture
def desired(desired_dir: Path) -> Path:
    return desired_dir


def _load(desired: Path, text: str) -> dict[str, Any]:
    (desired / "merchants" / "a.yaml").write_text(text, encoding="utf-8")
    state = load_desired(desired, environ={}, check_only=True)
    return state.merchants[0].wire()


@pytest.mark.parametrize(("written", "kept"), [("123", "123"), ("0123", "0123"), ("20240001", "20240001")])
def test_a_reference_written_as_a_number_is_that_reference(desired: Path, written: str, kept: str) -> None:
    wire = _load(
        desired,
        f"account_reference: {written}\nklarna:\n  account_name: A\n"
        f"  websites:\n    - {{website_reference: {written}, website_name: W}}\n",
    )
    assert wire["account_reference"] == kept
    assert wire["klarna"]["websites"][0]["website_reference"] == kept


@pytest.mark.parametrize("written", ["12.10", "007.5", "1e3", "1.", "2024.10", "12.5"])
def test_a_decimal_number_in_a_text_field_keeps_its_text(desired: Path, written: str) -> None:
    wire = _load(
        desired,
        "account_reference: M1\nklarna:\n  account_name: A\n"
        f"  business_information: {{registration_number: {written}, operating_address: "
        f"{{street_address: {written}, postal_code: {written}, city: Oslo, country: NO}}}}\n",
    )
    business = wire["klarna"]["business_information"]
    assert business["registration_number"] == written
    assert business["operating_address"]["street_address"] == written
    assert business["operating_address"]["postal_code"] == written


def test_a_decimal_number_in_a_number_field_is_still_a_number(desired: Path) -> None:
    wire = _load(
        desired,
        "account_reference: M1\nklarna:\n  account_name: A\n  stakeholders:\n"
        "    - {given_name: A, family_name: B, ownership_percentage: 12.50}\n"
        "  collections:\n    - {collection_reference: c, branding: {opacity: 0.50, scale: 1e1}}\n",
    )
    assert wire["klarna"]["stakeholders"][0]["ownership_percentage"] == 12.5
    assert wire["klarna"]["collections"][0]["branding"] == {"opacity": 0.5, "scale": 10.0}
