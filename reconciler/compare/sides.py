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
from reconciler.desired.declared import DeclaredMerchant, canonical_json
from reconciler.desired.models import Partner
from reconciler.kinds import KINDS, PARTNER, MerchantView, ResourceKind, ResourceState, resource_address
from reconciler.kinds.kind import Kind
from reconciler.kinds.state import MATCH, Member
from reconciler.live.models import Credential, DinteroAccount, KlarnaAccount
from reconciler.live.read import LiveMerchant

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


def _identity(kind: Kind, member: Member) -> str:
    named = member.extra.get(MATCH)  # a member its projection names (a connection by its name)
    return str(named) if named is not None else kind.identity(member.fields)


def _display(kind: Kind, member: Member) -> str:
    named = member.extra.get(MATCH)
    return str(named) if named is not None else kind.display(member.fields)


def _state(kind: Kind, key: str | None, member: Member, identity: str | None) -> ResourceState:
    # The member's own extra when nothing is added: it is read-only (a ``Mapping``) and made per member.
    extra = {**member.extra, MATCH: identity} if identity is not None else member.extra
    return ResourceState(kind.name, key, member.fields, member.remote_id, member.status, extra)


def _view(reference: str, document: Mapping[str, Any], kinds: Sequence[Kind]) -> MerchantView | None:
    book = _AddressBook(reference)
    states: list[tuple[str, ResourceState]] = []
    managed: set[ResourceKind] = set()
    declared = False
    for kind in kinds:
        members = kind.desired(document)
        if members is None:
            continue
        declared = True
        if not kind.keyed:
            address = resource_address(reference, kind.name)
            states.extend((address, _state(kind, None, member, None)) for member in members)
            continue
        if kind.deletable:
            managed.add(kind.name)
        # Each member's display key and identity worked out once, for the order and for its state.
        keyed = sorted(((_display(kind, m), _identity(kind, m), m) for m in members), key=lambda k: k[:2])
        for shown, identity, member in keyed:
            key, address = book.claim(kind.name, shown)
            states.append((address, _state(kind, key, member, identity)))
    if not declared:
        return None
    return MerchantView(reference, dict(states), frozenset(managed))


def desired_view(merchant: DeclaredMerchant) -> MerchantView:
    """The resources a merchant file declares, with only the fields it declares."""
    view = _view(merchant.account_reference, merchant.wire(), MERCHANT_KINDS)
    assert view is not None  # the account is always declared
    return view


def partner_view(partner: Partner | None) -> MerchantView | None:
    """Partner-level resources (credentials, signing keys, webhooks) under the ``partner`` pseudo-merchant."""
    if partner is None:
        return None
    return _view(PARTNER, json.loads(canonical_json(partner)), PARTNER_KINDS)


# Per kind, each desired member's identity with its display key and address.
_Wanted = dict[ResourceKind, dict[object, tuple[str | None, str]]]


def _wanted(desired: MerchantView) -> _Wanted:
    wanted: _Wanted = {}
    for address, state in desired.resources.items():
        wanted.setdefault(state.kind, {})[state.extra.get(MATCH)] = (state.key, address)
    return wanted


def _match_live(
    kind: Kind, members: Iterable[Member], wanted: dict[object, tuple[str | None, str]], book: _AddressBook
) -> list[tuple[str, ResourceState]]:
    """Live members of a keyed kind with their addresses, the same as their desired counterparts' when they match."""
    out: list[tuple[str, ResourceState]] = []
    unmatched: list[tuple[str, Member]] = []
    for member in members:
        identity = _identity(kind, member)
        found = wanted.pop(identity, None)
        if found is not None:
            key, address = found
            book.taken.add(address)
            out.append((address, _state(kind, key, member, identity)))
        else:
            unmatched.append((identity, member))
    for identity, member in sorted(unmatched, key=lambda item: (_display(kind, item[1]), item[0])):
        key, address = book.claim(kind.name, _display(kind, member))
        out.append((address, _state(kind, key, member, identity)))
    return out


def _normalised(member: Member) -> Member:
    return Member(normalise_live(member.fields), member.remote_id, member.status, member.extra)


def _live_states(live: LiveMerchant, desired: MerchantView, kinds: Sequence[Kind]) -> MerchantView:
    ref = desired.reference
    book = _AddressBook(ref)
    for address, state in desired.resources.items():
        if not KINDS[state.kind].keyed:
            book.taken.add(address)
    wanted = _wanted(desired)
    states: list[tuple[str, ResourceState]] = []
    for kind in kinds:
        members = [_normalised(member) for member in kind.live(live)]
        if kind.keyed:
            states.extend(_match_live(kind, members, wanted.pop(kind.name, {}), book))
        else:
            address = resource_address(ref, kind.name)
            states.extend((address, _state(kind, None, member, None)) for member in members)
    return MerchantView(ref, dict(states))


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


def reads_notifications(desired: MerchantView) -> bool:
    """Whether the partner view declares signing keys or webhooks (then they are read too)."""
    return bool(desired.managed_lists & {ResourceKind.SIGNING_KEY, ResourceKind.WEBHOOK})
