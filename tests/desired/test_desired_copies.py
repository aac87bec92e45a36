"""validate catches what a copied merchant file carries over: case_ids, IBANs, national ids and social security
numbers, !env names; at both places, in normal form, never printing the value."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.desired import load_desired
from reconciler.desired.copies import ANY, EACH, WATCHED, _walk, check_copies, copy_keys
from reconciler.desired.references import NamedReference
from reconciler.errors import InputError

CASE_ID = "6f1c2a3e-0d44-4b50-8888-8dd25736c0de"
IBAN = "NO9386011117947"
NATIONAL_ID = "01019912345"


def merchant(
    reference: str,
    aid: str,
    *,
    case_id: str,
    iban: str,
    national_id: str,
    ssn: str = "19700101-1111",
    env_name: str | None = None,
) -> str:
    owner_id = f"!env [{env_name}, '17058000000']" if env_name else "'17058000001'"
    return f"""\
account_reference: {reference}
klarna:
  account_name: Merchant {reference}
  stakeholders:
    - given_name: Ola
      family_name: Nordmann
      date_of_birth: 1980-05-17
      national_identification: {{number: "{national_id}", country: "NO"}}
    - given_name: Kari
      family_name: Nordmann
      date_of_birth: 1981-05-17
      national_identification: {{number: {owner_id}, country: "NO"}}
  bank_accounts:
    - {{account_holder: Holder, iban: "{iban}"}}
dintero:
  account_id: {aid}
  connections:
    klarna:
      signup:
        case_id: {case_id}
        payment_options: [{{type: klarna.klarna, currencies: [NOK]}}]
    common:
      signup:
        payment_options: [{{type: swish.swish, currencies: [SEK]}}]
        ownership:
          owners: [{{name: Ola Nordmann, social_security_number: "{ssn}"}}]
"""


def messages(desired_dir: Path) -> list[str]:
    with pytest.raises(InputError) as raised:
        load_desired(desired_dir, environ={})
    return str(raised.value).splitlines()


def test_a_copied_file_is_reported_at_both_places_without_its_values(
    write: Callable[[str, str], Path], desired_dir: Path
) -> None:
    write(
        "merchants/a.yaml",
        merchant("A-1", "T11200101", case_id=CASE_ID, iban=IBAN, national_id=NATIONAL_ID, env_name="A_OWNER_ID"),
    )
    # The copy differs only in case, whitespace and separators: still the same values.
    write(
        "merchants/b.yaml",
        merchant(
            "B-1",
            "T11200102",
            case_id=CASE_ID.upper(),
            iban="no93 8601 1117 947",
            national_id="010199-123 45",
            ssn="197001011111",
            env_name="a_owner_id",
        ),
    )
    found = messages(desired_dir)
    a, b = "desired-state/merchants/a.yaml", "desired-state/merchants/b.yaml"
    expected = {
        "dintero.connections.klarna.signup.case_id: this Dintero case_id": (20, 18),
        "klarna.bank_accounts[0].iban: this IBAN": (14, 38),
        "klarna.stakeholders[0].national_identification.number: this national id": (8, 41),
        "klarna.stakeholders[1].national_identification.number: this national id": (12, 41),
        "dintero.connections.common.signup.ownership.owners[0].social_security_number: this social security number": (
            26,
            65,
        ),
    }
    for start, (line, column) in expected.items():
        for here, there in ((a, b), (b, a)):
            hits = [m for m in found if m.startswith(f"{here}:{line}:{column}:") and start in m]
            assert hits, (here, start, found)
            assert all(f"at {there}:" in m and "each merchant needs its own" in m for m in hits)
    assert any(m.startswith(f"{a}:12:41:") and "!env A_OWNER_ID is also used by another merchant" in m for m in found)
    assert any(m.startswith(f"{b}:12:41:") and "!env a_owner_id is also used by another merchant" in m for m in found)
    text = "\n".join(found)
    for value in (CASE_ID, CASE_ID.upper(), IBAN, "8601", NATIONAL_ID, "010199", "19700101", "17058000000"):
        assert value not in text
    assert len(found) == 12  # five values and one name, each at both places


def test_a_national_id_copied_as_a_social_security_number_is_caught(
    write: Callable[[str, str], Path], desired_dir: Path
) -> None:
    write("merchants/a.yaml", merchant("A-1", "T11200101", case_id=CASE_ID, iban=IBAN, national_id=NATIONAL_ID))
    other = merchant(
        "B-1",
        "T11200102",
        case_id=CASE_ID[:-4] + "beef",
        iban="SE4550000000058398257466",
        national_id="02029900000",
        ssn="010199 12345",
    )
    write("merchants/b.yaml", other.replace("'17058000001'", "'17058000002'"))
    found = messages(desired_dir)
    assert len(found) == 2, found
    assert (
        "klarna.stakeholders[0].national_identification.number: this national id is also used by another "
        "merchant, as social security number, at desired-state/merchants/b.yaml:26:65" in found[0]
    )


def test_values_repeated_inside_one_merchant_or_distinct_are_no_copy(
    write: Callable[[str, str], Path], desired_dir: Path
) -> None:
    one = merchant("A-1", "T11200101", case_id=CASE_ID, iban=IBAN, national_id=NATIONAL_ID, ssn=NATIONAL_ID)
    write(
        "merchants/a.yaml",
        one.replace("bank_accounts:\n", f"bank_accounts:\n    - {{account_holder: X, iban: '{IBAN}'}}\n", 1),
    )
    write(
        "merchants/b.yaml",
        merchant(
            "B-1",
            "T11200102",
            case_id=CASE_ID[:-4] + "beef",
            iban="SE4550000000058398257466",
            national_id="02029900000",
        ).replace("'17058000001'", "'17058000002'"),
    )
    with pytest.raises(InputError) as raised:  # the one IBAN twice in a.yaml is the file's own duplicate
        load_desired(desired_dir, environ={})
    assert all("also used by another merchant" not in m for m in str(raised.value).splitlines())


def test_three_merchants_sharing_a_value_are_each_reported_once(
    write: Callable[[str, str], Path], desired_dir: Path
) -> None:
    for index, name in enumerate("abc"):
        text = merchant(
            f"{name.upper()}-1",
            f"T1120010{index}",
            case_id=CASE_ID[:-1] + str(index),
            iban=IBAN,
            national_id=f"0{index}029900000",
            ssn=f"1970010{index}-1111",
        )
        write(f"merchants/{name}.yaml", text.replace("'17058000001'", f"'1705800000{index + 2}'"))
    found = messages(desired_dir)
    assert len(found) == 3, found
    assert [re.match(r"desired-state/merchants/(\w)\.yaml:14:", m).group(1) for m in found] == ["a", "b", "c"]  # type: ignore[union-attr]
    assert "at desired-state/merchants/b.yaml:14:" in found[0] and "merchants/a.yaml:14:" in found[2]


def test_the_examples_share_nothing(examples_dir: Path) -> None:
    assert load_desired(examples_dir, environ={}, notify=None).merchants


def test_any_tag_recorded_as_a_named_reference_is_checked() -> None:
    """A ``!secret`` reference needs only its NamedReference in the document's record."""

    def references(file: str) -> list[NamedReference]:
        return [NamedReference("!secret", "nordic_bikes_iban ", ("klarna", "bank_accounts", 0, "iban"), file, 7, 13)]

    keys = [
        *copy_keys({}, "a.yaml", lambda path: ("x.yaml", 1, 1), references("a.yaml")),
        *copy_keys({}, "b.yaml", lambda path: ("x.yaml", 1, 1), references("b.yaml")),
        # A name written in a shared file reaches many merchants: no copy.
        *copy_keys({}, "c.yaml", lambda path: ("x.yaml", 1, 1), references("profiles/shared.yaml")),
        *copy_keys({}, "d.yaml", lambda path: ("x.yaml", 1, 1), references("profiles/shared.yaml")),
    ]
    issues = check_copies(keys)
    assert [str(issue) for issue in issues][:2] == [
        "a.yaml:7:13: klarna.bank_accounts[0].iban: !secret nordic_bikes_iban  is also used by another merchant at "
        "b.yaml:7:13 (klarna.bank_accounts[0].iban): a copied merchant file? each merchant needs its own"
        " (merchants with one owner list each other in shares_with)",
        "b.yaml:7:13: klarna.bank_accounts[0].iban: !secret nordic_bikes_iban  is also used by another merchant at "
        "a.yaml:7:13 (klarna.bank_accounts[0].iban): a copied merchant file? each merchant needs its own"
        " (merchants with one owner list each other in shares_with)",
    ]


def test_a_value_written_in_one_shared_file_is_no_copy() -> None:
    data = {"klarna": {"bank_accounts": [{"iban": IBAN}]}}
    keys = [
        *copy_keys(data, "a.yaml", lambda path: ("profiles/chain.yaml", 4, 13), []),
        *copy_keys(data, "b.yaml", lambda path: ("profiles/chain.yaml", 4, 13), []),
    ]
    assert check_copies(keys) == []
    written_in_each = copy_keys(data, "c.yaml", lambda path: ("c.yaml", 9, 13), [])
    issues = [str(issue) for issue in check_copies([*keys, *written_in_each])]
    assert len(issues) == 2 and issues[0].startswith("profiles/chain.yaml:4:13: klarna.bank_accounts[0].iban")
    assert issues[1].startswith("c.yaml:9:13:") and "at profiles/chain.yaml:4:13" in issues[1]
    assert IBAN not in "".join(issues)


def _walked_depth_first(data: object, pattern: tuple[str, ...], path: tuple[str | int, ...] = ()) -> list[object]:
    """The places a pattern matches, found one branch at a time: the order the checks report copies in."""
    if not pattern:
        return [(path, data)]
    head, rest = pattern[0], pattern[1:]
    found: list[object] = []
    if head == EACH and isinstance(data, list):
        for index, item in enumerate(data):
            found += _walked_depth_first(item, rest, (*path, index))
    elif head != EACH and isinstance(data, dict):
        for key in sorted(data) if head == ANY else [head] if head in data else []:
            found += _walked_depth_first(data[key], rest, (*path, key))
    return found


_KEYS = st.sampled_from(["a", "b", "klarna", "dintero", "iban", "x"])
_DOCUMENTS = st.recursive(
    st.none() | st.integers(0, 9) | st.text("ab", max_size=2),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=20,
)
_PATTERNS = st.lists(st.sampled_from(["a", "b", "iban", "klarna", ANY, EACH]), max_size=4).map(tuple)


@settings(max_examples=300, deadline=None)
@given(document=_DOCUMENTS, pattern=_PATTERNS)
def test_the_walk_finds_every_place_a_pattern_matches_in_document_order(
    document: object, pattern: tuple[str, ...]
) -> None:
    assert _walk(document, pattern) == _walked_depth_first(document, pattern)


def test_the_walk_follows_every_watched_pattern_of_a_merchant() -> None:
    data = {
        "klarna": {"bank_accounts": [{"iban": "A"}, {"bic": "B"}, {"iban": "C"}]},
        "dintero": {
            "connections": {
                "vipps": {"signup": {"case_id": "2"}},
                "klarna": {"signup": {"case_id": "1"}},
                "common": {"signup": {}},
            }
        },
    }
    found = {watched.pattern: _walk(data, watched.pattern) for watched in WATCHED}
    assert found[("klarna", "bank_accounts", EACH, "iban")] == [
        (("klarna", "bank_accounts", 0, "iban"), "A"),
        (("klarna", "bank_accounts", 2, "iban"), "C"),
    ]
    assert found[("dintero", "connections", ANY, "signup", "case_id")] == [
        (("dintero", "connections", "klarna", "signup", "case_id"), "1"),
        (("dintero", "connections", "vipps", "signup", "case_id"), "2"),
    ]


def test_a_copy_is_placed_as_each_file_was_read(
    write: Callable[[str, str], Path], desired_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where a copied value stands is found once the copy is known, by reading its file again: as the load
    read it (a file with an issue by ruamel.yaml, whose positions its issues give), and once a file."""
    from reconciler.desired import load as load_module

    write("merchants/a.yaml", merchant("A-1", "T11200101", case_id=CASE_ID, iban=IBAN, national_id="0101"))
    copied = merchant("B-1", "T11200102", case_id=CASE_ID, iban="NO9386011117000", national_id="0102")
    write("merchants/b.yaml", copied.replace("  account_name:", "  unknown_field: 1\n  account_name:"))
    reads: list[tuple[str, bool]] = []
    real = load_module.load_yaml_file

    def watched(path: Path, *args: Any, **kwargs: Any) -> Any:
        reads.append((Path(path).name, bool(kwargs.get("fast"))))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(load_module, "load_yaml_file", watched)
    found = messages(desired_dir)
    assert any(m.startswith("desired-state/merchants/a.yaml:20:18:") and "case_id" in m for m in found), found
    assert any(m.startswith("desired-state/merchants/b.yaml:21:18:") and "case_id" in m for m in found), found
    assert any(m.startswith("desired-state/merchants/b.yaml:3:3:") and "unknown_field" in m for m in found), found
    merchant_reads = [read for read in reads if read[0] in ("a.yaml", "b.yaml")]
    # a: read fast, then again to place the copy; b: fast, exactly (an issue), then exactly to place it.
    a, b = "a.yaml", "b.yaml"
    assert merchant_reads == [(a, True), (b, True), (b, False), (a, True), (b, False)]


@pytest.mark.parametrize("change", ["lines added above", "deleted", "not YAML"])
def test_a_copy_in_a_file_changed_after_it_was_read_points_at_its_first_line(
    change: str, write: Callable[[str, str], Path], desired_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its place is not taken from text other than the one checked; nor is anything looked up for it."""
    from reconciler.desired import load as load_module

    write("merchants/a.yaml", merchant("A-1", "T11200101", case_id=CASE_ID, iban=IBAN, national_id="0101"))
    copy = write(
        "merchants/b.yaml", merchant("B-1", "T11200102", case_id=CASE_ID, iban=IBAN[:-3] + "000", national_id="0102")
    )
    real = load_module._read_merchants

    def then_changed(*args: Any) -> Any:
        outcomes = real(*args)
        if change == "deleted":
            copy.unlink()
        else:
            copy.write_text("a: [\n" if change == "not YAML" else "# edited\n# edited\n" + copy.read_text())
        return outcomes

    monkeypatch.setattr(load_module, "_read_merchants", then_changed)
    found = [m for m in messages(desired_dir) if "case_id" in m]
    assert len(found) == 2, found
    assert any(m.startswith("desired-state/merchants/a.yaml:20:18:") for m in found), found
    assert any(m.startswith("desired-state/merchants/b.yaml:1:1:") for m in found), found
