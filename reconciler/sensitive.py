"""What is sensitive, and how it is masked: the one source of truth for every output.

A field is sensitive when a model marks it with ``Sensitive()`` (national ids, social security
numbers, IBANs and account numbers, dates of birth). The desired models register their marked
paths (``register_marked``) when they are defined; a value is masked wherever a field of a marked
name holds it (``iban``, ``number`` of a national identification), at any depth, so a whole signup
shown as one value is masked inside too. Credentials that no merchant field declares (API keys,
secrets, tokens) are named in ``CREDENTIAL_FIELDS``.

The masked form still tells that something changed: ``****7466 (fp:3a9c)``, where the fingerprint
is a keyed hash. The commands key it like the plan's preconditions (``use_key``: the API
credentials, or ``RECONCILER_MASK_KEY``), so the same value shows the same fingerprint in a plan and
in the apply of it; before that the key is ``RECONCILER_MASK_KEY`` or random per process, so a
fingerprint can never be matched against a list of guessed values.

A value taken from the secrets store (``!secret``) is sensitive wherever it is used, even in a
field no model marks: the loader registers it (``register_secret_value``), and ``redact``, ``scrub``
and ``conceal`` mask it by value, in any field and inside any text.

Text that came from an API is scrubbed of anything shaped like a sensitive value (``scrub``) before it
goes into an error message.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import re
import secrets
import sys
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema


class Sensitive:
    """Annotation marker: this field's value never appears in output, logs, errors or addresses."""

    def __get_pydantic_json_schema__(self, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema["x-sensitive"] = True
        return schema

    def __repr__(self) -> str:
        return "Sensitive()"


# Secrets of the transport and of partner-level objects: no merchant field declares them.
CREDENTIAL_FIELDS = frozenset(
    {
        "api_key",
        "client_secret",
        "secret",
        "password",
        "access_token",
        "token",
        "authorization",
        "bank_account_number",
        "signing_key",
        # A Vipps connection's configuration, as Dintero returns it once the merchant has signed.
        "client_id",
        "ocp_apim_subscription_key",
        "subscription_key",
    }
)
# Where the last four characters are customarily shown (they identify, they do not disclose).
_SHOW_LAST_FOUR = frozenset({"iban", "account_number", "bank_account_number"})

_names: set[str] = set(CREDENTIAL_FIELDS)
# Values from the secrets store seen by this process, masked wherever they turn up.
_secret_values: set[str] = set()
# The same, each as its words in lower case, one space apart: an API may hold a value in other case or
# spacing (``HEMLIG BUTIK NORD``), and it is still that value.
_folded_values: set[str] = set()
# Inside text, shorter values would mask ordinary words and digits everywhere (as a whole field value,
# any length is masked).
MIN_SECRET_CHARS = 4

MASK = "****"
_KEY = os.environ.get("RECONCILER_MASK_KEY", "").encode() or secrets.token_bytes(32)

PathLike = str | Sequence[str | int]


def _segments(path: PathLike) -> list[str]:
    parts = re.split(r"[.\[\]/]+", path) if isinstance(path, str) else [str(p) for p in path]
    return [s.lower() for s in parts if s and not s.isdigit()]


def register_marked(paths: Iterable[str]) -> None:
    """Learn the sensitive field names from the paths a model marks (``a.b[].c``)."""
    _names.update(_segments(path)[-1] for path in paths)
    _plain_key_is_sensitive.cache_clear()


def sensitive_names() -> frozenset[str]:
    return frozenset(_names)


def is_sensitive_path(path: PathLike) -> bool:
    """True for ``iban``, ``stakeholders[0].date_of_birth``, ``("national_identification", "number")``..."""
    parts = _segments(path)
    return bool(parts) and parts[-1] in _names


def is_sensitive_key(path: Sequence[str | int], key: str) -> bool:
    """``is_sensitive_path((*path, key))`` without splitting the whole path: a walk asks it of every key."""
    plain = _plain_key_is_sensitive(key)
    return plain if plain is not None else is_sensitive_path((*path, key))


@functools.lru_cache(maxsize=4096)
def _plain_key_is_sensitive(key: str) -> bool | None:
    """Whether a key that is one path segment names a sensitive value; None for any other key.

    Remembered: a walk over a fleet's documents meets the same few hundred field names again and again.
    """
    if key and not key.isdigit() and not any(c in key for c in ".[]/"):
        return key.lower() in _names
    return None


def use_key(key: bytes) -> None:
    """Key the masking fingerprints (the CLI passes the key of the plan's preconditions).

    The same credentials then give the same fingerprint in the pull request's plan and in the
    apply log, and someone without them cannot test a guess against a fingerprint.
    """
    global _KEY
    if key:
        _KEY = key


def register_secret_value(value: str) -> None:
    """Mask ``value`` wherever it appears from now on (a value of the secrets store)."""
    text = value.strip()
    if not text:
        return
    # The forms a normalisation may give it (in NFC, as every text read is; an IBAN without spaces, a code
    # in upper case).
    forms = {text, unicodedata.normalize("NFC", text)}
    for form in tuple(forms):
        compact = "".join(form.split())
        forms |= {compact, compact.upper()}
    add_secret_forms(forms)


def _folded(text: str) -> str:
    return " ".join(text.split()).lower()


def registered_secret_values() -> frozenset[str]:
    """Every form of every value registered so far (a worker process of the load hands back its own)."""
    return frozenset(_secret_values)


def add_secret_forms(forms: Iterable[str]) -> None:
    """Mask these forms, as ``register_secret_value`` made them elsewhere (in a worker of the load)."""
    global _index
    forms = set(forms) - _secret_values
    if forms:
        _secret_values.update(forms)
        _folded_values.update(_folded(form) for form in forms)
        _index = None


def forget_secret_values() -> None:
    """Mask none of the values registered so far (a process that loads another desired state)."""
    global _index
    _secret_values.clear()
    _folded_values.clear()
    _index = None


def is_secret_value(value: object) -> bool:
    """Whether ``value`` is a registered value of the secrets store, up to case and whitespace."""
    return isinstance(value, str) and bool(_secret_values) and _folded(value) in _folded_values


def conceal(text: str) -> str:
    """``text`` with every registered secret value inside it masked, in any case and with any whitespace
    inside it, and with all of two that overlap (one holding another is masked whole).

    Output passes through here line by line, and a fleet's store holds tens of thousands of values: the
    text is searched once, by the first characters of each value (``_secret_index``), in time of its own
    length, not of the number of values (a regular expression or a search per value took milliseconds a
    line at ten thousand values).
    """
    if not _secret_values:
        return text
    index, shown = _secret_index()
    if not index:
        return text
    folded, places = _compacted(text)
    spans: list[tuple[int, int, str]] = []  # in ``text``: start, end, the key of the longest value there
    for i in range(len(folded) - MIN_SECRET_CHARS + 1):
        for length, keys in index.get(folded[i : i + MIN_SECRET_CHARS], ()):
            key = folded[i : i + length]
            if key in keys:
                start, end = places[i], places[i + length - 1] + 1
                if spans and start < spans[-1][1]:  # overlaps the one before: one span, masked whole
                    before = spans[-1]
                    longer = key if len(key) > len(before[2]) else before[2]
                    spans[-1] = (before[0], max(end, before[1]), longer)
                else:
                    spans.append((start, end, key))
                break  # the longest value from here; a shorter one is inside it
    if not spans:
        return text
    parts, last = [], 0
    for start, end, key in spans:
        written = text[start:end]
        # The mask of the value as written when it is one, as a field of that value is masked.
        parts += [text[last:start], mask_scalar(written if written in _secret_values else shown[key]) or MASK]
        last = end
    parts.append(text[last:])
    return "".join(parts)


_NOT_SPACE = re.compile(r"\S+")
# The first MIN_SECRET_CHARS characters of each value's key (``_compacted``) -> the keys, by length, longest
# first (a fleet's values may share their first characters: a street, a given name; a length is one lookup,
# however many share it); and each key -> one registered form of it, to mask it by. Made when first needed
# after the values change.
_index: tuple[dict[str, list[tuple[int, frozenset[str]]]], dict[str, str]] | None = None


def _compacted(text: str) -> tuple[str, list[int]]:
    """``text`` without whitespace and in lower case, and where in ``text`` each of its characters is."""
    pieces: list[str] = []
    places: list[int] = []
    for run in _NOT_SPACE.finditer(text):
        word, start = run.group(), run.start()
        lowered = word.lower()
        if len(lowered) == len(word):
            pieces.append(lowered)
            places.extend(range(start, run.end()))
        else:  # a character whose lower case is two (U+0130): each kept at its own place
            for offset, character in enumerate(word):
                low = character.lower()
                pieces.append(low)
                places.extend([start + offset] * len(low))
    return "".join(pieces), places


def _secret_index() -> tuple[dict[str, list[tuple[int, frozenset[str]]]], dict[str, str]]:
    global _index
    if _index is None:
        shown: dict[str, str] = {}
        for form in _secret_values:
            key = _compacted(form)[0]
            if len(key) >= MIN_SECRET_CHARS and (key not in shown or form < shown[key]):
                shown[key] = form  # the least of its forms: the same mask in every run
        grouped: dict[str, dict[int, set[str]]] = {}
        for key in shown:
            grouped.setdefault(key[:MIN_SECRET_CHARS], {}).setdefault(len(key), set()).add(key)
        index = {
            prefix: [(length, frozenset(keys)) for length, keys in sorted(lengths.items(), reverse=True)]
            for prefix, lengths in grouped.items()
        }
        _index = (index, shown)
    return _index


def fingerprint(value: Any, length: int = 4) -> str:
    """A short keyed hash of a value: equal values, equal fingerprints, within one key."""
    return hmac.new(_KEY, str(value).encode(), hashlib.sha256).hexdigest()[:length]


# An account number shows its last four characters only when it has more than this many: of a shorter one
# they would be half of it, or all of it.
_SHORTEST_SHOWN_NUMBER = 8


def last_four(number: str) -> str:
    """The last four characters of an IBAN or account number (spaces left out), the part a reviewer may see;
    empty for a number of eight characters or fewer."""
    compact = number.replace(" ", "")
    return compact[-4:] if len(compact) > _SHORTEST_SHOWN_NUMBER else ""


def mask_scalar(value: Any, field: str = "") -> str | None:
    """The masked form of one sensitive value (None stays None: absence is not a secret)."""
    if value is None:
        return None
    text = str(value)
    tail = last_four(text) if field.lower() in _SHOW_LAST_FOUR else ""
    return f"{MASK}{tail} (fp:{fingerprint(text)})"


def mask(value: object) -> str:
    """The printable stand-in for a sensitive value, e.g. ``****7466 (fp:3a9c)``.

    The last four characters are kept only for long values (IBANs, account numbers), where they help a
    reviewer recognise the account without revealing it; short values (dates, ids) show only the fingerprint.
    """
    text = "" if value is None else str(value)
    if not text:
        return MASK
    return mask_scalar(text, "iban" if len(text) >= 12 else "") or MASK


def redact(value: Any, path: PathLike = "", *, within: bool = False) -> Any:
    """A copy of ``value`` with every sensitive leaf masked; ``path`` says where the value sits.

    ``within``: a secret value inside a longer text is masked too (``conceal``), for a live value, which
    may hold one (a name edited in a portal): the plan file is written past the output's net.
    """
    return _redact(value, _segments(path), within and bool(_secret_values))


def _redact(value: Any, parts: list[str], within: bool = False) -> Any:
    # ``parts`` are already segments (lower case, no indexes): each level adds its key's segment
    # instead of normalising the whole path again (a plan masks every field of every create).
    if is_secret_value(value):
        return mask_scalar(value, parts[-1] if parts else "")
    if parts and parts[-1] in _names:
        if isinstance(value, Mapping | list):
            return mask_scalar(json.dumps(value, sort_keys=True, default=str))
        return mask_scalar(value, parts[-1])
    # The copy is what a plan keeps of every value it changes: its keys and short words (countries,
    # currencies, states) are interned, so ten thousand merchants' creates share one copy of each
    # instead of holding one per merchant (with the shared change paths, a plan of 1,000 new
    # merchants retains 12.7 MB instead of 18.8 MB).
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            key = str(k)
            out[sys.intern(k) if type(k) is str else k] = _redact(
                v, [*parts, key.lower()] if key and not key.isdigit() else parts, within
            )
        return out
    if isinstance(value, list):
        return [_redact(v, parts, within) for v in value]
    if within and type(value) is str and len(value) >= MIN_SECRET_CHARS:
        value = conceal(value)
    if type(value) is str and len(value) <= SHARED_WORD_LENGTH:
        return sys.intern(value)
    return value


SHARED_WORD_LENGTH = 12

MAX_MESSAGE_CHARS = 300

_PATTERNS: tuple[re.Pattern[str], ...] = (
    # API keys, client ids and bearer tokens (Klarna keys, JWTs).
    re.compile(r"\bklarna_(?:test|live)_[\w+/=-]+", re.IGNORECASE),  # the random part is base64
    # A JWT is base64 of a JSON object, so it starts "eyJ" ('{"'): the whole word from there is masked,
    # dots or not. Requiring its two dots made a failed match rescan the rest of the word from each
    # "eyJ" in it (seconds for an error message of "eyJ-" repeated 10,000 times, minutes for 100,000);
    # a pattern that matches whatever follows "eyJ" never fails there, so the scan stays linear.
    re.compile(r"\beyJ[\w.-]*"),
    # An age private key, the secrets store's identity: ``age-keygen``'s AGE-SECRET-KEY-1 and its bech32
    # data (58 characters; not the bare "AGE-SECRET-KEY-1…" of a hint).
    re.compile(r"\bAGE-SECRET-KEY-1[0-9A-Z]{20,}", re.IGNORECASE),
    # IBANs, with or without the usual spaces every four characters.
    re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){10,30}\b", re.IGNORECASE),
    # Dates, as in a date of birth.
    re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+Z?)?\b"),
    # Account numbers, national ids and social security numbers: long runs of digits and separators.
    re.compile(r"\d[\d \-./]{4,}\d"),
)


_NAME_MARKS = str.maketrans("", "", " -'.")


def _visible(text: str) -> str:
    """``text`` without Unicode's format characters (category Cf: zero-width spaces and joiners, the soft
    hyphen, bidirectional marks, the byte order mark), and its runs of whitespace as one space.

    They show as nothing, so an IBAN whose groups they part reads as an IBAN, while the patterns would see
    no IBAN nor any run of digits in it: they are taken out first. ASCII text holds none.
    """
    if not text.isascii():
        text = "".join(character for character in text if unicodedata.category(character) != "Cf")
    return " ".join(text.split())


def looks_sensitive(text: str) -> bool:
    """Whether ``scrub`` would mask part of ``text`` (an IBAN, a date, a long run of digits, a key)."""
    if "eyJ" not in text and text.translate(_NAME_MARKS).isalpha():
        # Letters alone, and the spaces, hyphens, apostrophes and dots of a name: no pattern matches
        # without a digit, an underscore or "eyJ" (names are judged this way in every merchant file).
        return False
    return _matches_a_pattern(text)


def _matches_a_pattern(text: str) -> bool:
    spaced = _visible(text)
    return any(pattern.search(spaced) for pattern in _PATTERNS)


# Words of a key no model declares (a free-form mapping's, such as a collection's ``branding``) that say its value
# is a secret or a personal number, whatever the value looks like: ``webhook_signing_secret``, ``payoutIban``.
_SECRET_KEY_WORDS = frozenset(
    {"secret", "password", "passwd", "passphrase", "passcode", "pass", "pwd", "token", "credential", "apikey",
     "private", "iban", "ssn", "passport", "pin", "cvc", "cvv", "birth"}
)
_SECRET_KEY_PAIRS = frozenset(
    {("api", "key"), ("access", "key"), ("signing", "key"), ("account", "number"), ("national", "id"),
     ("social", "security")}
)
_KEY_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def looks_sensitive_key(key: str) -> bool:
    """Whether a key no model declares names a sensitive value: a marked or credential field's name
    (``is_sensitive_path``), or a key with one of the words of a secret in it (``stripeSecretKey``,
    ``payout_iban``, ``api-key``). A key is split into its words (``_``, ``-``, ``.``, camelCase)."""
    if is_sensitive_path((key,)):
        return True
    words = [word.lower() for word in _KEY_WORD.findall(key)]
    singular = [word.removesuffix("s") for word in words]  # ``apiKeys``, ``webhook_secrets``
    return any(word in _SECRET_KEY_WORDS for word in (*words, *singular)) or any(
        (first, second) in _SECRET_KEY_PAIRS or (first, plain) in _SECRET_KEY_PAIRS
        for first, second, plain in zip(words, words[1:], singular[1:], strict=False)
    )


def shown_name(name: str) -> str:
    """A name the input wrote (a key, a profile, a locked path, an ``!env`` variable, a secret) as a message
    may show it: as written, or masked when it looks like an IBAN, a date, a national id or a key.

    A value typed where a name goes is reported as an unknown field or an unknown profile, and such
    messages quote the name; no field, profile or variable is ever named like a sensitive value, so
    nothing a reader needs is masked. No last four characters: the name may be a national id.
    """
    return mask_scalar(name) or MASK if looks_sensitive(name) else name


def scrub(text: str) -> str:
    """API text with sensitive-looking values replaced by ``***`` and cut to a readable length.

    The APIs may quote a request's values back in their error text, and requests hold IBANs,
    national ids, dates of birth and keys.
    """
    # Whitespace first: the patterns know a plain space inside an IBAN or an id, and a tab, a line
    # break, a no-break space or a zero-width one between its groups must not hide one from them.
    text = _visible(conceal(text))
    for pattern in _PATTERNS:
        text = pattern.sub("***", text)
    if not text.isprintable():
        # ESC, BEL and the C1 controls would drive the terminal the error is printed on (an OSC 8 link).
        text = "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[: MAX_MESSAGE_CHARS - 1] + "…"
    return text
