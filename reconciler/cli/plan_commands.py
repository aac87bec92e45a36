"""``reconciler plan`` and ``reconciler drift``: read the live state and show what differs."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from reconciler.cli.exits import EXIT_CHANGES, handles_errors
from reconciler.cli.options import FORMAT_CHOICE, desired_option, progress_bar, targets_option
from reconciler.desired.load import DesiredState, load_desired
from reconciler.live.factory import build_clients
from reconciler.pipeline import client_params, make_plan, select_merchants
from reconciler.plan import Plan
from reconciler.plan.fingerprint import precondition_key
from reconciler.render import render
from reconciler.sensitive import use_key as use_mask_key


def load_state(desired_dir: Path) -> DesiredState:
    """The desired state, with output masks keyed like the plan's preconditions (stable across runs)."""
    state = load_desired(desired_dir)
    use_mask_key(precondition_key(state.config))
    return state


def compute_plan(state: DesiredState, targets: tuple[str, ...], *, with_unmanaged: bool) -> Plan:
    """Read the live state and compare: the shared first half of plan, drift and apply."""
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


@click.command()
@desired_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the plan as JSON here.")
@click.option("--format", "fmt", type=FORMAT_CHOICE, default="text", show_default=True)
@targets_option
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes, 0 when there are none.")
@handles_errors
def plan(desired_dir: Path, out: Path | None, fmt: str, targets: tuple[str, ...], detailed_exitcode: bool) -> None:
    """Read the live state of every declared merchant and print what apply would change."""
    result = compute_plan(load_state(desired_dir), targets, with_unmanaged=False)
    emit_plan(result, fmt, out)
    if detailed_exitcode and result.has_changes:
        sys.exit(EXIT_CHANGES)


@click.command()
@desired_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the report as JSON here.")
@click.option("--format", "fmt", type=FORMAT_CHOICE, default="text", show_default=True)
@targets_option
@handles_errors
def drift(desired_dir: Path, out: Path | None, fmt: str, targets: tuple[str, ...]) -> None:
    """Read-only check that the live state matches git; exit 2 on drift. Lists unmanaged merchants too."""
    result = compute_plan(load_state(desired_dir), targets, with_unmanaged=True)
    emit_plan(result, fmt, out)
    if result.has_changes or result.unmanaged:
        sys.exit(EXIT_CHANGES)
