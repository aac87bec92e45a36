"""Validation past the types: model errors as located issues, and the checks that span fields or files.

Type and format errors come from pydantic, all at once per file. The checks here need a model that
validated: a disabled product without a reason, ownership over 100 %, natural keys used twice in one
merchant, website collections that are not declared, enablement periods that end before they start.
Across files: an ``account_reference`` or a Dintero ``account_id`` used by two merchants, compared in
normal form (surrounding whitespace stripped), and the values a copied file carries over (a ``case_id``,
an IBAN, a national id, a reference name: ``desired.copies``), never printed. Null where a field expects
a value is refused before pydantic sees it (``desired.nulls``). Messages name values by natural key or
masked form, never by a sensitive value.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from reconciler.desired.copies import CopyKey, check_copies, copy_keys
from reconciler.desired.introspect import fields_of, model_at
from reconciler.desired.models import Merchant, Partner, webhook_identity
from reconciler.desired.normalise import normalise_dintero_aid, normalise_iban, normalise_reference
from reconciler.desired.nulls import null_fields, null_message
from reconciler.desired.positions import FieldPath, Place, format_path
from reconciler.desired.secrets import shown_secret_name
from reconciler.desired.yaml_loader import YamlDocument
from reconciler.errors import InputIssue, printable
from reconciler.records import pickled_by_fields, record
from reconciler.sensitive import shown_name

T = TypeVar("T")
_PREFIXES = ("Value error, ", "Assertion failed, ")
MAX_MESSAGE_CHARS = 500


def _issue(place: Place, path: FieldPath, message: str) -> InputIssue:
    return InputIssue(place.file, place.line, place.column, f"{format_path(path)}: {message}")


def _unknown_field_message(model_cls: type[BaseModel], path: FieldPath) -> str:
    parent = model_at(model_cls, path[:-1])
    name = printable(shown_name(str(path[-1])))
    if parent is None:
        return f"unknown field '{name}'"
    allowed = fields_of(parent)
    close = difflib.get_close_matches(name, allowed, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"unknown field '{name}' ({hint}expected one of: {', '.join(allowed)})"


# Errors of a value of the wrong type: the message says what was written instead (never the value).
_TYPE_ERRORS = frozenset({"bool_type", "int_type", "float_type", "string_type", "list_type", "dict_type", "model_type"})


def _written_as(value: object) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text" if value else "empty text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "something else"


def issues_from_validation_error(
    error: ValidationError, document: YamlDocument, model_cls: type[BaseModel]
) -> list[InputIssue]:
    """Every error pydantic found, located in the file and naming the field by its dotted path."""
    issues = []
    for detail in error.errors(include_url=False, include_input=False):
        path: FieldPath = tuple(detail["loc"])
        kind = detail["type"]
        if kind == "extra_forbidden":
            place = document.at_key(path)
            message = _unknown_field_message(model_cls, path)
        elif kind == "missing":
            place = document.at_missing(path)
            message = "required field is missing"
        else:
            place = document.at_value(path)
            message = str(detail["msg"])
            for prefix in _PREFIXES:
                message = message.removeprefix(prefix)
            message = _without_secret_value(message, document, path)  # before it is cut: whole, it is found
            if len(message) > MAX_MESSAGE_CHARS:  # a validator's message may quote a value of megabytes
                message = message[: MAX_MESSAGE_CHARS - 1] + "…"
            if kind in _TYPE_ERRORS:
                message += f", got {_written_as(_raw_value(document.data, path))}"
        issues.append(_issue(place, path, message))
    return issues


def _without_secret_value(message: str, document: YamlDocument, path: FieldPath) -> str:
    """``message`` without the value a ``!secret`` at ``path`` gave.

    A validator quotes a value it refuses (``'ZQ' is not an ISO 3166-1 alpha-2 country code``), masking
    only what looks like an IBAN, a date or an id; a value from the secrets store is secret whatever it
    looks like, so it is named by its reference instead. Should it still show in another form, the
    message goes too."""
    reference = document.secret_references.get(path)
    value = _raw_value(document.data, path)
    if reference is None or not isinstance(value, str) or not value.strip():
        return message
    named = f"the value of !secret {shown_secret_name(reference.name)}"
    text = value.strip()
    for form in (value, text, text.upper(), text.lower()):
        message = message.replace(repr(form), named)
    if text.lower() in message.lower():
        return f"{named} is not valid here"
    return message


LEAVE_OUT_UNMANAGED = "to leave the field unmanaged, leave it out"
LEAVE_OUT_DEFAULT = "to use the default, leave it out"


def validate_model(
    document: YamlDocument, model_cls: type[T], *, leave_out: str = LEAVE_OUT_UNMANAGED, partial: bool = False
) -> tuple[T | None, list[InputIssue]]:
    """The document's data as ``model_cls``, or the located issues.

    A null where a field expects a value is refused first (see ``desired.nulls``); what pydantic
    says about the same place is left out, so each null is reported once, in those words. With
    ``partial`` (a profile: part of a merchant file) a required field may be missing, except inside
    a list item: a list is taken whole from one file, so its items must be complete there.
    """
    assert issubclass(model_cls, BaseModel)
    issues = []
    nulls: list[FieldPath] = []
    for path, kind, optional in null_fields(document.null_paths, model_cls):
        nulls.append(path)
        issues.append(_issue(document.at_value(path), path, null_message(kind, optional, leave_out=leave_out)))
    try:
        model = model_cls.model_validate(document.data)
    except ValidationError as error:
        issues.extend(
            issue
            for issue, path, kind in zip(*_located(error, document, model_cls), strict=True)
            # Nor of a reference whose value is not known: its own issue, if any, says why.
            if not any(path[: len(null)] == null for null in (*nulls, *document.unresolved))
            and not (partial and kind == "missing" and all(isinstance(part, str) for part in path))
        )
        return None, issues
    return (None, issues) if issues else (model, [])


def _located(
    error: ValidationError, document: YamlDocument, model_cls: type[BaseModel]
) -> tuple[list[InputIssue], list[FieldPath], list[str]]:
    details = error.errors(include_url=False, include_input=False)
    paths = [tuple(detail["loc"]) for detail in details]
    return issues_from_validation_error(error, document, model_cls), paths, [detail["type"] for detail in details]


@dataclass
class _Checker:
    document: YamlDocument
    issues: list[InputIssue]

    def add(self, path: FieldPath, message: str, *, key: bool = False) -> None:
        place = self.document.at_key(path) if key else self.document.at_value(path)
        self.issues.append(_issue(place, path, message))

    def unique(
        self, path: FieldPath, items: Sequence[Any] | None, identity: Callable[[Any], object], what: str
    ) -> None:
        """Report each item whose identity an earlier item already has, naming both places."""
        first_seen: dict[object, int] = {}
        for index, item in enumerate(items or ()):
            ident = identity(item)
            if ident in first_seen:
                first = first_seen[ident]
                line = self.document.at_value(path + (first,)).line
                self.add(
                    path + (index,),
                    f"duplicate {what} {item.natural_key()} (same as {format_path(path + (first,))} at line {line})",
                )
            else:
                first_seen[ident] = index

    def ownership(self, path: FieldPath, shares: Iterable[float | None]) -> None:
        total = sum(share for share in shares if share is not None)
        if total > 100 + 1e-9:
            self.add(path, f"ownership percentages add up to {total:g}, more than 100", key=True)


def check_merchant(merchant: Merchant, document: YamlDocument) -> list[InputIssue]:
    """The cross-field checks of one merchant that validated."""
    check = _Checker(document, [])
    klarna = merchant.klarna
    product = klarna.payment_product
    if product is not None:
        path: FieldPath = ("klarna", "payment_product")
        if product.state == "disabled" and product.disabled_reason is None:
            check.add(path + ("state",), "a disabled payment product needs disabled_reason: {reason, reason_details}")
        if product.disabled_reason is not None and product.state != "disabled":
            check.add(path + ("disabled_reason",), "disabled_reason is only allowed with state: disabled", key=True)
    check.unique(("klarna", "websites"), klarna.websites, lambda w: w.website_reference, "website")
    check.unique(("klarna", "collections"), klarna.collections, lambda c: c.collection_reference, "collection")
    check.unique(("klarna", "stakeholders"), klarna.stakeholders, lambda s: s.identity(), "stakeholder")
    check.unique(("klarna", "bank_accounts"), klarna.bank_accounts, lambda b: b.iban, "bank account")
    check.unique(
        ("klarna", "payment_program_enablements"),
        klarna.payment_program_enablements,
        lambda e: e.natural_key(),
        "payment program enablement",
    )
    if klarna.stakeholders:
        check.ownership(("klarna", "stakeholders"), (s.ownership_percentage for s in klarna.stakeholders))
    if klarna.collections is not None:
        declared = {c.collection_reference for c in klarna.collections}
        for index, website in enumerate(klarna.websites or ()):
            reference = website.channel_collection_reference
            if reference is not None and reference not in declared:
                check.add(
                    ("klarna", "websites", index, "channel_collection_reference"),
                    f"collection '{reference}' is not declared in klarna.collections",
                )
    for index, enablement in enumerate(klarna.payment_program_enablements or ()):
        start, end = enablement.effective_from, enablement.effective_to
        if start is not None and end is not None and end < start:
            path = ("klarna", "payment_program_enablements", index, "effective_to")
            check.add(path, "effective_to is before effective_from")
    connections = merchant.dintero.connections if merchant.dintero else None
    common = connections.common.signup if connections and connections.common else None
    if common is not None:
        base: FieldPath = ("dintero", "connections", "common", "signup")
        for index, account in enumerate(common.bank_accounts or ()):
            if account.account_number_type.lower() == "iban":
                try:
                    account.account_number = normalise_iban(account.account_number)
                except ValueError as error:
                    check.add(base + ("bank_accounts", index, "account_number"), str(error))
        if common.ownership and common.ownership.owners:
            check.ownership(base + ("ownership", "owners"), (o.percentage for o in common.ownership.owners))
    return check.issues


def check_partner(partner: Partner, document: YamlDocument) -> list[InputIssue]:
    """Partner credentials and signing keys are matched by description and webhooks by URL, so each must be
    unique; a webhook names a declared signing key."""
    check = _Checker(document, [])
    credentials = partner.klarna.credentials if partner.klarna else None
    check.unique(("klarna", "credentials"), credentials, lambda c: c.description, "credential")
    keys = partner.klarna.signing_keys if partner.klarna else None
    check.unique(("klarna", "signing_keys"), keys, lambda k: k.description, "signing key")
    webhooks = partner.klarna.webhooks if partner.klarna else None
    check.unique(("klarna", "webhooks"), webhooks, lambda w: webhook_identity(w.url), "webhook")
    # A webhook's key must be declared beside it: it is created first, and an undeclared one would not be kept.
    declared = {k.description for k in keys or ()}
    for index, webhook in enumerate(webhooks or ()):
        if webhook.signing_key_description not in declared:
            check.add(
                ("klarna", "webhooks", index, "signing_key_description"),
                f"no signing key with description {webhook.signing_key_description!r} in klarna.signing_keys",
            )
    return check.issues


# Compared in their normal form, so "M1", "M1 " and "M1\n" are one reference.
_CROSS_FILE_KEYS: tuple[tuple[FieldPath, str, Callable[[object], str]], ...] = (
    (("account_reference",), "account_reference", normalise_reference),
    (("dintero", "account_id"), "Dintero account_id", normalise_dintero_aid),
    (("klarna", "merchant_id"), "Klarna merchant_id", normalise_reference),
)


@pickled_by_fields
@record
class UniqueKey:
    """A value that must be unique across merchant files, with where it stands (kept instead of the file;
    line 0: found when an issue points at it, see ``Locate``)."""

    file: str
    path: FieldPath
    what: str
    value: str
    line: int = 0
    column: int = 0


@pickled_by_fields
@record
class SharedWith:
    """One reference a merchant file lists in ``shares_with`` (normalised), with where it stands.

    ``in_group``: false for a list a profile gives that does not name the merchant itself, which then
    shares with nobody: a profile's list names its whole group, and a file copied from a member keeps
    the member's profiles."""

    merchant_file: str
    reference: str
    file: str
    path: FieldPath
    line: int = 0  # 0: found when an issue points at it (``Locate``)
    column: int = 0
    in_group: bool = True


# What a merchant file gives the checks across files: its unique keys, the values no copy may share, and
# the merchants it shares its owner's values with.
CrossFileKey = UniqueKey | CopyKey | SharedWith
K = TypeVar("K", UniqueKey, CopyKey, SharedWith)

# Where a value of a merchant file is written, (line, column): given the merchant file, the value's path
# and whether that path is in the document with its profiles applied (a ``shares_with`` a profile lists
# is written in the profile). The keys of a file leave it to be found when an issue points at them,
# which is seldom: where each value stands is not noted as a file that loads is read (``block_lines``).
Locate = Callable[[str, FieldPath, bool], tuple[int, int]]


def located(key: K, locate: Locate | None) -> K:
    """``key`` with its line and column, found by ``locate`` when it has none yet."""
    if key.line or locate is None:
        return key
    merchant_file = key.file if isinstance(key, UniqueKey) else key.merchant_file
    line, column = locate(merchant_file, key.path, isinstance(key, SharedWith))
    return replace(key, line=line, column=column)


def cross_file_keys(document: YamlDocument, resolved: YamlDocument | None = None) -> list[CrossFileKey]:
    """The values of a file that must be unique across files, normalised (an invalid one is left out:
    the file has an issue for it already); ``shares_with`` as ``resolved`` (with its profiles) has it.
    Where each stands is left to be found (``Locate``), but a reference's."""
    keys: list[CrossFileKey] = []
    for path, what, normalise in _CROSS_FILE_KEYS:
        try:
            value = normalise(_raw_value(document.data, path))
        except ValueError:
            continue
        keys.append(UniqueKey(document.file, path, what, value))
    keys.extend(copy_keys(document.data, document.file, None, document.references))
    merged = resolved or document
    listed = merged.data.get("shares_with") if isinstance(merged.data, dict) else None
    shared: list[SharedWith] = []
    for index, reference in enumerate(listed if isinstance(listed, list) else ()):
        try:
            value = normalise_reference(reference)
        except ValueError:
            continue  # the model reports it
        path = ("shares_with", index)
        shared.append(SharedWith(document.file, value, merged.file_at(path), path))
    own = next((key.value for key in keys if isinstance(key, UniqueKey) and key.path == ("account_reference",)), None)
    if any(s.file != document.file for s in shared) and own not in {s.reference for s in shared}:
        shared = [replace(s, in_group=False) for s in shared]
    keys.extend(shared)
    return keys


def check_across_files(keys: Sequence[CrossFileKey], locate: Locate | None = None) -> list[InputIssue]:
    """An account_reference or Dintero account_id declared by two merchant files, reported at both; every
    value that belongs to one merchant found in two (``desired.copies``), unless the two share an owner
    (``shares_with``); and a ``shares_with`` naming no merchant. ``locate`` finds where a key that an
    issue points at stands, when it does not say."""
    issues: list[InputIssue] = []
    seen: dict[tuple[FieldPath, str], UniqueKey] = {}
    copies: list[CopyKey] = []
    shared: list[SharedWith] = []
    for key in keys:
        if isinstance(key, CopyKey):
            copies.append(key)
            continue
        if isinstance(key, SharedWith):
            shared.append(key)
            continue
        other = seen.setdefault((key.path, key.value), key)
        if other is key:
            continue
        key, other = located(key, locate), located(other, locate)
        for here, there in ((key, other), (other, key)):
            issues.append(
                InputIssue(
                    here.file,
                    here.line,
                    here.column,
                    f"{format_path(here.path)}: {here.what} {here.value} is also declared in "
                    f"{there.file}:{there.line}:{there.column}",
                )
            )
    declared = {key.value: key.file for key in seen.values() if key.path == ("account_reference",)}
    sharing: set[frozenset[str]] = set()
    for listed in shared:
        holder = declared.get(listed.reference)
        if holder is None:
            listed = located(listed, locate)
            message = f"no merchant file declares account_reference {listed.reference}"
            issues.append(InputIssue(listed.file, listed.line, listed.column, f"{format_path(listed.path)}: {message}"))
        elif holder != listed.merchant_file and listed.in_group:  # a profile's list names its whole group
            sharing.add(frozenset((listed.merchant_file, holder)))
    return issues + check_copies(copies, sharing, lambda key: located(key, locate))


def _raw_value(data: Any, path: FieldPath) -> Any:
    for part in path:
        if isinstance(data, dict):
            data = data.get(str(part))
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data
