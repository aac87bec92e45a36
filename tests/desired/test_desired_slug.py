"""``slug``: the display key of names in addresses, the same for ASCII text and for text it folds."""

from __future__ import annotations

import pytest

from reconciler.desired.models_klarna import slug


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Oskar", "oskar"),
        ("  Mary-Ann O'Neil ", "mary-ann-o-neil"),
        ("ABC\x00def\tGHI", "abc-def-ghi"),
        ("---", "x"),
        ("", "x"),
        ("Åse Ødegård", "ase-odegard"),
        ("ærø", "aero"),
        ("Ｏｓｋａｒ", "oskar"),  # full-width letters fold to ASCII
        ("李", "x"),
    ],
)
def test_slugs(text: str, expected: str) -> None:
    assert slug(text) == expected


@pytest.mark.parametrize("text", ["Oskar Testsson", "O'Brien-Smith", "van der Berg", "A.B.C", "x_y"])
def test_an_ascii_name_slugs_as_it_would_beside_a_folded_character(text: str) -> None:
    # The folded path drops a combining mark; the rest of the name gives the same slug either way.
    assert slug(text + "\u0301") == slug(text)
