"""Reading the live state of the declared merchants: about two requests per merchant.

Each merchant costs one Klarna read by reference with every sub-resource expanded and, when the
merchant has a Dintero account, one read of Dintero's partner view. Reads run concurrently; the
clients bound the parallelism and pace the rate. A bounded set of workers keeps memory flat
however many merchants there are.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from reconciler.clients.factory import ApiClients
from reconciler.clients.models import DinteroAccount, KlarnaAccount
from reconciler.desired.models import Merchant
from reconciler.errors import ApiError, ReadFailed

Progress = Callable[[int], None]


@dataclass(frozen=True)
class LiveMerchant:
    """What the APIs hold for one declared merchant (None: the API does not know it)."""

    reference: str
    klarna: KlarnaAccount | None
    dintero: DinteroAccount | None


async def fetch_merchant(clients: ApiClients, merchant: Merchant) -> LiveMerchant:
    ref = merchant.account_reference
    klarna_read = clients.klarna.resolve_account(ref)
    if merchant.dintero is None:
        return LiveMerchant(ref, await klarna_read, None)
    account, dintero = await asyncio.gather(klarna_read, clients.dintero.get_merchant(merchant.dintero.account_id))
    return LiveMerchant(ref, account, dintero)


async def fetch_current(
    clients: ApiClients, merchants: Sequence[Merchant], *, workers: int = 64, progress: Progress | None = None
) -> dict[str, LiveMerchant]:
    """The live state of every merchant, by reference. Raises ``ReadFailed`` listing every merchant that failed."""
    queue: asyncio.Queue[Merchant] = asyncio.Queue()
    for merchant in merchants:
        queue.put_nowait(merchant)
    found: dict[str, LiveMerchant] = {}
    failures: list[ApiError] = []

    async def worker() -> None:
        while not queue.empty():
            merchant = queue.get_nowait()
            try:
                found[merchant.account_reference] = await fetch_merchant(clients, merchant)
            except ApiError as error:
                failures.append(error if error.merchant else error.for_merchant(merchant.account_reference))
            if progress is not None:
                progress(1)

    await asyncio.gather(*(worker() for _ in range(max(1, min(workers, len(merchants))))))
    if failures:
        raise ReadFailed(sorted(failures, key=lambda e: e.merchant or ""))
    return found


async def fetch_unmanaged(clients: ApiClients, declared: Iterable[str]) -> list[str]:
    """References of Klarna accounts that no merchant file declares (drift reports them, never disables them)."""
    known = set(declared)
    unmanaged = []
    async for account in clients.klarna.iter_accounts(expand=(), page_size=1000):
        if account.account_reference and account.account_reference not in known:
            unmanaged.append(account.account_reference)
    return sorted(unmanaged)
