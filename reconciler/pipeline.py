"""From a desired-state directory to a plan: choose the merchants, read them, compare them, plan.

This is the one path that ``plan``, ``drift`` and ``apply`` (for planning and verification) share;
it sits above every stage it joins (desired, live, compare, plan) and below the CLI.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from reconciler.apply.executor import MERCHANTS_IN_PROGRESS_MAX
from reconciler.compare.sides import (
    answers_unchanged,
    desired_view,
    live_partner_view,
    live_view,
    merchant_unchanged,
    partner_view,
    reads_notifications,
)
from reconciler.config import Config
from reconciler.desired.declared import DeclaredMerchant, desired_digest
from reconciler.desired.load import DesiredState
from reconciler.errors import InputError, InputIssue
from reconciler.kinds import PARTNER, MerchantView
from reconciler.live.factory import ApiClients, ClientParams
from reconciler.live.read import (
    Bodies,
    LiveMerchant,
    Progress,
    declared_dintero,
    fetch_merchant,
    fetch_partner,
    fetch_unmanaged,
    fewer_collections,
    list_references,
    lists_are_cheaper,
    read_each,
    read_lists,
    unmanaged_of,
)
from reconciler.plan import Operation, Plan, assemble_plan, plan_merchant
from reconciler.plan.build import notices_of
from reconciler.plan.fingerprint import precondition_key
from reconciler.plan.integrity import seal
from reconciler.plan.operation import Notice
from reconciler.plan.origins import with_origins
from reconciler.plan.policy import evaluate_policy
from reconciler.plan.value import Declaration
from reconciler.sensitive import redact


def client_params(config: Config, workdir: Path) -> ClientParams:
    """Client settings from the resolved configuration; refuses a real target without credentials."""
    missing = config.missing_credentials()
    if missing:
        where = config.source or "(environment)"
        raise InputError([InputIssue(where, 1, 1, f"credentials missing: set {name}") for name in missing])
    secret = config.dintero.client_secret
    return ClientParams(
        klarna_url=config.klarna.base_url,
        dintero_url=config.dintero.base_url,
        klarna_api_key=config.klarna.api_key.get_secret_value() if config.klarna.api_key else "",
        dintero_partner_id=config.dintero.partner_id or "",
        dintero_client_id=config.dintero.client_id or "",
        dintero_client_secret=secret.get_secret_value() if secret else "",
        parallelism=config.parallelism,
        klarna_requests_per_second=config.klarna.rate_limit,
        dintero_requests_per_second=config.dintero.rate_limit,
        workdir=workdir,
    )


def select_merchants(state: DesiredState, targets: Sequence[str]) -> list[DeclaredMerchant]:
    """The merchants named by ``--target`` (a reference or a merchant file), or all of them.

    A retired merchant (``lifecycle: retired``) is never chosen: nothing is planned or written for it.
    """
    managed = _under_management(state)
    if not targets:
        return [m for m in state.merchants if managed(m)]
    by_file = {Path(m.source).resolve(): m for m in state.merchants}
    by_ref = {m.account_reference: m for m in state.merchants}
    chosen: dict[str, DeclaredMerchant] = {}
    issues = []
    for target in targets:
        merchant = by_ref.get(target) or by_file.get(Path(target).resolve())
        if merchant is None:
            if Path(target).suffix in (".yaml", ".yml") and not Path(target).exists():
                continue  # a merchant file deleted in this change: nothing to plan for it
            issues.append(InputIssue("--target", 1, 1, f"{target}: no merchant with this reference or file"))
        elif managed(merchant):
            chosen[merchant.account_reference] = merchant
    if issues:
        raise InputError(issues)
    return [chosen[ref] for ref in sorted(chosen)]


async def make_plan(
    clients: ApiClients,
    state: DesiredState,
    merchants: Sequence[DeclaredMerchant],
    *,
    include_partner: bool,
    with_unmanaged: bool = False,
    from_lists: bool = False,
    progress: Progress | None = None,
    commit: str = "",
) -> Plan:
    """Read the chosen merchants (and partner.yaml's credentials, signing keys and webhooks) and plan them.

    Each merchant is planned as its read lands and only its operations are kept: the CPU work
    overlaps the other reads' waiting, and memory does not grow with both views of every merchant.
    ``from_lists`` (a drift over every merchant): when the account lists cost fewer rounds than a read
    per merchant, the merchants are read from them (``live.read.read_lists``).
    """
    key = precondition_key(state.config)
    by_reference = {m.account_reference: m for m in merchants}
    ops: list[Operation] = []
    notices: list[Notice] = []

    def plan_one(live: LiveMerchant) -> None:
        declared = by_reference[live.reference]
        document = declared.wire()
        if merchant_unchanged(document, live):
            return  # in sync as the answers came: no view, no plan, nothing to tell (most merchants)
        desired = desired_view(declared, document)
        current = live_view(desired, live.klarna, live.dintero)
        ops.extend(with_origins(plan_merchant(desired, current, key), desired, declared.origins))
        notices.extend(notices_of(desired, current))

    references = list(by_reference)
    partner = partner_view(state.partner) if include_partner else None
    with fewer_collections():
        # Retired merchants and ignored references are known, so drift does not list them as unmanaged.
        declared = [m.account_reference for m in state.merchants] + list(state.config.ignored_references)
        if with_unmanaged:
            unmanaged = await _read_with_unmanaged(clients, merchants, plan_one, declared, from_lists, progress)
        else:
            await read_each(clients, merchants, plan_one, workers=_workers(clients), progress=progress, settled=in_sync)
            unmanaged = []
        if partner is not None:
            references.append(PARTNER)
            live = live_partner_view(partner, await _read_partner(clients, partner))
            ops.extend(plan_merchant(partner, live, key))
        digest = desired_digest(merchants, state.partner if partner is not None else None, key)
        plan = assemble_plan(ops, references, digest, unmanaged, notices)
    config = state.config
    plan = replace(
        plan,
        plan_id=uuid.uuid4().hex,
        commit=commit,
        declarations=declarations_of(state, by_reference, plan),
        targets={"klarna": config.klarna.base_url, "dintero": config.dintero.base_url},
        policy=evaluate_policy(plan.operations, config.policy, managed_fleet(state)),
    )
    return seal(plan, key)


def managed_fleet(state: DesiredState) -> int:
    """How many merchants are under management: the fleet the safety policy's shares are of."""
    managed = _under_management(state)
    return sum(1 for m in state.merchants if managed(m))


def _under_management(state: DesiredState) -> Callable[[DeclaredMerchant], bool]:
    """Whether a merchant is under management: neither retired nor one ``ignored_references`` lists."""
    ignored = set(state.config.ignored_references)
    return lambda merchant: not merchant.retired and merchant.account_reference not in ignored


def in_sync(declared: DeclaredMerchant, bodies: Bodies) -> bool:
    """A merchant in sync as its answers came (most of them): compared as sent, and nothing more is made of
    its answers (``live.read.fetch_unsettled``); ``plan_one`` is not called for it."""
    return answers_unchanged(declared.wire(), bodies)


def _workers(clients: ApiClients) -> int:
    return max(8, 2 * clients.klarna.http.settings.parallelism)


async def _read_with_unmanaged(
    clients: ApiClients,
    merchants: Sequence[DeclaredMerchant],
    handle: Callable[[LiveMerchant], None],
    declared: Sequence[str],
    from_lists: bool,
    progress: Progress | None,
) -> list[str]:
    """Read the merchants and list the unmanaged accounts; the references of the unmanaged, sorted.
    ``handle`` is not given a merchant read by itself and in sync as its answers came (``in_sync``).

    From the lists, the listing comes first: how many accounts it finds decides whether the lists or a
    read per merchant cost fewer rounds. Otherwise it runs alongside the merchants' reads, not after
    them: its pages follow one another, and the reads leave room on the connections.
    """
    if from_lists:
        # Dintero's list is read from the start: read from the lists, the merchants wait for it.
        dintero = asyncio.ensure_future(declared_dintero(clients, merchants))
        try:
            live_references = await list_references(clients)
            if lists_are_cheaper(len(live_references), len(merchants), clients.klarna.http.settings.parallelism):
                await read_lists(clients, merchants, handle, progress=progress, dintero=dintero)
            else:
                dintero.cancel()
                await read_each(
                    clients, merchants, handle, workers=_workers(clients), progress=progress, settled=in_sync
                )
        finally:
            _settle(dintero)
        return unmanaged_of(live_references, declared)
    listing = asyncio.ensure_future(fetch_unmanaged(clients, declared))
    try:
        await read_each(clients, merchants, handle, workers=_workers(clients), progress=progress, settled=in_sync)
        return await listing
    finally:
        _settle(listing)


def _settle(task: asyncio.Future[Any]) -> None:
    """Cancel a read still running; retrieve the error of one that failed (the reads' error is raised)."""
    if not task.done():
        task.cancel()
    elif not task.cancelled():
        task.exception()


PARTNER_NAME = "partner-level settings"


def declarations_of(
    state: DesiredState, merchants: Mapping[str, DeclaredMerchant], plan: Plan
) -> dict[str, Declaration]:
    """Name and file of each merchant a reviewer will see (one with operations or notices)."""
    shown = {op.merchant for op in plan.operations} | {notice.merchant for notice in plan.notices}
    found: dict[str, Declaration] = {}
    for reference in sorted(shown):
        if reference == PARTNER:
            if state.partner_source is not None:
                found[reference] = Declaration(PARTNER_NAME, state.partner_source)
            continue
        merchant = merchants.get(reference)
        if merchant is None:
            continue
        klarna = merchant.wire().get("klarna")
        written = klarna.get("account_name") if isinstance(klarna, dict) else None
        name = written if isinstance(written, str) else ""
        # The plan file is written as it is, past the output's masking: a name from the secrets store is masked.
        found[reference] = Declaration(redact(name, "klarna.account_name"), merchant.source)
    return found


def digest_of(references: Iterable[str], state: DesiredState) -> str:
    """The digest of these merchants (and partner.yaml, when ``partner`` is among them)."""
    references = set(references)
    merchants = [m for m in state.merchants if m.account_reference in references]
    return desired_digest(merchants, state.partner if PARTNER in references else None, precondition_key(state.config))


class DesiredViews(Mapping[str, MerchantView]):
    """Desired views by reference, each made when asked for, the most recent few kept.

    An apply over ten thousand new merchants would otherwise hold every merchant's view at once
    (about 16 KB each) for its whole run, while it works on a few dozen merchants at a time.
    """

    KEPT = MERCHANTS_IN_PROGRESS_MAX

    def __init__(self, state: DesiredState, references: Sequence[str]) -> None:
        self._state = state
        self._partner = partner_view(state.partner) if PARTNER in references else None
        self._references: list[str] = []
        for reference in dict.fromkeys(references):
            if reference == PARTNER:
                if self._partner is not None:
                    self._references.append(reference)
            elif self._declared(reference):
                self._references.append(reference)
        self._known = frozenset(self._references)
        self._kept: OrderedDict[str, MerchantView] = OrderedDict()

    def _declared(self, reference: str) -> bool:
        try:
            self._state.merchant(reference)
        except KeyError:
            return False
        return True

    def __getitem__(self, reference: str) -> MerchantView:
        if reference not in self._known:
            raise KeyError(reference)
        if reference == PARTNER:
            assert self._partner is not None  # known only when it exists
            return self._partner
        view = self._kept.get(reference)
        if view is None:
            view = desired_view(self._state.merchant(reference))
            self._kept[reference] = view
            if len(self._kept) > self.KEPT:
                self._kept.popitem(last=False)
        else:
            self._kept.move_to_end(reference)
        return view

    def __iter__(self) -> Iterator[str]:
        return iter(self._references)

    def __len__(self) -> int:
        return len(self._references)

    def __contains__(self, reference: object) -> bool:
        return reference in self._known


def desired_views_of(state: DesiredState, references: Sequence[str]) -> DesiredViews:
    """Desired views by reference, for the references a saved plan names (``partner`` included)."""
    return DesiredViews(state, references)


async def read_live_view(clients: ApiClients, state: DesiredState, desired: MerchantView) -> MerchantView:
    """A fresh live view of one merchant (or of the partner's credentials)."""
    if desired.reference == PARTNER:
        return live_partner_view(desired, await _read_partner(clients, desired))
    live = await fetch_merchant(clients, state.merchant(desired.reference))
    return live_view(desired, live.klarna, live.dintero)


async def _read_partner(clients: ApiClients, desired: MerchantView) -> LiveMerchant:
    return await fetch_partner(clients, PARTNER, notifications=reads_notifications(desired))
