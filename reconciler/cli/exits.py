"""Exit codes (DESIGN §5) and the one place errors become them."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from reconciler.errors import BlockedRemain, PolicyViolation, ReconcilerError, StalePlanError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_POLICY = 3
EXIT_STALE = 4
EXIT_BLOCKED = 5

F = TypeVar("F", bound=Callable[..., Any])


def exit_code_for(error: ReconcilerError) -> int:
    """The exit code of DESIGN §5 for an error."""
    if isinstance(error, PolicyViolation):
        return EXIT_POLICY
    if isinstance(error, StalePlanError):
        return EXIT_STALE
    if isinstance(error, BlockedRemain):
        return EXIT_BLOCKED
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
