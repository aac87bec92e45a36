"""The command line: click commands, and the only place that maps errors to exit codes."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from reconciler.clients.factory import build_clients
from reconciler.desired.load import load_desired
from reconciler.errors import (
    ApplyFailed,
    InputError,
    PolicyViolation,
    ReconcilerError,
    StalePlanError,
)
from reconciler.plan import Plan
from reconciler.planning import client_params, make_plan, select_merchants
from reconciler.render import FORMATS, render

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


def _register_subcommands() -> None:
    # Imported here so each command family stays in its own module.
    from reconciler.desired.cli import schema, validate
    from reconciler.sandbox.cli import sandbox

    main.add_command(sandbox)
    main.add_command(validate)
    main.add_command(schema)


_register_subcommands()
