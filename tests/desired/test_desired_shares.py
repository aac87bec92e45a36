"""``shares_with``: merchants with one owner share the owner's IBANs, national ids and reference names without
validate taking them for a copied file; anyone else copying them is still caught, and a case_id never is shared."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.desired import load_desired
from reconciler.desired.copies import CopyKey, check_copies, copy_keys
from reconciler.desired.references import NamedReference
from reconciler.errors import InputError
from tests.desired.test_desired_copies import CASE_ID, IBAN, NATIONAL_ID, merchant

Write = Callable[[str, str], Path]


def sharing(text: str, *references: str) -> str:
    """A merchant file's text with ``shares_with`` listing ``references``."""
    head, rest = text.split("\n", 1)
    return f"{head}\nshares_with: [{', '.join(references)}]\n{rest}"


def two_shops(case_id_b: str) -> tuple[str, str]:
    """Two merchants of one owner: the same IBAN, national ids, social security number and !env name."""
    a = merchant("A-1", "T11200101", case_id=CASE_ID, iban=IBAN, national_id=NATIONAL_ID, env_name="OWNER_ID")
    b = merchant("B-1", "T11200102", case_id=case_id_b, iban=IBAN, national_id=NATIONAL_ID, env_name="OWNER_ID")
    return a, b


def issues_of(desired_dir: Path) -> list[str]:
    try:
        load_desired(desired_dir, environ={"OWNER_ID": "17058000000"})
    except InputError as error:
        return str(error).splitlines()
    return []


def test_one_side_listing_the_other_lets_them_share_the_owners_values(write: Write, desired_dir: Path) -> None:
    a, b = two_shops(CASE_ID[:-4] + "beef")
    write("merchants/a.yaml", a)
    write("merchants/b.yaml", b)
    assert len(issues_of(desired_dir)) == 10  # four values and one name, each at both places
    write("merchants/b.yaml", sharing(b, "A-1 "))  # compared in normal form, as references are
    assert issues_of(desired_dir) == []


def test_a_case_id_is_never_shared(write: Write, desired_dir: Path) -> None:
    a, b = two_shops(CASE_ID.upper())
    write("merchants/a.yaml", sharing(a, "B-1"))
    write("merchants/b.yaml", sharing(b, "A-1"))
    found = issues_of(desired_dir)
    assert len(found) == 2 and all("this Dintero case_id is also used by another merchant" in m for m in found)
    assert all(m.endswith("each merchant needs its own") for m in found)  # no hint that listing would help


def test_a_file_copied_from_a_sharing_merchant_is_still_a_copy(write: Write, desired_dir: Path) -> None:
    a, b = two_shops(CASE_ID[:-4] + "beef")
    write("merchants/a.yaml", sharing(a, "B-1"))
    write("merchants/b.yaml", b)
    # C is A's file with a new reference, account and case_id: its list names B, not A.
    c = sharing(a, "B-1").replace("A-1", "C-1").replace("T11200101", "T11200103")
    c = c.replace(CASE_ID, CASE_ID[:-4] + "cafe")
    write("merchants/c.yaml", c)
    found = issues_of(desired_dir)
    assert found and all("merchants/a.yaml" in m and "merchants/c.yaml" in m for m in found), found
    assert not any("merchants/b.yaml" in m for m in found)
    assert not any(value in "\n".join(found) for value in (IBAN, NATIONAL_ID, "17058000000"))


def test_a_listed_reference_no_file_declares_is_reported_where_it_is_written(write: Write, desired_dir: Path) -> None:
    a, b = two_shops(CASE_ID[:-4] + "beef")
    write("merchants/a.yaml", sharing(a, "B-1", "B-2"))
    write("merchants/b.yaml", b)
    assert issues_of(desired_dir) == [
        "desired-state/merchants/a.yaml:2:20: shares_with[1]: no merchant file declares account_reference B-2"
    ]


def test_a_reference_a_profile_lists_that_no_file_declares_is_reported_in_the_profile(
    write: Write, desired_dir: Path
) -> None:
    a, b = two_shops(CASE_ID[:-4] + "beef")
    write("profiles/owner.yaml", "# the owner's shops\nshares_with:\n- A-1\n- B-1\n- C-9\n")
    for name, text in (("a", a), ("b", b)):
        head, rest = text.split("\n", 1)
        write(f"merchants/{name}.yaml", f"{head}\nprofiles: [owner]\n{rest}")
    assert issues_of(desired_dir) == [
        "desired-state/profiles/owner.yaml:5:3: shares_with[2]: no merchant file declares account_reference C-9"
    ]


def test_a_profile_can_list_its_whole_group(write: Write, desired_dir: Path) -> None:
    a, b = two_shops(CASE_ID[:-4] + "beef")
    write("profiles/owner.yaml", "shares_with: [A-1, B-1]\n")
    for name, text in (("a", a), ("b", b)):
        head, rest = text.split("\n", 1)
        write(f"merchants/{name}.yaml", f"{head}\nprofiles: [owner]\n{rest}")
    assert issues_of(desired_dir) == []


@pytest.mark.parametrize("listed", [frozenset(), frozenset({frozenset(("a.yaml", "c.yaml"))})])
def test_only_the_listed_pair_is_let_through(listed: frozenset[frozenset[str]]) -> None:
    data = {"klarna": {"bank_accounts": [{"iban": IBAN}]}}
    keys = [*(copy_keys(data, f"{n}.yaml", lambda path, n=n: (f"{n}.yaml", 4, 13), []) for n in "abc")]
    issues = check_copies([key for group in keys for key in group], listed)
    reported = sorted({str(issue).split(":")[0] for issue in issues})
    assert reported == ["a.yaml", "b.yaml", "c.yaml"]  # b shares with nobody
    pointed_at = {str(issue).split(":")[0]: str(issue).split(" at ")[1].split(":")[0] for issue in issues}
    if listed:
        assert pointed_at["a.yaml"] == "b.yaml" and pointed_at["c.yaml"] == "b.yaml"


def test_a_file_copied_from_a_member_of_a_profiles_group_is_still_a_copy(write: Write, desired_dir: Path) -> None:
    """A profile's list names its group: a merchant using the profile but not named in it shares with nobody."""
    a, b = two_shops(CASE_ID[:-4] + "beef")
    write("profiles/owner.yaml", "shares_with: [A-1, B-1]\n")
    c = a.replace("A-1", "C-1").replace("T11200101", "T11200103").replace(CASE_ID, CASE_ID[:-4] + "cafe")
    for name, text in (("a", a), ("b", b), ("c", c)):  # C: A's file with a new reference, account and case_id
        head, rest = text.split("\n", 1)
        write(f"merchants/{name}.yaml", f"{head}\nprofiles: [owner]\n{rest}")
    found = issues_of(desired_dir)
    assert found and all("merchants/c.yaml" in m for m in found), found


def test_the_name_of_a_reference_holding_a_case_id_is_never_shared() -> None:
    """Without the store's identity a ``!secret`` is not read: its name is all the check compares."""
    at = ("dintero", "connections", "klarna", "signup", "case_id")

    def keys(file: str) -> list[CopyKey]:
        return copy_keys({}, file, lambda path: (file, 1, 1), [NamedReference("!secret", "shop_case", at, file, 9, 18)])

    issues = check_copies([*keys("a.yaml"), *keys("b.yaml")], {frozenset(("a.yaml", "b.yaml"))})
    assert [str(issue).split(":")[0] for issue in issues] == ["a.yaml", "b.yaml"]
    assert all(str(issue).endswith("each merchant needs its own") for issue in issues)
