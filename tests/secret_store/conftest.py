"""Fixtures for the secrets store: age key pairs, a desired-state directory with a store, the age CLI.

The ``age`` command-line tool must be there: when it is missing the session installs Debian's
``age`` package (as ``.ci/run`` does), and fails with a clear message when it still cannot, so the
interoperability tests run rather than skip.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyrage
import pytest

from reconciler.desired.secret_store import SecretsStore, write_recipients
from tests.apply.conftest import workspace  # noqa: F401  (the CLI tests' copy of the examples and its sandbox)

INSTALL_TIMEOUT = 600
AGE_TIMEOUT = 60
WriteFile = Callable[[str, str], Path]


@pytest.fixture
def desired_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty ``desired-state`` directory (with ``merchants/``), given relative to the working directory."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "desired-state" / "merchants").mkdir(parents=True)
    return Path("desired-state")


@pytest.fixture
def write(desired_dir: Path) -> WriteFile:
    """Write a text file under the desired-state directory; returns its path as the loader names it."""

    def write_file(relative: str, content: str) -> Path:
        path = desired_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        return path

    return write_file


def _install_age() -> str | None:
    for command in (["apt-get", "install", "-y", "age"], ["apt-get", "update"], ["apt-get", "install", "-y", "age"]):
        try:
            subprocess.run(command, capture_output=True, timeout=INSTALL_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
        if shutil.which("age") and shutil.which("age-keygen"):
            return shutil.which("age")
    return None


@pytest.fixture(scope="session")
def age_cli() -> str:
    """The path of the ``age`` command (installed with apt-get when missing)."""
    found = shutil.which("age") if shutil.which("age-keygen") else None
    found = found or _install_age()
    if found is None:
        pytest.fail(
            "the age command-line tool is needed for the secrets interoperability tests and could not be "
            "installed: run `apt-get update && apt-get install -y age` (Debian's age package)"
        )
    return found


def age_decrypt(age_cli: str, identity_file: Path, store: Path) -> str:
    """What ``age -d -i IDENTITY_FILE STORE`` prints: the store as the age CLI reads it."""
    done = subprocess.run(
        [age_cli, "-d", "-i", str(identity_file), str(store)],
        capture_output=True,
        text=True,
        check=True,
        timeout=AGE_TIMEOUT,
    )
    return done.stdout


@dataclass(frozen=True)
class KeyPair:
    identity: str  # AGE-SECRET-KEY-1…
    recipient: str  # age1…

    def environ(self) -> dict[str, str]:
        return {"RECONCILER_AGE_IDENTITY": self.identity}


def new_key_pair() -> KeyPair:
    identity = pyrage.x25519.Identity.generate()
    return KeyPair(str(identity), str(identity.to_public()))


@pytest.fixture
def key() -> KeyPair:
    return new_key_pair()


StoreWriter = Callable[[Mapping[str, str]], None]


@pytest.fixture
def store(desired_dir: Path, key: KeyPair) -> StoreWriter:
    """Write ``secrets.recipients`` for ``key`` and a store holding the given values."""

    def write_store(values: Mapping[str, str]) -> None:
        write_recipients(desired_dir, [key.recipient])
        secrets = SecretsStore(desired_dir)
        for name, value in values.items():
            secrets.set(name, value)
        secrets.save()

    return write_store


def stanza_bomb(key: KeyPair, stanzas: int, *, armored: bool) -> bytes:
    """An age file whose header repeats its one recipient stanza: anyone holding the public key can write it,
    and age's header parser takes time in the square of the stanzas (4,000: two minutes)."""
    sealed = pyrage.encrypt(b"A: one\n", [pyrage.x25519.Recipient.from_str(key.recipient)])
    lines = sealed.split(b"\n")
    mac = next(number for number, line in enumerate(lines) if line.startswith(b"--- "))
    bomb = b"\n".join([lines[0], *lines[1:mac] * stanzas, *lines[mac:]])
    if not armored:
        return bomb
    text = base64.b64encode(bomb)
    body = b"\n".join(text[start : start + 64] for start in range(0, len(text), 64))
    return b"-----BEGIN AGE ENCRYPTED FILE-----\n" + body + b"\n-----END AGE ENCRYPTED FILE-----\n"
