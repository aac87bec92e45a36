"""The event loop of the commands that talk to the APIs: uvloop where it is installed.

A plan is bound by the client's CPU, and uvloop's loop and transports in C take about 5 to 7% less
CPU per request than asyncio's own (``benchmarks/README.md``). uvloop does not run on Windows; there,
and wherever it is missing, asyncio's loop runs the same code.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_async(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)``, on uvloop when it can be imported."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)
