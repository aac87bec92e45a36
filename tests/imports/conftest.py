"""Fixtures for import: the CLI workspace of the plan tests, and a desired-state directory with age recipients."""

from __future__ import annotations

from pathlib import Path

import pyrage
import pytest

from reconciler.desired.secret_store import SecretsStore, write_recipients
from tests.plan.conftest import Cli, cli  # noqa: F401


class Keys:
    def __init__(self) -> None:
        self.identity = pyrage.x25519.Identity.generate()

    @property
    def secret(self) -> str:
        return str(self.identity)

    def store(self, directory: Path) -> SecretsStore:
        return SecretsStore.open(directory, [self.identity])


@pytest.fixture
def keys() -> Keys:
    return Keys()


@pytest.fixture
def target(cli: Cli, keys: Keys) -> Path:  # noqa: F811
    """An empty desired-state directory whose secrets.recipients names ``keys``."""
    directory = cli.workdir / "imported"
    directory.mkdir()
    write_recipients(directory, [str(keys.identity.to_public())])
    return directory
