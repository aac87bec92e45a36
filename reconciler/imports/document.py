"""One live merchant as the merchant document ``validate`` accepts, with its sensitive values set apart.

The document holds what the APIs hold, in the desired-state models' field names and nothing else (ids,
timestamps and states are the APIs'). Every value at a sensitive path (``sensitive.is_sensitive_path``)
becomes a ``SecretRef``: a stable name, derived from the merchant's reference and the value's place named
by natural keys (never a list position that reordering would shift), and the value, which goes into the
secrets store while the file holds ``!secret NAME``.

Under a mapping the models leave open (a collection's ``branding``: ``fit.OpenMapping``) no field is marked,
so every value there is looked at: a text that looks sensitive (``looks_sensitive``: an IBAN, a date, a long
number, a key) or sits under a key that names a secret (``looks_sensitive_key``) is set apart the same way.
What cannot be a ``!secret`` there is refused, by its path (``ImportedMerchant.refused``): a key that looks
sensitive (a key is never a reference) and a number that does (a reference reads back as text, and the file
would plan a change).

State the provider holds is written as it is, with a comment, so it plans no write:

- a payment product Klarna disabled is ``state: disabled`` (the plan's state matches; only Klarna moves it);
- a terminated product is written without ``state`` (a declared state could never be reached);
- a Dintero connection that is declined or failed is left out of ``connections`` and described in a comment
  (declaring its signup again would be blocked; correcting it is a person's new signup), unless a newer
  signup awaits Dintero's answer: that one is declared, as a pending one is;
- a pending connection is declared as it is (the plan notes that it awaits the merchant's signature).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from reconciler.desired.models_dintero import (
    CommonSignup,
    DinteroSettings,
    KlarnaSignup,
    VippsPspSignup,
)
from reconciler.desired.models_klarna import KlarnaMerchant, slug
from reconciler.desired.secrets import MAX_SECRET_NAME_CHARS
from reconciler.desired.text import normal_text
from reconciler.imports.fit import OpenList, OpenMapping, fit
from reconciler.kinds.connection import DECLINED, FAILED, answer_awaited, latest_signup
from reconciler.kinds.payment_product import DISABLED, ENABLED, PARTNER_SUFFIX, TERMINATED
from reconciler.live.models import DinteroAccount, KlarnaAccount, PaymentProduct
from reconciler.sensitive import is_sensitive_key, last_four, looks_sensitive, looks_sensitive_key, scrub, shown_name

Path = tuple[str, ...]
SCHEMA_LINE = "# yaml-language-server: $schema=../merchant.schema.json"
PARTNER_DISABLE_REASONS = ("FRAUD", "COMPLIANCE", "CREDIT_RISK", "MERCHANT_REQUEST", "CONTRACT_TERMINATED", "OTHER")
SIGNUP_MODELS: dict[str, type[BaseModel]] = {
    "klarna": KlarnaSignup,
    "vipps-psp": VippsPspSignup,
    "common": CommonSignup,
}
_NAME_CHARS = re.compile(r"[^A-Za-z0-9_.\-]+")
_DIGEST_END = re.compile(r"-h[0-9a-f]{10}$", re.IGNORECASE)


@dataclass(frozen=True)
class SecretRef:
    """A sensitive value of an imported merchant: written ``!secret name``, kept in the secrets store."""

    name: str
    value: str = field(repr=False)


@dataclass
class ImportedMerchant:
    """A merchant document (``SecretRef`` leaves), the comments to write above keys, and what to tell.

    ``resolved`` and ``secret_values`` are as the document was made: the document with each secret
    reference replaced by its value (what the loader would see), and the values by name. They come from
    the one walk that sets the values apart; factoring profiles out afterwards changes ``document`` alone.
    """

    reference: str
    document: dict[str, Any]
    comments: dict[Path, str] = field(default_factory=dict)
    held: list[str] = field(default_factory=list)  # provider-owned state written as it is
    # Both hold the sensitive values in clear: no repr shows them (a ``SecretRef``'s leaves its value out).
    resolved: dict[str, Any] = field(default_factory=dict, repr=False)
    secret_values: dict[str, str] = field(default_factory=dict, repr=False)
    # Why no file can be made: values of open mappings that cannot be written as a reference, by path (no value).
    refused: list[str] = field(default_factory=list)


def secret_name(reference: str, place: Path) -> str:
    """``NB-2024-0001.klarna.stakeholders.ola-nordmann.national_identification.number``: stable and valid.

    A reference with a character a name cannot hold (``A:B``) is written with ``_`` for it and a digest of
    the reference itself (``A_B-h1f2e3d4c``): stable, and never the name of another merchant's value
    (``A_B``'s), which the store would then hand to the wrong merchant.

    So is a reference with a lower-case letter (``ab``): the copy check compares names regardless of case, so
    ``ab``'s and ``AB``'s names would make both files "copies", and neither validate. Of the references
    that differ only by case, at most one has no lower-case letter and keeps its plain name (``NB-2024-0001``);
    one that ends as a digest does (``A_B-H1F2E3D4C5``, all capitals) gets a digest too, never taking
    the name of the reference whose digest it copies.
    """
    base = _NAME_CHARS.sub("_", reference)
    if base != reference or reference != reference.upper() or _DIGEST_END.search(reference):
        base += "-h" + hashlib.sha256(reference.encode("utf-8")).hexdigest()[:10]
    return _valid_start(".".join((base, *(_NAME_CHARS.sub("_", part) for part in place))))


_SECTIONS = ("klarna", "dintero")


def name_prefixes(reference: str) -> set[str]:
    """The beginnings of every name import gives a value of ``reference``'s, as it names them now or did
    before a reference with a lower-case letter got a digest (``ab.klarna.``)."""
    plain = _NAME_CHARS.sub("_", reference)
    prefixes = {secret_name(reference, (section,)) + "." for section in _SECTIONS}
    if plain == reference:
        prefixes |= {_valid_start(f"{plain}.{section}") + "." for section in _SECTIONS}
    return prefixes


def made_for_any(names: Iterable[str], references: Iterable[str]) -> set[str]:
    """The ``names`` import gives a value of one of ``references``, found by the prefix before each
    ``.klarna.`` or ``.dintero.`` they hold: one look-up a name, not a comparison with every reference."""
    prefixes = {prefix for reference in references for prefix in name_prefixes(reference)}
    found = set()
    for name in names:
        for section in _SECTIONS:
            marker = f".{section}."
            at = name.find(marker)
            while at != -1 and name not in found:
                if name[: at + len(marker)] in prefixes:
                    found.add(name)
                at = name.find(marker, at + 1)
    return found


def _valid_start(name: str) -> str:
    return name if re.match(r"[A-Za-z_]", name) else "_" + name


def _item_key(item: Any, index: int) -> str:
    """A list item's place by its natural key; the position only when it has none."""
    if isinstance(item, Mapping):
        for key in ("website_reference", "collection_reference", "payment_program_id", "case_id"):
            if item.get(key):
                return str(item[key])
        if item.get("given_name") and item.get("family_name"):
            return f"{slug(str(item['given_name']))}-{slug(str(item['family_name']))}"
        if item.get("name"):
            return slug(str(item["name"]))
        for key in ("iban", "account_number"):
            # The last four characters name it, as plans show a bank account; a number too short to show
            # them (``last_four``) is named by its place, never by itself.
            tail = last_four(str(item.get(key) or ""))
            if tail:
                return f"{key.replace('_', '-')}-{tail}"
    return str(index)


@dataclass
class _Found:
    """What the walk gathers: the values set apart, by name, and the places of open mappings it refuses."""

    values: dict[str, str] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)


def _shown_place(place: Path) -> str:
    # A key of an open mapping is the API's own, and may be the very value: masked when it looks like one.
    return ".".join(shown_name(part) for part in place)


def _set_apart(reference: str, path: Path, item: str | int | float, found: _Found) -> SecretRef:
    name, n = secret_name(reference, path), 1
    while name in found.values:
        n += 1
        name = f"{secret_name(reference, path)}-{n}"
    text = str(item)
    if len(name) > MAX_SECRET_NAME_CHARS:
        # The store refuses such a name, and the whole import with it: this merchant is refused instead.
        found.refused.append(
            f"{_shown_place(path)[:200]}: its secret name would be {len(name):,} characters, more than the "
            f"{MAX_SECRET_NAME_CHARS:,} a name may have"
        )
        return SecretRef(name, text)
    found.values[name] = text
    return SecretRef(name, text)


def _storable(item: Any) -> bool:
    """Whether a leaf is a value the store can hold as text: a string or a number, not a boolean or null."""
    return isinstance(item, str | int | float) and not isinstance(item, bool)


def _reads_back(text: str) -> bool:
    """Whether the loader reads ``text`` (a key or a value of an open mapping) as it is: in NFC, with no
    character it refuses (``desired.text.normal_text``). The models apply the same rules to every field
    they declare; an open mapping (``branding``) is checked only here."""
    try:
        return normal_text(text) == text
    except ValueError:
        return False


def _open_leaf(reference: str, path: Path, item: Any, under_secret: bool, found: _Found) -> tuple[Any, Any]:
    """A scalar of an open mapping (``under_secret``: a key on its path names a secret), with the value the
    loader reads back."""
    if isinstance(item, str) and not _reads_back(item):
        found.refused.append(
            f"{_shown_place(path)}: a text the loader would not read as the API sent it (not in Unicode NFC, or "
            "holding a character a merchant file may not hold)"
        )
        return item, item
    if not _storable(item):
        return item, item
    if not under_secret and not looks_sensitive(str(item)):
        return item, item
    if isinstance(item, str):
        secret = _set_apart(reference, path, item, found)
        return secret, item
    found.refused.append(
        f"{_shown_place(path)}: a number that looks sensitive, under a mapping no model declares; a !secret "
        "reads back as text, not as this number"
    )
    return item, item


def _secrets(
    reference: str, value: Any, place: Path, found: _Found, open_: bool = False, under_secret: bool = False
) -> tuple[Any, Any]:
    """``value`` with each sensitive leaf a ``SecretRef``, and ``value`` as the loader would read it back
    (each such leaf its text); ``found`` gathers the values by name (names made unique in order of
    appearance). One walk for the three: a merchant's document was walked three times. ``open_``: the value
    is inside a mapping the models leave open, where every value is looked at; ``under_secret``: there, a key
    on its path names a secret (``{"webhook_secret": {"current": …}}``), so every text below it is one."""
    open_ = open_ or isinstance(value, OpenMapping | OpenList)
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        plain: dict[str, Any] = {}
        for key, item in value.items():
            path = (*place, key)
            if open_ and looks_sensitive(str(key)):
                found.refused.append(
                    f"{_shown_place(path)}: a key that looks sensitive, under a mapping no model declares; a key "
                    "cannot be a !secret reference"
                )
                continue
            if open_ and not _reads_back(str(key)):
                # Named by its mapping: the key itself may hold a control character (an escape sequence).
                found.refused.append(
                    f"{_shown_place(place) or 'the document'}: a key the loader would not read as the API sent it "
                    "(not in Unicode NFC, or holding a character a merchant file may not hold)"
                )
                continue
            says = open_ and (under_secret or looks_sensitive_key(str(key)))
            if isinstance(item, dict | list):
                out[key], plain[key] = _secrets(reference, item, path, found, open_, says)
            elif open_:
                out[key], plain[key] = _open_leaf(reference, path, item, says, found)
            elif is_sensitive_key(place, key) and _storable(item):
                out[key] = _set_apart(reference, path, item, found)
                plain[key] = out[key].value
            else:
                out[key] = plain[key] = item  # a leaf that is not sensitive: as it is
        return out, plain
    if isinstance(value, list):
        keys: dict[str, int] = {}
        items = []
        plains = []
        for index, item in enumerate(value):
            # An open list's items by position: their natural keys would be the API's values, which a name shows.
            key = str(index) if open_ else _item_key(item, index)
            keys[key] = keys.get(key, 0) + 1
            unique = key if keys[key] == 1 else f"{key}-{keys[key]}"
            if open_ and not isinstance(item, dict | list):
                made, read = _open_leaf(reference, (*place, unique), item, under_secret, found)
            else:
                made, read = _secrets(reference, item, (*place, unique), found, open_, under_secret)
            items.append(made)
            plains.append(read)
        return items, plains
    return value, value


def _payment_product(product: PaymentProduct, comments: dict[Path, str], held: list[str]) -> dict[str, Any]:
    doc: dict[str, Any] = {
        name: getattr(product, name)
        for name in ("distribution_profile_id", "merchant_category_code")
        if getattr(product, name) is not None
    }
    where: Path = ("klarna", "payment_product")
    reason = product.state_reason or ""
    # Klarna's own text, shown in a comment and on the terminal: scrubbed like any API text.
    shown = scrub(reason) if reason else "no reason given"
    if product.state == ENABLED:
        doc["state"] = "enabled"
    elif product.state == DISABLED and reason.endswith(PARTNER_SUFFIX):
        code = reason.removesuffix(PARTNER_SUFFIX)
        details = (product.state_context or {}).get("reason_details")
        doc["state"] = "disabled"
        doc["disabled_reason"] = {"reason": code if code in PARTNER_DISABLE_REASONS else "OTHER"}
        if isinstance(details, str) and details.strip():
            doc["disabled_reason"]["reason_details"] = details
    elif product.state == DISABLED:
        doc["state"] = "disabled"
        doc["disabled_reason"] = {"reason": "OTHER"}
        comments[where] = (
            f"Klarna disabled this payment product ({shown}): only Klarna can enable it "
            "again, so it is written disabled and plans nothing. disabled_reason is used only if you disable it."
        )
        held.append(f"payment product disabled by Klarna ({shown})")
    elif product.state == TERMINATED:
        comments[where] = (
            f"Klarna terminated this payment product ({shown}): no state is declared, since "
            "only Klarna can reactivate it."
        )
        held.append("payment product terminated by Klarna")
    return doc


def _klarna(account: KlarnaAccount, comments: dict[Path, str], held: list[str]) -> dict[str, Any]:
    raw = account.model_dump(mode="json", by_alias=True, exclude_none=True)
    raw.pop("products", None)
    raw["settlement"] = raw.pop("settlement_information", None)
    if isinstance(raw.get("settlement"), dict) and "settlement_enabled" not in raw["settlement"]:
        raw["settlement"] = None
    hashed = [bank for bank in raw.get("bank_accounts") or [] if bank.get("iban_hash") and not bank.get("iban")]
    if hashed:
        # Klarna keeps only the Argon2id hash of such an account: the number cannot be read back, and a
        # declared list is managed whole, so the list is left undeclared rather than half written.
        raw.pop("bank_accounts")
        comments[("klarna", "account_name")] = (
            f"bank_accounts: not declared, so not managed. Klarna holds {len(hashed)} of them only as a hash "
            "(bank account hashing), and a hash cannot be imported; declare each account with its IBAN "
            "(as !secret) to manage them."
        )
        held.append(f"Klarna bank accounts held as hashes ({len(hashed)}): not declared")
    doc: dict[str, Any] = fit(KlarnaMerchant, raw)
    doc.pop("merchant_id", None)
    product = next((p for p in account.products or [] if p.type in (None, "PAYMENT")), None)
    if product is not None:
        doc["payment_product"] = _payment_product(product, comments, held)
    # The desired-state model's order, so every imported file reads the same way.
    order = list(KlarnaMerchant.model_fields)
    return {key: doc[key] for key in order if key in doc}


def _dintero(account: DinteroAccount, comments: dict[Path, str], held: list[str]) -> dict[str, Any]:
    doc: dict[str, Any] = {"account_id": account.account_id}
    company = account.settings.company if account.settings is not None else None
    if company and company.get("business_name") and company.get("address"):
        doc["settings"] = fit(DinteroSettings, {"company": company})
    connections: dict[str, Any] = {}
    left_out = []
    for name, connection in sorted(account.connections.items()):
        model = SIGNUP_MODELS.get(name)
        signup = latest_signup(connection)
        if model is None or not signup:
            left_out.append(f"{name} ({connection.status or 'no status'}): not managed by reconciler")
            continue
        if connection.status in (DECLINED, FAILED) and not answer_awaited(connection):
            case = f", case_id {signup['case_id']}" if signup.get("case_id") else ""
            left_out.append(
                f"{name}{case}: {connection.status} by Dintero, so it is not declared (declaring the same signup "
                "would plan a blocked operation); declare a corrected signup to sign up again"
            )
            held.append(f"Dintero {name} connection {connection.status}")  # a known name and status only
            continue
        connections[name] = {"signup": fit(model, signup)}
    doc["connections"] = connections
    if left_out:
        # Dintero's own names and statuses: scrubbed as Klarna's reasons are, since they land in the file.
        comments[("dintero", "connections")] = "\n".join(scrub(line) for line in left_out)
    return doc


def merchant_document(account: KlarnaAccount, dintero: DinteroAccount | None) -> ImportedMerchant:
    """The merchant document of one live Klarna account (and its Dintero account, when linked)."""
    reference = account.account_reference or ""
    comments: dict[Path, str] = {}
    held: list[str] = []
    if account.state == "DISABLED":
        # Klarna's own text, as the product's reason: scrubbed, since it lands in the file and on the terminal.
        shown = scrub(account.state_reason) if account.state_reason else "no reason given"
        comments[("account_reference",)] = (
            f"Klarna disabled this account ({shown}): it cannot be managed "
            "until Klarna enables it, and every plan shows it blocked."
        )
        held.append(f"account disabled by Klarna ({shown})")
    document: dict[str, Any] = {"account_reference": reference, "klarna": _klarna(account, comments, held)}
    if dintero is not None:
        document["dintero"] = _dintero(dintero, comments, held)
    found = _Found()
    document, resolved = _secrets(reference, document, (), found)
    return ImportedMerchant(reference, document, comments, held, resolved, found.values, found.refused)
