"""Fixtures for the desired-state tests: a scratch desired-state directory named relative to the cwd."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture
def examples_dir() -> Path:
    """The repository's example ``desired-state/`` directory (absolute)."""
    return REPOSITORY / "desired-state"


@pytest.fixture
def desired_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty ``desired-state`` directory (with ``merchants/``), given relative to the working directory."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "desired-state" / "merchants").mkdir(parents=True)
    return Path("desired-state")


@pytest.fixture
def write(desired_dir: Path) -> Callable[[str, str | bytes], Path]:
    """Write a file under the desired-state directory; returns its path as the loader will name it."""

    def write_file(relative: str, content: str | bytes) -> Path:
        path = desired_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write_file
