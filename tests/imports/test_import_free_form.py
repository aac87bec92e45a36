"""Values under mappings the models leave open (a collection's ``branding``): import never writes a sensitive
one in clear. A text that looks sensitive, or sits under a key that names a secret, goes into the secrets store
and the file holds ``!secret NAME``; what cannot be a reference is refused by merchant and path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.imports.conftest import Keys
from tests.plan.conftest import Cli, base_merchant

IBAN_CANARY = "GB33BUKB20201555555555"
KEY_CANARY = "whsec-canary-7f3a91c2"  # looks like nothing; the key it sits under names a secret
LISTED_CANARY = "1987-03-14"  # a date, in a list of an open mapping
KEY_AS_NAME = "NO9386011117947"  # an account number used as a key
NESTED_CANARY = "plain-looking-canary"  # under a key naming a secret, a level up


def merchant(reference: str, branding: dict[str, Any]) -> dict[str, Any]:
    document = base_merchant(reference, "T11200201")
    document["klarna"]["collections"][0]["branding"] = branding
    return document


def written_text(target: Path) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in target.rglob("*") if path.is_file())


def plan_exit(cli: Cli, target: Path, keys: Keys) -> int:
    identity = {"RECONCILER_AGE_IDENTITY": keys.secret}
    done = cli.run("plan", "--desired", str(target), "--detailed-exitcode", env=identity)
    assert IBAN_CANARY not in done.output and KEY_CANARY not in done.output, done.output
    return done.exit_code


def test_a_sensitive_value_under_branding_goes_into_the_secrets_store(cli: Cli, target: Path, keys: Keys) -> None:
    branding = {
        "colors": {"primary": "#ff8800"},
        "payout_note": IBAN_CANARY,
        "element": {"webhook_signing_secret": KEY_CANARY, "logo_url": "https://example.com/logo.png"},
        "dates": ["plain words", LISTED_CANARY],
        "apiKeys": {"current": NESTED_CANARY},
        "items": [{"name": IBAN_CANARY}],  # named by position: a natural key here would be the value itself
    }
    cli.live.create(merchant("M1", branding), dintero=False)
    done = cli.run("import", "--all", "--desired", str(target))
    assert done.exit_code == 0, done.output
    for canary in (IBAN_CANARY, KEY_CANARY, LISTED_CANARY, NESTED_CANARY, "5555"):
        assert canary not in done.output
        assert canary not in written_text(target)
    text = (target / "merchants" / "m1.yaml").read_text(encoding="utf-8")
    assert "#ff8800" in text and "https://example.com/logo.png" in text  # the rest as it is
    assert text.count("!secret M1.klarna.collections.online.branding.") == 5
    assert "!secret M1.klarna.collections.online.branding.items.0.name" in text
    values = keys.store(target).values
    assert sorted(value for name, value in values.items() if ".branding." in name) == sorted(
        [IBAN_CANARY, IBAN_CANARY, KEY_CANARY, LISTED_CANARY, NESTED_CANARY]
    )
    assert plan_exit(cli, target, keys) == 0


def test_a_key_or_a_number_that_cannot_be_a_reference_refuses_the_merchant(
    cli: Cli, target: Path, keys: Keys
) -> None:
    cli.live.create(merchant("M1", {"accounts": {KEY_AS_NAME: "primary"}}), dintero=False)
    cli.live.create(merchant("M2", {"element": {"account_ref": 19870314555}}), dintero=False)
    cli.live.create(merchant("M3", {"colors": {"primary": "#ff8800"}}), dintero=False)
    done = cli.run("import", "--all", "--desired", str(target))
    assert done.exit_code == 1, done.output
    assert "M1: not imported" in done.output and "klarna.collections.online.branding.accounts" in done.output
    assert "M2: not imported" in done.output and "klarna.collections.online.branding.element.account_ref" in done.output
    assert KEY_AS_NAME not in done.output and "19870314555" not in done.output
    assert sorted(p.name for p in (target / "merchants").iterdir()) == ["m3.yaml"]
    assert KEY_AS_NAME not in written_text(target) and "19870314555" not in written_text(target)
    assert plan_exit(cli, target, keys) == 0


def test_a_key_too_long_for_a_secret_name_refuses_its_merchant_only(cli: Cli, target: Path, keys: Keys) -> None:
    """The name of a value under a 1,200-character key is longer than the store takes: the whole import
    stopped, naming no merchant, and wrote no merchant file at all."""
    cli.live.create(merchant("M1", {"k" * 1200: IBAN_CANARY}), dintero=False)
    cli.live.create(merchant("M2", {"colors": {"primary": "#ff8800"}}), dintero=False)
    done = cli.run("import", "--all", "--desired", str(target))
    assert done.exit_code == 1, done.output
    assert "M1: not imported" in done.output and "more than the 1,000 a name may have" in done.output
    assert IBAN_CANARY not in done.output and IBAN_CANARY not in written_text(target)
    assert sorted(p.name for p in (target / "merchants").iterdir()) == ["m2.yaml"]
    assert plan_exit(cli, target, keys) == 0


# Texts of an open mapping that the loader would read otherwise (NFC) or refuse (a character no value holds).
BRANDINGS = {
    "decomposed-value": {"note": "Cafe\u0301"},  # NFC on load: would plan branding.note "Café" -> "Café"
    "decomposed-key": {"cafe\u0301": "x"},  # NFC on load: would plan branding.café (none) -> "x"
    "keys-one-after-nfc": {"caf\u00e9": "x", "cafe\u0301": "y"},  # a duplicate key on load
    "control-character": {"note": "a\x1bb"},
    "carriage-return": {"note": "line\r\nbreak"},
    "bidi-control": {"note": "a\u202eb"},
    "control-character-in-a-secret": {"webhook_secret": "x\x00y"},
}


@pytest.mark.parametrize("branding", list(BRANDINGS.values()), ids=list(BRANDINGS))
def test_a_branding_text_that_would_not_read_back_as_sent_is_not_imported(
    cli: Cli, target: Path, keys: Keys, branding: dict[str, Any]
) -> None:
    document = base_merchant("M1", "T11200201")
    document["klarna"]["collections"][0]["branding"] = branding
    cli.live.create(document, dintero=False)  # through the sandbox's API: it accepts each of them
    done = cli.run("import", "--all", "--desired", str(target))
    # Not imported, by the place of the text or of the mapping whose key it is, never by the text itself.
    assert done.exit_code == 1, done.output
    assert "M1: not imported: a value import cannot write as the API holds it: " in done.output
    assert "klarna.collections.online.branding" in done.output
    assert not (target / "merchants" / "m1.yaml").exists()
    for key, value in branding.items():
        for text in (key, value):
            assert text.isascii() or text not in done.output
            assert text.isprintable() or text not in done.output
