"""``reconciler sandbox ...`` commands."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.sandbox.embedded import embedded_db_path
from reconciler.sandbox.platform.settings import (
    DEFAULT_DINTERO_CLIENT_ID,
    DEFAULT_DINTERO_CLIENT_SECRET,
    DEFAULT_DINTERO_PARTNER_ID,
    DEFAULT_KLARNA_API_KEY,
    DINTERO_PREFIX,
    KLARNA_PREFIX,
    SandboxSettings,
)

MEMORY = ":memory:"


EPILOG = """\b
Exit codes: 0 stopped (Ctrl-C), 1 error (a bad option, the port taken).
Environment: none is read; every setting is an option (the credentials it accepts too)."""


@click.group(epilog=EPILOG)
def sandbox() -> None:
    """The bundled simulator of the Klarna and Dintero APIs."""


@sandbox.command("serve", epilog=EPILOG)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--db",
    "db",
    default=None,
    help=f"SQLite file for the state (default: the embedded sandbox's {embedded_db_path(Path('.'))}; "
    f"{MEMORY} keeps it in memory).",
)
@click.option("--latency-ms", default=0.0, show_default=True, type=click.FloatRange(0), help="Fixed latency.")
@click.option("--jitter-ms", default=0.0, show_default=True, type=click.FloatRange(0), help="Uniform extra latency.")
@click.option("--fault-rate", default=0.0, show_default=True, type=click.FloatRange(0, 1), help="Random 500/503 rate.")
@click.option("--seed", default=None, type=int, help="Makes random faults and jitter reproducible.")
@click.option(
    "--rate-limit", default=0.0, show_default=True, type=click.FloatRange(0), help="Requests/second per API (0: none)."
)
@click.option(
    "--operational-delay",
    default=2.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Seconds before a new Klarna account becomes OPERATIONAL.",
)
@click.option(
    "--webhook-retry-delays",
    default="1,2,4,8,16,32",
    show_default=True,
    help="Seconds to wait before each retry of a failed webhook delivery, comma-separated (empty: no retry).",
)
@click.option("--klarna-api-key", "klarna_api_keys", multiple=True, help="Accepted Klarna API key (repeatable).")
@click.option("--dintero-partner-id", default=DEFAULT_DINTERO_PARTNER_ID, show_default=True)
@click.option("--dintero-client-id", default=DEFAULT_DINTERO_CLIENT_ID, show_default=True)
@click.option("--dintero-client-secret", default=DEFAULT_DINTERO_CLIENT_SECRET, show_default=False)
@click.option("--log-level", default="warning", show_default=True, type=click.Choice(["debug", "info", "warning"]))
def serve(
    host: str,
    port: int,
    db: str | None,
    latency_ms: float,
    jitter_ms: float,
    fault_rate: float,
    seed: int | None,
    rate_limit: float,
    operational_delay: float,
    webhook_retry_delays: str,
    klarna_api_keys: tuple[str, ...],
    dintero_partner_id: str,
    dintero_client_id: str,
    dintero_client_secret: str,
    log_level: str,
) -> None:
    """Run the sandbox as an HTTP server (Klarna under /klarna, Dintero under /dintero)."""
    from reconciler.sandbox.server import run_server

    db_path = None if db == MEMORY else Path(db) if db else embedded_db_path(Path.cwd())
    settings = SandboxSettings(
        db_path=db_path,
        klarna_api_keys=klarna_api_keys or (DEFAULT_KLARNA_API_KEY,),
        dintero_partner_id=dintero_partner_id,
        dintero_client_id=dintero_client_id,
        dintero_client_secret=dintero_client_secret,
        operational_delay_seconds=operational_delay,
        webhook_retry_delays_seconds=_delays(webhook_retry_delays),
        latency_ms=latency_ms,
        jitter_ms=jitter_ms,
        fault_rate=fault_rate,
        rate_limit_per_second=rate_limit,
        seed=seed,
    )
    base = f"http://{host}:{port}"
    click.echo(
        f"sandbox on {base}: Klarna {base}{KLARNA_PREFIX}, Dintero {base}{DINTERO_PREFIX}, "
        f"docs {base}/docs, state {db_path or 'in memory'}",
        err=True,
    )
    run_server(settings, host=host, port=port, log_level=log_level)


def _delays(text: str) -> tuple[float, ...]:
    try:
        delays = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise click.BadParameter(
            "a comma-separated list of seconds, e.g. 1,2,4", param_hint="--webhook-retry-delays"
        ) from None
    if any(d < 0 for d in delays) or len(delays) > 20:
        raise click.BadParameter("at most 20 delays, none negative", param_hint="--webhook-retry-delays")
    return delays
