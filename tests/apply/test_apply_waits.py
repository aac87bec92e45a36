"""How apply spends requests and worker slots on new merchants: no read before a new merchant's
onboard, one Klarna read after it (the poll that finds the account OPERATIONAL), polls that back off,
and no worker slot held by a merchant that is only waiting. Time is a fake clock shared by the
sandbox and the executor: waits are recorded, never spent."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from reconciler.apply.executor import Executor, ExecutorSettings, apply_plan
from reconciler.apply.report import ApplyReport, Outcome
from reconciler.desired.load import DesiredState, load_desired
from reconciler.kinds import MerchantView
from reconciler.live.factory import build_clients
from reconciler.pipeline import DesiredViews, client_params, desired_views_of, make_plan, read_live_view
from reconciler.plan import Plan
from reconciler.plan.fingerprint import precondition_key

from .conftest import Workspace, normalise_path


class FakeTime:
    """The sandbox's clock and the executor's: it moves only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(round(seconds, 6))
        self.now += seconds
        await asyncio.sleep(0)  # let the other merchants run, as a real sleep would


def _state(workspace: Workspace) -> DesiredState:
    return load_desired(workspace.desired, environ={})


async def _apply(
    workspace: Workspace,
    references: Sequence[str],
    time: FakeTime,
    *,
    parallelism: int = 4,
    timeout: float = 120.0,
    learned: float | None = None,
    in_progress: int | None = None,
) -> tuple[Plan, ApplyReport, Executor]:
    state = _state(workspace)
    params = client_params(state.config, workspace.root)
    key = precondition_key(state.config)
    async with build_clients(params) as clients:
        plan = await make_plan(clients, state, [state.merchant(r) for r in references], include_partner=False)
        desired = desired_views_of(state, plan.merchants)

        async def read_live(reference: str) -> MerchantView:
            return await read_live_view(clients, state, desired[reference])

        async def verify(touched: Sequence[str]) -> Plan:
            return await make_plan(clients, state, [state.merchant(r) for r in touched], include_partner=False)

        settings = ExecutorSettings(
            precondition_key=key,
            parallelism=parallelism,
            operational_timeout_seconds=timeout,
            merchants_in_progress=in_progress,
        )
        executor = Executor(clients, plan, desired, read_live, settings, lambda line: None)
        executor.clock, executor.sleep, executor.operational_after = time.clock, time.sleep, learned
        report = await executor.run()
        touched = sorted({r.operation.merchant for r in report.results if r.outcome is Outcome.APPLIED})
        after = await verify(touched)
        report.not_converged = list(after.operations)
    return plan, report, executor


def _use_fake_time(workspace: Workspace, delay: float) -> FakeTime:
    time = FakeTime()
    sandbox = workspace.sandbox.client.app.state.sandbox  # type: ignore[attr-defined]
    sandbox.clock = time.clock
    sandbox.settings.operational_delay_seconds = delay
    return time


def _requests(workspace: Workspace, since: int) -> list[tuple[str, str]]:
    """Requests after ``since`` as (method, path with ids as {id}); the Dintero token left out."""
    entries = [(r["method"], normalise_path(r["path"])) for r in workspace.sandbox.requests(since)]
    return [r for r in entries if not r[1].endswith("/auth/token")]


def test_a_new_merchant_is_onboarded_without_a_read_first_and_read_once_by_the_poll_that_finds_it_operational(
    workspace: Workspace,
) -> None:
    time = _use_fake_time(workspace, delay=3.0)
    before = workspace.sandbox.last_seq()

    _, report, _ = asyncio.run(_apply(workspace, ["NB-2024-0001"], time))

    assert report.failed == [] and report.not_converged == []
    requests = _requests(workspace, before)
    reads_by_plan = requests[:2]
    assert sorted(reads_by_plan) == [
        ("GET", "/v1/accounts"),
        ("GET", "/v1/accounts/T11200000/management/accounts/T11200101"),
    ]
    applied = requests[2:-2]
    assert applied[0] == ("POST", "/v1/distribution/onboard")  # no read between the plan and the onboard
    polls = [r for r in applied if r == ("GET", "/v1/accounts")]
    # Polls at 0.5, 1.5 and 3.5 s after the onboard: the third finds the account OPERATIONAL and is
    # the read that gives the new ids; the one other read is Dintero's account, before its first write
    # (its signups carry no idempotency key: one an earlier apply sent is not sent again).
    assert len(polls) == 3 and applied[1:4] == polls
    assert time.waits[:3] == [0.5, 1.0, 2.0]
    writes = applied[4:]
    dintero = ("GET", "/v1/accounts/T11200000/management/accounts/T11200101")
    assert [request for request in writes if request[0] == "GET"] == [dintero]
    first_dintero_write = next(i for i, (_, path) in enumerate(writes) if path.startswith("/v1/accounts/T112"))
    assert writes[first_dintero_write] == dintero
    assert ("POST", "/v1/accounts/{id}/stakeholders") in writes
    # Every write, three polls, Dintero's read, and the verifying re-plan's two reads.
    assert len(requests) - 2 == len(writes) + len(polls) + 1 + 2 <= 14 + 2


def test_the_first_poll_waits_as_long_as_an_earlier_account_of_the_run_took(workspace: Workspace) -> None:
    time = _use_fake_time(workspace, delay=3.0)

    _, report, executor = asyncio.run(_apply(workspace, ["NB-2024-0001"], time, learned=None))
    assert report.failed == []
    assert executor.operational_after == 3.5  # polls at 0.5, 1.5, 3.5 s after the onboard

    time.waits.clear()
    _, report, executor = asyncio.run(_apply(workspace, ["SK-2024-0002"], time, learned=3.5))
    assert report.failed == [] and report.not_converged == []
    waits = [w for w in time.waits if w >= 0.1]
    assert len(waits) == 1 and 3.0 <= waits[0] <= 3.5  # one poll, as late as the other account took


def test_a_waiting_merchant_holds_no_worker_slot(workspace: Workspace) -> None:
    time = _use_fake_time(workspace, delay=3.0)
    before = workspace.sandbox.last_seq()

    _, report, _ = asyncio.run(_apply(workspace, ["NB-2024-0001", "SK-2024-0002"], time, parallelism=1))

    assert report.failed == [] and report.not_converged == []
    applied = _requests(workspace, before)[4:]  # after the plan's four reads
    # With one slot, the second merchant is onboarded while the first one waits for its account
    # (holding the slot through the wait, the first would poll and write before it).
    assert applied[:3] == [
        ("POST", "/v1/distribution/onboard"),
        ("POST", "/v1/distribution/onboard"),
        ("GET", "/v1/accounts"),
    ]


def test_no_more_merchants_are_in_progress_than_the_limit_waiting_ones_included(workspace: Workspace) -> None:
    time = _use_fake_time(workspace, delay=3.0)
    before = workspace.sandbox.last_seq()

    _, report, _ = asyncio.run(
        _apply(workspace, ["NB-2024-0001", "SK-2024-0002"], time, parallelism=2, in_progress=1)
    )

    assert report.failed == [] and report.not_converged == []
    applied = _requests(workspace, before)[4:-4]  # after the plan's four reads, before the re-plan's
    onboards = [i for i, request in enumerate(applied) if request == ("POST", "/v1/distribution/onboard")]
    # Two slots, but one merchant in progress: the second is onboarded only once the first is done.
    assert len(onboards) == 2 and onboards[0] == 0
    first_done = applied[: onboards[1]]
    assert ("POST", "/v1/accounts/{id}/stakeholders") in first_done
    assert ExecutorSettings(parallelism=8).in_progress_limit() == 128
    assert ExecutorSettings(parallelism=64).in_progress_limit() == 512 == DesiredViews.KEPT
    assert ExecutorSettings(parallelism=8, merchants_in_progress=3).in_progress_limit() == 3
    assert ExecutorSettings(parallelism=8, merchants_in_progress=0).in_progress_limit() == 1


def test_the_wait_backs_off_and_is_bounded(workspace: Workspace) -> None:
    time = _use_fake_time(workspace, delay=3600.0)

    _, report, _ = asyncio.run(_apply(workspace, ["NB-2024-0001"], time, timeout=20.0))

    failed = [r for r in report.results if r.outcome is Outcome.FAILED]
    assert failed and all("did not become OPERATIONAL within 20 s" in r.detail for r in failed)
    waits = [w for w in time.waits if w >= 0.1]
    assert waits == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 2.5]  # doubling up to 5 s, the last one cut at the deadline
    assert sum(waits) == 20.0


def test_apply_plan_still_verifies_with_the_live_state(workspace: Workspace) -> None:
    # The public entry point, with real time and no delay: a new merchant converges.
    state = _state(workspace)

    async def run() -> ApplyReport:
        async with build_clients(client_params(state.config, workspace.root)) as clients:
            plan = await make_plan(clients, state, [state.merchant("NB-2024-0001")], include_partner=False)
            desired = desired_views_of(state, plan.merchants)

            async def read_live(reference: str) -> MerchantView:
                return await read_live_view(clients, state, desired[reference])

            async def verify(touched: Sequence[str]) -> Plan:
                return await make_plan(clients, state, [state.merchant(r) for r in touched], include_partner=False)

            settings = ExecutorSettings(precondition_key=precondition_key(state.config))
            return await apply_plan(clients, plan, desired, read_live, settings, lambda line: None, verify)

    report = asyncio.run(run())
    assert report.failed == [] and report.not_converged == []
    assert workspace.run("plan", "--target", "NB-2024-0001", "--detailed-exitcode").exit_code == 0


@pytest.mark.parametrize("value", ["nan", "-1", "inf"])
def test_a_wait_timeout_that_is_not_a_number_of_seconds_is_a_usage_error(workspace: Workspace, value: str) -> None:
    # nan made every wait poll 10,000 times with no pause between the reads (no comparison with nan is true).
    since = workspace.sandbox.last_seq()
    result = workspace.run("apply", "--auto-approve", "--wait-timeout", value)
    assert result.exit_code == 1, result.output
    assert "--wait-timeout" in result.output
    assert workspace.sandbox.requests(since=since) == []
