"""The executor: carries out a plan's operations, merchant by merchant, safely.

- Merchants run in parallel; one merchant's operations run in plan order (account first, Klarna
  before Dintero), and a failure stops only that merchant's operations that depend on it.
- Each merchant is read afresh before its first write (and again after an onboard or an unclear
  response). If an object already has its desired form, the operation is done (a re-run after a
  crash finishes the job without duplicates). If it differs from what the plan was made against
  (the precondition fingerprint), the operation is refused. One read is left out: a merchant the
  plan found absent from both APIs (every operation a create, exactly what an empty live view
  gives) starts from that empty view, since its first write, the onboard, checks the same thing
  itself (Klarna refuses an onboard that differs from an existing account with 409, and adds
  nothing an approved create would not). Nothing checks Dintero's side so, and its signups carry no
  idempotency key: it is read before the merchant's first Dintero write.
- After an onboard only the Klarna account is read again (Dintero's side did not change), and
  when the next operation needs an OPERATIONAL account, the poll that finds it OPERATIONAL is that
  read (it asks for every sub-resource).
- Every Klarna write carries an idempotency key derived from the plan (its digest and its id) and
  the operation address, so retries and re-runs of the same plan are replays. A write whose outcome
  is unknown (a lost response) is settled by reading the object back; a later plan finds it by its
  fresh read.
- Management writes wait, bounded and backing off, while the account is not OPERATIONAL: a new account,
  and an account that an update sent back to PARTIALLY_OPERATIONAL. A waiting merchant gives up its
  worker slot while it sleeps, so other merchants' writes go on. The first poll comes after the
  shortest time an account of this run took to become OPERATIONAL (at least the first interval).
- Dry-run walks the same path and prints each request instead of sending it.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace

from reconciler.apply.report import NOT_DONE, ApplyReport, OperationResult, Outcome
from reconciler.apply.writes import dry_run_line, idempotency_key
from reconciler.compare.sides import live_view
from reconciler.errors import ApiAnswerUnreadable, ApiError
from reconciler.kinds import KINDS, MerchantView, ResourceKind, ResourceState
from reconciler.kinds.account import OPERATIONAL
from reconciler.kinds.payment_product import ENABLED
from reconciler.kinds.registry import onboarded_kinds
from reconciler.kinds.writes import NEW, Replace, Write, WriteContext, WriteRequest, change_between
from reconciler.live.factory import ApiClients
from reconciler.live.models import DinteroAccount, KlarnaAccount
from reconciler.plan import Action, Operation, Plan, plan_merchant
from reconciler.plan.build import in_onboarding

ReadLive = Callable[[str], Awaitable[MerchantView]]
Emit = Callable[[str], None]
Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

MAX_POLL_INTERVAL_SECONDS = 5.0
# The default cap on merchants in progress (16 per worker slot, at most this many); the desired views
# apply reads keep as many (``pipeline.DesiredViews``), so a merchant in progress finds its own.
MERCHANTS_IN_PROGRESS_MAX = 512


@dataclass
class ExecutorSettings:
    dry_run: bool = False
    parallelism: int = 16
    operational_timeout_seconds: float = 120.0
    # The first wait before polling a new account; each later wait doubles, up to MAX_POLL_INTERVAL_SECONDS.
    poll_interval_seconds: float = 0.5
    precondition_key: bytes = b""  # must be the key the plan was made with
    # Merchants started and not finished, waiting ones included (None: 16 per worker slot). A merchant
    # that only waits gives up its slot but keeps its views; without a cap an apply of ten thousand new
    # merchants would hold them all at once while every account becomes operational.
    merchants_in_progress: int | None = None

    def in_progress_limit(self) -> int:
        if self.merchants_in_progress is not None:
            return max(1, self.merchants_in_progress)
        return min(16 * max(1, self.parallelism), MERCHANTS_IN_PROGRESS_MAX)


class _WaitTimeout(Exception):
    pass


class _Slot:
    """One merchant's hold on a worker slot, given up while it only waits."""

    def __init__(self, gate: asyncio.Semaphore) -> None:
        self._gate = gate
        self.held = False

    async def take(self) -> None:
        await self._gate.acquire()
        self.held = True

    def give(self) -> None:
        if self.held:
            self.held = False
            self._gate.release()

    @asynccontextmanager
    async def given_up(self) -> AsyncIterator[None]:
        """Release the slot for the block, then take one again (however the block ends)."""
        self.give()
        try:
            yield
        finally:
            await self.take()


@dataclass
class _Merchant:
    """One merchant's run: its desired view, its latest live view, and what ran in this run."""

    reference: str
    desired: MerchantView
    live: MerchantView
    ran: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    # Dry-run only: what an onboard sent in this run would have created, standing in for a re-read.
    assumed: dict[str, ResourceState] = field(default_factory=dict)
    # Set once the wait for OPERATIONAL ran out: the merchant's later operations do not wait again.
    wait_expired: bool = False
    account_created: bool = False  # by this run's onboard
    # An onboard ran and the Klarna account has not been read since (not in dry-run).
    klarna_unread: bool = False
    # The run started from the empty view a plan of creates was made against (``Executor._absent_view``),
    # and Dintero has not been read since: only the onboard checks what Klarna holds by then.
    dintero_unread: bool = False
    onboard_ran: bool = False  # this run sent the merchant's onboard (or, dry-running, would have)
    onboarded_at: float | None = None
    slot: _Slot | None = None
    # The merchant's onboarding was not complete when this run first read it (``plan.policy``).
    onboarding_at_start: bool = False
    _fresh: tuple[tuple[int, int], dict[str, Operation]] | None = None

    def context(self) -> WriteContext:
        account = self.live.get(ResourceKind.ACCOUNT)
        product = self.live.get(ResourceKind.PAYMENT_PRODUCT)
        return WriteContext(
            self.desired,
            account.remote_id if account and account.remote_id else NEW,
            product.remote_id if product else None,
        )

    def account_state(self) -> str | None:
        account = self.live.get(ResourceKind.ACCOUNT)
        return account.status if account else None

    def note_account_state(self, state: str) -> None:
        account = self.live.get(ResourceKind.ACCOUNT)
        if account is not None and account.status != state:
            resources = {**self.live.resources, account.address(self.reference): replace(account, status=state)}
            self.live = MerchantView(self.reference, resources, self.live.managed_lists)

    def fresh(self, key: bytes) -> dict[str, Operation]:
        """The merchant's operations derived afresh from its desired view and latest live view, by address."""
        seen = (id(self.live), len(self.assumed))
        if self._fresh is None or self._fresh[0] != seen:
            live = MerchantView(self.reference, {**self.live.resources, **self.assumed})
            self._fresh = (seen, {op.address: op for op in plan_merchant(self.desired, live, key)})
        return self._fresh[1]

    def seed_fresh(self, operations: dict[str, Operation]) -> None:
        """Operations already derived from the current live view (and nothing assumed)."""
        self._fresh = ((id(self.live), len(self.assumed)), operations)

    def write_for(self, op: Operation) -> Write | None:
        """The typed write that carries out a freshly derived operation."""
        want = self.desired.resources.get(op.address)
        have = self.current(op.replaces or op.address)
        if op.action is Action.REPLACE and want is not None and have is not None:
            return Replace(want, have)
        return change_between(want, have)

    def current(self, address: str) -> ResourceState | None:
        return self.live.resources.get(address) or self.assumed.get(address)

    def with_klarna(self, account: KlarnaAccount) -> None:
        """Replace the Klarna side of the live view with ``account``; the Dintero side stays as read."""
        self._with_side("klarna", live_view(self.desired, account, None))
        self.klarna_unread = False

    def with_dintero(self, account: DinteroAccount | None) -> None:
        """Replace the Dintero side of the live view with ``account``; the Klarna side stays as read."""
        self._with_side("dintero", live_view(self.desired, None, account))
        self.dintero_unread = False

    def _with_side(self, api: str, read: MerchantView) -> None:
        resources = {a: s for a, s in self.live.resources.items() if s.kind.api != api}
        resources.update((a, s) for a, s in read.resources.items() if s.kind.api == api)
        self.live = MerchantView(self.reference, resources, self.live.managed_lists)

    def dintero_account_id(self) -> str | None:
        """The Dintero account the desired view declares (its connections and settings name it)."""
        return next((str(s.extra["aid"]) for s in self.desired.resources.values() if s.extra.get("aid")), None)


@dataclass
class Executor:
    clients: ApiClients
    plan: Plan
    desired: Mapping[str, MerchantView]
    read_live: ReadLive
    settings: ExecutorSettings
    emit: Emit
    # Stands in for the plan id of a plan that has none (built in code rather than made by ``make_plan``).
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    clock: Clock = time.monotonic
    sleep: Sleep = asyncio.sleep
    # The shortest time from onboard to OPERATIONAL seen in this run: when the next new account is polled first.
    operational_after: float | None = None

    async def run(self) -> ApplyReport:
        report = ApplyReport(dry_run=self.settings.dry_run)
        by_merchant: dict[str, list[Operation]] = {}
        for op in self.plan.operations:
            by_merchant.setdefault(op.merchant, []).append(op)
        gate = asyncio.Semaphore(max(1, self.settings.parallelism))
        started = asyncio.Semaphore(self.settings.in_progress_limit())

        async def one(reference: str, ops: list[Operation]) -> list[OperationResult]:
            async with started:
                slot = _Slot(gate)
                await slot.take()
                try:
                    return await self._apply_merchant(reference, ops, slot)
                finally:
                    slot.give()

        groups = await asyncio.gather(*(one(ref, ops) for ref, ops in by_merchant.items()))
        for results in groups:
            report.results.extend(results)
        return report

    async def _apply_merchant(self, reference: str, ops: list[Operation], slot: _Slot) -> list[OperationResult]:
        desired = self.desired[reference]
        absent = self._absent_view(desired, ops)
        try:
            live = absent[0] if absent is not None else await self.read_live(reference)
        except ApiError as error:
            detail = str(error.attributed_to(reference))
            return [OperationResult(op, Outcome.FAILED, detail) for op in ops]
        merchant = _Merchant(
            reference, desired, live, slot=slot, onboarding_at_start=in_onboarding(reference, live.resources)
        )
        if absent is not None:
            merchant.seed_fresh(absent[1])  # already derived against this very view
            merchant.dintero_unread = True
        results = []
        for op in ops:
            result = await self._apply_operation(merchant, op)
            if result.outcome in (Outcome.FAILED, Outcome.UNKNOWN, Outcome.SKIPPED):
                # Not known to have made what its dependants need (an id, an account): they do not run.
                merchant.failed.add(op.address)
            self.emit(f"{op.address}: {result.outcome.value}" + (f": {result.detail}" if result.detail else ""))
            results.append(result)
        return results

    def _absent_view(
        self, desired: MerchantView, ops: Sequence[Operation]
    ) -> tuple[MerchantView, dict[str, Operation]] | None:
        """The empty live view and its operations, when the plan was made against a merchant neither API has.

        It was when every operation is a create and the operations an empty live view gives are the
        very same ones, preconditions included: then no read is needed before the first write.
        """
        if self.settings.dry_run or not ops or any(op.action is not Action.CREATE for op in ops):
            return None
        if not any(op.resource is ResourceKind.ACCOUNT for op in ops):
            # Only the onboard checks for an object made since the plan (409); a partner's signing key or
            # webhook create has no such check, so its absence is read, not assumed.
            return None
        absent = live_view(desired, None, None)
        derived = {op.address: op for op in plan_merchant(desired, absent, self.settings.precondition_key)}
        if len(derived) != len(ops):
            return None
        for op in ops:
            again = derived.get(op.address)
            if again is None or not again.same_as(op) or again.precondition != op.precondition:
                return None
        return absent, derived

    async def _apply_operation(self, merchant: _Merchant, op: Operation) -> OperationResult:
        if op.action is Action.BLOCKED:
            return OperationResult(op, Outcome.BLOCKED, op.reason)
        if op.action is Action.DISABLE and op.onboarding and not merchant.onboarding_at_start:
            # The safety policy did not count this disable, on the plan's word that the merchant is
            # still onboarding: the live account read at the start of this run says otherwise (the
            # word of an edited plan, or an account that became OPERATIONAL since), so the policy's
            # verdict does not hold. Later in the run this run's own writes and waits may finish the
            # onboarding; the account as first read is what the plan was judged against.
            detail = "the plan counts this disable as part of the merchant's onboarding, and its account is past it"
            return OperationResult(op, Outcome.STALE, detail + "; plan again")
        if any(dep in merchant.failed for dep in op.depends_on):
            return OperationResult(op, Outcome.SKIPPED)
        if merchant.klarna_unread:
            try:
                await self._read_after_onboard(merchant, op)
            except _WaitTimeout as error:
                return OperationResult(op, Outcome.FAILED, str(error))
            except ApiError as error:
                return OperationResult(op, Outcome.FAILED, str(error.attributed_to(merchant.reference)))
        if merchant.dintero_unread and op.resource.api == "dintero":
            # Dintero's side was assumed empty with the plan's word, and nothing has checked it since (its
            # signups carry no idempotency key): what it holds now is read, so that a signup sent by an
            # earlier apply of this plan, or declined since, is not sent again.
            try:
                aid = merchant.dintero_account_id()
                merchant.with_dintero(await self.clients.dintero.get_merchant(aid) if aid else None)
            except ApiError as error:
                return OperationResult(op, Outcome.FAILED, str(error.attributed_to(merchant.reference)))
        derived = merchant.fresh(self.settings.precondition_key)
        fresh = derived.get(op.address)
        rest_of_replace = False
        if fresh is None and op.replaces is not None and op.replaces in derived:
            # The new object is in place and the old one is still there (an earlier run of this plan made the
            # one and did not get to delete the other): the delete is what is left of the approved replace,
            # against the very object the plan was made against (a replace's precondition is the old one's).
            left = derived[op.replaces]
            if left.action is not Action.DELETE or left.precondition != op.precondition:
                detail = "the object it replaces changed since the plan was made; plan again"
                return OperationResult(op, Outcome.STALE, detail)
            fresh, rest_of_replace = left, True
        if fresh is None:
            return OperationResult(op, Outcome.IN_PLACE, "the live object already has its desired form")
        ran_before = any(dep in merchant.ran for dep in op.depends_on)
        # Only this run's onboard can have made the object of a saved create (it carries the kinds of
        # ``onboarded_kinds``): after any other write it ran, a create found as a patch is of an object
        # someone else made since the plan.
        made_here = ran_before and merchant.onboard_ran and op.resource in onboarded_kinds()
        refusal = None if rest_of_replace else _refusal(op, fresh, ran_before=ran_before, made_here=made_here)
        if refusal is not None:
            return OperationResult(op, Outcome.STALE, refusal)
        if fresh.action is Action.BLOCKED:
            return OperationResult(op, Outcome.BLOCKED, fresh.reason)
        write = merchant.write_for(fresh)
        if write is None:
            return OperationResult(op, Outcome.IN_PLACE, "the live object already has its desired form")
        writes: list[WriteRequest] = []
        step = 0
        try:
            await self._ensure_operational(merchant, op)
            writes = KINDS[op.resource].writes_for(write, merchant.context())
            step = 0
            while step < len(writes):  # the list may be made again midway (after an onboard)
                request = writes[step]
                if not self.settings.dry_run and NEW in request.path:
                    # Only a dry-run stands in for an id an earlier request assigns: sent, the request
                    # would write to an object the API never named.
                    raise ApiError(
                        request.api,
                        op.action.value,
                        None,
                        f"{request.method} {request.path} was not sent: no answer of the API gave the id it "
                        "needs; plan again",
                        merchant=merchant.reference,
                    )
                key = idempotency_key(
                    self.plan.desired_digest,
                    op.address,
                    fresh.action,
                    op.precondition,
                    step,
                    self.plan.plan_id or self.run_id,
                )
                answer = await self._send(op, request, key)
                if request.onboards:
                    merchant.onboard_ran = True
                    merchant.account_created = merchant.account_created or op.resource is ResourceKind.ACCOUNT
                    await self._after_onboard(merchant, op)
                    if step + 1 < len(writes) and not self.settings.dry_run:
                        # The requests after an onboard (disabling the product it made) name the ids it
                        # assigned: they are made again from the account read back.
                        await self._read_after_onboard(merchant, op)
                        writes[step + 1 :] = KINDS[op.resource].writes_for(write, merchant.context())[step + 1 :]
                elif isinstance(answer, KlarnaAccount) and answer.state:
                    # An account update sends the account back to PARTIALLY_OPERATIONAL for a while:
                    # its next management write waits for OPERATIONAL again.
                    merchant.note_account_state(answer.state)
                step += 1
        except _WaitTimeout as error:
            return OperationResult(op, Outcome.FAILED, str(error))
        except ApiError as error:
            if error.status == 409 and step < len(writes) and writes[step].onboards:
                return await self._onboard_refused(merchant, op, error)
            settled = await self._settle(merchant, op, error)
            if settled.outcome is Outcome.APPLIED and any(request.onboards for request in writes[: step + 1]):
                merchant.onboard_ran = True  # the read-back found what the onboard made
            return settled
        merchant.ran.add(op.address)
        if self.settings.dry_run:
            return OperationResult(op, Outcome.WOULD_APPLY)
        return OperationResult(op, Outcome.APPLIED)

    async def _after_onboard(self, merchant: _Merchant, op: Operation) -> None:
        """Learn the ids an onboard assigned (by the next operation); in dry-run, assume what it would have created."""
        if not self.settings.dry_run:
            merchant.klarna_unread = True
            merchant.onboarded_at = self.clock()
            return
        if op.resource is not ResourceKind.ACCOUNT:
            return
        onboarded = onboarded_kinds()
        for address, state in merchant.desired.resources.items():
            if state.kind in onboarded:
                status = ENABLED if KINDS[state.kind].lifecycle else None  # onboard enables a product
                merchant.assumed[address] = replace(state, status=status)

    async def _onboard_refused(self, merchant: _Merchant, op: Operation, error: ApiError) -> OperationResult:
        """Klarna refused an onboard as conflicting (409): it holds something under the reference that differs
        from what the onboard sends, made since the plan (or since this run's read). The merchant is read
        again; when the operation derived afresh is not the approved one, the plan is stale, not failed, and
        the merchant's other operations are checked against what is there."""
        detail = str(error.attributed_to(merchant.reference))
        if self.settings.dry_run:
            return OperationResult(op, Outcome.FAILED, detail)
        try:
            merchant.live = await self.read_live(merchant.reference)
        except ApiError:
            return OperationResult(op, Outcome.FAILED, detail)
        merchant.klarna_unread = merchant.dintero_unread = False
        fresh = merchant.fresh(self.settings.precondition_key).get(op.address)
        if fresh is None:
            return OperationResult(op, Outcome.IN_PLACE, "the live object already has its desired form")
        if _refusal(op, fresh, ran_before=False, made_here=False) is not None:
            detail = f"the live object changed since the plan was made ({detail}); plan again"
            return OperationResult(op, Outcome.STALE, detail)
        return OperationResult(op, Outcome.FAILED, detail)

    async def _settle(self, merchant: _Merchant, op: Operation, error: ApiError) -> OperationResult:
        """After a write whose outcome is unknown (a lost response, a 5xx), read back: it may have taken effect.

        An answer that says what happened (a 400, a 409) is the outcome: no read is needed.
        """
        detail = str(error.attributed_to(merchant.reference))
        if isinstance(error, ApiAnswerUnreadable):
            # The API accepted it: no read-back can tell this run what the unread answer said, and the next
            # plan reads the live state, whatever the write made.
            return OperationResult(op, Outcome.UNKNOWN, detail)
        if self.settings.dry_run or not error.outcome_unknown:
            return OperationResult(op, Outcome.FAILED, detail)
        try:
            merchant.live = await self.read_live(merchant.reference)
        except ApiError:
            return OperationResult(op, Outcome.FAILED, detail)
        fresh = merchant.fresh(self.settings.precondition_key)
        if op.address not in fresh and (op.replaces is None or op.replaces not in fresh):
            merchant.ran.add(op.address)
            return OperationResult(op, Outcome.APPLIED, "confirmed by reading back after an unclear response")
        return OperationResult(op, Outcome.FAILED, detail)

    async def _read_after_onboard(self, merchant: _Merchant, op: Operation) -> None:
        """Read the Klarna account an onboard made or changed: by waiting for OPERATIONAL when ``op`` needs it."""
        if KINDS[op.resource].needs_operational_account:
            await self._wait_operational(merchant, since=merchant.onboarded_at)
            return
        account = await self.clients.klarna.resolve_account(merchant.reference)
        if account is None:
            merchant.live = await self.read_live(merchant.reference)  # gone again: read both sides afresh
            merchant.klarna_unread = False
        else:
            merchant.with_klarna(account)

    async def _ensure_operational(self, merchant: _Merchant, op: Operation) -> None:
        """Management writes wait until a new account is OPERATIONAL (bounded)."""
        if self.settings.dry_run or not KINDS[op.resource].needs_operational_account:
            return
        if merchant.account_state() in (None, OPERATIONAL):
            return
        await self._wait_operational(merchant, since=None)

    async def _wait_operational(self, merchant: _Merchant, *, since: float | None) -> None:
        """Poll the account, backing off, until it is OPERATIONAL; the poll that finds it so reads it whole.

        ``since`` is when the onboard that made the account answered: the first poll waits for the
        shortest time another account of this run took from there. The merchant's worker slot is
        given up while it sleeps.
        """
        timeout = self.settings.operational_timeout_seconds
        expired = f"{merchant.reference}: the account did not become OPERATIONAL within {timeout:g} s"
        if merchant.wait_expired:
            raise _WaitTimeout(expired)
        what = "new account" if merchant.account_created else "account"
        self.emit(f"{merchant.reference}: waiting up to {timeout:g} s for the {what} to become OPERATIONAL")
        started = self.clock()
        deadline = started + timeout
        interval = self.settings.poll_interval_seconds
        delay = interval
        if since is not None and self.operational_after is not None:
            delay = max(delay, self.operational_after - (started - since))
        for _ in range(10_000):  # bounded by the deadline long before this
            await self._pause(merchant, min(delay, max(0.0, deadline - self.clock())))
            account = await self.clients.klarna.resolve_account(merchant.reference)
            if account is not None and account.state == OPERATIONAL:
                if since is not None:
                    took = self.clock() - since
                    earlier = self.operational_after
                    self.operational_after = took if earlier is None else min(earlier, took)
                merchant.with_klarna(account)
                self.emit(f"{merchant.reference}: account is OPERATIONAL")
                return
            if self.clock() >= deadline:
                break
            # Back off: an account takes seconds to minutes, and every poll is a request.
            interval = min(interval * 2, MAX_POLL_INTERVAL_SECONDS)
            delay = interval
        merchant.wait_expired = True
        if account is not None:
            merchant.with_klarna(account)
        raise _WaitTimeout(expired)

    async def _pause(self, merchant: _Merchant, seconds: float) -> None:
        """Sleep without holding a worker slot."""
        if merchant.slot is None:
            await self.sleep(seconds)
            return
        async with merchant.slot.given_up():
            await self.sleep(seconds)

    async def _send(self, op: Operation, write: WriteRequest, key: str) -> object:
        if self.settings.dry_run:
            self.emit(dry_run_line(op.address, write, key))
            return None
        return await write.send(self.clients, key)


async def apply_plan(
    clients: ApiClients,
    plan: Plan,
    desired: Mapping[str, MerchantView],
    read_live: ReadLive,
    settings: ExecutorSettings,
    emit: Emit,
    verify: Callable[[Sequence[str]], Awaitable[Plan]] | None = None,
) -> ApplyReport:
    """Carry out ``plan``; then, unless dry-running, re-plan the touched merchants and report what did not converge."""
    report = await Executor(clients, plan, desired, read_live, settings, emit).run()
    touched = sorted({r.operation.merchant for r in report.results if r.outcome is Outcome.APPLIED})
    if verify is not None and touched and not settings.dry_run:
        after = await verify(touched)
        # A refused or failed operation is still planned: it is reported as that, not again as not converged.
        reported = {r.operation.address for r in report.results if r.outcome in NOT_DONE}
        report.not_converged = [
            op for op in after.operations if op.action is not Action.BLOCKED and op.address not in reported
        ]
    return report


# What a create may have become once the operations it depends on ran in this run: an onboard made
# the object, and what is left of the approved create is a patch or a state change.
_CONTINUATIONS = frozenset({Action.PATCH, Action.DISABLE, Action.ENABLE})


def _refusal(saved: Operation, fresh: Operation, *, ran_before: bool, made_here: bool) -> str | None:
    """Why ``fresh`` (derived now) is not the operation the plan approved, or None when it is.

    The same action, address, replaced object and masked changes, against the same live object
    (the precondition), is the approved operation. When operations it depends on ran in this run
    (``ran_before``), the live object is theirs to have changed. When this run's onboard made the
    object (``made_here``), a saved create whose remaining changes are a part of it is still the
    approved one.
    """
    if fresh.same_as(saved):
        if ran_before or fresh.precondition == saved.precondition:
            return None
        return "the live object changed since the plan was made; plan again"
    if made_here and saved.action is Action.CREATE and fresh.action in _CONTINUATIONS:
        approved = {(c.path, _key(c.after)) for c in saved.changes}
        if all((c.path, _key(c.after)) in approved for c in fresh.changes):
            return None
    if fresh.action is saved.action:
        return "the live object changed since the plan was made; plan again"
    return f"the plan says {saved.action.value}, the live state now needs {fresh.action.value}; plan again"


def _key(value: object) -> str:
    return repr(value)
