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


def color_for(stream: TextIO) -> bool:
    """Colour on a terminal, unless --no-color, NO_COLOR or TERM=dumb said no."""
    ctx = click.get_current_context(silent=True)
    allowed = bool(ctx.find_root().obj.get("color", True)) if ctx is not None and ctx.find_root().obj else True
    return allowed and stream.isatty()
