"""``normalise_live``: live values normalised by the name of the field that holds them, at any depth."""

from __future__ import annotations

import pytest

from reconciler.compare.normalise import normalise_live


def test_values_are_normalised_by_their_field_name_in_mappings_and_lists() -> None:
    live = {
        "merchant_category_code": 5411,
        "merchant_category_codes": [5411, "5812", [5999]],
        "address": {"country": "se", "city": "Malmö", "note": None},
        "markets": [{"customer_country": "no", "currency": "nok"}, None],
        "phone": "46701234567",
        "enabled": True,
        "name": "se",
        "tags": ["se", None],
        "unparseable": {"country": "Narnia"},
    }
    assert normalise_live(live) == {
        "merchant_category_code": "5411",
        "merchant_category_codes": ["5411", "5812", ["5999"]],
        "address": {"country": "SE", "city": "Malmö"},  # an absent value is left out of a mapping
        "markets": [{"customer_country": "NO", "currency": "NOK"}, None],  # a list keeps its places
        "phone": "+46701234567",
        "enabled": True,
        "name": "se",  # no normaliser for this name
        "tags": ["se", None],
        "unparseable": {"country": "Narnia"},  # compared as it is: it shows as a change
    }


def test_a_leaf_is_normalised_by_the_name_it_is_given() -> None:
    assert normalise_live("sek", "currency") == "SEK"
    assert normalise_live(["sek", "nok"], "currencies") == ["SEK", "NOK"]
    assert normalise_live("sek") == "sek"
    assert normalise_live(True, "currency") is True


@pytest.mark.parametrize(
    ("live", "normalised"),
    [
        ("NO9386011117947", "NO9386011117947"),
        ("NO9386011117948", "NO9386011117948"),  # bad checksum: as it is
        ("no93 8601 1117 947", "NO9386011117947"),
        ("NO93\u00a08601 1117 947", "NO9386011117947"),
        ("no93 8601 1117 948", "no93 8601 1117 948"),  # bad: as it is
        ("ＮＯ9386011117947", "ＮＯ9386011117947"),  # not ASCII: not an IBAN
    ],
)
def test_a_live_iban_is_normalised_whether_or_not_it_is_in_canonical_form(live: str, normalised: str) -> None:
    # Canonical text is returned as it is, valid or not; any other text still goes through the checks.
    assert normalise_live({"iban": live}) == {"iban": normalised}


def test_numbers_and_booleans_at_normalised_names_keep_their_rules() -> None:
    live = {"merchant_category_code": 742, "country": True, "currency": 1.5, "iban": 10}
    assert normalise_live(live) == {"merchant_category_code": "0742", "country": True, "currency": 1.5, "iban": 10}
