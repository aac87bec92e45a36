"""Both sides of a comparison as resource views: desired merchants from the YAML models, live
merchants from the API clients' typed models.

Matching is by natural key (a stakeholder by names and date of birth, a bank account by IBAN), but
addresses use a display key that is safe to print: a stakeholder's name slug, an IBAN's last four
characters, a reference. Live values are normalised the way the models normalise desired ones, so
formatting never shows up as a change. No I/O here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from reconciler.clients.models import DinteroAccount, DinteroConnection, KlarnaAccount
from reconciler.desired.declared import DeclaredMerchant
from reconciler.desired.models import Partner
from reconciler.desired.models_klarna import slug
from reconciler.desired.normalise import (
    normalise_country,
    normalise_currency,
    normalise_iban,
    normalise_mcc,
    normalise_phone,
    normalise_timestamp,
)
from reconciler.resources import PARTNER, MerchantView, ResourceKind, ResourceState, resource_address

ACCOUNT_FIELDS = ("account_name", "account_group_reference", "account_owner")
PRODUCT_FIELDS = ("distribution_profile_id", "merchant_category_code")
MATCH = "match"  # key of ResourceState.extra holding the natural key used for matching


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
    "iban": normalise_iban,
    "account_created_at": normalise_timestamp,
    "effective_from": normalise_timestamp,
    "effective_to": normalise_timestamp,
    "settlement_enabled_at": normalise_timestamp,
}


def _normalise_scalar(name: str, value: Any) -> Any:
    normaliser = _NORMALISERS.get(name)
    if normaliser is None or value is None or isinstance(value, bool):
        return value
    try:
        return normaliser(value)
    except (ValueError, TypeError):
        return value  # an unparseable live value is compared as it is, and shows as a change


def normalise_live(value: Any, name: str = "") -> Any:
    """JSON-shaped live data (a model dump) with every value normalised by the name of its field.

    Checked as ``dict`` rather than ``Mapping``: this walks every live value of every merchant, and
    the abstract-class check alone cost a tenth of a plan's CPU.
    """
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if item is None:
                continue
            if isinstance(item, (dict, list)):
                out[key] = normalise_live(item, str(key))
            elif key in _NORMALISERS:
                out[key] = _normalise_scalar(key, item)
            else:
                out[key] = item  # most leaves: no call per leaf
        return out
    if isinstance(value, list):
        return [normalise_live(item, name) for item in value]
    if name not in _NORMALISERS:
        return value
    return _normalise_scalar(name, value)


def _dump(model: BaseModel | None) -> dict[str, Any]:
    """What the YAML declares, in wire form."""
    if model is None:
        return {}
    return model.model_dump(mode="json", exclude_unset=True, by_alias=True)


def _live(model: BaseModel | None) -> dict[str, Any]:
    if model is None:
        return {}
    return normalise_live(model.model_dump(mode="json", by_alias=True, exclude_none=True))


def _pick(data: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    return {name: data[name] for name in names if name in data}


def stakeholder_identity(data: Mapping[str, Any]) -> str:
    return "|".join(
        [
            str(data.get("given_name", "")).casefold(),
            str(data.get("family_name", "")).casefold(),
            str(data.get("date_of_birth", "")),
        ]
    )


def enablement_identity(data: Mapping[str, Any]) -> str:
    criteria = data.get("enablement_criteria") or {}
    code = criteria.get("payment_program_enablement_code")
    return f"{data.get('payment_program_id')}#{code}" if code else str(data.get("payment_program_id"))


@dataclass(frozen=True)
class _Keyed:
    """How one keyed kind is matched and addressed."""

    identity: Callable[[Mapping[str, Any]], str]
    display: Callable[[Mapping[str, Any]], str]


KEYED: dict[ResourceKind, _Keyed] = {
    ResourceKind.WEBSITE: _Keyed(lambda d: str(d.get("website_reference")), lambda d: str(d.get("website_reference"))),
    ResourceKind.COLLECTION: _Keyed(
        lambda d: str(d.get("collection_reference")), lambda d: str(d.get("collection_reference"))
    ),
    ResourceKind.STAKEHOLDER: _Keyed(
        stakeholder_identity, lambda d: f"{slug(str(d.get('given_name', '')))}-{slug(str(d.get('family_name', '')))}"
    ),
    ResourceKind.BANK_ACCOUNT: _Keyed(
        lambda d: normalise_live(d.get("iban"), "iban") or "", lambda d: "iban-" + str(d.get("iban", ""))[-4:]
    ),
    ResourceKind.ENABLEMENT: _Keyed(enablement_identity, enablement_identity),
    ResourceKind.CREDENTIAL: _Keyed(lambda d: str(d.get("description")), lambda d: slug(str(d.get("description")))),
}


class _AddressBook:
    """Gives each resource a unique display key; a clash gets ``-2``, ``-3``... in input order."""

    def __init__(self, merchant: str) -> None:
        self.merchant = merchant
        self.taken: set[str] = set()

    def claim(self, kind: ResourceKind, key: str | None) -> str | None:
        candidate, n = key, 1
        while resource_address(self.merchant, kind, candidate) in self.taken:
            n += 1
            candidate = f"{key}-{n}"
        self.taken.add(resource_address(self.merchant, kind, candidate))
        return candidate


def _keyed_states(
    merchant: str, kind: ResourceKind, items: Iterable[dict[str, Any]], book: _AddressBook, **extra: Any
) -> list[ResourceState]:
    rule = KEYED[kind]
    ordered = sorted(items, key=lambda d: (rule.display(d), rule.identity(d)))
    return [
        ResourceState(kind, book.claim(kind, rule.display(d)), d, extra={MATCH: rule.identity(d), **extra})
        for d in ordered
    ]


def desired_view(merchant: DeclaredMerchant) -> MerchantView:
    """The resources a merchant file declares, with only the fields it declares."""
    ref = merchant.account_reference
    declared = merchant.wire()
    klarna: dict[str, Any] = declared["klarna"]
    book = _AddressBook(ref)
    states: list[ResourceState] = [ResourceState(ResourceKind.ACCOUNT, None, _pick(klarna, ACCOUNT_FIELDS))]
    managed: set[ResourceKind] = set()
    product = klarna.get("payment_product")
    if product is not None:
        status = product["state"].upper() if product.get("state") else None
        extra = {"disabled_reason": product.get("disabled_reason")}
        states.append(
            ResourceState(
                ResourceKind.PAYMENT_PRODUCT, None, _pick(product, PRODUCT_FIELDS), status=status, extra=extra
            )
        )
    for kind, name in (
        (ResourceKind.ACCOUNT_INFORMATION, "account_information"),
        (ResourceKind.BUSINESS_INFORMATION, "business_information"),
        (ResourceKind.SETTLEMENT, "settlement"),
    ):
        if name in klarna:
            states.append(ResourceState(kind, None, klarna[name]))
    for kind, name in (
        (ResourceKind.WEBSITE, "websites"),
        (ResourceKind.COLLECTION, "collections"),
        (ResourceKind.STAKEHOLDER, "stakeholders"),
        (ResourceKind.BANK_ACCOUNT, "bank_accounts"),
        (ResourceKind.ENABLEMENT, "payment_program_enablements"),
    ):
        if name in klarna:
            managed.add(kind)
            states.extend(_keyed_states(ref, kind, klarna[name], book))
    if merchant.dintero_account_id is not None:
        connections = declared["dintero"].get("connections") or {}
        for name in sorted(connections):
            states.append(
                ResourceState(
                    ResourceKind.CONNECTION,
                    name,
                    connections[name],
                    extra={MATCH: name, "aid": merchant.dintero_account_id},
                )
            )
    return MerchantView(ref, {s.address(ref): s for s in states}, frozenset(managed))


def partner_view(partner: Partner | None) -> MerchantView | None:
    """Partner-level resources (credentials) under the ``partner`` pseudo-merchant."""
    if partner is None or partner.klarna is None or partner.klarna.credentials is None:
        return None
    book = _AddressBook(PARTNER)
    items = [_dump(c) for c in partner.klarna.credentials]
    states = _keyed_states(PARTNER, ResourceKind.CREDENTIAL, items, book)
    return MerchantView(PARTNER, {s.address(PARTNER): s for s in states}, frozenset({ResourceKind.CREDENTIAL}))


def _match_live(
    ref: str,
    kind: ResourceKind,
    items: Iterable[tuple[dict[str, Any], str | None, dict[str, Any]]],
    desired: MerchantView,
    book: _AddressBook,
) -> list[ResourceState]:
    """Live members of a keyed kind, addressed like their desired counterparts when they match."""
    rule = KEYED[kind]
    wanted = {s.extra.get(MATCH): s.key for s in desired.resources.values() if s.kind is kind}
    out: list[ResourceState] = []
    unmatched: list[tuple[dict[str, Any], str | None, dict[str, Any]]] = []
    for fields, remote_id, extra in items:
        identity = rule.identity(fields)
        if identity in wanted:
            key = wanted.pop(identity)
            book.taken.add(resource_address(ref, kind, key))
            out.append(ResourceState(kind, key, fields, remote_id, extra={MATCH: identity, **extra}))
        else:
            unmatched.append((fields, remote_id, extra))
    for fields, remote_id, extra in sorted(unmatched, key=lambda item: (rule.display(item[0]), rule.identity(item[0]))):
        key = book.claim(kind, rule.display(fields))
        out.append(ResourceState(kind, key, fields, remote_id, extra={MATCH: rule.identity(fields), **extra}))
    return out


def live_view(desired: MerchantView, account: KlarnaAccount | None, dintero: DinteroAccount | None) -> MerchantView:
    """The live resources of one merchant, addressed to line up with ``desired``.

    Without a Klarna account the view holds only what Dintero has: a half-finished onboarding
    must not plan a second signup.
    """
    ref = desired.reference
    book = _AddressBook(ref)
    for address, state in desired.resources.items():
        if state.kind not in KEYED:
            book.taken.add(address)
    states = _klarna_states(ref, account, desired, book) if account is not None else []
    if dintero is not None:
        states.extend(_dintero_states(dintero))
    return MerchantView(ref, {s.address(ref): s for s in states})


def _klarna_states(ref: str, account: KlarnaAccount, desired: MerchantView, book: _AddressBook) -> list[ResourceState]:
    acct = _live(account)
    states = [ResourceState(ResourceKind.ACCOUNT, None, _pick(acct, ACCOUNT_FIELDS), account.account_id, account.state)]
    product = next((p for p in account.products or [] if p.type in (None, "PAYMENT")), None)
    if product is not None:
        fields = _pick(_live(product), PRODUCT_FIELDS)
        states.append(ResourceState(ResourceKind.PAYMENT_PRODUCT, None, fields, product.product_id, product.state))
    for kind, model in (
        (ResourceKind.ACCOUNT_INFORMATION, account.account_information),
        (ResourceKind.BUSINESS_INFORMATION, account.business_information),
        (ResourceKind.SETTLEMENT, account.settlement_information),
    ):
        if model is not None:
            states.append(ResourceState(kind, None, _live(model)))
    id_fields = {
        ResourceKind.WEBSITE: ("websites", "website_id"),
        ResourceKind.COLLECTION: ("collections", "collection_id"),
        ResourceKind.STAKEHOLDER: ("stakeholders", "stakeholder_id"),
        ResourceKind.BANK_ACCOUNT: ("bank_accounts", "bank_account_id"),
        ResourceKind.ENABLEMENT: ("payment_program_enablements", "payment_program_enablement_id"),
    }
    for kind, (attribute, id_field) in id_fields.items():
        members: list[tuple[dict[str, Any], str | None, dict[str, Any]]] = []
        for model in getattr(account, attribute) or []:
            data = _live(model)
            remote_id = data.pop(id_field, None)
            extra = {"product_id": data.pop("product_id", None)} if kind is ResourceKind.ENABLEMENT else {}
            members.append((data, remote_id, extra))
        states.extend(_match_live(ref, kind, members, desired, book))
    return states


def latest_signup(connection: DinteroConnection) -> dict[str, Any]:
    """The signup a new one would replace: the last of ``signups[]`` (klarna, vipps-psp) or ``signup`` (common)."""
    if connection.signups:
        return connection.signups[-1].model_dump(mode="json", exclude_none=True)
    single = (connection.model_extra or {}).get("signup")
    return dict(single) if isinstance(single, Mapping) else {}


def _dintero_states(dintero: DinteroAccount) -> list[ResourceState]:
    """Each connection with its latest signup: the one a new signup would replace."""
    states = []
    for name, connection in sorted(dintero.connections.items()):
        signup = normalise_live(latest_signup(connection))
        extra = {MATCH: name, "aid": dintero.account_id}
        fields = {"signup": signup}
        states.append(
            ResourceState(ResourceKind.CONNECTION, name, fields, dintero.account_id, connection.status, extra)
        )
    return states


def live_partner_view(desired: MerchantView, credentials: Iterable[BaseModel]) -> MerchantView:
    book = _AddressBook(PARTNER)
    members: list[tuple[dict[str, Any], str | None, dict[str, Any]]] = []
    for model in credentials:
        data = _live(model)
        remote_id = data.pop("credential_id", None)
        data.pop("client_id", None)
        members.append((data, remote_id, {}))
    states = _match_live(PARTNER, ResourceKind.CREDENTIAL, members, desired, book)
    return MerchantView(PARTNER, {s.address(PARTNER): s for s in states})
