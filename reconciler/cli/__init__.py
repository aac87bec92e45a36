"""The command line: click commands, and the only place that maps errors to exit codes (``cli.exits``)."""

from __future__ import annotations

import click

from reconciler.cli.apply_command import apply
from reconciler.cli.desired_commands import schema, validate
from reconciler.cli.exits import handles_errors
from reconciler.cli.plan_commands import drift, plan
from reconciler.sandbox.cli import sandbox


@click.group()
@click.version_option(package_name="reconciler")
def main() -> None:
    """GitOps for payment merchants: plan and apply Klarna and Dintero merchant state from YAML."""


for command in (validate, schema, plan, drift, apply, sandbox):
    main.add_command(command)

__all__ = ["handles_errors", "main"]
