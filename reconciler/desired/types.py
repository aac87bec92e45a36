"""Annotated field types: each applies its normaliser, so a loaded model already holds the normal form.

The JSON Schema of each type says what an editor should accept as written in YAML (an MCC may be
written as a number), not the normal form. Every text type strips surrounding whitespace and is in
Unicode NFC, so values that differ only by a trailing space or line break, or by the composition of
an accented letter, are one value wherever keys and duplicates are compared. Single-line types
refuse a line break, tab or control character inside (``desired.text``); ``BlockText`` allows lines.
"""

from __future__ import annotations

import ipaddress
import math
import re
import uuid
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, WithJsonSchema

from reconciler.desired.normalise import (
    REFERENCE_PATTERN,
    normalise_bic,
    normalise_country,
    normalise_currency,
    normalise_date_of_birth,
    normalise_dintero_aid,
    normalise_email,
    normalise_iban,
    normalise_mcc,
    normalise_phone,
    normalise_reference,
    normalise_timestamp,
    quoted,
)
from reconciler.desired.text import block_text, single_line
from reconciler.sensitive import Sensitive, looks_sensitive

_URL_SPACE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")
# Values already in the form their parsing gives back (as the APIs answer them and ``import`` writes
# them): each is taken as it is, in a tenth of the time of parsing it; the tests compare the two ways.
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_CANONICAL_IPV4 = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}")
# http(s), a host name or IPv4 address (no user, no port, no IPv6 brackets), then a path, query or
# fragment of printable ASCII: what urlsplit takes apart without a doubt.
_PLAIN_HTTP_URL = re.compile(r"https?://[A-Za-z0-9][A-Za-z0-9.\-]*(?:[/?#][!-~]*)?")


def canonical_uuid(value: object) -> str:
    """A UUID in the one form it is kept in (lower case, hyphens); ``ValueError`` for anything else."""
    if type(value) is str and _CANONICAL_UUID.fullmatch(value):
        return value
    return _parsed_uuid(value)


def _parsed_uuid(value: object) -> str:
    try:
        return str(uuid.UUID(str(value).strip()))
    except ValueError:
        raise ValueError("expected a UUID such as 3c90c3cc-0d44-4b50-8888-8dd25736052a") from None


# What a mistyped IP address is written with (digits, hex, dots, colons, a zone): such text is quoted even
# though it looks like a run of digits, so that '300.1.2.3' is shown; a national id ('19850713-4821') is not.
_ADDRESS_TEXT = re.compile(r"[0-9A-Fa-f]*[.:][0-9A-Fa-f.:%]*")


def _quoted_address(value: object) -> str:
    text = str(value).strip()
    return repr(value) if _ADDRESS_TEXT.fullmatch(text) else _quoted(value)


def canonical_ip_address(value: object) -> str:
    if type(value) is str and _CANONICAL_IPV4.fullmatch(value):
        return value
    return _parsed_ip_address(value)


def _parsed_ip_address(value: object) -> str:
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        raise ValueError(f"{_quoted_address(value)} is not an IPv4 or IPv6 address") from None


def _quoted(value: object) -> str:
    # An IBAN or a national id written as an address or a link must not reach the message.
    return quoted(value) if isinstance(value, str) else repr(value)


def _http_url(value: object) -> str:
    if type(value) is str and _PLAIN_HTTP_URL.fullmatch(value):
        return value
    return _split_http_url(value)


def _split_http_url(value: object) -> str:
    text = str(value).strip()
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise ValueError(f"{_quoted(value)} is not an http(s) URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or _URL_SPACE.search(text):
        raise ValueError(f"{_quoted(value)} is not an http(s) URL")
    return text


def _dintero_mcc(value: object) -> int:
    # Dintero's klarna signup carries the MCC as an integer; it is checked as an MCC all the same.
    return int(normalise_mcc(value))


def _pattern_schema(pattern: str, description: str) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "pattern": pattern, "description": description})


Text = Annotated[str, StringConstraints(min_length=1, max_length=500), BeforeValidator(single_line)]
# Klarna's request models take at most 255 characters of text; an address's postal code 16, its region 64.
KlarnaText = Annotated[str, StringConstraints(min_length=1, max_length=255), BeforeValidator(single_line)]
KlarnaBlockText = Annotated[str, StringConstraints(max_length=255), BeforeValidator(block_text)]


def _person_name(value: str) -> str:
    # A date of birth, a national id or an IBAN typed where a person's name goes: a name is shown in
    # plans, PR comments and a stakeholder's address, where such a value must never be. Nor is it quoted.
    if looks_sensitive(value):
        raise ValueError("a name holds no date, IBAN, national id or long run of digits: a value in the wrong field?")
    return value


# A person's given or family name (Klarna's account owner and stakeholders, Dintero's applicant and signers).
PersonName = Annotated[KlarnaText, AfterValidator(_person_name)]
DinteroPersonName = Annotated[Text, AfterValidator(_person_name)]
PostalCode = Annotated[str, StringConstraints(min_length=1, max_length=16), BeforeValidator(single_line)]
Region = Annotated[str, StringConstraints(min_length=1, max_length=64), BeforeValidator(single_line)]
# A payment program enablement code: Klarna takes at most 64 characters.
EnablementCode = Annotated[str, StringConstraints(min_length=1, max_length=64), BeforeValidator(single_line)]
BlockText = Annotated[str, StringConstraints(min_length=1, max_length=500), BeforeValidator(block_text)]
# A code or description that an object is matched by: one line, compared as written once stripped.
Code = Annotated[str, StringConstraints(min_length=1, max_length=100), BeforeValidator(single_line)]
Reference = Annotated[
    str,
    StringConstraints(min_length=1, max_length=128),
    BeforeValidator(normalise_reference),
    _pattern_schema(REFERENCE_PATTERN, "a partner-chosen reference"),
]
Mcc = Annotated[
    str,
    StringConstraints(min_length=4, max_length=4),
    BeforeValidator(normalise_mcc),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\d{4}$"},
                {"type": "integer", "minimum": 0, "maximum": 9999},
            ],
            "description": "merchant category code, 4 digits",
        }
    ),
]
DinteroMcc = Annotated[
    int,
    BeforeValidator(_dintero_mcc),
    Field(ge=1, le=9999),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0, "maximum": 9999},
                {"type": "string", "pattern": r"^\d{4}$"},
            ],
            "description": "merchant category code (Dintero sends it as an integer)",
        }
    ),
]
Country = Annotated[
    str,
    BeforeValidator(normalise_country),
    _pattern_schema(r"^[A-Za-z]{2}$", "ISO 3166-1 alpha-2 country code"),
]
Currency = Annotated[
    str,
    BeforeValidator(normalise_currency),
    _pattern_schema(r"^[A-Za-z]{3}$", "ISO 4217 currency code"),
]
Phone = Annotated[
    str,
    StringConstraints(max_length=16),  # E.164: + and at most 15 digits, once normalised
    BeforeValidator(normalise_phone),
    _pattern_schema(r"^\+[1-9][0-9 ()\-]{1,20}$", "phone number in E.164 form, e.g. +4722000000"),
]
Email = Annotated[
    str,
    StringConstraints(max_length=254),
    BeforeValidator(normalise_email),
    WithJsonSchema({"type": "string", "format": "email"}),
]
Timestamp = Annotated[
    str,
    BeforeValidator(normalise_timestamp),
    WithJsonSchema(
        {"type": "string", "format": "date-time", "description": "ISO 8601 with a zone, e.g. 2024-01-01T12:00:00Z"}
    ),
]
DateOfBirth = Annotated[
    str,
    BeforeValidator(normalise_date_of_birth),
    WithJsonSchema({"type": "string", "format": "date", "description": "YYYY-MM-DD"}),
    Sensitive(),
]
Iban = Annotated[
    str,
    StringConstraints(min_length=15, max_length=42),
    BeforeValidator(normalise_iban),
    _pattern_schema(r"^[A-Za-z]{2}[0-9]{2}[A-Za-z0-9 ]{11,40}$", "IBAN; spaces allowed"),
    Sensitive(),
]
Bic = Annotated[
    str,
    BeforeValidator(normalise_bic),
    _pattern_schema(r"^[A-Za-z0-9]{8}([A-Za-z0-9]{3})?$", "BIC (SWIFT code)"),
]
SensitiveText = Annotated[
    str, StringConstraints(min_length=1, max_length=100), BeforeValidator(single_line), Sensitive()
]
# A social security number in a Dintero signup: Dintero's text limit.
DinteroSensitiveText = Annotated[
    str, StringConstraints(min_length=1, max_length=500), BeforeValidator(single_line), Sensitive()
]
# An account or national identification number: one line, up to 64 characters.
SensitiveNumber = Annotated[
    str, StringConstraints(min_length=1, max_length=64), BeforeValidator(single_line), Sensitive()
]
DinteroAid = Annotated[
    str,
    BeforeValidator(normalise_dintero_aid),
    _pattern_schema(r"^[PT]\d{8}$", "Dintero account id"),
]
Uuid = Annotated[
    str,
    BeforeValidator(canonical_uuid),
    WithJsonSchema({"type": "string", "format": "uuid"}),
]
IpAddress = Annotated[
    str,
    BeforeValidator(canonical_ip_address),
    WithJsonSchema({"type": "string", "anyOf": [{"format": "ipv4"}, {"format": "ipv6"}]}),
]
_URL_SCHEMA = WithJsonSchema({"type": "string", "format": "uri", "pattern": "^https?://"})
HttpUrl = Annotated[str, BeforeValidator(_http_url), _URL_SCHEMA]
# A URL Klarna keeps (a social media link): at most 2048 characters; one in a Dintero signup: at most 500.
# The lengths come before the check of the URL, so that pydantic-core checks them with the string.
KlarnaUrl = Annotated[str, StringConstraints(min_length=1, max_length=2048), BeforeValidator(_http_url), _URL_SCHEMA]
DinteroUrl = Annotated[str, StringConstraints(max_length=500), BeforeValidator(_http_url), _URL_SCHEMA]
DistributionProfileId = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        min_length=1,
        max_length=255,
        pattern=r"^krn:partner:global:account:distribution-profile:[0-9a-f\-]+$",
    ),
]
PaymentProgramId = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=255, pattern=r"^krn:payment:global:payment:program:[0-9a-f\-]+$"
    ),
]
_PERCENTAGE_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _percentage(value: object) -> object:
    """A number, or text holding one (``"60"``); never a boolean, which pydantic would take as 1 or 0.

    One message for what is no number: the union's two (``….int``, ``….float``) name no field."""
    if isinstance(value, bool):
        raise ValueError("a percentage is a number from 0 to 100, not true or false")
    if isinstance(value, int | float):
        return value
    if isinstance(value, str) and _PERCENTAGE_TEXT.fullmatch(value.strip()):
        text = value.strip()
        return float(text) if any(c in text for c in ".eE") else int(text)
    raise ValueError("a percentage is a number from 0 to 100")


# int | float keeps a number's JSON type (``50`` stays 50, ``12.5`` stays 12.5): the APIs answer it as sent.
Percentage = Annotated[
    int | float,
    BeforeValidator(_percentage),
    Field(ge=0, le=100, allow_inf_nan=False),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": 100}),
]


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _webhook_url(value: object) -> str:
    """Klarna delivers over HTTPS to port 443 or 8443 only; a loopback host (a sandbox target) may use http
    and any port. Credentials in the URL are refused: the URL is printed in plans."""
    text = _http_url(value)
    parts = urlsplit(text)
    if parts.username is not None or parts.password is not None:
        raise ValueError("a webhook URL must not hold credentials (user:password@)")
    if parts.fragment:
        raise ValueError("a webhook URL has no #fragment")
    if not _loopback(parts.hostname or ""):
        if parts.scheme != "https":
            raise ValueError("Klarna delivers webhooks over https only (http is for loopback addresses)")
        if parts.port not in (None, 443, 8443):
            raise ValueError("Klarna delivers webhooks to port 443 or 8443 only")
    return text


WebhookUrl = Annotated[
    str,
    StringConstraints(min_length=1, max_length=2048),
    BeforeValidator(_webhook_url),
    WithJsonSchema({"type": "string", "format": "uri", "pattern": "^https?://", "maxLength": 2048}),
]


def _finite_numbers(value: Any, where: str = "") -> Any:
    """``value`` (free-form JSON from YAML), refused when it holds a number JSON cannot write: YAML's
    ``.inf`` and ``.nan`` are numbers, which no API can be sent."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{where or 'the value'} is {value}, which JSON cannot hold: write a finite number")
    if isinstance(value, dict):
        for key, item in value.items():
            _finite_numbers(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _finite_numbers(item, f"{where}[{index}]")
    return value


# A mapping the API takes as it is (a collection's ``branding``): any JSON, with finite numbers.
FreeForm = Annotated[dict[str, Any], AfterValidator(_finite_numbers)]
