"""``normalise_live``: live values normalised by the name of the field that holds them, at any depth."""

from __future__ import annotations

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
