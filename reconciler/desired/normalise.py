"""Normal forms of the values the APIs compare: pure functions shared by the models and the diff.

Each normaliser takes what a person may write in YAML (or what an API returns) and gives back the one
form the reconciler compares, or raises ``ValueError``. A normaliser is idempotent: applied to its own
output it returns that output unchanged. Error messages never repeat the offending value when the
value may be sensitive (IBANs, dates of birth). Digits are ASCII digits: ``\\d`` would take any
script's digits (``５４１１``), which no API reads as the same value.
"""

from __future__ import annotations

import functools
import itertools
import re
import string
from datetime import UTC, date, datetime

from reconciler.sensitive import looks_sensitive

# phonenumbers, pycountry and email_validator are imported by the normalisers that use them: together
# they are a fifth of a CLI start-up, and a command or a file that has no such value does not pay it.

_MCC_TEXT = re.compile(r"[0-9]{4}")
_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_BIC_SHAPE = re.compile(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?")
_TIMESTAMP_SUFFIX = re.compile(r"(Z|[+-][0-9]{2}:?[0-9]{2})\Z", re.IGNORECASE)
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_UTC_SECONDS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_WHITESPACE = re.compile(r"\s+")
_AID = re.compile(r"[PT][0-9]{8}")
REFERENCE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,99}$"
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,99}")
# The common address, ASCII dot-atom local part and LDH domain labels under a letters-only top-level
# domain, checked here as email_validator would (tests compare the two); every other address goes to
# email_validator, whose import and domain checks cost more than the rest of a small file's loading.
_PLAIN_EMAIL = re.compile(
    r"(?P<local>[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*)"
    r"@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
)
MAX_EMAIL_CHARS = 254  # RFC 5321's longest path, less its angle brackets; email_validator's limit too
MAX_PHONE_CHARS = 250  # phonenumbers refuses longer text as "too long to be a phone number"
SPECIAL_USE_DOMAINS = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test"})
# RFC 2142's role mailboxes, whose local part email_validator lower-cases (``Support@`` is ``support@``).
CASE_INSENSITIVE_MAILBOXES = frozenset(
    {"abuse", "ftp", "hostmaster", "info", "marketing", "news", "noc", "postmaster", "sales", "security",
     "support", "usenet", "uucp", "webmaster", "www"}
)


def normalise_reference(value: object) -> str:
    """A partner-chosen reference without surrounding whitespace: ``" M1\\n"`` gives ``"M1"``.

    The same reference written with a trailing space or line break (a block scalar) is the same
    merchant, website or collection; anything else than letters, digits, ``.``, ``_``, ``:`` and ``-``
    is refused, so a control or look-alike character cannot make a second one.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        # ``account_reference: 123``: digits, as every text field takes them unquoted (the YAML loader keeps
        # as text a number its conversion would change, ``0123``).
        value = str(value)
    if isinstance(value, str) and _REFERENCE.fullmatch(value.strip()):
        return value.strip()
    raise ValueError("a reference is 1-100 letters, digits, '.', '_', ':' or '-', starting with a letter or digit")


def normalise_dintero_aid(value: object) -> str:
    """A Dintero account id, ``P`` or ``T`` and 8 ASCII digits, without surrounding whitespace."""
    if isinstance(value, str) and _AID.fullmatch(value.strip()):
        return value.strip()
    raise ValueError("a Dintero account id is P or T followed by 8 digits, e.g. T12345678")


def quoted(value: str) -> str:
    """``value`` as a message about a code field may quote it, or ``the value`` when it looks like an IBAN,
    a date of birth, a national id or a key: one written in the wrong field (an IBAN as ``bic``, a
    national id as its ``country``) must not reach the message."""
    return "the value" if looks_sensitive(value) else repr(value)


def normalise_mcc(value: object) -> str:
    """A merchant category code as a 4-digit string: ``5411`` and ``"5411"`` give ``"5411"``, ``742`` gives ``"0742"``.

    An integer is zero-padded because YAML reads ``0742`` written without quotes as a number in some
    tools; a string must already hold exactly four digits.
    """
    if isinstance(value, bool):
        raise ValueError("a merchant category code is 4 digits, not a boolean")
    if isinstance(value, int):
        if not 0 <= value <= 9999:
            raise ValueError("a merchant category code is 4 digits (0000-9999)")
        return f"{value:04d}"
    if isinstance(value, str):
        text = value.strip()
        if _MCC_TEXT.fullmatch(text):
            return text
        raise ValueError(f"a merchant category code is 4 digits, got {quoted(value)}")
    raise ValueError("a merchant category code is 4 digits")


def normalise_country(value: object) -> str:
    """An ISO 3166-1 alpha-2 country code in upper case (``se`` gives ``SE``)."""
    if not isinstance(value, str):
        raise ValueError("a country is an ISO 3166-1 alpha-2 code such as 'NO'")
    code = value.strip().upper()
    if len(code) != 2 or not code.isalpha() or not _is_country(code):
        raise ValueError(f"{quoted(value)} is not an ISO 3166-1 alpha-2 country code")
    return code


def normalise_currency(value: object) -> str:
    """An ISO 4217 currency code in upper case (``nok`` gives ``NOK``)."""
    if not isinstance(value, str):
        raise ValueError("a currency is an ISO 4217 code such as 'NOK'")
    code = value.strip().upper()
    if len(code) != 3 or not code.isalpha() or not _is_currency(code):
        raise ValueError(f"{quoted(value)} is not an ISO 4217 currency code")
    return code


# A fleet's files name a few countries and currencies thousands of times (five countries a merchant file):
# each code is looked up in pycountry's databases once.
@functools.lru_cache(maxsize=512)
def _is_country(code: str) -> bool:
    import pycountry

    return pycountry.countries.get(alpha_2=code) is not None


@functools.lru_cache(maxsize=512)
def _is_currency(code: str) -> bool:
    import pycountry

    return pycountry.currencies.get(alpha_3=code) is not None


# Each letter as its ISO 13616 number (A is 10, Z is 35); one translate, not a conversion per character.
_IBAN_LETTER_NUMBERS = str.maketrans({letter: str(10 + n) for n, letter in enumerate(string.ascii_uppercase)})


def iban_checksum_ok(iban: str) -> bool:
    """The ISO 13616 mod-97 check on an IBAN already without spaces and in upper case."""
    digits = (iban[4:] + iban[:4]).translate(_IBAN_LETTER_NUMBERS)
    # int() would also read "1_0", " 10" or other scripts' digits: only ASCII digits are a checksum.
    return digits.isascii() and digits.isdigit() and int(digits) % 97 == 1


def normalise_iban(value: object) -> str:
    """An IBAN without spaces, in upper case, with a valid country code and mod-97 checksum."""
    if not isinstance(value, str):
        raise ValueError("an IBAN is a string such as 'SE45 5000 0000 0583 9825 7466'")
    iban = _WHITESPACE.sub("", value).upper()
    if not _IBAN_SHAPE.fullmatch(iban):
        raise ValueError("not an IBAN: expected 2 letters, 2 check digits and 11-30 letters or digits")
    if not _is_country(iban[:2]):
        raise ValueError("not an IBAN: the first two letters are not a country code")
    if not iban_checksum_ok(iban):
        raise ValueError("not a valid IBAN: the checksum does not match")
    return iban


def normalise_bic(value: object) -> str:
    """A BIC (SWIFT code) of 8 or 11 characters, upper case, no spaces."""
    if not isinstance(value, str):
        raise ValueError("a BIC is a string such as 'NDEASEGGXXX'")
    bic = _WHITESPACE.sub("", value).upper()
    if not _BIC_SHAPE.fullmatch(bic) or not _is_country(bic[4:6]):
        raise ValueError(f"{quoted(value)} is not a BIC (8 or 11 characters, e.g. 'NDEASEGGXXX')")
    return bic


def normalise_phone(value: object) -> str:
    """A phone number in E.164 (``+4722000000``); the input must carry its ``+`` country code."""
    if not isinstance(value, str):
        raise ValueError("a phone number is a string in E.164 form such as '+4722000000' (quote it in YAML)")
    text = value.strip()
    if len(text) > MAX_PHONE_CHARS:
        # Before parsing and remembering it: neither should hold a whole file's worth of text.
        raise ValueError(f"a phone number is at most {MAX_PHONE_CHARS} characters")
    if not text.startswith("+"):
        raise ValueError(f"{quoted(value)} is not an E.164 phone number: it must start with + and the country code")
    e164, problem = _e164(text)
    if e164 is None:
        raise ValueError(f"{quoted(value)} {problem}")
    return e164


# Phone numbers parsed in this process, and those the load's worker processes parsed (``desired.workers``
# hands them back): a number read from a merchant file is read again in the live state, by the process
# that plans, and parsing one costs about 20 µs, a tenth of a plan's CPU when each is parsed twice.
# Bounded: the oldest is forgotten first, so the newest are always the last.
_PARSED_PHONES: dict[str, tuple[str | None, str]] = {}
_E164_WRITTEN = re.compile(r"\+([1-9][0-9]{6,14})")
MAX_PARSED_PHONES = 65_536
_phones_added = 0  # how many numbers were ever added (a mark for ``parsed_phones``)


def _e164(text: str) -> tuple[str | None, str]:
    """``text`` in E.164, or None and what is wrong with it (remembered, see ``_PARSED_PHONES``)."""
    parsed = _PARSED_PHONES.get(text)
    if parsed is None:
        parsed = _parsed_e164(text)
        _remember_phone(text, parsed)
    return parsed


def _parsed_e164(text: str) -> tuple[str | None, str]:
    import phonenumbers

    if _valid_as_written(text):
        return text, ""
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException as error:
        return None, f"is not a phone number ({error})"
    if not phonenumbers.is_valid_number(number):
        return None, "is not a valid phone number for its country code"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), ""


def _valid_as_written(text: str) -> bool:
    """Whether ``text`` is a valid number already in E.164 that parsing would keep as written: ``+``, a
    country code, and a national number that neither starts with a zero (which parsing keeps apart) nor
    with what the country's metadata strips as a national prefix. Then the number is checked as parsing
    would have made it, without the rest of parsing's work (half the time of it; a test compares the two
    on every region's example numbers and on generated digits)."""
    import phonenumbers

    written = _E164_WRITTEN.fullmatch(text)
    if written is None:
        return False
    digits = written.group(1)
    for length in (1, 2, 3):  # country codes are prefix-free: the first known one is the one
        code = int(digits[:length])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return False
    national = digits[length:]
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(
        code, phonenumbers.region_code_for_country_code(code)
    )
    if metadata is None or national.startswith("0"):
        return False
    prefix = metadata.national_prefix_for_parsing
    if prefix and re.match(prefix, national):
        return False
    number = phonenumbers.PhoneNumber(country_code=code, national_number=int(national))
    return bool(phonenumbers.is_valid_number(number))


def phones_added() -> int:
    """How many phone numbers this process has remembered so far: a mark for ``parsed_phones``."""
    return _phones_added


def parsed_phones(since: int = 0) -> dict[str, tuple[str | None, str]]:
    """The numbers remembered after the first ``since`` (``phones_added``), oldest first, as many of them as
    are still kept: taken from the end, in time of their count, not the whole memory's."""
    count = min(_phones_added - since, len(_PARSED_PHONES))
    newest = list(itertools.islice(reversed(_PARSED_PHONES.items()), count))
    return dict(reversed(newest))


def remember_phones(parsed: dict[str, tuple[str | None, str]]) -> None:
    """Take these numbers as parsed (by ``_e164``, here or in a worker of the load)."""
    for text, found in parsed.items():
        _remember_phone(text, found)


def _remember_phone(text: str, parsed: tuple[str | None, str]) -> None:
    global _phones_added
    if text in _PARSED_PHONES:
        return  # one number, one answer: it keeps its place
    if len(_PARSED_PHONES) >= MAX_PARSED_PHONES:
        del _PARSED_PHONES[next(iter(_PARSED_PHONES))]
    _PARSED_PHONES[text] = parsed
    _phones_added += 1


def normalise_email(value: object) -> str:
    """An email address with its domain in lower case; syntax only, no DNS lookup."""
    if not isinstance(value, str):
        raise ValueError("an email address is a string")
    text = value.strip()
    if len(text) > MAX_EMAIL_CHARS:
        # email_validator took 19 s for an address of 4 MB, and its message repeats the address.
        raise ValueError(f"an email address is at most {MAX_EMAIL_CHARS} characters")
    plain = _plain_email(text)
    if plain is not None:
        return plain
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        raise ValueError(f"{quoted(value)} is not a valid email address: {error}") from None
    return str(result.normalized)


def _plain_email(text: str) -> str | None:
    """``local@domain.lower()`` for an address email_validator accepts as it is; None when unsure."""
    match = _PLAIN_EMAIL.fullmatch(text)
    if match is None or len(text) > MAX_EMAIL_CHARS:
        return None
    local, domain = match["local"], match["domain"].lower()
    if len(local) > 64 or len(domain) > 253 or "--" in domain:  # "xn--" labels need IDNA's checks
        return None
    if local.lower() in CASE_INSENSITIVE_MAILBOXES:
        local = local.lower()  # a role mailbox, whose case email_validator drops (``Support@`` is ``support@``)
    suffix = domain  # the domain, then what follows each of its dots: a special-use domain ends no address
    while suffix not in SPECIAL_USE_DOMAINS:
        dot = suffix.find(".")
        if dot < 0:
            return f"{local}@{domain}"
        suffix = suffix[dot + 1 :]
    return None


def normalise_timestamp(value: object) -> str:
    """A timestamp as UTC ISO 8601 with ``Z`` (``2024-01-01T13:00:00+01:00`` gives ``2024-01-01T12:00:00Z``).

    A timestamp without a zone is refused: the APIs compare instants, and a local time is ambiguous.
    """
    if type(value) is str and _UTC_SECONDS.fullmatch(value):
        # Already the normal form (as every API answers and every imported file holds it): only checked to
        # be a date and time, without the conversions (a third of the time).
        try:
            datetime.fromisoformat(value[:-1])
        except ValueError:
            pass  # the checks below say what is wrong
        else:
            return value
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        text = value.strip()
        if "T" not in text.upper() and " " not in text:
            raise ValueError(f"{quoted(value)} is not a timestamp: expected e.g. 2024-01-01T12:00:00Z")
        if not _TIMESTAMP_SUFFIX.search(text):
            raise ValueError(f"{quoted(value)} has no time zone: add Z (UTC) or an offset such as +01:00")
        try:
            moment = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1] in "zZ" else text)
        except ValueError:
            raise ValueError(f"{quoted(value)} is not an ISO 8601 timestamp") from None
    else:
        raise ValueError("a timestamp is a string such as 2024-01-01T12:00:00Z")
    if moment.tzinfo is None:
        raise ValueError("a timestamp needs a time zone: add Z (UTC) or an offset")
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is in year 0 in UTC, which datetime cannot hold
        raise ValueError("a timestamp that is before year 1 or after 9999 in UTC") from None
    spec = "seconds" if utc.microsecond == 0 else "microseconds"
    return utc.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def normalise_date(value: object) -> str:
    """A calendar date as ``YYYY-MM-DD``. The message never repeats the value (dates of birth are sensitive)."""
    return _date(value).isoformat()


def _date(value: object) -> date:
    if isinstance(value, datetime):
        raise ValueError("expected a date (YYYY-MM-DD), not a timestamp")
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a date written YYYY-MM-DD")
    text = value.strip()
    if not _DATE_TEXT.fullmatch(text):
        raise ValueError("expected a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError("not a valid calendar date (YYYY-MM-DD)") from None


def normalise_date_of_birth(value: object, *, today: date | None = None) -> str:
    """A date of birth: a valid date, not in the future, and not more than 130 years ago."""
    born = _date(value)
    text = born.isoformat()
    current = today or date.today()
    if born > current:
        raise ValueError("a date of birth cannot be in the future")
    if current.year - born.year > 130:
        raise ValueError("a date of birth more than 130 years ago is not plausible")
    return text
