"""The command line: click commands, and the only place that maps errors to exit codes (``cli.exits``).

Each command's module is imported when that command runs, so ``reconciler --version`` and the help
answer without loading the pipeline. Usage errors exit 1 (click's own 2 would read as "changes
present" to a workflow that runs ``plan --detailed-exitcode``).
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click

from reconciler.version import __version__

EXIT_USAGE = 1
PLUGINS_VARIABLE = "PYDANTIC_DISABLE_PLUGINS"

# name -> (module, attribute, one-line help shown by ``reconciler --help``)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "validate": ("reconciler.cli.desired_commands", "validate", "Check the desired state offline."),
    "schema": ("reconciler.cli.desired_commands", "schema", "Print the JSON Schema of a merchant file."),
    "plan": ("reconciler.cli.plan_commands", "plan", "Show what apply would change."),
    "drift": ("reconciler.cli.plan_commands", "drift", "Read-only check that the live state matches git."),
    "show": ("reconciler.cli.show_command", "show", "Render a saved plan file."),
    "apply": ("reconciler.cli.apply_command", "apply", "Apply a saved plan, or plan and apply."),
    "import": ("reconciler.cli.import_command", "import_", "Write merchant files from the live state."),
    "secrets": ("reconciler.cli.secrets_command", "secrets", "Set, list, remove and rekey the secrets store."),
    "sandbox": ("reconciler.sandbox.cli", "sandbox", "The bundled simulator of the Klarna and Dintero APIs."),
}


@contextmanager
def _no_pydantic_plugins() -> Iterator[None]:
    """No pydantic plugin while a command runs, unless the operator sets PYDANTIC_DISABLE_PLUGINS.

    A plugin installed beside the tool (an observability one, say) would be handed every value the
    models validate, secrets included; the variable names the plugins to leave out (empty: none).
    Looking for plugins also read the metadata of every installed distribution on each start. The
    environment is given back as it was, for a caller that runs the command line in its own process.
    """
    if PLUGINS_VARIABLE in os.environ:
        yield
        return
    os.environ[PLUGINS_VARIABLE] = "__all__"
    try:
        yield
    finally:
        os.environ.pop(PLUGINS_VARIABLE, None)


class ReconcilerGroup(click.Group):
    """Commands loaded on use; click's usage errors mapped to exit 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[cmd_name]
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, summary) for name, (_, _, summary) in COMMANDS.items()])

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        from reconciler.cli.concealed import concealed_output

        with _no_pydantic_plugins(), concealed_output():
            try:
                return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            except click.UsageError as error:
                error.show()
                sys.exit(EXIT_USAGE)
            except click.ClickException as error:
                error.show()
                sys.exit(error.exit_code)
            except click.Abort:
                click.echo("Aborted.", err=True)
                sys.exit(EXIT_USAGE)


EPILOG = """\b
Exit codes (every command): 0 success, nothing to change; 1 error (bad input, usage, API failure);
2 changes or drift present; 3 refused by the safety policy; 4 the saved plan is stale;
5 apply did all it could and blocked operations remain.

\b
Every command that talks to an API uses the bundled sandbox unless desired-state/reconciler.yaml
or RECONCILER_KLARNA_URL / RECONCILER_DINTERO_URL name real targets."""


@click.group(cls=ReconcilerGroup, epilog=EPILOG)
@click.version_option(__version__, prog_name="reconciler")  # no package metadata read: it costs 0.1 s
@click.option("--no-color", is_flag=True, help="No colour in output (also NO_COLOR, or TERM=dumb).")
@click.pass_context
def main(ctx: click.Context, no_color: bool) -> None:
    """GitOps for payment merchants: plan and apply Klarna and Dintero merchant state from YAML."""
    ctx.obj = {"color": not (no_color or "NO_COLOR" in os.environ or os.environ.get("TERM") == "dumb")}


__all__ = ["main"]
