"""``reconciler apply``: carry out a saved plan, or plan and apply, within the safety policy."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from reconciler.apply.executor import ExecutorSettings, apply_plan
from reconciler.apply.report import ApplyReport, Outcome, render_report
from reconciler.cli.exits import handles_errors
from reconciler.cli.loop import run_async
from reconciler.cli.options import (
    color_for,
    desired_option,
    parallelism_option,
    rate_limit_option,
    targets_option,
)
from reconciler.cli.plan_commands import compute_plan, load_state
from reconciler.desired.files import UnreadableFile, read_regular_file
from reconciler.desired.load import DesiredState
from reconciler.errors import ApplyFailed, BlockedRemain, InputError, InputIssue, StalePlanError
from reconciler.kinds import PARTNER, MerchantView
from reconciler.live.factory import build_clients
from reconciler.pipeline import (
    client_params,
    desired_views_of,
    digest_of,
    make_plan,
    managed_fleet,
    read_live_view,
    select_merchants,
)
from reconciler.plan import Plan
from reconciler.plan.build import first_unimplied_dependencies
from reconciler.plan.fingerprint import precondition_key
from reconciler.plan.integrity import verify
from reconciler.plan.policy import Flags, check_policy
from reconciler.render import render_chunks
from reconciler.render.symbols import targets_line

MAX_PLAN_BYTES = 256 * 1024 * 1024


class _NotStrictJson(ValueError):
    """A plan file that JSON parsers read in different ways: a key twice in an object, NaN or Infinity."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps the last of two equal keys and the MAC covers what it kept, so a file could show a
    # reviewer (or another tool) one operation list and hand apply the other.
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _NotStrictJson(f"the key {json.dumps(key, ensure_ascii=True)[:80]} appears twice in an object")
        seen[key] = value
    return seen


def _no_constant(name: str) -> Any:
    raise _NotStrictJson(f"{name} is not a JSON value")


def read_plan_file(path: Path, key: bytes) -> Plan:
    """A saved plan whose MAC verifies; anything else is an ``InputError`` naming the file (exit 1)."""
    source = str(path)
    try:
        # A regular file only, at most MAX_PLAN_BYTES read: opening a FIFO would wait for a writer
        # forever, and /dev/zero (its size 0) would be read until the memory runs out.
        data = read_regular_file(path, MAX_PLAN_BYTES)
    except UnreadableFile as error:
        raise InputError([InputIssue(source, 1, 1, f"cannot read the plan: {error}")]) from None
    try:
        document = json.loads(data.decode("utf-8"), object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except _NotStrictJson as error:
        raise InputError([InputIssue(source, 1, 1, f"not a reconciler plan: {error}")]) from None
    except UnicodeDecodeError as error:
        issue = InputIssue(source, 1, 1, f"not a reconciler plan: not UTF-8 text ({error.reason})")
        raise InputError([issue]) from None
    except json.JSONDecodeError as error:
        issue = InputIssue(source, error.lineno, error.colno, f"not a reconciler plan: not JSON ({error.msg})")
        raise InputError([issue]) from None
    except RecursionError:
        raise InputError([InputIssue(source, 1, 1, "not a reconciler plan: nested too deeply")]) from None
    except ValueError:  # not a JSONDecodeError: an integer longer than Python converts (4300 digits)
        raise InputError([InputIssue(source, 1, 1, "not a reconciler plan: a number is too long")]) from None
    if not isinstance(document, dict):
        kind = "null" if document is None else type(document).__name__
        raise InputError([InputIssue(source, 1, 1, f"not a reconciler plan: the top level is {kind}, not an object")])
    verify(document, key, source)
    return Plan.from_dict(document, source)


def load_plan_file(path: Path, state: DesiredState, targets: tuple[str, ...]) -> Plan:
    """A saved plan, checked against the desired state it was made from (exit 4 when it changed)."""
    saved = read_plan_file(path, precondition_key(state.config))
    here = {"klarna": state.config.klarna.base_url, "dintero": state.config.dintero.base_url}
    # Every plan names both targets: one naming none (hand-made, sealed with the key) is no plan for these.
    if dict(saved.targets) != here:
        made = ", ".join(f"{api} {url}" for api, url in saved.targets.items()) or "no target"
        now = ", ".join(f"{api} {url}" for api, url in here.items())
        issue = InputIssue(str(path), 1, 1, f"the plan was made against {made}; this apply would talk to {now}")
        raise InputError([issue])
    views = desired_views_of(state, saved.merchants)
    if set(views) != set(saved.merchants) or digest_of(views, state) != saved.desired_digest:
        raise StalePlanError(
            f"{path}: the desired state changed since this plan was made (desired_digest differs); plan again"
        )
    # ``ignored_references`` lives in reconciler.yaml, outside the digest: a merchant listed there since the
    # plan was made is out of management, and nothing is written for it.
    ignored = sorted(set(saved.merchants) & set(state.config.ignored_references))
    if ignored:
        raise StalePlanError(
            f"{path}: the desired state changed since this plan was made ({ignored[0]} is now in "
            "ignored_references); plan again"
        )
    # Apply lets an operation whose dependencies ran past the check of its live object: the file's word
    # on them is not taken, they must be the ones the plan's operations and desired state give.
    wrong = first_unimplied_dependencies(saved.operations, views.__getitem__)
    if wrong is not None:
        address = saved.operations[wrong].address
        message = f"not a reconciler plan: operations[{wrong}].depends_on: {address} depends on other operations"
        message += " than its kind and the desired state give it"
        raise InputError([InputIssue(str(path), 1, 1, message)])
    if targets:
        wanted = {m.account_reference for m in select_merchants(state, targets)}
        saved = replace(saved, operations=tuple(op for op in saved.operations if op.merchant in wanted))
    return saved


MAX_WAIT_SECONDS = 24 * 60 * 60


def checked_wait_timeout(value: float) -> float:
    """``--wait-timeout``, 0 to a day: with nan no comparison with the deadline is true, so every wait
    polled its 10,000 times with no pause between the reads; inf waited for as long as they took."""
    if not 0 <= value <= MAX_WAIT_SECONDS:  # false for nan too
        raise click.BadParameter(f"{value!r} is not a number of seconds from 0 to {MAX_WAIT_SECONDS}")
    return value


def confirm_apply(auto_approve: bool, dry_run: bool) -> None:
    if auto_approve or dry_run:
        return
    if not sys.stdin.isatty():
        raise InputError([InputIssue("(command line)", 1, 1, "apply needs --auto-approve when not run on a terminal")])
    if not click.confirm("Apply these changes?", default=False):
        raise ApplyFailed("apply cancelled; nothing was written")


@click.command()
@click.argument("plan_file", required=False, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@desired_option
@targets_option
@click.option("--dry-run", is_flag=True, help="Print every request apply would send; send no write.")
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
@click.option("--allow-delete", is_flag=True, help="Allow delete operations (the safety policy refuses them).")
@click.option("--allow-disable", is_flag=True, help="Allow disabling more merchants than the safety policy does.")
@click.option(
    "--allow-bank-account-changes",
    is_flag=True,
    help="Allow more bank account changes than policy.max_bank_account_changes.",
)
@click.option("--allow-high-risk", is_flag=True, help="Allow high-risk operations (policy.require_high_risk_flag).")
@click.option(
    "--wait-timeout",
    type=float,
    callback=lambda _ctx, _param, value: checked_wait_timeout(value),
    default=120.0,
    show_default=True,
    help="Seconds to wait for a new account to become OPERATIONAL.",
)
@parallelism_option
@rate_limit_option
@handles_errors
def apply(
    plan_file: Path | None,
    desired_dir: Path,
    targets: tuple[str, ...],
    dry_run: bool,
    auto_approve: bool,
    allow_delete: bool,
    allow_disable: bool,
    allow_bank_account_changes: bool,
    allow_high_risk: bool,
    wait_timeout: float,
    parallelism: int | None,
    rate_limits: dict[str, float],
) -> None:
    """Apply a saved plan, or plan and apply; idempotent, in dependency order.

    \b
    Exit codes: 0 done, 1 error or failed operations (or a plan file that is not a valid plan),
    3 refused by the safety policy, 4 the saved plan is stale (the others were applied),
    5 blocked operations remain (they need a person).
    Environment: as for plan; RECONCILER_MASK_KEY must be the one the plan was made with.
    """
    state = load_state(desired_dir, parallelism, rate_limits)
    if plan_file is not None:
        the_plan = load_plan_file(plan_file, state, targets)
    else:
        the_plan = compute_plan(state, targets, with_unmanaged=False)
        for chunk in render_chunks(the_plan, "text", color=color_for(sys.stdout)):
            click.echo(chunk, nl=False)
        if not the_plan.has_changes:
            return
        confirm_apply(auto_approve, dry_run)
    flags = Flags(allow_delete, allow_disable, allow_bank_account_changes, allow_high_risk)
    check_policy(the_plan.operations, state.config.policy, managed_fleet(state), flags)
    if plan_file is not None:
        click.echo(targets_line(the_plan) or "")
    report = run_async(run_apply(state, the_plan, dry_run=dry_run, wait_timeout=wait_timeout))
    click.echo(render_report(report), nl=False)
    if report.failed or report.unknown or report.not_converged:
        # An unknown outcome is no success: the run did not do all it was asked, and it is exit 1.
        unknown = f"{len(report.unknown)} with an unknown outcome, " if report.unknown else ""
        # Each operation is counted once, as the report above counts it: a skipped one did not fail itself.
        skipped = report.count(Outcome.SKIPPED)
        failed = f"{report.count(Outcome.FAILED)} operation(s) failed, {unknown}"
        after = f", {skipped} skipped" if skipped else ""
        raise ApplyFailed(f"apply failed: {failed}{len(report.not_converged)} not converged{after}")
    if report.stale:
        raise StalePlanError(
            f"{len(report.stale)} operation(s) refused: the live state changed since the plan was made; plan again"
        )
    if report.blocked and not dry_run:
        raise BlockedRemain(
            f"{len(report.blocked)} blocked operation(s) remain: they need action outside the APIs (see above)"
        )


async def run_apply(state: DesiredState, the_plan: Plan, *, dry_run: bool, wait_timeout: float) -> ApplyReport:
    params = client_params(state.config, Path.cwd())
    desired = desired_views_of(state, the_plan.merchants)

    def emit(line: str) -> None:
        click.echo(line, err=not dry_run or ": would send " not in line)

    async with build_clients(params) as clients:

        async def read_live(reference: str) -> MerchantView:
            return await read_live_view(clients, state, desired[reference])

        async def verify(references: Sequence[str]) -> Plan:
            merchants = [state.merchant(r) for r in references if r != PARTNER]
            return await make_plan(clients, state, merchants, include_partner=PARTNER in references)

        settings = ExecutorSettings(
            precondition_key=precondition_key(state.config),
            dry_run=dry_run,
            parallelism=state.config.parallelism,
            operational_timeout_seconds=wait_timeout,
        )
        return await apply_plan(clients, the_plan, desired, read_live, settings, emit, verify)
