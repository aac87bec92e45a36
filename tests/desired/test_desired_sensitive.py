"""Sensitive fields: the paths the models mark, the masks, and natural keys that are safe to print."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from reconciler.desired import Merchant, fingerprint, is_sensitive, mask, sensitive_paths
from reconciler.desired.models_klarna import (
    BankAccount,
    NationalIdentification,
    PaymentProgramEnablement,
    Stakeholder,
    Website,
)
from reconciler.desired.yaml_loader import load_yaml_file, parse_yaml_text
from reconciler.sensitive import conceal, looks_sensitive_key, mask_scalar, redact

# Every test here checks what is masked or left out: none may see a value another test registered.


def test_the_merchant_model_marks_every_sensitive_field() -> None:
    assert sensitive_paths(Merchant) == {
        "klarna.stakeholders[].date_of_birth",
        "klarna.stakeholders[].national_identification.number",
        "klarna.bank_accounts[].iban",
        "dintero.connections.common.signup.bank_accounts[].account_number",
        "dintero.connections.common.signup.ownership.owners[].date_of_birth",
        "dintero.connections.common.signup.ownership.owners[].social_security_number",
        "dintero.connections.common.signup.applicant.social_security_number",
    }


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("klarna.stakeholders[3].date_of_birth", True),
        ("klarna.stakeholders[].national_identification.number", True),
        ("klarna.bank_accounts[0].iban", True),
        ("klarna.stakeholders[0].given_name", False),
        ("klarna.bank_accounts[0].account_holder", False),
        ("klarna.account_owner.phone", False),
        ("national_identification.number", True),  # relative to a stakeholder
        ("iban", True),
        ("address.city", False),
    ],
)
def test_is_sensitive_takes_indexed_generic_and_relative_paths(path: str, expected: bool) -> None:
    assert is_sensitive(path) is expected


def test_is_sensitive_relative_to_a_sub_model() -> None:
    assert is_sensitive("date_of_birth", Stakeholder)
    assert not is_sensitive("website_name", Website)


def test_mask_keeps_a_tail_only_for_long_values_and_never_the_value() -> None:
    iban = "SE4550000000058398257466"
    assert mask(iban) == f"****7466 (fp:{fingerprint(iban)})"
    assert mask("1970-01-01") == f"**** (fp:{fingerprint('1970-01-01')})"
    assert "1970" not in mask("1970-01-01")
    assert fingerprint(iban) == fingerprint(iban) and len(fingerprint(iban)) == 4


@pytest.mark.parametrize("number", ["NO93", "NO93 1234", "12345678"])
def test_a_number_too_short_shows_none_of_itself_in_a_mask_or_an_address(number: str) -> None:
    """The last four characters of an eight-character number are half of it, of a four-character one all of
    it: a mask, a live bank account's address in a plan, and an imported secret's name all show none."""
    from reconciler.kinds import KINDS, ResourceKind

    compact = number.replace(" ", "")
    assert mask_scalar(number, "iban") == f"**** (fp:{fingerprint(number)})"
    shown = KINDS[ResourceKind.BANK_ACCOUNT].display({"iban": compact})
    assert shown == "iban-" and compact[-4:] not in shown
    assert KINDS[ResourceKind.BANK_ACCOUNT].display({"iban": "NO9386011117947"}) == "iban-7947"


def test_natural_keys_are_stable_and_hold_no_sensitive_value() -> None:
    person = Stakeholder.model_validate({"given_name": "Åse", "family_name": "Ødegård", "date_of_birth": "1970-01-01"})
    assert person.natural_key() == "ase-odegard"
    assert "1970" not in person.natural_key()
    account = BankAccount.model_validate({"iban": "SE45 5000 0000 0583 9825 7466"})
    key = account.natural_key()
    assert key == "iban-7466"
    assert "58398257" not in key
    program = "krn:payment:global:payment:program:df89148e-014e-4e9f-8218-4c1c9617791b"
    plain = PaymentProgramEnablement.model_validate({"payment_program_id": program})
    coded = PaymentProgramEnablement.model_validate(
        {"payment_program_id": program, "enablement_criteria": {"payment_program_enablement_code": "promo"}}
    )
    assert (plain.natural_key(), coded.natural_key()) == (program, f"{program}#promo")


def test_redact_masks_nested_sensitive_values_only() -> None:
    data = {
        "account_reference": "M1",
        "klarna": {
            "account_name": "A",
            "stakeholders": [
                {"given_name": "A", "date_of_birth": "1970-01-01", "national_identification": {"number": "123"}}
            ],
            "bank_accounts": [{"iban": "SE4550000000058398257466", "bic": "NDEASEGGXXX"}],
        },
    }
    masked = redact(data)
    stakeholder = masked["klarna"]["stakeholders"][0]
    assert stakeholder["given_name"] == "A"
    assert stakeholder["date_of_birth"].startswith("****")
    assert stakeholder["national_identification"]["number"].startswith("****")
    assert masked["klarna"]["bank_accounts"][0]["iban"].startswith("****7466")
    assert masked["klarna"]["bank_accounts"][0]["bic"] == "NDEASEGGXXX"
    assert data["klarna"]["bank_accounts"][0]["iban"] == "SE4550000000058398257466"  # the input is untouched


@pytest.mark.parametrize(
    ("place", "key"),
    [
        (("klarna", "bank_accounts", "0"), "iban"),
        (("klarna", "bank_accounts", "0"), "IBAN"),
        (("klarna", "bank_accounts"), "0"),
        (("klarna", "bank_accounts", "iban"), "12"),
        (("klarna",), "account_name"),
        ((), "a.iban"),
        (("x",), "iban]"),
        (("x",), ""),
        (("stakeholders", 0, "national_identification"), "number"),
        (("stakeholders", 0), "date_of_birth"),
    ],
)
def test_a_key_is_sensitive_exactly_when_its_whole_path_is(place: tuple[str | int, ...], key: str) -> None:
    from reconciler.sensitive import is_sensitive_key, is_sensitive_path

    assert is_sensitive_key(place, key) == is_sensitive_path((*place, key))


def test_a_field_a_model_marks_later_is_sensitive_from_then_on() -> None:
    """The answers for plain keys are remembered; marking a field must not leave a stale "no"."""
    from reconciler.sensitive import is_sensitive_key, register_marked

    name = "reconciler_test_marked_late"
    assert not is_sensitive_key(("x",), name)  # asked first, and remembered
    register_marked([f"x.{name}"])
    assert is_sensitive_key(("x",), name)


@pytest.mark.parametrize(
    ("model", "data", "value"),
    [
        # An IBAN written as the BIC beside it, a date of birth, a national id as its own country.
        (BankAccount, {"iban": "NO9386011117947", "bic": "NO93 8601 1117 947"}, "8601 1117"),
        (BankAccount, {"iban": "NO9386011117947", "bic": "1990-01-31"}, "1990-01-31"),
        (NationalIdentification, {"number": "01019012345", "country": "01019012345"}, "01019012345"),
    ],
)
def test_a_sensitive_value_written_in_a_code_field_is_not_quoted(
    model: type[BankAccount | NationalIdentification], data: dict[str, str], value: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    messages = " ".join(str(error["msg"]) for error in caught.value.errors(include_input=False))
    assert value not in messages
    assert "the value is not" in messages


def test_a_code_that_looks_like_no_sensitive_value_is_still_quoted() -> None:
    with pytest.raises(ValidationError) as caught:
        BankAccount.model_validate({"iban": "NO9386011117947", "bic": "NDEA-SE"})
    assert "'NDEA-SE' is not a BIC" in str(caught.value)


def test_a_sensitive_value_an_env_reference_gives_is_masked_wherever_it_turns_up(tmp_path: Path) -> None:
    """As a ``!secret``'s value is: an API's error text or any message quoting it gets the mask, not it.
    A value ``!env`` gives a field no model marks (a shop's banner text) is shown as it is."""
    import reconciler.desired.models  # noqa: F401  (the models mark the sensitive fields)

    path = tmp_path / "m.yaml"
    path.write_text(
        "klarna:\n  account_name: !env SHOP_NAME\n  stakeholders:\n"
        "    - national_identification: {number: !env OWNER_ID}\n  bank_accounts:\n    - iban: !env OWNER_IBAN\n"
    )
    environ = {"SHOP_NAME": "Qx7 Canary Shop", "OWNER_ID": " 19077412345 ", "OWNER_IBAN": "QX82 WEST 1234 5698 7654 32"}
    document, issues = load_yaml_file(path, environ)
    assert document is not None and not issues, issues
    told = conceal("the API said: iban QX82WEST12345698765432 and id 19077412345 are in use by Qx7 Canary Shop")
    assert "QX82WEST" not in told and "19077412345" not in told
    assert "Qx7 Canary Shop" in told


def test_a_yaml_error_without_a_problem_text_does_not_quote_the_line() -> None:
    """ruamel.yaml's own text of a marked error prints the line it stands on, IBAN and all."""
    from ruamel.yaml.error import MarkedYAMLError, StringMark, YAMLError

    from reconciler.desired.yaml_loader import _syntax_issue

    text = "account_reference: X\niban: SE4550000000058398257466\n"
    mark = StringMark("<file>", 30, 1, 10, text, 30)
    for error in (MarkedYAMLError(problem_mark=mark), YAMLError(f"bad {text}")):
        issue = _syntax_issue(error, text, "m.yaml")
        assert issue is not None
        assert "SE455" not in str(issue), str(issue)
    marked = _syntax_issue(MarkedYAMLError(problem="found y", problem_mark=mark), text, "m.yaml")
    assert str(marked) == "m.yaml:2:11: YAML syntax error: found y"


@pytest.mark.parametrize(
    ("normaliser", "value", "shown"),
    [
        # A national id as a phone number, a date of birth as a timestamp, an IBAN as a code or an address.
        ("normalise_phone", "01019012345", "01019012345"),
        ("normalise_phone", "+0 1019012345", "1019012345"),
        ("normalise_timestamp", "1990-01-31", "1990-01-31"),
        ("normalise_timestamp", "1990-01-31T00:00:00", "1990-01-31"),
        ("normalise_mcc", "SE45 5000 0000 0583 9825 7466", "5000 0000"),
        ("normalise_email", "SE45 5000 0000 0583 9825 7466@", "5000 0000"),
    ],
)
def test_a_sensitive_value_written_in_a_field_that_quotes_its_value_is_not_quoted(
    normaliser: str, value: str, shown: str
) -> None:
    from reconciler.desired import normalise

    with pytest.raises(ValueError) as caught:
        getattr(normalise, normaliser)(value)
    assert shown not in str(caught.value), str(caught.value)
    assert "the value" in str(caught.value)


def test_a_secret_value_is_masked_in_the_normal_form_it_is_sent_in() -> None:
    """Text is read in NFC: a value registered only as written (a decomposed å) reached an API's answer,
    and the messages quoting it, in the form that was never registered."""
    from reconciler.sensitive import register_secret_value

    written = "Qx7 A\u030aslund 0511"  # "Å" as A and a combining ring
    register_secret_value(written)
    told = conceal("the API says: name Qx7 \u00c5slund 0511 is taken")
    assert "\u00c5slund" not in told and "Qx7" not in told, told


@pytest.mark.parametrize(
    "held",
    ["HEMLIG BUTIK NORD", "hemlig butik nord", "Hemlig  Butik\tNord", "HEMLIGBUTIKNORD", " Hemlig Butik Nord "],
)
def test_a_secret_value_is_masked_in_any_case_and_spacing(held: str) -> None:
    """An API may hold a value of the secrets store in capitals, or with other spaces: it is the same value,
    as a whole field (``is_secret_value``) and inside text (``conceal``)."""
    from reconciler.sensitive import is_secret_value, register_secret_value

    register_secret_value("Hemlig Butik Nord")
    assert is_secret_value(held)
    told = conceal(f"the API says: name {held} is taken")
    assert "emlig" not in told.lower() and "nord" not in told.lower(), told
    assert told.startswith("the API says: name ") and told.endswith(" is taken")
    assert not is_secret_value("Hemlig Butik")  # a part of it is another value
    assert conceal("Hemlig Butik Söder") == "Hemlig Butik Söder"


def test_an_api_error_text_shows_its_control_characters_escaped() -> None:
    """ESC, BEL and C1 controls in an API's text would drive the terminal it is printed on."""
    from reconciler.sensitive import scrub

    told = scrub("refused \x1b]8;;https://evil.example/\x07see docs\x1b]8;;\x07 \x9b2J")
    assert told.isprintable(), repr(told)
    assert "\\x1b]8;;https://evil.example/\\x07see docs" in told


# A value typed where a name goes: as a key, a profile name, a locked path, an !env variable name.
_IBAN_AS_NAME = "DE02120300000000202051"
_ID_AS_NAME = "19850713-4821"
_PROFILE = "klarna:\n  settlement:\n    settlement_enabled: true\n"
_USES_PROFILE = "account_reference: K-1\nprofiles: [p]\nklarna:\n  account_name: K\n"


@pytest.mark.parametrize(
    ("files", "where", "said"),
    [
        (
            {"merchants/m.yaml": f"account_reference: K-1\nklarna:\n  account_name: K\n  {_IBAN_AS_NAME}: x\n"},
            ("merchants/m.yaml", 4),
            "unknown field",
        ),
        ({"merchants/m.yaml": f"account_reference: K-1\n{_ID_AS_NAME}: x\n"}, ("merchants/m.yaml", 2), "unknown field"),
        (
            {"merchants/m.yaml": f"account_reference: K-1\n{_ID_AS_NAME}: a\n{_ID_AS_NAME}: b\n"},
            ("merchants/m.yaml", 3),
            "duplicate key",
        ),
        (
            {"merchants/m.yaml": _USES_PROFILE, "profiles/p.yaml": _PROFILE + f"    {_IBAN_AS_NAME}: true\n"},
            ("profiles/p.yaml", 4),
            "unknown field",
        ),
        (
            {"merchants/m.yaml": _USES_PROFILE, "profiles/p.yaml": f"locked: [{_IBAN_AS_NAME}]\n" + _PROFILE},
            ("profiles/p.yaml", 1),
            "is not set in this profile",
        ),
        (
            {"merchants/m.yaml": _USES_PROFILE.replace("[p]", f"[{_IBAN_AS_NAME}]"), "profiles/p.yaml": _PROFILE},
            ("merchants/m.yaml", 2),
            "unknown profile",
        ),
        (
            {"merchants/m.yaml": f"account_reference: K-1\nklarna:\n  account_name: !env {_IBAN_AS_NAME}\n"},
            ("merchants/m.yaml", 3),
            "is not set",
        ),
        (
            {"merchants/m.yaml": "account_reference: K-1\n", "partner.yaml": f"klarna:\n  {_ID_AS_NAME}: []\n"},
            ("partner.yaml", 2),
            "unknown field",
        ),
        (
            {
                "merchants/m.yaml": "account_reference: K-1\n",
                "reconciler.yaml": f"targets:\n  klarna:\n    {_IBAN_AS_NAME}: x\n",
            },
            ("reconciler.yaml", 3),
            "unknown field",
        ),
    ],
    ids=[
        "merchant-key",
        "top-level-key",
        "duplicate-key",
        "profile-key",
        "locked-path",
        "profile-name",
        "env-variable-name",
        "partner-key",
        "config-key",
    ],
)
def test_a_sensitive_value_written_as_a_name_is_reported_masked(
    files: dict[str, str], where: tuple[str, int], said: str, tmp_path: Path
) -> None:
    from reconciler.desired import load_desired
    from reconciler.errors import InputError

    directory = tmp_path / "desired-state"
    for relative, text in files.items():
        (directory / relative).parent.mkdir(parents=True, exist_ok=True)
        (directory / relative).write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_desired(directory, environ={}, notify=None)
    told = [str(issue) for issue in caught.value.issues]
    file, line = where
    located = [text for text in told if text.startswith(f"{directory / file}:{line}:") and said in text]
    assert located and all("****" in text for text in located), told
    for text in told:
        assert _IBAN_AS_NAME not in text and _ID_AS_NAME not in text and "198507134821" not in text, text


def test_a_sensitive_value_written_as_a_secret_name_is_reported_masked() -> None:
    from reconciler.desired.secrets import SecretLookup
    from reconciler.desired.yaml_loader import parse_yaml_text

    class EmptyStore:
        def lookup(self, name: str) -> SecretLookup:
            return SecretLookup(found=False)

    text = f"klarna:\n  bank_accounts:\n    - iban: !secret {_IBAN_AS_NAME}\n"
    _, issues = parse_yaml_text(text, "m.yaml", {}, secrets=EmptyStore())
    (issue,) = issues
    assert issue.line == 3
    assert "is not in the secrets store" in issue.message and "****" in issue.message
    assert _IBAN_AS_NAME not in str(issue)


def test_a_name_that_looks_like_no_sensitive_value_is_still_shown() -> None:
    from reconciler.sensitive import shown_name

    assert shown_name("vipps_psp") == "vipps_psp"
    assert shown_name("klarna-payments") == "klarna-payments"
    assert shown_name(_IBAN_AS_NAME).startswith("****") and "2051" not in shown_name(_IBAN_AS_NAME)


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        # A national id as the IP address an account was made from, an IBAN as a social media link.
        ("account_information.account_created_from_ip", "19850713-4821", "0713-48"),
        ("collections[0].social_media_links[0]", "DE02 1203 0000 0000 2020 51", "1203 0000"),
        ("collections[0].social_media_links[0]", "https://x.example/1931-07-13 x", "1931-07-13"),
    ],
)
def test_a_sensitive_value_written_as_an_address_or_a_link_is_not_quoted(field: str, value: str, shown: str) -> None:
    from reconciler.desired.models_klarna import AccountInformation, Collection

    with pytest.raises(ValidationError) as caught:
        if field.startswith("account_information"):
            AccountInformation.model_validate({"account_created_from_ip": value})
        else:
            Collection.model_validate({"collection_reference": "c", "social_media_links": [value]})
    messages = " ".join(str(error["msg"]) for error in caught.value.errors(include_input=False))
    assert shown not in messages, messages
    assert "the value is not" in messages


def test_an_address_that_looks_like_no_sensitive_value_is_still_quoted() -> None:
    from reconciler.desired.models_klarna import AccountInformation

    with pytest.raises(ValidationError) as caught:
        AccountInformation.model_validate({"account_created_from_ip": "localhost"})
    assert "'localhost' is not an IPv4 or IPv6 address" in str(caught.value)


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_a_sensitive_value_as_a_dintero_applicants_name_is_refused_without_being_quoted(field: str) -> None:
    from reconciler.desired.models_dintero import Applicant, SignatureEntry

    with pytest.raises(ValidationError) as caught:
        Applicant.model_validate({field: "19850713-4821"})
    with pytest.raises(ValidationError) as signer:
        SignatureEntry.model_validate({"name": "DE02 1203 0000 0000 2020 51", "email": "a@example.com"})
    for error in (caught.value, signer.value):
        messages = " ".join(str(e["msg"]) for e in error.errors(include_input=False))
        assert "a name holds no date, IBAN, national id" in messages
        assert "0713" not in messages and "2020" not in messages
    assert Applicant.model_validate({field: "Åse-Marie O'Neil"}).model_dump(exclude_none=True) == {
        field: "Åse-Marie O'Neil"
    }


@pytest.mark.parametrize(
    "key",
    ["webhook_secret", "apiKeys", "payout_iban", "admin_pass", "smtpPwd", "door-passcode", "passport_number"],
)
def test_a_free_form_key_naming_a_secret_is_told_by_its_words(key: str) -> None:
    assert looks_sensitive_key(key)


@pytest.mark.parametrize("key", ["primary_color", "passenger_count", "logo_url", "compass", "spinner"])
def test_a_free_form_key_of_ordinary_words_is_not_taken_for_a_secret(key: str) -> None:
    assert not looks_sensitive_key(key)


def test_a_warning_of_the_yaml_parser_shows_no_line_of_the_file() -> None:
    """ruamel.yaml warned of an anchor used twice (which YAML allows) by printing the lines it saw, on
    stderr: an IBAN on one of them was printed in clear."""
    text = "account_reference: A-1\nklarna:\n  x: &a NO9386011117947\n  y: &a NO9386011117947\n"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        document, _ = parse_yaml_text(text, "a.yaml", {}, fast=False)
    assert document is not None and document.data["klarna"] == {"x": "NO9386011117947", "y": "NO9386011117947"}
    assert [str(warning.message) for warning in caught] == []


@given(
    st.text(alphabet="aZéßÅ -'.", max_size=20)
    | st.text(alphabet="aeyJKLRNklarn_tes019 -'.\u200b", max_size=24)
    | st.sampled_from(["eyJhbGciOi", "Ola eyJ", "klarna_test_x", "KLARNA_LIVE_Y", "O'Brien-Smith Jr."])
)
def test_a_name_of_letters_is_judged_as_the_patterns_judge_it(text: str) -> None:
    # A name of letters (and a name's marks) is judged without the patterns, and alike.
    from reconciler.sensitive import _matches_a_pattern, looks_sensitive

    assert looks_sensitive(text) == _matches_a_pattern(text)


def test_secret_values_that_overlap_in_a_text_are_masked_whole() -> None:
    from reconciler.sensitive import register_secret_value

    register_secret_value("qxabcd")
    register_secret_value("bcdefghq")
    told = conceal("before qxabcdefghq after")
    assert told.startswith("before ****") and told.endswith(" after"), told
    assert not any(part in told for part in ("qx", "abcd", "efgh"))
    assert told.count("****") == 1  # one span, one mask


@settings(max_examples=200, deadline=None)
@given(
    secrets=st.lists(st.text(alphabet="xyzw ", min_size=4, max_size=9), min_size=1, max_size=6),
    text=st.text(alphabet="xyzwXYZW \t\n.", max_size=60),
)
def test_no_secret_value_is_left_in_a_text_in_any_case_or_spacing(secrets: list[str], text: str) -> None:
    """Whatever the text, none of the values is left in what ``conceal`` gives, read without whitespace and
    case (``sensitive._compacted``), and a text holding none of them is given back as it is."""
    from reconciler import sensitive

    sensitive.forget_secret_values()
    for secret in secrets:
        sensitive.register_secret_value(secret)
    keys = {sensitive._compacted(secret)[0] for secret in secrets}
    keys = {key for key in keys if len(key) >= sensitive.MIN_SECRET_CHARS}
    told = sensitive.conceal(text)
    assert not any(key in sensitive._compacted(told)[0] for key in keys), (text, told)
    if not any(key in sensitive._compacted(text)[0] for key in keys):
        assert told == text
