"""Options and helpers the commands share."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

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
    if total <= 5 or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)
