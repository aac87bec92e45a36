"""An age private key pasted into a merchant file's field is not quoted back by validate.

The messages about a code, a country, an email address or a phone number quote the value unless it looks
sensitive (an IBAN, a date, a national id, a Klarna key, a JWT); an ``AGE-SECRET-KEY-1…`` line, the identity
that opens the secrets store, did not count as one and was printed whole.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.desired.load import load_desired
from reconciler.errors import InputError
from reconciler.sensitive import looks_sensitive, scrub

# age-keygen's format (a throwaway key made for this test).
KEY = "AGE-SECRET-KEY-1T4MY8YX0U9A8JLGDJGRRCAMTAJJQLWWPYN5NFNDGQJQ2SW6RX2QQ7MVMW6"
BASE = "account_reference: M1\nklarna:\n  account_name: A\n"


@pytest.fixture
def desired(desired_dir: Path) -> Path:
    return desired_dir


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('  payment_product: {{merchant_category_code: "{}"}}\n', "merchant_category_code"),
        (
            '  business_information: {{operating_address: {{street_address: x, postal_code: "0150", city: Oslo, '
            'country: "{}"}}}}\n',
            "country",
        ),
        ('  account_owner: {{given_name: A, family_name: B, email: "{}"}}\n', "email"),
        ('  account_owner: {{given_name: A, family_name: B, email: a@example.com, phone: "{}"}}\n', "phone"),
        ('  bank_accounts:\n    - {{account_holder: A, bic: "{}", iban: NO9386011117947}}\n', "bic"),
    ],
)
@pytest.mark.parametrize("key", [KEY, KEY.lower()])
def test_an_age_key_in_a_field_is_not_echoed(desired: Path, body: str, field: str, key: str) -> None:
    (desired / "merchants" / "a.yaml").write_text(BASE + body.format(key), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_desired(desired, environ={})
    messages = [i.message for i in caught.value.issues]
    assert any(field in m for m in messages), messages
    assert not any("T4MY8YX0U9A8JLGDJGRRCAMTAJJQLWWPYN5NFNDGQJQ2SW6RX2QQ7MVMW6" in m.upper() for m in messages), (
        messages
    )


def test_an_age_key_looks_sensitive() -> None:
    assert looks_sensitive(KEY)
    assert KEY not in scrub(f"refused: {KEY}")
    assert not looks_sensitive(
        "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
    )  # a public key: no secret
