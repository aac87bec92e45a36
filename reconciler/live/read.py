"""Reading the live state of the declared merchants: about two requests per merchant, or the lists.

Each merchant costs one Klarna read by reference with every sub-resource expanded and, when the
merchant has a Dintero account, one read of Dintero's partner view. Reads run concurrently; the
clients bound the parallelism and pace the rate. A bounded set of workers keeps memory flat
however many merchants there are. A drift over every merchant, which lists the Klarna accounts anyway,
can instead read the two account lists in pages (``read_lists``), when that costs fewer rounds.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from reconciler.desired.declared import DeclaredMerchant
from reconciler.errors import ApiError, ReadFailed
from reconciler.live.ahead import End, cancelled, fill
from reconciler.live.factory import ApiClients
from reconciler.live.models import Credential, DinteroAccount, KlarnaAccount, SigningKey, Webhook

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Bodies:
    """The JSON objects ``LiveMerchant``'s two accounts were validated from, as the APIs sent them
    (None: the API does not know the merchant). They hold IBANs, national ids and dates of birth in clear,
    which the models keep out of their ``repr``: so does this."""

    klarna: Mapping[str, Any] | None = field(repr=False)
    dintero: Mapping[str, Any] | None = field(repr=False)


@dataclass(frozen=True)
class LiveMerchant:
    """What the APIs hold for one declared merchant (None: the API does not know it).

    For the partner-level pseudo-merchant, ``credentials``, ``signing_keys`` and ``webhooks`` hold the
    partner's objects. ``bodies``, when the reads kept them (a merchant's reads and the lists do), are the
    answers the two accounts were validated from: a merchant in sync is told from them without dumping a
    model (``compare.unchanged``).
    """

    reference: str
    klarna: KlarnaAccount | None
    dintero: DinteroAccount | None
    credentials: Sequence[Credential] = ()
    signing_keys: Sequence[SigningKey] = ()
    webhooks: Sequence[Webhook] = ()
    bodies: Bodies | None = None


async def fetch_partner(clients: ApiClients, reference: str, *, notifications: bool) -> LiveMerchant:
    """The partner's credentials and, when ``notifications``, its signing keys and webhooks (read together:
    a webhook names its key by id, the desired state by description)."""
    if not notifications:
        return LiveMerchant(reference, None, None, await clients.klarna.list_credentials())
    credentials, keys, webhooks = await asyncio.gather(
        clients.klarna.list_credentials(), clients.klarna.list_signing_keys(), clients.klarna.list_webhooks()
    )
    return LiveMerchant(reference, None, None, credentials, keys, webhooks)


async def fetch_merchant(clients: ApiClients, merchant: DeclaredMerchant) -> LiveMerchant:
    live = await fetch_unsettled(clients, merchant, None)
    assert live is not None  # nothing is settled without asking
    return live


# Whether a merchant is in sync as the answers were sent (``compare.sides.answers_unchanged``): then its
# answers are not validated, nor anything made of them.
Settled = Callable[[DeclaredMerchant, Bodies], bool]


async def fetch_unsettled(
    clients: ApiClients, merchant: DeclaredMerchant, settled: Settled | None
) -> LiveMerchant | None:
    """The merchant's live state; None when ``settled`` finds it in sync from the answers as sent.

    Validating the answers (a Klarna account with every sub-resource, a Dintero account) was a tenth of a
    plan's CPU, for a merchant in sync only to be compared as sent. An answer the models refuse is still
    refused, with the same error, for every merchant that is not in sync as it came."""
    ref = merchant.account_reference
    klarna_read = clients.klarna.resolve_account_item(ref)
    aid = merchant.dintero_account_id
    if aid is None:
        klarna, dintero = await klarna_read, None
    else:
        klarna, dintero = await asyncio.gather(klarna_read, clients.dintero.get_merchant_object(aid))
    bodies = Bodies(klarna[1] if klarna is not None else None, dintero)
    if settled is not None and settled(merchant, bodies):
        return None
    account = None
    if klarna is not None:
        account = klarna[0] if klarna[0] is not None else clients.klarna.account_of(klarna[1], ref)
    return LiveMerchant(
        ref, account, clients.dintero.merchant_of(dintero) if dintero is not None else None, bodies=bodies
    )


async def read_each(
    clients: ApiClients,
    merchants: Sequence[DeclaredMerchant],
    handle: Callable[[LiveMerchant], None],
    *,
    workers: int = 64,
    progress: Progress | None = None,
    settled: Settled | None = None,
) -> None:
    """Read every merchant and pass each result to ``handle`` as soon as it lands, but a merchant
    ``settled`` finds in sync as its answers came (``fetch_unsettled``).

    Handling a merchant while the others' reads are in flight overlaps that CPU work with the
    waiting, and nothing needs to hold every merchant's raw API models at once. Raises
    ``ReadFailed`` listing every merchant that failed, after all reads are done.
    """
    queue: asyncio.Queue[DeclaredMerchant] = asyncio.Queue()
    for merchant in merchants:
        queue.put_nowait(merchant)
    failures: list[ApiError] = []

    async def worker() -> None:
        while not queue.empty():
            merchant = queue.get_nowait()
            try:
                live = await fetch_unsettled(clients, merchant, settled)
            except ApiError as error:
                failures.append(error.attributed_to(merchant.account_reference))
            else:
                if live is not None:
                    handle(live)
            if progress is not None:
                progress(1)

    with fewer_collections():
        tasks = [asyncio.ensure_future(worker()) for _ in range(max(1, min(workers, len(merchants))))]
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()  # an unexpected error stops every worker, not just the one that met it
            raise
    if failures:
        raise ReadFailed(sorted(failures, key=lambda e: e.merchant or ""))


_collections_held = 0  # plans in progress (several may run concurrently); the last one out restores
_saved_threshold: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def fewer_collections(young_threshold: int = 20_000) -> Iterator[None]:
    """Keep the cyclic garbage collector from rescanning the long-lived heap while a plan is made.

    Reading and diffing thousands of merchants allocates many short-lived objects next to a large
    desired state that outlives the plan; every full collection would walk that state again (a
    quarter of a plan's CPU at a few thousand merchants). Objects alive on entry are frozen out of
    collection and young ones are collected less often; both are restored when the last use ends.
    """
    global _collections_held, _saved_threshold
    if _collections_held == 0:
        _saved_threshold = gc.get_threshold()
        gc.freeze()
        gc.set_threshold(max(_saved_threshold[0], young_threshold), *_saved_threshold[1:])
    _collections_held += 1
    try:
        yield
    finally:
        _collections_held -= 1
        if _collections_held == 0:
            gc.set_threshold(*_saved_threshold)
            gc.unfreeze()


async def fetch_unmanaged(clients: ApiClients, declared: Iterable[str]) -> list[str]:
    """References of Klarna accounts that no merchant file declares (drift reports them, never disables them)."""
    return unmanaged_of(await list_references(clients), declared)


async def list_references(clients: ApiClients) -> list[str]:
    """The reference of every Klarna account, from the account list in pages of 1,000 (nothing expanded).

    Only the reference of each account is read, so an account of an odd shape otherwise is still listed.
    """
    references = []
    async for item in clients.klarna.iter_account_items(expand=(), page_size=1000):
        if reference := _text(item, "account_reference"):
            references.append(reference)
    return references


def unmanaged_of(references: Iterable[str], declared: Iterable[str]) -> list[str]:
    known = set(declared)
    # Once each: a list's last page may repeat an account an earlier page gave (one moved between pages).
    return sorted({reference for reference in references if reference not in known})


LIST_PAGE_SIZE = 100  # an expanded account list's page, and Dintero's largest


def lists_are_cheaper(accounts: int, merchants: int, parallelism: int) -> bool:
    """Whether reading every account from the lists costs less than reading each merchant.

    The lists' pages follow one another (each names where the next starts): ``accounts ÷ page size``
    requests in a row, against ``merchants ÷ parallelism`` rounds of reads by reference. A partner whose
    account holds many merchants no file declares is read merchant by merchant.
    """
    return merchants > 0 and accounts / LIST_PAGE_SIZE <= merchants / max(1, parallelism)


# Declared merchants' entries of Dintero's partner list by account id, as the list answers them.
DinteroItems = dict[str, Any]


async def read_lists(
    clients: ApiClients,
    merchants: Sequence[DeclaredMerchant],
    handle: Callable[[LiveMerchant], None],
    *,
    progress: Progress | None = None,
    dintero: Awaitable[DinteroItems] | None = None,
) -> None:
    """Every merchant of ``merchants`` from the two account lists: what ``read_each`` gives, in about two
    requests per hundred merchants instead of two per merchant.

    Dintero's partner list is read and only the declared accounts' entries are kept (they are the
    partner view ``get_merchant`` reads; each is validated when its merchant is planned). Klarna's
    account list, every sub-resource expanded, is read alongside, at most two pages ahead of the
    merchants handled (and the next one asked for), and each declared account is handled once Dintero's
    list is read. An account is
    matched as a read by reference matches it (the first with the reference), a Dintero account by its
    id. Only the declared accounts are validated, so an account of an odd shape fails its own merchant
    only; one no file declares is not validated at all. Raises ``ReadFailed`` listing every merchant that
    failed, after the lists are read. ``dintero``: the Dintero entries already being read
    (``declared_dintero``), so that their list can start first.
    """
    failures: list[ApiError] = []
    pages: asyncio.Queue[Any] = asyncio.Queue(maxsize=_PAGES_AHEAD * LIST_PAGE_SIZE)
    klarna = asyncio.ensure_future(fill(pages, clients.klarna.iter_account_items(page_size=LIST_PAGE_SIZE)))
    try:
        found = await (dintero if dintero is not None else declared_dintero(clients, merchants))

        def live_of(
            merchant: DeclaredMerchant, account: KlarnaAccount | None, item: Mapping[str, Any] | None
        ) -> LiveMerchant | None:
            # Validated here, and let go: a validated Dintero account takes twice the memory of its entry.
            aid = merchant.dintero_account_id
            entry = found.pop(aid, None) if aid is not None else None
            try:
                linked = None if entry is None else clients.dintero.parse_merchant(entry, merchant.account_reference)
            except ApiError as error:
                failures.append(error)
                return None
            return LiveMerchant(merchant.account_reference, account, linked, bodies=Bodies(item, entry))

        left = {m.account_reference: m for m in merchants}  # not yet found in the list
        taken: dict[str, object] = {}  # reference -> the account id of the account handled for it
        with fewer_collections():
            while not isinstance(item := await pages.get(), End):
                reference = _text(item, "account_reference")
                merchant = left.pop(reference, None) if reference is not None else None
                if merchant is None:
                    if reference in taken and _id(item) != taken[reference]:
                        # Two accounts hold the reference: which one the file manages cannot be told, as a
                        # read by reference cannot tell it (``resolve_account``). The merchant fails.
                        del taken[reference]  # said once: a third account is the same failure
                        failures.append(
                            ApiError(
                                "klarna",
                                "list_accounts",
                                None,
                                "the account list holds two accounts with this reference",
                                merchant=reference,
                            )
                        )
                    continue
                taken[merchant.account_reference] = _id(item)
                try:
                    account = clients.klarna.parse_account(item, reference)
                except ApiError as error:
                    failures.append(error)
                else:
                    if (live := live_of(merchant, account, item)) is not None:  # validated: ``item`` is a dict
                        handle(live)
                if progress is not None:
                    progress(1)
                if len(left) % 16 == 0:
                    await asyncio.sleep(0)  # the list reader runs: the next page is asked for meanwhile
            if item.error is not None:
                raise item.error
            for merchant in left.values():  # no Klarna account has the reference: not onboarded yet
                if (live := live_of(merchant, None, None)) is not None:
                    handle(live)
                if progress is not None:
                    progress(1)
    finally:
        await cancelled(klarna)  # and its page in flight: no request of the list outlives the read
    if failures:
        raise ReadFailed(sorted(failures, key=lambda e: e.merchant or ""))


_PAGES_AHEAD = 2  # pages of Klarna's list held while earlier ones are handled (or Dintero's is read)


async def declared_dintero(clients: ApiClients, merchants: Sequence[DeclaredMerchant]) -> DinteroItems:
    """The declared merchants' entries of Dintero's partner list, by account id, not yet validated."""
    wanted = {m.dintero_account_id for m in merchants if m.dintero_account_id is not None}
    found: DinteroItems = {}
    if not wanted:
        return found
    async for item in clients.dintero.iter_merchant_items(page_size=LIST_PAGE_SIZE):
        aid = _text(item, "account_id")
        if aid is not None and aid in wanted and aid not in found:
            found[aid] = item
    return found


def _id(item: Any) -> object:
    return item.get("account_id") if isinstance(item, dict) else None


def _text(item: Any, name: str) -> str | None:
    """The string ``name`` of a list's item as the API answers it, if the item has one; a number as its text,
    as the client's models read it (``coerce_numbers_to_str``), so that a list and a read by reference
    match the same account."""
    value = item.get(name) if isinstance(item, dict) else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) else None
