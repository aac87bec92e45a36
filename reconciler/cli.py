"""The command line: click commands, and the only place that maps errors to exit codes."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from reconciler.apply.executor import ApplyReport, ExecutorSettings, apply_plan
from reconciler.apply.policy import check_policy
from reconciler.clients.factory import build_clients
from reconciler.desired.load import DesiredState, load_desired
from reconciler.errors import (
    ApplyFailed,
    InputError,
    InputIssue,
    PolicyViolation,
    ReconcilerError,
    StalePlanError,
)
from reconciler.plan import Plan
from reconciler.planning import (
    client_params,
    desired_views_of,
    digest_of,
    make_plan,
    precondition_key,
    read_live_view,
    select_merchants,
)
from reconciler.render import FORMATS, render
from reconciler.render.report import render_report
from reconciler.resources import PARTNER, MerchantView

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_POLICY = 3
EXIT_STALE = 4

F = TypeVar("F", bound=Callable[..., Any])


def exit_code_for(error: ReconcilerError) -> int:
    """The exit code of DESIGN §5 for an error."""
    if isinstance(error, PolicyViolation):
        return EXIT_POLICY
    if isinstance(error, StalePlanError):
        return EXIT_STALE
    if isinstance(error, (InputError, ApplyFailed)):
        return EXIT_ERROR
    return EXIT_ERROR


def handles_errors(func: F) -> F:
    """Turn a ReconcilerError into its message on stderr and its exit code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ReconcilerError as error:
            click.echo(str(error), err=True)
            sys.exit(exit_code_for(error))

    return wrapper  # type: ignore[return-value]


@click.group()
@click.version_option(package_name="reconciler")
def main() -> None:
    """GitOps for payment merchants: plan and apply Klarna and Dintero merchant state from YAML."""


def desired_option(func: F) -> F:
    return click.option(
        "--desired",
        "desired_dir",
        default="desired-state",
        show_default=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="The desired-state directory.",
    )(func)


def targets_option(func: F) -> F:
    return click.option(
        "--target",
        "targets",
        multiple=True,
        metavar="REF",
        help="Only this merchant (an account_reference or a merchant file); repeatable.",
    )(func)


@contextmanager
def progress_bar(total: int, label: str) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr when it is a terminal and the job is more than a few merchants."""
    if total <= 5 or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)


def compute_plan(desired_dir: Path, targets: tuple[str, ...], *, with_unmanaged: bool) -> Plan:
    """Load, read the live state, diff: the shared first half of plan, drift and apply."""
    state = load_desired(desired_dir)
    merchants = select_merchants(state, targets)
    params = client_params(state.config, Path.cwd())

    async def run() -> Plan:
        async with build_clients(params) as clients:
            with progress_bar(len(merchants), "Reading live state") as progress:
                return await make_plan(
                    clients,
                    state,
                    merchants,
                    include_partner=not targets,
                    with_unmanaged=with_unmanaged,
                    progress=progress,
                )

    return asyncio.run(run())


def emit_plan(plan: Plan, fmt: str, out: Path | None) -> None:
    if out is not None:
        out.write_text(render(plan, "json"), encoding="utf-8")
    click.echo(render(plan, fmt, color=fmt == "text" and sys.stdout.isatty()), nl=False)


FORMAT_CHOICE = click.Choice(sorted(FORMATS))


@main.command()
@desired_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the plan as JSON here.")
@click.option("--format", "fmt", type=FORMAT_CHOICE, default="text", show_default=True)
@targets_option
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes, 0 when there are none.")
@handles_errors
def plan(desired_dir: Path, out: Path | None, fmt: str, targets: tuple[str, ...], detailed_exitcode: bool) -> None:
    """Read the live state of every declared merchant and print what apply would change."""
    result = compute_plan(desired_dir, targets, with_unmanaged=False)
    emit_plan(result, fmt, out)
    if detailed_exitcode and result.has_changes:
        sys.exit(EXIT_CHANGES)


@main.command()
@desired_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the report as JSON here.")
@click.option("--format", "fmt", type=FORMAT_CHOICE, default="text", show_default=True)
@targets_option
@handles_errors
def drift(desired_dir: Path, out: Path | None, fmt: str, targets: tuple[str, ...]) -> None:
    """Read-only check that the live state matches git; exit 2 on drift. Lists unmanaged merchants too."""
    result = compute_plan(desired_dir, targets, with_unmanaged=True)
    emit_plan(result, fmt, out)
    if result.has_changes or result.unmanaged:
        sys.exit(EXIT_CHANGES)


def load_plan_file(path: Path, state: DesiredState, targets: tuple[str, ...]) -> Plan:
    """A saved plan, checked against the desired state it was made from (exit 4 when it changed)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError([InputIssue(str(path), 1, 1, f"cannot read the plan: {error}")]) from None
    saved = Plan.from_dict(document, str(path))
    views = desired_views_of(state, saved.merchants)
    if set(views) != set(saved.merchants) or digest_of(list(views.values()), state) != saved.desired_digest:
        raise StalePlanError(
            f"{path}: the desired state changed since this plan was made (desired_digest differs); plan again"
        )
    if targets:
        wanted = {m.account_reference for m in select_merchants(state, targets)}
        saved = replace(saved, operations=tuple(op for op in saved.operations if op.merchant in wanted))
    return saved


def confirm_apply(auto_approve: bool, dry_run: bool) -> None:
    if auto_approve or dry_run:
        return
    if not sys.stdin.isatty():
        raise InputError([InputIssue("(command line)", 1, 1, "apply needs --auto-approve when not run on a terminal")])
    if not click.confirm("Apply these changes?", default=False):
        raise ApplyFailed("apply cancelled; nothing was written")


@main.command()
@click.argument("plan_file", required=False, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@desired_option
@targets_option
@click.option("--dry-run", is_flag=True, help="Print every request apply would send; send no write.")
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
@click.option("--allow-delete", is_flag=True, help="Allow delete operations (the safety policy refuses them).")
@click.option("--allow-disable", is_flag=True, help="Allow disabling more merchants than the safety policy does.")
@click.option(
    "--wait-timeout",
    type=float,
    default=120.0,
    show_default=True,
    help="Seconds to wait for a new account to become OPERATIONAL.",
)
@handles_errors
def apply(
    plan_file: Path | None,
    desired_dir: Path,
    targets: tuple[str, ...],
    dry_run: bool,
    auto_approve: bool,
    allow_delete: bool,
    allow_disable: bool,
    wait_timeout: float,
) -> None:
    """Apply a saved plan, or plan and apply; idempotent, in dependency order."""
    state = load_desired(desired_dir)
    if plan_file is not None:
        the_plan = load_plan_file(plan_file, state, targets)
    else:
        the_plan = compute_plan(desired_dir, targets, with_unmanaged=False)
        click.echo(render(the_plan, "text", color=sys.stdout.isatty()), nl=False)
        if not the_plan.has_changes:
            return
        confirm_apply(auto_approve, dry_run)
    check_policy(
        the_plan, state.config.policy, len(state.merchants), allow_delete=allow_delete, allow_disable=allow_disable
    )
    report = asyncio.run(run_apply(state, the_plan, dry_run=dry_run, wait_timeout=wait_timeout))
    click.echo(render_report(report), nl=False)
    if report.failed or report.not_converged:
        raise ApplyFailed(
            f"apply failed: {len(report.failed)} operation(s) failed, {len(report.not_converged)} not converged"
        )
    if report.stale:
        raise StalePlanError(
            f"{len(report.stale)} operation(s) refused: the live state changed since the plan was made; plan again"
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


def _register_subcommands() -> None:
    # Imported here so each command family stays in its own module.
    from reconciler.desired.cli import schema, validate
    from reconciler.sandbox.cli import sandbox

    main.add_command(sandbox)
    main.add_command(validate)
    main.add_command(schema)


_register_subcommands()
