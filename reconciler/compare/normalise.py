"""Live values normalised the way the desired models normalise theirs, by the name of the field.

So formatting (an MCC sent as a number, a lower-case country, an IBAN with spaces, a phone without
its ``+``) never shows up as a change.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from reconciler.desired.normalise import (
    normalise_bic,
    normalise_country,
    normalise_currency,
    normalise_email,
    normalise_iban,
    normalise_mcc,
    normalise_phone,
    normalise_timestamp,
)
from reconciler.desired.types import canonical_ip_address, canonical_uuid


def normalise_live_phone(value: object) -> str:
    """A live phone number in E.164; bare international digits (``4722000000``, ``004722000000``) included.

    An API may drop the ``+`` that the YAML must carry; the digits still name the country code.
    """
    try:
        return normalise_phone(value)
    except ValueError:
        digits = str(value).strip()
        if not digits.isdigit():
            raise
        return normalise_phone("+" + (digits[2:] if digits.startswith("00") else digits))


def normalise_live_iban(value: object) -> str:
    """A live IBAN without spaces and in upper case.

    One the API already gives in that form is returned as it is, without the country and checksum
    checks (8 µs, a tenth of normalising a merchant): ``normalise_iban`` would return it unchanged,
    and a value that fails them is compared as it is anyway (``normalise_scalar``).
    """
    if isinstance(value, str) and value.isascii() and value.isalnum() and value.isupper():
        return value  # no whitespace to take out and no lower-case letter to raise
    return normalise_iban(value)


def _remembered(normaliser: Callable[[object], str]) -> Callable[[object], str]:
    """``normaliser`` with its answers for strings remembered (bounded).

    A fleet repeats the same phone numbers, countries and timestamps in every read; parsing a phone
    number alone cost a tenth of a plan's CPU. A value that fails is not remembered: it fails again.
    """
    cached = functools.lru_cache(maxsize=65_536)(normaliser)

    def normalise(value: object) -> str:
        return cached(value) if isinstance(value, str) else normaliser(value)

    return normalise


# Live values normalised by the name of the field that holds them (lists: each item).
_NORMALISERS: dict[str, Callable[[object], str]] = {
    "merchant_category_code": normalise_mcc,
    "merchant_category_codes": normalise_mcc,
    "country": normalise_country,
    "customer_country": normalise_country,
    "currency": normalise_currency,
    "currencies": normalise_currency,
    "phone": normalise_live_phone,
    "phone_number": normalise_live_phone,
    "iban": normalise_live_iban,
    "account_created_at": normalise_timestamp,
    "effective_from": normalise_timestamp,
    "effective_to": normalise_timestamp,
    "settlement_enabled_at": normalise_timestamp,
    # As the desired models read them (an address in upper case or written out, a case_id in capitals):
    # else a value the API keeps in another spelling is a change on every plan, or a signup made anew.
    "account_created_from_ip": canonical_ip_address,
    "case_id": canonical_uuid,
    "bic": normalise_bic,
    "email": normalise_email,
}
# IBANs are left out: each is a merchant's own (nothing to share) and a sensitive value; phone numbers
# are remembered by ``normalise_phone`` itself, for the desired side too.
_UNREMEMBERED = {normalise_live_iban, normalise_live_phone}
_NORMALISERS = {name: n if n in _UNREMEMBERED else _remembered(n) for name, n in _NORMALISERS.items()}
NORMALISED_FIELDS = frozenset(_NORMALISERS)  # the fields whose live values are normalised


def normalise_scalar(name: str, value: Any) -> Any:
    normaliser = _NORMALISERS.get(name)
    if normaliser is None or value is None or isinstance(value, bool):
        return value
    try:
        return normaliser(value)
    except (ValueError, TypeError):
        return value  # an unparseable live value is compared as it is, and shows as a change


def normalise_live(value: Any, name: str = "") -> Any:
    """JSON-shaped live data (a model dump) with every value normalised by the name of its field.

    A mapping's absent (None) values are left out; a list's items keep their places.
    """
    if isinstance(value, dict):
        return _normalise_mapping(value)
    if isinstance(value, list):
        return _normalise_list(value, name)
    if name not in _NORMALISERS:
        return value
    return normalise_scalar(name, value)


# The walk below checks ``dict`` rather than ``Mapping`` and handles a leaf where it finds it, without
# a call per leaf: it walks every live value of every merchant. The abstract-class checks cost a tenth
# of a plan's CPU, and a call per leaf of a list 7% of building a live view (381 against 356 µs).


def _normalise_mapping(value: dict[Any, Any]) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for key, item in value.items():
        kind = type(item)
        if kind is str or kind is int or kind is float or kind is bool:  # most leaves: one test, not three
            out[key] = normalise_scalar(key, item) if key in _NORMALISERS else item
        elif item is None:
            continue
        elif isinstance(item, dict):
            out[key] = _normalise_mapping(item)
        elif isinstance(item, list):
            out[key] = _normalise_list(item, str(key))
        elif key in _NORMALISERS:
            out[key] = normalise_scalar(key, item)
        else:
            out[key] = item
    return out


def _normalise_list(items: list[Any], name: str) -> list[Any]:
    normalised = name in _NORMALISERS
    out: list[Any] = []
    for item in items:
        if isinstance(item, dict):
            out.append(_normalise_mapping(item))
        elif isinstance(item, list):
            out.append(_normalise_list(item, name))
        elif normalised:
            out.append(normalise_scalar(name, item))
        else:
            out.append(item)
    return out
