"""Options and helpers the commands share."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO, TypeVar

import click

from reconciler.render import FORMATS

F = TypeVar("F", bound=Callable[..., Any])

FORMAT_CHOICE = click.Choice(sorted(FORMATS))


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
    if total <= 5 or not color_for(sys.stderr):
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)


def parallelism_option(func: F) -> F:
    return click.option(
        "--parallelism",
        type=click.IntRange(1, 256),
        default=None,
        metavar="N",
        help="Requests in flight per API (default: parallelism in reconciler.yaml, else 16).",
    )(func)


RATE_LIMIT_APIS = ("klarna", "dintero")


def _rate_limits(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, float]:
    """``API=N`` pairs as {api: requests per second}; the last one given for an API wins."""
    from reconciler.config import MAX_RATE_LIMIT, MIN_RATE_LIMIT

    limits: dict[str, float] = {}
    for value in values:
        api, sep, number = value.partition("=")
        api = api.strip().lower()
        if not sep or api not in RATE_LIMIT_APIS:
            raise click.BadParameter(f"{value!r}: expected API=N with API one of {', '.join(RATE_LIMIT_APIS)}")
        try:
            rate = float(number)
        except ValueError:
            rate = float("nan")
        if not MIN_RATE_LIMIT <= rate <= MAX_RATE_LIMIT:  # also refuses nan
            raise click.BadParameter(
                f"{value!r}: N is requests per second, from {MIN_RATE_LIMIT:g} to {MAX_RATE_LIMIT:g}"
            )
        limits[api] = rate
    return limits


def rate_limit_option(func: F) -> F:
    return click.option(
        "--rate-limit",
        "rate_limits",
        multiple=True,
        metavar="API=N",
        callback=_rate_limits,
        help="At most N requests per second to API (klarna or dintero), over targets.API.rate_limit "
        "in reconciler.yaml; repeatable.",
    )(func)


def color_for(stream: TextIO) -> bool:
    """Colour on a terminal, unless --no-color, NO_COLOR or TERM=dumb said no."""
    ctx = click.get_current_context(silent=True)
    allowed = bool(ctx.find_root().obj.get("color", True)) if ctx is not None and ctx.find_root().obj else True
    return allowed and stream.isatty()
