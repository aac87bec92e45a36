"""Both sides of a comparison as merchant views: desired from the merchant documents, live from the
API clients' models, each resource projected by its kind (``reconciler.kinds``).

Matching is by natural key (a stakeholder by names and date of birth, a bank account by IBAN), but
addresses use a display key that is safe to print: a stakeholder's name slug, an IBAN's last four
characters, a reference. Live values are normalised first (``compare.normalise``). No I/O here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from reconciler.compare.normalise import normalise_live
from reconciler.compare.unchanged import covers
from reconciler.desired.declared import DeclaredMerchant, canonical_json
from reconciler.desired.models import Partner
from reconciler.desired.models_klarna import name_key
from reconciler.kinds import KINDS, PARTNER, MerchantView, ResourceKind, ResourceState, resource_address
from reconciler.kinds.kind import Kind
from reconciler.kinds.state import MATCH, Member
from reconciler.live.models import Credential, DinteroAccount, KlarnaAccount
from reconciler.live.read import Bodies, LiveMerchant

_PARTNER_LEVEL = (ResourceKind.CREDENTIAL, ResourceKind.SIGNING_KEY, ResourceKind.WEBHOOK)
MERCHANT_KINDS = tuple(kind for name, kind in KINDS.items() if name not in _PARTNER_LEVEL)
PARTNER_KINDS = tuple(KINDS[name] for name in _PARTNER_LEVEL)


class _AddressBook:
    """Gives each resource a unique display key; a clash gets ``-2``, ``-3``... in input order."""

    def __init__(self, merchant: str) -> None:
        self.merchant = merchant
        self.taken: set[str] = set()

    def claim(self, kind: ResourceKind, key: str | None) -> tuple[str | None, str]:
        """The display key given, and the address it makes."""
        candidate, n = key, 1
        address = resource_address(self.merchant, kind, candidate)
        while address in self.taken:
            n += 1
            candidate = f"{key}-{n}"
            address = resource_address(self.merchant, kind, candidate)
        self.taken.add(address)
        return candidate, address


def _state(
    kind: Kind, key: str | None, member: Member, identity: str | None, fields: Mapping[str, Any]
) -> ResourceState:
    """``member`` as a resource state holding ``fields`` (its own, or them normalised)."""
    # The member's own extra when nothing is added: it is read-only (a ``Mapping``) and made per member.
    extra = {**member.extra, MATCH: identity} if identity is not None else member.extra
    return ResourceState(kind.name, key, fields, member.remote_id, member.status, extra)


def _keys(kind: Kind, member: Member) -> tuple[str, str]:
    """A member's display key and natural key (``kind.identity``), or the name its projection gives it
    (a connection's) for both."""
    named = member.extra.get(MATCH)
    if named is not None:
        return str(named), str(named)
    return kind.display(member.fields), kind.identity(member.fields)


def _by_keys(item: tuple[str, str, Member]) -> tuple[str, str]:
    return item[0], item[1]


def _view(reference: str, document: Mapping[str, Any], kinds: Sequence[Kind]) -> MerchantView | None:
    book = _AddressBook(reference)
    states: dict[str, ResourceState] = {}
    managed: set[ResourceKind] = set()
    declared = False
    for kind in kinds:
        members = kind.desired(document)
        if members is None:
            continue
        declared = True
        name = kind.name
        if not kind.keyed:
            address = resource_address(reference, name)
            for member in members:
                states[address] = _state(kind, None, member, None, member.fields)
            continue
        if kind.deletable:
            managed.add(name)
        # Each member's display key and identity worked out once, for the order and for its state.
        keyed = [(*_keys(kind, m), m) for m in members]
        if len(keyed) > 1:
            keyed.sort(key=_by_keys)
        for shown, identity, member in keyed:
            key, address = book.claim(name, shown)
            states[address] = _state(kind, key, member, identity, member.fields)
    if not declared:
        return None
    return MerchantView(reference, states, frozenset(managed))


def desired_view(merchant: DeclaredMerchant, document: Mapping[str, Any] | None = None) -> MerchantView:
    """The resources a merchant file declares, with only the fields it declares (``document``: its
    ``wire()``, when already read)."""
    view = _view(merchant.account_reference, merchant.wire() if document is None else document, MERCHANT_KINDS)
    assert view is not None  # the account is always declared
    return view


def partner_view(partner: Partner | None) -> MerchantView | None:
    """Partner-level resources (credentials, signing keys, webhooks) under the ``partner`` pseudo-merchant."""
    if partner is None:
        return None
    return _view(PARTNER, json.loads(canonical_json(partner)), PARTNER_KINDS)


# Per kind, each desired member's identity with its display key and address.
_Wanted = dict[ResourceKind, dict[object, tuple[str | None, str]]]


def _match_live(
    kind: Kind,
    members: Iterable[Member],
    wanted: dict[object, tuple[str | None, str]],
    book: _AddressBook,
    states: dict[str, ResourceState],
) -> None:
    """Live members of a keyed kind into ``states``, normalised, at their desired counterparts' addresses
    when they match."""
    name = kind.name
    unmatched: list[tuple[str, str, Member]] = []
    for member in members:
        fields = normalise_live(member.fields)
        named = member.extra.get(MATCH)
        identity = str(named) if named is not None else kind.identity(fields)
        found = wanted.pop(identity, None)
        if found is not None:
            key, address = found
            book.taken.add(address)
            states[address] = _state(kind, key, member, identity, fields)
        else:
            shown = str(named) if named is not None else kind.display(fields)
            unmatched.append((shown, identity, Member(fields, member.remote_id, member.status, member.extra)))
    # A live member whose key differs from a desired one's only in spelling (case, whitespace, Unicode form:
    # a name the API keeps with a trailing space) is that member; any other is another object, at an address
    # of its own (every desired one is reserved), so a changed key is a replace, never a patch of the old
    # object into the new (an IBAN with the same last four, a namesake with another date of birth).
    loose = {name_key(str(identity)): identity for identity in wanted}
    unmatched.sort(key=_by_keys)
    for shown, identity, member in unmatched:
        spelt = loose.pop(name_key(identity), None)
        found = wanted.pop(spelt, None) if spelt is not None else None
        if found is not None:
            key, address = found
        else:
            key, address = book.claim(name, shown)
        states[address] = _state(kind, key, member, identity, member.fields)


def _live_states(live: LiveMerchant, desired: MerchantView, kinds: Sequence[Kind]) -> MerchantView:
    ref = desired.reference
    book = _AddressBook(ref)
    wanted: _Wanted = {}
    for address, state in desired.resources.items():
        if KINDS[state.kind].keyed:
            wanted.setdefault(state.kind, {})[state.extra.get(MATCH)] = (state.key, address)
        book.taken.add(address)  # a live member of another key never takes a desired member's address
    # Built in place, each live member normalised once on its way into its state: a live view is made
    # for every merchant of a plan, and the intermediate lists and members were a fifth of its cost.
    states: dict[str, ResourceState] = {}
    for kind in kinds:
        members = kind.live(live)
        if not members:
            continue
        if kind.keyed:
            _match_live(kind, members, wanted.pop(kind.name, {}), book, states)
            continue
        address = resource_address(ref, kind.name)
        for member in members:
            states[address] = _state(kind, None, member, None, normalise_live(member.fields))
    return MerchantView(ref, states)


def live_view(desired: MerchantView, account: KlarnaAccount | None, dintero: DinteroAccount | None) -> MerchantView:
    """The live resources of one merchant, addressed to line up with ``desired``.

    Without a Klarna account the view holds only what Dintero has: a half-finished onboarding
    must not plan a second signup.
    """
    return _live_states(LiveMerchant(desired.reference, account, dintero), desired, MERCHANT_KINDS)


def live_partner_view(desired: MerchantView, live: LiveMerchant | Sequence[Credential]) -> MerchantView:
    """The partner's live objects (``fetch_partner``; a plain list is its credentials alone)."""
    if not isinstance(live, LiveMerchant):
        live = LiveMerchant(PARTNER, None, None, live)
    return _live_states(live, desired, PARTNER_KINDS)


def merchant_unchanged(document: Mapping[str, Any], live: LiveMerchant) -> bool:
    """Whether every resource the merchant document declares is in sync in ``live``'s answers as sent,
    with nothing for a reviewer to be told (``compare.unchanged``); False when the answers were not kept
    or there is no account."""
    return live.bodies is not None and answers_unchanged(document, live.bodies)


def answers_unchanged(document: Mapping[str, Any], bodies: Bodies) -> bool:
    """``merchant_unchanged`` of the answers alone, which may not have been validated yet
    (``live.read.fetch_unsettled``): an answer of another shape than the models take is not in sync
    here, and its validation then says what is wrong with it."""
    if type(bodies.klarna) is not dict or (bodies.dintero is not None and type(bodies.dintero) is not dict):
        return False
    try:
        return _answers_unchanged(document, bodies)
    except (AttributeError, KeyError, IndexError, TypeError, ValueError, OverflowError, RecursionError):
        return False  # a part of an answer of another shape (a list where an object is, a number for a text)


def _answers_unchanged(document: Mapping[str, Any], bodies: Bodies) -> bool:
    for kind in MERCHANT_KINDS:
        members = kind.desired(document)
        if members is None:
            continue
        found = kind.answered(members, bodies)
        if found is None:
            return False
        for have, member in zip(found, members, strict=True):
            if not covers(have, member.fields):
                return False
    return True


def reads_notifications(desired: MerchantView) -> bool:
    """Whether the partner view declares signing keys or webhooks (then they are read too)."""
    return bool(desired.managed_lists & {ResourceKind.SIGNING_KEY, ResourceKind.WEBHOOK})
