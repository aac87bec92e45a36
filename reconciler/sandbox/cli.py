"""``reconciler sandbox ...`` commands."""

from __future__ import annotations

import click


@click.group()
def sandbox() -> None:
    """The bundled simulator of the Klarna and Dintero APIs."""
