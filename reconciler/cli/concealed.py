"""Standard output and error with every value of the secrets store masked: the last line of defence.

Values from the store are masked where they are used (``sensitive.redact`` over plan changes and
request bodies, ``sensitive.scrub`` over API text); this net catches one that reaches a message by
any other way (an address, an error naming a value), so that no output of a command holds one.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from reconciler.sensitive import conceal


class ConcealingStream:
    """A text stream that masks secret values in what is written to it, and is otherwise ``inner``."""

    def __init__(self, inner: TextIO) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        self._inner.write(conceal(text))
        return len(text)

    def writelines(self, lines: list[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@contextmanager
def concealed_output() -> Iterator[None]:
    """Mask secret values on ``sys.stdout`` and ``sys.stderr`` while the block runs."""
    saved = sys.stdout, sys.stderr
    sys.stdout = ConcealingStream(saved[0])
    sys.stderr = ConcealingStream(saved[1])
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
