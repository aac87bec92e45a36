"""Reading the live state of the declared merchants: about two requests per merchant.

Each merchant costs one Klarna read by reference with every sub-resource expanded and, when the
merchant has a Dintero account, one read of Dintero's partner view. Reads run concurrently; the
clients bound the parallelism and pace the rate. A bounded set of workers keeps memory flat
however many merchants there are.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from reconciler.desired.declared import DeclaredMerchant
from reconciler.errors import ApiError, ReadFailed
from reconciler.live.factory import ApiClients
from reconciler.live.models import Credential, DinteroAccount, KlarnaAccount, SigningKey, Webhook

Progress = Callable[[int], None]


@dataclass(frozen=True)
class LiveMerchant:
    """What the APIs hold for one declared merchant (None: the API does not know it).

    For the partner-level pseudo-merchant, ``credentials``, ``signing_keys`` and ``webhooks`` hold the
    partner's objects.
    """

    reference: str
    klarna: KlarnaAccount | None
    dintero: DinteroAccount | None
    credentials: Sequence[Credential] = ()
    signing_keys: Sequence[SigningKey] = ()
    webhooks: Sequence[Webhook] = ()


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
    ref = merchant.account_reference
    klarna_read = clients.klarna.resolve_account(ref)
    if merchant.dintero_account_id is None:
        return LiveMerchant(ref, await klarna_read, None)
    account, dintero = await asyncio.gather(klarna_read, clients.dintero.get_merchant(merchant.dintero_account_id))
    return LiveMerchant(ref, account, dintero)


async def read_each(
    clients: ApiClients,
    merchants: Sequence[DeclaredMerchant],
    handle: Callable[[LiveMerchant], None],
    *,
    workers: int = 64,
    progress: Progress | None = None,
) -> None:
    """Read every merchant and pass each result to ``handle`` as soon as it lands.

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
                live = await fetch_merchant(clients, merchant)
            except ApiError as error:
                failures.append(error.attributed_to(merchant.account_reference))
            else:
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
    known = set(declared)
    unmanaged = []
    async for account in clients.klarna.iter_accounts(expand=(), page_size=1000):
        if account.account_reference and account.account_reference not in known:
            unmanaged.append(account.account_reference)
    return sorted(unmanaged)
