"""``!!bool`` on text that is no boolean is not read as false.

``settlement_enabled: !!bool 1`` loaded as false (``settlement_enabled: 1`` loads as true) and
``!!bool maybe`` as false, without a word: the loader took every text outside true/yes/y/on for false.
In reconciler.yaml, where a boolean is ``true`` or ``false`` only, ``require_high_risk_flag: !!bool 1``
silently turned the flag off.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.desired.load import load_config, load_desired
from reconciler.errors import InputError


@pytest.fixture
def desired(desired_dir: Path) -> Path:
    return desired_dir


def _merchant(value: str) -> str:
    return f"account_reference: M1\nklarna:\n  account_name: A\n  settlement: {{settlement_enabled: {value}}}\n"


def _settlement(desired: Path, value: str) -> object:
    (desired / "merchants" / "a.yaml").write_text(_merchant(value), encoding="utf-8")
    try:
        state = load_desired(desired, environ={}, check_only=True)
    except InputError as error:
        return [(i.line, i.column, i.message) for i in error.issues]
    return state.merchants[0].wire()["klarna"]["settlement"]["settlement_enabled"]


@pytest.mark.parametrize("value", ["!!bool 1", "!!bool maybe", "!!bool tru"])
def test_an_explicit_bool_tag_never_makes_false_of_other_text(desired: Path, value: str) -> None:
    plain = value.removeprefix("!!bool ")
    assert _settlement(desired, value) == _settlement(desired, plain)


@pytest.mark.parametrize(("value", "kept"), [("!!bool true", True), ("!!bool false", False), ("!!bool False", False)])
def test_an_explicit_bool_tag_on_a_boolean_still_loads(desired: Path, value: str, kept: bool) -> None:
    assert _settlement(desired, value) is kept


def test_reconciler_yaml_refuses_an_explicit_bool_of_a_number(desired: Path) -> None:
    (desired / "reconciler.yaml").write_text("policy:\n  require_high_risk_flag: !!bool 1\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_config(desired, environ={})
    assert any(
        (i.line, i.column) == (2, 27) and i.message.startswith("policy.require_high_risk_flag:")
        for i in caught.value.issues
    ), caught.value.issues
