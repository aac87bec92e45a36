"""The normalisers: examples, and properties (idempotence, round trips, checksums) with hypothesis."""

from __future__ import annotations

import string
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

import phonenumbers
import pycountry
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.desired.normalise import (
    _PLAIN_EMAIL,
    MAX_EMAIL_CHARS,
    MAX_PHONE_CHARS,
    iban_checksum_ok,
    normalise_bic,
    normalise_country,
    normalise_currency,
    normalise_date_of_birth,
    normalise_email,
    normalise_iban,
    normalise_mcc,
    normalise_phone,
    normalise_timestamp,
)
from reconciler.desired.types import (
    _http_url,
    _parsed_ip_address,
    _parsed_uuid,
    _split_http_url,
    canonical_ip_address,
    canonical_uuid,
)

ALPHA_2 = sorted(c.alpha_2 for c in pycountry.countries)
ALPHA_3_CURRENCIES = sorted(c.alpha_3 for c in pycountry.currencies)
IBAN_COUNTRIES = ["NO", "SE", "DE", "GB", "FI", "DK", "FR", "NL"]


def make_iban(country: str, bban: str) -> str:
    """An IBAN with correct check digits for a country and a basic bank account number."""
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def spaced(text: str, every: int) -> str:
    return " ".join(text[i : i + every] for i in range(0, len(text), every))


# --- MCC -------------------------------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=9999))
def test_mcc_from_int_equals_mcc_from_its_padded_text(code: int) -> None:
    normal = normalise_mcc(code)
    assert normal == normalise_mcc(f"{code:04d}") == f"{code:04d}"
    assert len(normal) == 4 and normal.isdigit()
    assert normalise_mcc(normal) == normal


@given(st.one_of(st.integers(max_value=-1), st.integers(min_value=10000), st.text(max_size=6)))
def test_mcc_outside_four_digits_is_refused(value: int | str) -> None:
    if isinstance(value, str) and len(value.strip()) == 4 and value.strip().isdecimal() and value.strip().isascii():
        return
    with pytest.raises(ValueError):
        normalise_mcc(value)


def test_mcc_refuses_booleans() -> None:
    with pytest.raises(ValueError):
        normalise_mcc(True)


# --- country and currency --------------------------------------------------------------------------


@given(st.sampled_from(ALPHA_2), st.sampled_from([str.lower, str.upper, str.title]))
def test_country_is_upper_case_alpha2_and_idempotent(code: str, case: object) -> None:
    written = case(code)  # type: ignore[operator]
    assert normalise_country(written) == code
    assert normalise_country(normalise_country(written)) == code


@given(st.text(alphabet=string.ascii_uppercase, min_size=2, max_size=2).filter(lambda c: c not in ALPHA_2))
def test_country_that_is_not_iso_3166_is_refused(code: str) -> None:
    with pytest.raises(ValueError, match="not an ISO 3166-1 alpha-2"):
        normalise_country(code)


@given(st.sampled_from(ALPHA_3_CURRENCIES))
def test_currency_is_upper_case_iso_4217(code: str) -> None:
    assert normalise_currency(code.lower()) == code == normalise_currency(code)


def test_currency_refuses_unknown_codes() -> None:
    with pytest.raises(ValueError):
        normalise_currency("XYZ")


# --- IBAN ------------------------------------------------------------------------------------------


@given(
    st.sampled_from(IBAN_COUNTRIES),
    st.text(alphabet=string.digits, min_size=11, max_size=24),
    st.integers(min_value=1, max_value=8),
    st.booleans(),
)
def test_iban_round_trips_through_spaces_and_case(country: str, bban: str, every: int, lower: bool) -> None:
    iban = make_iban(country, bban)
    written = spaced(iban, every)
    written = written.lower() if lower else written
    assert normalise_iban(written) == iban
    assert normalise_iban(iban) == iban
    assert iban_checksum_ok(iban)


@given(
    st.sampled_from(IBAN_COUNTRIES),
    st.text(alphabet=string.digits, min_size=11, max_size=24),
    st.data(),
)
def test_iban_with_one_digit_changed_fails_the_checksum(country: str, bban: str, data: st.DataObject) -> None:
    iban = make_iban(country, bban)
    position = data.draw(st.integers(min_value=4, max_value=len(iban) - 1))
    replacement = data.draw(st.sampled_from([d for d in string.digits if d != iban[position]]))
    broken = iban[:position] + replacement + iban[position + 1 :]
    with pytest.raises(ValueError, match="checksum"):
        normalise_iban(broken)


@pytest.mark.parametrize(
    "iban",
    ["SE4550000000058398257466", "NO9386011117947", "DE89370400440532013000", "GB82WEST12345698765432"],
)
def test_documented_example_ibans_are_valid(iban: str) -> None:
    assert normalise_iban(spaced(iban, 4)) == iban


def test_iban_errors_never_repeat_the_value() -> None:
    with pytest.raises(ValueError) as caught:
        normalise_iban("SE45 5000 0000 0583 9825 7467")
    assert "7467" not in str(caught.value)


# --- phone -----------------------------------------------------------------------------------------

PHONE_REGIONS = ["NO", "SE", "US", "GB", "DE", "DK", "FI"]
NUMBER_TYPES = [phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]


@given(
    st.sampled_from(PHONE_REGIONS),
    st.sampled_from(NUMBER_TYPES),
    st.sampled_from([phonenumbers.PhoneNumberFormat.E164, phonenumbers.PhoneNumberFormat.INTERNATIONAL]),
)
def test_phone_is_e164_whatever_the_international_format(region: str, kind: int, style: int) -> None:
    number = phonenumbers.example_number_for_type(region, kind)
    assert number is not None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    written = phonenumbers.format_number(number, style)
    assert normalise_phone(written) == e164
    assert normalise_phone(e164) == e164


def _by_parsing(text: str) -> str | None:
    """What phonenumbers' own parsing makes of ``text``: its E.164 form when valid, else None."""
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _example_numbers() -> tuple[list[str], list[str]]:
    """Every region's (and every non-geographic code's) example number of every type, in E.164; and each
    of them again with a zero, a one or a seven before its national number (a national prefix, a carrier
    code, another digit)."""
    numbers = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in phonenumbers.PhoneNumberType.values():
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                numbers.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        number = phonenumbers.example_number_for_non_geo_entity(code)
        if number is not None:
            numbers.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    with_digits = []
    for text in numbers:
        code = str(phonenumbers.parse(text, None).country_code)
        national = text[1 + len(code) :]
        with_digits += [f"+{code}{digit}{national}" for digit in "017"]
    return numbers, with_digits


def test_a_number_valid_as_written_is_the_one_parsing_makes() -> None:
    from reconciler.desired.normalise import _valid_as_written

    numbers, with_digits = _example_numbers()
    for text in numbers + with_digits:
        if _valid_as_written(text):
            assert _by_parsing(text) == text, text
    # Taken for nearly every valid number as written (not for Italy's leading zero, nor where a national
    # prefix could be stripped), and for few of the variants parsing makes another number of.
    assert sum(map(_valid_as_written, numbers)) > 0.9 * len(numbers)
    assert all(_by_parsing(text) == text for text in numbers)
    assert _valid_as_written("+46705269182") and not _valid_as_written("+390612345678")  # Italy: a leading 0


def test_a_number_parsing_could_strip_a_national_prefix_from_is_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    # No region's example needs it (a number with such a prefix is not valid as written), so a country
    # whose metadata strips a leading 7 stands in for one: its numbers are left to parsing.
    from reconciler.desired.normalise import _valid_as_written

    class StripsSeven:
        national_prefix_for_parsing = "7"

        def __init__(self, metadata: object) -> None:
            self.metadata = metadata

        def __getattr__(self, name: str) -> object:
            return getattr(self.metadata, name)

    assert _valid_as_written("+46705269182") and _valid_as_written("+4687654321")
    real = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code
    monkeypatch.setattr(
        phonenumbers.PhoneMetadata,
        "metadata_for_region_or_calling_code",
        lambda code, region: StripsSeven(real(code, region)),
    )
    assert not _valid_as_written("+46705269182")
    assert _valid_as_written("+4687654321")


@given(st.text(alphabet=string.digits, min_size=6, max_size=15))
def test_generated_digits_valid_as_written_are_the_numbers_parsing_makes(digits: str) -> None:
    from reconciler.desired.normalise import _valid_as_written

    text = "+" + digits
    if _valid_as_written(text):
        assert _by_parsing(text) == text


@given(st.text(alphabet=string.digits, min_size=6, max_size=12))
def test_phone_without_country_code_is_refused(digits: str) -> None:
    with pytest.raises(ValueError, match="E.164"):
        normalise_phone(digits)


# --- timestamps, dates, emails, BIC ---------------------------------------------------------------


def _normalised_or_refused(text: str) -> str:
    try:
        return normalise_timestamp(text)
    except ValueError as error:
        return f"refused: {error}"


@given(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31))
    | st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\Z")
)
def test_a_timestamp_in_its_normal_form_is_what_converting_it_gives(moment: datetime | str) -> None:
    # Written as the APIs answer (UTC, Z, whole seconds), it is taken as it is once it is a date and time:
    # the same as converting it from +00:00 gives, or refused alike (month 13, 24:00, a leap second).
    text = (moment.isoformat(timespec="seconds") if isinstance(moment, datetime) else moment) + "Z"
    assert _normalised_or_refused(text) == _normalised_or_refused(text[:-1] + "+00:00").replace("+00:00", "Z")
    if isinstance(moment, datetime):
        assert normalise_timestamp(text) == text


@given(
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1)),
    st.integers(min_value=-12 * 60, max_value=14 * 60),
)
def test_timestamp_is_utc_with_z_and_keeps_the_instant(moment: datetime, offset_minutes: int) -> None:
    zone = timezone(timedelta(minutes=offset_minutes))
    aware = moment.replace(tzinfo=zone)
    normal = normalise_timestamp(aware.isoformat())
    assert normal.endswith("Z")
    assert datetime.fromisoformat(normal[:-1] + "+00:00") == aware
    assert normalise_timestamp(normal) == normal


@pytest.mark.parametrize(
    ("written", "normal"),
    [
        ("2024-01-01T12:00:00Z", "2024-01-01T12:00:00Z"),
        ("2024-01-01T13:00:00+01:00", "2024-01-01T12:00:00Z"),
        ("2024-01-01t12:00:00.250z", "2024-01-01T12:00:00.250000Z"),
    ],
)
def test_timestamp_examples(written: str, normal: str) -> None:
    assert normalise_timestamp(written) == normal


@pytest.mark.parametrize("written", ["2024-01-01T12:00:00", "2024-01-01", "yesterday", "2024-13-01T00:00:00Z"])
def test_timestamp_refuses_naive_or_invalid_values(written: str) -> None:
    with pytest.raises(ValueError):
        normalise_timestamp(written)


def test_timestamp_accepts_aware_datetimes() -> None:
    assert normalise_timestamp(datetime(2024, 1, 1, 12, tzinfo=UTC)) == "2024-01-01T12:00:00Z"


def test_date_of_birth_bounds_and_messages() -> None:
    today = date(2025, 6, 1)
    assert normalise_date_of_birth("1970-01-01", today=today) == "1970-01-01"
    assert normalise_date_of_birth(date(1970, 1, 1), today=today) == "1970-01-01"
    for bad in ("2025-06-02", "1890-01-01", "1970-02-30", "01.01.1970"):
        with pytest.raises(ValueError) as caught:
            normalise_date_of_birth(bad, today=today)
        assert bad not in str(caught.value)


def test_email_lowercases_the_domain_and_refuses_bad_syntax() -> None:
    assert normalise_email("Ola.Nordmann@EXAMPLE.com") == "Ola.Nordmann@example.com"
    with pytest.raises(ValueError):
        normalise_email("ola.example.com")


def test_bic_is_upper_case_8_or_11_characters() -> None:
    assert normalise_bic("ndea segg xxx") == "NDEASEGGXXX"
    assert normalise_bic("DNBANOKK") == "DNBANOKK"
    with pytest.raises(ValueError):
        normalise_bic("NDEAXXGG")  # XX is not a country


def _validator_says(text: str) -> str | None:
    from email_validator import EmailNotValidError, validate_email

    try:
        return str(validate_email(text, check_deliverability=False).normalized)
    except EmailNotValidError:
        return None


_EMAIL_PIECES = st.lists(
    st.sampled_from(
        ["a", "Z", "0", "9", "_", "+", "-", ".", "@", "xn", "--", "test", "local", "é", " ", "q" * 62, "Info", "www"]
    ),
    min_size=1,
    max_size=14,
)


@given(pieces=_EMAIL_PIECES, tld=st.sampled_from(["", ".com", ".NO", ".c1", ".test", ".localhost", ".x", ".arpa"]))
def test_the_plain_address_check_agrees_with_email_validator(pieces: list[str], tld: str) -> None:
    from reconciler.desired.normalise import _plain_email

    text = "".join(pieces) + tld
    plain = _plain_email(text)
    if plain is not None:  # accepted without email_validator: it must say the same
        assert _validator_says(text) == plain
    expected = _validator_says(text.strip())
    if expected is None:
        with pytest.raises(ValueError):
            normalise_email(text)
    else:
        assert normalise_email(text) == expected


@given(text=st.from_regex(_PLAIN_EMAIL, fullmatch=True))
def test_every_address_of_the_plain_shape_is_judged_as_email_validator_judges_it(text: str) -> None:
    from reconciler.desired.normalise import _plain_email

    plain = _plain_email(text)
    assert plain is None or plain == _validator_says(text)


def test_the_plain_address_check_knows_email_validators_special_use_domains() -> None:
    import email_validator
    from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES

    from reconciler.desired.normalise import CASE_INSENSITIVE_MAILBOXES, SPECIAL_USE_DOMAINS, _plain_email

    assert set(email_validator.SPECIAL_USE_DOMAIN_NAMES) == SPECIAL_USE_DOMAINS
    assert set(CASE_INSENSITIVE_MAILBOX_NAMES) == CASE_INSENSITIVE_MAILBOXES
    for role in ("Support@Example.com", "POSTMASTER@x.io", "News@Acme.NO"):  # email_validator lower-cases these
        assert normalise_email(role) == _validator_says(role) == role.lower()
        assert _plain_email(role) == role.lower()  # without email_validator
    for text in ("a@b.co", "Ola.Nordmann@Sub.Example.COM", "x+y_z-1@a-b.no", ("a" * 64) + "@b.se"):
        assert _plain_email(text) == _validator_says(text) is not None
    for text in ("a@b.test", "a@x.localhost", "a@xn--80ak6aa92e.com", "a..b@c.no", "a@b.c1", ("a" * 65) + "@b.se"):
        assert _plain_email(text) is None


def _mod97_by_characters(iban: str) -> bool:
    """ISO 13616's check, one character at a time."""
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


@given(st.text(alphabet=string.ascii_uppercase + string.digits, min_size=5, max_size=34))
def test_the_iban_checksum_is_iso_13616s(text: str) -> None:
    assert iban_checksum_ok(text) is _mod97_by_characters(text)


# A valid IBAN written with what int() would also read as its digits: an underscore between them, a
# trailing space, Arabic-Indic digits for the last two.
@pytest.mark.parametrize(
    "iban", ["SE4550000000_058398257466", "SE4550000000058398257466 ", "SE45500000000583982574\u0666\u0666"]
)
def test_the_iban_checksum_takes_ascii_digits_and_letters_only(iban: str) -> None:
    assert iban_checksum_ok("SE4550000000058398257466")
    assert not iban_checksum_ok(iban)


def test_an_email_address_of_254_characters_is_checked_and_a_longer_one_refused_without_repeating_it() -> None:
    longest = "a@" + ("b" * 63 + ".") * 3 + "c" * 57 + ".se"
    assert len(longest) == MAX_EMAIL_CHARS and normalise_email(longest.upper()) == "A@" + longest[2:]
    with pytest.raises(ValueError) as caught:
        normalise_email("a" * 250 + "@example.com")
    assert str(caught.value) == "an email address is at most 254 characters"


def test_a_phone_number_longer_than_phonenumbers_reads_is_refused_without_repeating_it() -> None:
    assert normalise_phone("+47 22 00 00 00" + " " * (MAX_PHONE_CHARS - 15)) == "+4722000000"
    with pytest.raises(ValueError) as caught:
        normalise_phone("+" + "1" * MAX_PHONE_CHARS)
    assert str(caught.value) == "a phone number is at most 250 characters"


def test_parsed_phone_numbers_are_remembered_within_a_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    from reconciler.desired import normalise

    monkeypatch.setattr(normalise, "_PARSED_PHONES", {})
    monkeypatch.setattr(normalise, "_phones_added", 0)
    monkeypatch.setattr(normalise, "MAX_PARSED_PHONES", 3)
    numbers = [f"+47220000{n:02d}" for n in range(4)]
    for number in numbers[:2]:
        assert normalise.normalise_phone(number) == number
    mark = normalise.phones_added()
    for number in numbers[2:]:
        assert normalise.normalise_phone(number) == number
    assert list(normalise.parsed_phones()) == numbers[1:]  # the oldest forgotten first
    assert list(normalise.parsed_phones(since=mark)) == numbers[2:]  # what came after the mark
    normalise.remember_phones({"+4799999999": ("+4799999999", ""), numbers[3]: (numbers[3], "")})
    assert list(normalise.parsed_phones()) == [*numbers[2:], "+4799999999"]  # one known number stays put
    assert list(normalise.parsed_phones(since=mark)) == [*numbers[2:], "+4799999999"]
    assert list(normalise.parsed_phones(since=normalise.phones_added())) == []
    with pytest.raises(ValueError, match="not a valid phone number"):
        normalise.normalise_phone("+4712")
    assert normalise.parsed_phones()["+4712"][0] is None  # a refusal is remembered too, with its reason
    assert len(normalise.parsed_phones(since=0)) == 3  # however many came and went


def _outcome(check: Callable[[object], str], value: object) -> tuple[str, str]:
    try:
        return "value", check(value)
    except ValueError as error:
        return "refused", str(error)


_HEX = "0123456789abcdefABCDEF"
_UUID_TEXT = st.one_of(
    st.uuids().map(str),
    st.builds(  # some of its letters in upper case
        lambda u, upper: "".join(c.upper() if flip else c for c, flip in zip(str(u), upper, strict=False)),
        st.uuids(),
        st.lists(st.booleans(), min_size=36, max_size=36),
    ),
    st.builds(  # one group in upper case
        lambda u, group: "-".join(part.upper() if i == group else part for i, part in enumerate(str(u).split("-"))),
        st.uuids(),
        st.integers(0, 4),
    ),
    st.uuids().map(lambda u: f" {u}\n"),
    st.uuids().map(lambda u: u.hex),
    st.text(_HEX + "-{} ", max_size=40),
)
_OCTET_TEXT = st.one_of(
    st.sampled_from(["0", "00", "01", "010", "9", "10", "99", "100", "199", "200", "249", "250", "255", "256", "300"]),
    st.integers(0, 999).map(str),
)
_ADDRESS_TEXT = st.one_of(
    st.lists(_OCTET_TEXT, min_size=4, max_size=4).map(".".join),
    st.lists(_OCTET_TEXT, min_size=3, max_size=5).map(".".join),
    st.ip_addresses().map(str),
    st.ip_addresses().map(lambda a: f" {a}"),
    st.text("0123456789.:abf", max_size=20),
)
_URL_TEXT = st.builds(
    lambda scheme, host, port, rest: f"{scheme}://{host}{port}{rest}",
    st.sampled_from(["http", "https", "HTTPS", "ftp", "http:", ""]),
    st.one_of(
        st.from_regex(r"[A-Za-z0-9.\-]{1,12}", fullmatch=True),
        st.sampled_from(["[::1]", "a@b", "u:p@a", "ü.se", "", "-a", ".a"]),
    ),
    st.sampled_from(["", "", "", ":443", ":99999", ":x", ":"]),
    st.one_of(
        st.sampled_from(["", "/", "/p?q=1", "#f", "?x", "/ü", "/a b", "/a\tb", "x", "/[x]"]),
        st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12),
    ),
)


@given(text=_UUID_TEXT)
def test_a_uuid_in_normal_form_is_taken_as_parsing_it_gives_it(text: str) -> None:
    assert _outcome(canonical_uuid, text) == _outcome(_parsed_uuid, text)


@given(text=_ADDRESS_TEXT)
def test_an_ipv4_address_in_normal_form_is_taken_as_parsing_it_gives_it(text: str) -> None:
    assert _outcome(canonical_ip_address, text) == _outcome(_parsed_ip_address, text)


@given(text=_URL_TEXT)
def test_a_plain_http_url_is_taken_as_splitting_it_gives_it(text: str) -> None:
    assert _outcome(_http_url, text) == _outcome(_split_http_url, text)


def test_the_normal_forms_are_taken_as_they_are_written() -> None:
    for check, text in (
        (canonical_uuid, "3c90c3cc-0d44-4b50-8888-8dd25736052a"),
        (canonical_ip_address, "192.0.2.108"),
        (canonical_ip_address, "0.0.0.0"),
        (_http_url, "https://shop.example.com/path?q=1#top"),
        (_http_url, "http://localhost"),
    ):
        assert check(text) == text
    parsed = {canonical_uuid: _parsed_uuid, canonical_ip_address: _parsed_ip_address}
    for check, text in ((canonical_uuid, "3C90C3CC-0D44-4B50-8888-8DD25736052A"), (canonical_ip_address, "010.0.0.1")):
        assert _outcome(check, text) == _outcome(parsed[check], text)
    assert _outcome(_http_url, "https://shop.example.com:99999/") == (
        "refused",
        "'https://shop.example.com:99999/' is not an http(s) URL",
    )
