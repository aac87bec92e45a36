"""The ``reconciler validate`` and ``reconciler schema`` commands: offline checks of the desired state."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.exits import handles_errors
from reconciler.desired.load import load_desired
from reconciler.desired.schema import render_merchant_schema


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
    Exit codes: 0 the desired state is valid, 1 a problem (every one of them is printed).
    Environment: the variables its `!env NAME` references name; RECONCILER_AGE_IDENTITY or
    RECONCILER_AGE_IDENTITY_FILE (the age identity that opens secrets.age for `!secret NAME`);
    RECONCILER_KLARNA_URL, RECONCILER_DINTERO_URL, KLARNA_API_KEY, DINTERO_PARTNER_ID, DINTERO_CLIENT_ID,
    DINTERO_CLIENT_SECRET (override reconciler.yaml), CI and RECONCILER_ALLOW_SANDBOX (with CI=true the
    sandbox must be asked for explicitly). Nothing is read from the APIs.
    """
    state = load_desired(desired, hash_bank_accounts=False)  # offline: no salt is needed to check the files
    with_dintero = sum(1 for merchant in state.merchants if merchant.has_dintero)
    partner = ", partner.yaml" if state.partner is not None else ""
    targets = f"klarna={state.config.klarna.base_url}, dintero={state.config.dintero.base_url}"
    click.echo(
        f"OK: {len(state.merchants)} merchants ({with_dintero} with Dintero){partner} in {desired}; targets {targets}"
    )


@click.command()
def schema() -> None:
    """Print the JSON Schema of a merchant file (committed as desired-state/merchant.schema.json).

    \b
    Exit codes: 0 printed.
    Environment: none is read.
    """
    click.echo(render_merchant_schema(), nl=False)
