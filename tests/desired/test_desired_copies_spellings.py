"""Copies across merchant files written in another spelling of the same value: a UUID in another of its forms, a
national id with a Unicode dash or full-width digits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.desired import load_desired
from reconciler.errors import InputError
from tests.desired.test_desired_copies import CASE_ID, IBAN, NATIONAL_ID, merchant


def _messages(desired_dir: Path) -> list[str]:
    try:
        load_desired(desired_dir, environ={})
    except InputError as error:
        return str(error).splitlines()
    return []


@pytest.mark.parametrize(
    "written",
    [
        CASE_ID.replace("-", ""),  # uuid.UUID reads it: the model keeps the canonical form
        "{" + CASE_ID + "}",
        "urn:uuid:" + CASE_ID,
    ],
)
def test_a_case_id_copied_in_another_uuid_spelling_is_caught(
    write: Callable[[str, str], Path], desired_dir: Path, written: str
) -> None:
    write("merchants/a.yaml", merchant("A-1", "T11200101", case_id=CASE_ID, iban=IBAN, national_id=NATIONAL_ID))
    other = merchant(
        "B-1", "T11200102", case_id=f"'{written}'", iban="SE4550000000058398257466", national_id="02029900000",
        ssn="19700101-2222",
    ).replace("'17058000001'", "'17058000002'")
    write("merchants/b.yaml", other)
    found = _messages(desired_dir)
    assert any("this Dintero case_id is also used by another merchant" in m for m in found), found


@pytest.mark.parametrize("dash", ["\u2010", "\u2011", "\u2013", "\u2212", "\uff0d"])
def test_a_national_id_copied_with_a_unicode_dash_is_caught(
    write: Callable[[str, str], Path], desired_dir: Path, dash: str
) -> None:
    write("merchants/a.yaml", merchant("A-1", "T11200101", case_id=CASE_ID, iban=IBAN, national_id="010199-12345"))
    other = merchant(
        "B-1", "T11200102", case_id=CASE_ID[:-4] + "beef", iban="SE4550000000058398257466",
        national_id=f"010199{dash}12345", ssn="19700101-2222",
    ).replace("'17058000001'", "'17058000002'")
    write("merchants/b.yaml", other)
    found = _messages(desired_dir)
    assert any("this national id is also used by another merchant" in m for m in found), found
