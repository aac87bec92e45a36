"""The commands that talk to the APIs run on uvloop where it is installed, and on asyncio's loop otherwise."""

from __future__ import annotations

import asyncio
import sys

import pytest
import uvloop

from reconciler.cli.loop import run_async


async def _loop_type() -> type:
    await asyncio.sleep(0)
    return type(asyncio.get_running_loop())


def test_commands_run_on_uvloop_when_it_is_installed() -> None:
    assert run_async(_loop_type()) is uvloop.Loop


def test_without_uvloop_asyncio_runs_the_same_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # importing it now raises ImportError

    loop_type = run_async(_loop_type())
    assert not issubclass(loop_type, uvloop.Loop) and issubclass(loop_type, asyncio.AbstractEventLoop)
