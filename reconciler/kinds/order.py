"""The dependency order of the kinds, drawn once; the sort order and ``depends_on`` derive from it.

::

    klarna.account
    ├── klarna.payment_product
    │   └── klarna.payment_program_enablement
    ├── klarna.collection
    ├── klarna.website           (may name a collection made in the same apply)
    ├── klarna.account_information
    ├── klarna.business_information
    ├── klarna.stakeholder
    ├── klarna.settlement
    └── klarna.bank_account
    klarna.credential            (partner level)
    klarna.signing_key           (partner level)
    └── klarna.webhook           (signed with the key it names)
    dintero.account_settings     (after every Klarna kind: Klarna before Dintero)
    └── dintero.connection       (a common signup needs the company's organization_number)

A kind is created after its parent (an enablement needs its product, which needs its account);
among kinds free to go, the one earlier in ``PARENTS`` goes first. An operation depends on the
planned operations of its singleton ancestors in the same merchant; a keyed parent (the signing key
of a webhook) is named by the kind itself (``Kind.references``). A delete of a kind with children
runs after every operation on those children (``delete_rank``): a signing key goes only once no
webhook uses it.
"""

from __future__ import annotations

from reconciler.kinds.names import ResourceKind, resource_address

K = ResourceKind

PARENTS: dict[ResourceKind, ResourceKind | None] = {
    K.ACCOUNT: None,
    K.PAYMENT_PRODUCT: K.ACCOUNT,
    # A collection before the websites: a new website may name a new collection (Klarna refuses one that
    # names no collection of the account or of the same onboard).
    K.COLLECTION: K.ACCOUNT,
    K.WEBSITE: K.ACCOUNT,
    K.ACCOUNT_INFORMATION: K.ACCOUNT,
    K.BUSINESS_INFORMATION: K.ACCOUNT,
    K.STAKEHOLDER: K.ACCOUNT,
    K.SETTLEMENT: K.ACCOUNT,
    K.BANK_ACCOUNT: K.ACCOUNT,
    K.ENABLEMENT: K.PAYMENT_PRODUCT,
    K.CREDENTIAL: None,
    K.SIGNING_KEY: None,
    K.WEBHOOK: K.SIGNING_KEY,
    K.ACCOUNT_SETTINGS: None,
    K.CONNECTION: K.ACCOUNT_SETTINGS,
}


def _topological(parents: dict[ResourceKind, ResourceKind | None]) -> tuple[ResourceKind, ...]:
    """Parents before children; ties keep the table's order."""
    position = {kind: index for index, kind in enumerate(parents)}
    done: list[ResourceKind] = []
    waiting = list(parents)
    while waiting:
        ready = [k for k in waiting if parents[k] is None or parents[k] in done]
        if not ready:
            raise ValueError(f"the kinds' dependencies have a cycle among {waiting}")
        chosen = min(ready, key=position.__getitem__)
        done.append(chosen)
        waiting.remove(chosen)
    return tuple(done)


ORDER: tuple[ResourceKind, ...] = _topological(PARENTS)
# Parents with many members: a child's operation depends on the one it names, not on an address of the kind.
KEYED_PARENTS: frozenset[ResourceKind] = frozenset({K.SIGNING_KEY})
RANK: dict[ResourceKind, int] = {kind: index for index, kind in enumerate(ORDER)}


def ancestors(kind: ResourceKind) -> tuple[ResourceKind, ...]:
    """``kind``'s parent, its parent's parent, and so on, nearest last."""
    chain: list[ResourceKind] = []
    parent = PARENTS[kind]
    while parent is not None:
        chain.insert(0, parent)
        parent = PARENTS[parent]
    return tuple(chain)


def descendants(kind: ResourceKind) -> tuple[ResourceKind, ...]:
    return tuple(k for k in ORDER if kind in ancestors(k))


def delete_rank(kind: ResourceKind) -> tuple[int, int]:
    """Where a delete of ``kind`` sorts: after every other operation on its own kind (a new bank account is
    created before an old one goes, whatever their addresses), and after every operation on its descendant
    kinds, their deletes included (other operations sort at ``(rank, 0)``)."""
    below = descendants(kind)
    return (max(RANK[k] for k in below), 2) if below else (RANK[kind], 1)


def depends_on(merchant: str, kind: ResourceKind, planned: set[str]) -> tuple[str, ...]:
    """The planned operations (by address) that an operation on ``kind`` of ``merchant`` must follow."""
    addresses = (resource_address(merchant, parent) for parent in ancestors(kind) if parent not in KEYED_PARENTS)
    return tuple(address for address in addresses if address in planned)
