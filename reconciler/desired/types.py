"""Annotated field types: each applies its normaliser, so a loaded model already holds the normal form.

The JSON Schema of each type says what an editor should accept as written in YAML (an MCC may be
written as a number), not the normal form.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BeforeValidator, Field, StringConstraints, WithJsonSchema

from reconciler.desired.normalise import (
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
from reconciler.sensitive import Sensitive

_AID = re.compile(r"^[PT]\d{8}$")
_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,99}$")


def _dintero_aid(value: object) -> str:
    if isinstance(value, str) and _AID.match(value.strip()):
        return value.strip()
    raise ValueError("a Dintero account id is P or T followed by 8 digits, e.g. T12345678")


def _reference(value: object) -> str:
    if isinstance(value, str) and _REFERENCE.match(value):
        return value
    raise ValueError("a reference is 1-100 letters, digits, '.', '_', ':' or '-', starting with a letter or digit")


def _uuid(value: object) -> str:
    try:
        return str(uuid.UUID(str(value).strip()))
    except ValueError:
        raise ValueError("expected a UUID such as 3c90c3cc-0d44-4b50-8888-8dd25736052a") from None


def _ip_address(value: object) -> str:
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        raise ValueError(f"{value!r} is not an IPv4 or IPv6 address") from None


def _http_url(value: object) -> str:
    text = str(value).strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{value!r} is not an http(s) URL")
    return text


def _dintero_mcc(value: object) -> int:
    # Dintero's klarna signup carries the MCC as an integer; it is checked as an MCC all the same.
    return int(normalise_mcc(value))


def _pattern_schema(pattern: str, description: str) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "pattern": pattern, "description": description})


Text = Annotated[str, StringConstraints(min_length=1, max_length=500)]
Reference = Annotated[
    str,
    BeforeValidator(_reference),
    _pattern_schema(_REFERENCE.pattern, "a partner-chosen reference"),
]
Mcc = Annotated[
    str,
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
    BeforeValidator(normalise_phone),
    _pattern_schema(r"^\+[1-9][0-9 ()\-]{1,20}$", "phone number in E.164 form, e.g. +4722000000"),
]
Email = Annotated[
    str,
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
    BeforeValidator(normalise_iban),
    _pattern_schema(r"^[A-Za-z]{2}[0-9]{2}[A-Za-z0-9 ]{11,40}$", "IBAN; spaces allowed"),
    Sensitive(),
]
Bic = Annotated[
    str,
    BeforeValidator(normalise_bic),
    _pattern_schema(r"^[A-Za-z0-9]{8}([A-Za-z0-9]{3})?$", "BIC (SWIFT code)"),
]
SensitiveText = Annotated[str, StringConstraints(min_length=1, max_length=100), Sensitive()]
DinteroAid = Annotated[
    str,
    BeforeValidator(_dintero_aid),
    _pattern_schema(r"^[PT]\d{8}$", "Dintero account id"),
]
Uuid = Annotated[
    str,
    BeforeValidator(_uuid),
    WithJsonSchema({"type": "string", "format": "uuid"}),
]
IpAddress = Annotated[
    str,
    BeforeValidator(_ip_address),
    WithJsonSchema({"type": "string", "anyOf": [{"format": "ipv4"}, {"format": "ipv6"}]}),
]
HttpUrl = Annotated[
    str,
    BeforeValidator(_http_url),
    WithJsonSchema({"type": "string", "format": "uri", "pattern": "^https?://"}),
]
DistributionProfileId = Annotated[
    str,
    StringConstraints(pattern=r"^krn:partner:global:account:distribution-profile:[0-9a-f\-]+$"),
]
PaymentProgramId = Annotated[
    str,
    StringConstraints(pattern=r"^krn:payment:global:payment:program:[0-9a-f\-]+$"),
]
Percentage = Annotated[float, Field(ge=0, le=100)]
