"""The ``reconciler validate`` and ``reconciler schema`` commands: offline checks of the desired state."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.exits import handles_errors
from reconciler.desired.load import load_desired


@click.command()
@click.option(
    "--desired",
    "desired",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("desired-state"),
    show_default=True,
    help="The desired-state directory.",
)
@handles_errors
def validate(desired: Path) -> None:
    """Check the desired state offline; print every problem as FILE:LINE:COL: message (exit 1).

    \b
    A !secret name the store lacks and a secret no file uses are problems too. Without an age
    identity the names come from secrets.index and nothing is decrypted; with one, the values
    written as !secret are checked as well.
    Exit codes: 0 valid, 1 problems found.
    Environment: RECONCILER_AGE_IDENTITY or RECONCILER_AGE_IDENTITY_FILE (the identity of the secrets
    store, optional), CI (with CI=true an unset !env variable is an error even with a fallback, unless
    env.allow_fallback in reconciler.yaml lists it), and the variables !env references name.
    """
    state = load_desired(desired, check_only=True)
    with_dintero = sum(1 for merchant in state.merchants if merchant.has_dintero)
    partner = ", partner.yaml" if state.partner is not None else ""
    targets = f"klarna={state.config.klarna.base_url}, dintero={state.config.dintero.base_url}"
    click.echo(
        f"OK: {len(state.merchants)} merchants ({with_dintero} with Dintero){partner} in {desired}; targets {targets}"
    )
    if state.withheld_files:
        click.echo(
            f"{len(state.withheld_files)} more file(s) checked without the values of their !secret references "
            "(no age identity given: names were checked against secrets.index; set RECONCILER_AGE_IDENTITY to "
            "check the values too)"
        )


@click.command()
def schema() -> None:
    """Print the JSON Schema of a merchant file (committed as desired-state/merchant.schema.json).

    \b
    Exit codes: 0 printed.
    Environment: none is read.
    """
    from reconciler.desired.schema import render_merchant_schema  # here: validate does not need it

    click.echo(render_merchant_schema(), nl=False)
