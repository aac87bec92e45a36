"""A percentage is a number: ``true`` / ``false`` are refused, and a wrong value is one error at the field.

``ownership_percentage: true`` validated as 1 and ``false`` as 0 (pydantic's lax int), so a typo planned
the owner's share as 1 %; an MCC written ``true`` is refused ("not a boolean"). And ``ownership_percentage:
abc`` gave two errors naming fields that do not exist (``ownership_percentage.float``, ``….int``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.desired.load import load_desired
from reconciler.errors import InputError


@pytest.fixture
def desired(desired_dir: Path) -> Path:
    return desired_dir


def _klarna(value: str) -> str:
    return (
        "account_reference: M1\nklarna:\n  account_name: A\n  stakeholders:\n"
        f"    - {{given_name: A, family_name: B, ownership_percentage: {value}}}\n"
    )


def _dintero(value: str) -> str:
    return (
        "account_reference: M1\nklarna:\n  account_name: A\ndintero:\n  account_id: T11200101\n  connections:\n"
        "    common:\n      signup:\n        payment_options: [{type: swish.swish, currencies: [SEK]}]\n"
        "        ownership:\n          owners:\n"
        f"            - {{name: Ola Nordmann, percentage: {value}}}\n"
    )


def _issues(desired: Path, text: str) -> list[tuple[int, int, str]]:
    (desired / "merchants" / "a.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_desired(desired, environ={}, check_only=True)
    return [(i.line, i.column, i.message) for i in caught.value.issues]


@pytest.mark.parametrize("value", ["true", "false", "True", "!!bool true"])
def test_a_boolean_is_no_ownership_percentage(desired: Path, value: str) -> None:
    issues = _issues(desired, _klarna(value))
    assert any(
        (line, column) == (5, 61) and message.startswith("klarna.stakeholders[0].ownership_percentage:")
        for line, column, message in issues
    ), issues


@pytest.mark.parametrize("value", ["true", "false"])
def test_a_boolean_is_no_dintero_owner_percentage(desired: Path, value: str) -> None:
    issues = _issues(desired, _dintero(value))
    assert any(line == 12 and "ownership.owners[0].percentage:" in message for line, column, message in issues), issues


@pytest.mark.parametrize("value", ["abc", "[1]", "{a: 1}"])
def test_a_percentage_that_is_no_number_is_one_error_at_its_field(desired: Path, value: str) -> None:
    issues = _issues(desired, _klarna(value))
    at_field = [m for line, column, m in issues if (line, column) == (5, 61)]
    assert len(at_field) == 1, issues
    assert at_field[0].startswith("klarna.stakeholders[0].ownership_percentage: "), issues


@pytest.mark.parametrize(("value", "kept"), [("60", 60), ("12.5", 12.5), ("100.0", 100.0), ('"60"', 60), ("0", 0)])
def test_a_number_is_still_a_percentage(desired: Path, value: str, kept: float) -> None:
    (desired / "merchants" / "a.yaml").write_text(_klarna(value), encoding="utf-8")
    state = load_desired(desired, environ={}, check_only=True)
    wire = state.merchants[0].wire()
    got = wire["klarna"]["stakeholders"][0]["ownership_percentage"]
    assert got == kept and type(got) is type(kept)
