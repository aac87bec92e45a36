"""The executor: carries out a plan's operations, merchant by merchant, safely.

- Merchants run in parallel; one merchant's operations run in plan order (account first, Klarna
  before Dintero), and a failure stops only that merchant's operations that depend on it.
- Each merchant is read afresh before its first write (and again after an onboard or an unclear
  response). If an object already has its desired form, the operation is done (a re-run after a
  crash finishes the job without duplicates). If it differs from what the plan was made against
  (the precondition fingerprint), the operation is refused.
- Every Klarna write carries an idempotency key derived from the plan (its digest and its id) and
  the operation address, so retries and re-runs of the same plan are replays. A write whose outcome
  is unknown (a lost response) is settled by reading the object back; a later plan finds it by its
  fresh read.
- A new account is waited for, bounded, until it is OPERATIONAL.
- Dry-run walks the same path and prints each request instead of sending it.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from reconciler.apply.writes import NEW, Ids, WriteRequest, build_writes, idempotency_key
from reconciler.clients.factory import ApiClients
from reconciler.errors import ApiError
from reconciler.plan import Action, Operation, Plan, plan_resource, precondition_of
from reconciler.resources import MerchantView, ResourceKind, ResourceState, resource_address

ReadLive = Callable[[str], Awaitable[MerchantView]]
Emit = Callable[[str], None]

OPERATIONAL = "OPERATIONAL"
# What a new account's onboard call carries (see ``writes.onboard_request``).
ONBOARDED_KINDS = frozenset({ResourceKind.PAYMENT_PRODUCT, ResourceKind.WEBSITE, ResourceKind.COLLECTION})


class Outcome(StrEnum):
    APPLIED = "applied"
    IN_PLACE = "already in place"
    WOULD_APPLY = "would apply"
    STALE = "refused: precondition no longer holds"
    BLOCKED = "blocked"
    FAILED = "failed"
    SKIPPED = "skipped: an operation it depends on did not complete"


_NOT_DONE = frozenset({Outcome.STALE, Outcome.FAILED, Outcome.SKIPPED})


@dataclass(frozen=True)
class OperationResult:
    operation: Operation
    outcome: Outcome
    detail: str | None = None


@dataclass
class ApplyReport:
    results: list[OperationResult] = field(default_factory=list)
    not_converged: list[Operation] = field(default_factory=list)
    dry_run: bool = False

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome is outcome)

    @property
    def failed(self) -> list[OperationResult]:
        return [r for r in self.results if r.outcome in (Outcome.FAILED, Outcome.SKIPPED)]

    @property
    def stale(self) -> list[OperationResult]:
        return [r for r in self.results if r.outcome is Outcome.STALE]

    def by_merchant(self) -> dict[str, list[OperationResult]]:
        groups: dict[str, list[OperationResult]] = {}
        for result in self.results:
            groups.setdefault(result.operation.merchant, []).append(result)
        return groups


@dataclass
class ExecutorSettings:
    dry_run: bool = False
    parallelism: int = 16
    operational_timeout_seconds: float = 120.0
    poll_interval_seconds: float = 0.2
    precondition_key: bytes = b""  # must be the key the plan was made with


class _WaitTimeout(Exception):
    pass


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

    def ids(self) -> Ids:
        account = self.live.resources.get(resource_address(self.reference, ResourceKind.ACCOUNT))
        product = self.live.resources.get(resource_address(self.reference, ResourceKind.PAYMENT_PRODUCT))
        return Ids(
            account.remote_id if account and account.remote_id else NEW,
            product.remote_id if product else None,
        )

    def account_state(self) -> str | None:
        account = self.live.resources.get(resource_address(self.reference, ResourceKind.ACCOUNT))
        return account.status if account else None


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

    async def run(self) -> ApplyReport:
        report = ApplyReport(dry_run=self.settings.dry_run)
        by_merchant: dict[str, list[Operation]] = {}
        for op in self.plan.operations:
            by_merchant.setdefault(op.merchant, []).append(op)
        gate = asyncio.Semaphore(max(1, self.settings.parallelism))

        async def one(reference: str, ops: list[Operation]) -> list[OperationResult]:
            async with gate:
                return await self._apply_merchant(reference, ops)

        groups = await asyncio.gather(*(one(ref, ops) for ref, ops in by_merchant.items()))
        for results in groups:
            report.results.extend(results)
        return report

    async def _apply_merchant(self, reference: str, ops: list[Operation]) -> list[OperationResult]:
        desired = self.desired[reference]
        try:
            merchant = _Merchant(reference, desired, await self.read_live(reference))
        except ApiError as error:
            detail = str(error.attributed_to(reference))
            return [OperationResult(op, Outcome.FAILED, detail) for op in ops]
        results = []
        for op in ops:
            result = await self._apply_operation(merchant, op)
            if result.outcome in (Outcome.FAILED, Outcome.SKIPPED):
                merchant.failed.add(op.address)
            self.emit(f"{op.address}: {result.outcome.value}" + (f": {result.detail}" if result.detail else ""))
            results.append(result)
        return results

    async def _apply_operation(self, merchant: _Merchant, op: Operation) -> OperationResult:
        if op.action is Action.BLOCKED:
            return OperationResult(op, Outcome.BLOCKED, op.reason)
        if any(dep in merchant.failed for dep in op.depends_on):
            return OperationResult(op, Outcome.SKIPPED)
        want = merchant.desired.resources.get(op.address)
        have = merchant.live.resources.get(op.address) or merchant.assumed.get(op.address)
        fp_key = self.settings.precondition_key
        needed = plan_resource(merchant.reference, want, have, fp_key)
        if needed is None:
            return OperationResult(op, Outcome.IN_PLACE)
        ran_before = any(dep in merchant.ran for dep in op.depends_on)
        if not ran_before and precondition_of(want, have, fp_key) != op.precondition:
            return OperationResult(op, Outcome.STALE, "the live object changed since the plan was made; plan again")
        if needed.action is Action.BLOCKED:
            return OperationResult(op, Outcome.BLOCKED, needed.reason)
        try:
            await self._ensure_operational(merchant, op)
            writes = build_writes(merchant.desired, needed.action, want, have, merchant.ids())
            for step, write in enumerate(writes):
                key = idempotency_key(
                    self.plan.desired_digest,
                    op.address,
                    needed.action,
                    op.precondition,
                    step,
                    self.plan.plan_id or self.run_id,
                )
                await self._send(op, write, key)
                if write.operation == "onboard":
                    await self._after_onboard(merchant, op)
        except _WaitTimeout as error:
            return OperationResult(op, Outcome.FAILED, str(error))
        except ApiError as error:
            return await self._settle(merchant, op, error)
        merchant.ran.add(op.address)
        if self.settings.dry_run:
            return OperationResult(op, Outcome.WOULD_APPLY)
        return OperationResult(op, Outcome.APPLIED)

    async def _after_onboard(self, merchant: _Merchant, op: Operation) -> None:
        """Learn the ids an onboard assigned; in dry-run, assume what it would have created."""
        if not self.settings.dry_run:
            merchant.live = await self.read_live(merchant.reference)
            return
        if op.resource is not ResourceKind.ACCOUNT:
            return
        for address, state in merchant.desired.resources.items():
            if state.kind in ONBOARDED_KINDS:
                status = "ENABLED" if state.kind is ResourceKind.PAYMENT_PRODUCT else None
                merchant.assumed[address] = replace(state, status=status)

    async def _settle(self, merchant: _Merchant, op: Operation, error: ApiError) -> OperationResult:
        """After a failed write, read back: a write whose response was lost may still have taken effect."""
        detail = str(error.attributed_to(merchant.reference))
        if self.settings.dry_run:
            return OperationResult(op, Outcome.FAILED, detail)
        try:
            merchant.live = await self.read_live(merchant.reference)
        except ApiError:
            return OperationResult(op, Outcome.FAILED, detail)
        want = merchant.desired.resources.get(op.address)
        now = merchant.live.resources.get(op.address)
        if plan_resource(merchant.reference, want, now, self.settings.precondition_key) is None:
            merchant.ran.add(op.address)
            return OperationResult(op, Outcome.APPLIED, "confirmed by reading back after an unclear response")
        return OperationResult(op, Outcome.FAILED, detail)

    async def _ensure_operational(self, merchant: _Merchant, op: Operation) -> None:
        """Management writes wait until a new account is OPERATIONAL (bounded)."""
        if self.settings.dry_run or op.resource.api != "klarna" or op.resource is ResourceKind.ACCOUNT:
            return
        if op.resource is ResourceKind.CREDENTIAL or merchant.account_state() in (None, OPERATIONAL):
            return
        timeout = self.settings.operational_timeout_seconds
        expired = f"{merchant.reference}: the account did not become OPERATIONAL within {timeout:g} s"
        if merchant.wait_expired:
            raise _WaitTimeout(expired)
        self.emit(f"{merchant.reference}: waiting up to {timeout:g} s for the new account to become OPERATIONAL")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            account = await self.clients.klarna.resolve_account(merchant.reference, expand=())
            if account is not None and account.state == OPERATIONAL:
                merchant.live = await self.read_live(merchant.reference)
                self.emit(f"{merchant.reference}: account is OPERATIONAL")
                return
            await asyncio.sleep(self.settings.poll_interval_seconds)
        merchant.wait_expired = True
        raise _WaitTimeout(expired)

    async def _send(self, op: Operation, write: WriteRequest, key: str) -> None:
        if self.settings.dry_run:
            body = write.masked_body()
            line = f"{op.address}: would send {write.method} {write.path}"
            if write.api == "klarna":
                line += f"  [Klarna-Idempotency-Key: {key}]"
            if body is not None:
                line += "\n    " + json.dumps(body, sort_keys=True, ensure_ascii=False)
            self.emit(line)
            return
        if write.api == "klarna":
            await getattr(self.clients.klarna, write.operation)(*write.args, idempotency_key=key)
        else:
            await self.clients.dintero.signup(*write.args, force_new_signup=write.force_new_signup)


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
        reported = {r.operation.address for r in report.results if r.outcome in _NOT_DONE}
        report.not_converged = [
            op for op in after.operations if op.action is not Action.BLOCKED and op.address not in reported
        ]
    return report
