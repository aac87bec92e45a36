"""``reconciler show PLAN``: a saved plan, rendered, after checking that it is the plan that was written."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reconciler.cli.apply_command import read_plan_file
from reconciler.cli.exits import handles_errors
from reconciler.cli.options import FORMAT_CHOICE, color_for, desired_option
from reconciler.cli.plan_commands import load_state
from reconciler.plan.fingerprint import precondition_key
from reconciler.render import render


@click.command()
@click.argument("plan_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--format", "fmt", type=FORMAT_CHOICE, default="text", show_default=True)
@desired_option
@handles_errors
def show(plan_file: Path, fmt: str, desired_dir: Path) -> None:
    """Render a saved plan (text, json or markdown), as apply would carry it out.

    \b
    The plan's MAC is checked with the key of the desired state's credentials (or
    RECONCILER_MASK_KEY), so what is shown is what apply accepts. Nothing is read from the APIs.
    Exit codes: 0 shown, 1 the file is not a valid plan or was changed after it was written.
    Environment: RECONCILER_MASK_KEY, else the credentials the key derives from (KLARNA_API_KEY,
    DINTERO_PARTNER_ID, DINTERO_CLIENT_ID, DINTERO_CLIENT_SECRET, over reconciler.yaml); the variables
    the desired state's `!env` references name; NO_COLOR and TERM (colour).
    """
    state = load_state(desired_dir)
    the_plan = read_plan_file(plan_file, precondition_key(state.config))
    click.echo(render(the_plan, fmt, color=fmt == "text" and color_for(sys.stdout)), nl=False)
