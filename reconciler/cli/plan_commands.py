"""``reconciler plan`` and ``reconciler drift``: read the live state and show what differs."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import click

from reconciler.cli.exits import EXIT_CHANGES, handles_errors
from reconciler.cli.loop import run_async
from reconciler.cli.options import (
    FORMAT_CHOICE,
    color_for,
    desired_option,
    parallelism_option,
    progress_bar,
    rate_limit_option,
    targets_option,
)
from reconciler.desired.load import DesiredState, load_desired
from reconciler.live.factory import build_clients
from reconciler.pipeline import client_params, make_plan, select_merchants
from reconciler.plan import Plan
from reconciler.plan.fingerprint import precondition_key
from reconciler.render import render_chunks
from reconciler.sensitive import use_key as use_mask_key

F = TypeVar("F", bound=Callable[..., Any])


def load_state(
    desired_dir: Path, parallelism: int | None = None, rate_limits: Mapping[str, float] | None = None
) -> DesiredState:
    """The desired state, with output masks keyed like the plan's preconditions (stable across runs).

    ``parallelism`` and ``rate_limits`` (requests per second by API) from the command line win over
    reconciler.yaml's.
    """
    state = load_desired(desired_dir)
    use_mask_key(precondition_key(state.config))
    config = state.config
    if parallelism is not None:
        config = replace(config, parallelism=parallelism)
    for api, limit in (rate_limits or {}).items():  # the API names are config's (``options.RATE_LIMIT_APIS``)
        config = replace(config, **{api: replace(getattr(config, api), rate_limit=limit)})
    return replace(state, config=config)


def compute_plan(
    state: DesiredState, targets: tuple[str, ...], *, with_unmanaged: bool, commit: str | None = None
) -> Plan:
    """Read the live state and compare: the shared first half of plan, drift and apply.

    ``commit`` is the commit the desired state was checked out at; ``None`` takes ``GITHUB_SHA``
    when it is a commit id.
    """
    if commit is None:
        found = os.environ.get("GITHUB_SHA", "").strip()
        commit = found.lower() if COMMIT_ID.fullmatch(found) else ""
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
                    from_lists=with_unmanaged and not targets,
                    progress=progress,
                    commit=commit,
                )

    return run_async(run())


COMMIT_ID = re.compile(r"[0-9a-fA-F]{7,40}")


def _commit_id(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    """A commit id (7 to 40 hex digits), lower case; anything else is a usage error (exit 1)."""
    if value is None or value.strip() == "":
        return ""
    if not COMMIT_ID.fullmatch(value.strip()):
        shown = value.strip()[:60].encode("unicode_escape").decode("ascii")
        raise click.BadParameter(
            f"{shown!r} is not a commit id (7 to 40 hexadecimal digits); from --commit or GITHUB_SHA"
        )
    return value.strip().lower()


def commit_option(func: F) -> F:
    return click.option(
        "--commit",
        metavar="SHA",
        envvar="GITHUB_SHA",
        callback=_commit_id,
        help="The commit the desired state was checked out at, shown in every format and kept in --out "
        "(default: GITHUB_SHA).",
    )(func)


def emit_plan(plan: Plan, fmt: str, out: Path | None) -> None:
    if out is not None:
        with out.open("w", encoding="utf-8") as written:
            written.writelines(render_chunks(plan, "json"))
    for chunk in render_chunks(plan, fmt, color=fmt == "text" and color_for(sys.stdout)):
        click.echo(chunk, nl=False)


@click.command()
@desired_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the plan as JSON here.")
@click.option("--format", "fmt", type=FORMAT_CHOICE, default="text", show_default=True)
@targets_option
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes, 0 when there are none.")
@parallelism_option
@commit_option
@rate_limit_option
@handles_errors
def plan(
    desired_dir: Path,
    out: Path | None,
    fmt: str,
    targets: tuple[str, ...],
    detailed_exitcode: bool,
    parallelism: int | None,
    commit: str,
    rate_limits: dict[str, float],
) -> None:
    """Read the live state of every declared merchant and print what apply would change.

    \b
    Formats: text (like terraform plan), json (the plan document, as --out writes it: a keyed MAC
    over it lets apply refuse an edited file), markdown (a pull-request comment).
    Exit codes: 0 done (with --detailed-exitcode: no changes), 1 error, 2 changes present
    (--detailed-exitcode only).
    Environment: RECONCILER_KLARNA_URL, RECONCILER_DINTERO_URL, KLARNA_API_KEY, DINTERO_PARTNER_ID,
    DINTERO_CLIENT_ID, DINTERO_CLIENT_SECRET (override reconciler.yaml), RECONCILER_MASK_KEY (the key
    of masks, preconditions and the plan's MAC; default: derived from the credentials), GITHUB_SHA
    (the default of --commit), CI (with CI=true the sandbox must be asked for explicitly),
    RECONCILER_ALLOW_SANDBOX (1: the sandbox may be used with CI=true), NO_COLOR, TERM.
    """
    result = compute_plan(
        load_state(desired_dir, parallelism, rate_limits), targets, with_unmanaged=False, commit=commit
    )
    emit_plan(result, fmt, out)
    if detailed_exitcode and result.has_changes:
        sys.exit(EXIT_CHANGES)


@click.command()
@desired_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the report as JSON here.")
@click.option("--format", "fmt", type=FORMAT_CHOICE, default="text", show_default=True)
@targets_option
@parallelism_option
@commit_option
@rate_limit_option
@handles_errors
def drift(
    desired_dir: Path,
    out: Path | None,
    fmt: str,
    targets: tuple[str, ...],
    parallelism: int | None,
    rate_limits: dict[str, float],
    commit: str,
) -> None:
    """Read-only check that the live state matches git; lists unmanaged merchants too.

    \b
    Differences the provider made (state it holds) are listed first, then those to write back (an
    edit outside git, or a desired change not yet applied), then blocked ones.
    Exit codes: 0 no drift, 1 error, 2 drift or unmanaged merchants present.
    Environment: as for plan.
    """
    result = compute_plan(
        load_state(desired_dir, parallelism, rate_limits), targets, with_unmanaged=True, commit=commit
    )
    emit_plan(result, fmt, out)
    if result.has_changes or result.unmanaged:
        sys.exit(EXIT_CHANGES)
