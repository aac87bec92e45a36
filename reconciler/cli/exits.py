"""Exit codes (DESIGN §5) and the one place errors become them."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from reconciler.config import ENV_DINTERO_CLIENT_ID, ENV_DINTERO_CLIENT_SECRET, ENV_KLARNA_API_KEY
from reconciler.errors import BlockedRemain, PolicyViolation, ReadFailed, ReconcilerError, StalePlanError, printable

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_POLICY = 3
EXIT_STALE = 4
EXIT_BLOCKED = 5
EXIT_INTERRUPTED = 130

F = TypeVar("F", bound=Callable[..., Any])

CREDENTIAL_HINTS = {
    "klarna": f"check {ENV_KLARNA_API_KEY} (or the variable targets.klarna.api_key_env names in reconciler.yaml)",
    "dintero": (
        f"check {ENV_DINTERO_CLIENT_ID} and {ENV_DINTERO_CLIENT_SECRET} (or the variables targets.dintero names "
        "in reconciler.yaml)"
    ),
}


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
    """Turn a ReconcilerError into its message on stderr and its exit code.

    Two more, so that no user meets a traceback: an operating system's error no check before it foresaw (a
    folder this process may not enter, a disk full) is its file and reason, exit 1; Ctrl-C is one line,
    exit 130 (128 + SIGINT, as a shell reports it). What it stopped is left as a killed run leaves it.
    """

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ReconcilerError as error:
            click.echo(str(error), err=True)
            if isinstance(error, ReadFailed):
                for api in error.unauthorized_apis:
                    click.echo(f"The {api} API refused the credentials: {CREDENTIAL_HINTS.get(api, '')}", err=True)
            sys.exit(exit_code_for(error))
        except BrokenPipeError:
            # The reader of the output went away (``| head``): nothing more to say to it, and nothing to
            # flush at exit, where the interpreter would report the pipe again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_ERROR)
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            click.echo(printable(f"{where}{error.strerror or type(error).__name__}"), err=True)
            sys.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(EXIT_INTERRUPTED)

    return wrapper  # type: ignore[return-value]
