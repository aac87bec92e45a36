"""A response as the API clients read it: its status, its headers and its whole body.

Every transport's answer becomes one of these, so the layers above the transport read one type
whether the request went over the network (``reconciler.live.wire``, without httpx's request and
response objects, which took a third of the CPU of a read of an expanded Klarna account) or through
httpx (the embedded sandbox, a test's mock). Header names are looked up case-insensitively, as
httpx's header type and the network transport's (``JoinedHeaders``) both do.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import httpx
from pydantic_core import from_json

# The largest body the network transport reads, decoded: thirty times a page of a thousand accounts.
# A longer answer, or a small gzip one that inflates past it (32 KiB of gzip inflate to 32 MiB),
# would otherwise be held whole in memory, and the error text in it scrubbed whole.
MAX_ANSWER_BYTES = 32 * 1024 * 1024
# The deepest body read, about as deep as pydantic-core's parser reads: pydantic's serializer gives up a little
# deeper (near 255 levels, "Circular reference detected"), which ended a plan or an import with a traceback
# once a free-form field (a collection's ``branding``) of a live object that deep was dumped.
MAX_ANSWER_DEPTH = 200


class AnswerTooLarge(httpx.RemoteProtocolError):
    """An answer came whose body is longer than ``limit`` bytes: the rest of it is not read."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"larger than {limit // 2**20} MiB" if limit >= 2**20 else f"larger than {limit} bytes")


class Answer:
    """One response, read whole."""

    __slots__ = ("content", "headers", "reason_phrase", "status_code")

    def __init__(self, status_code: int, headers: Mapping[str, str], content: bytes, reason_phrase: str = "") -> None:
        self.status_code = status_code
        self.headers = headers  # case-insensitive, repeated values joined: httpx's Headers or the transport's
        self.content = content
        self.reason_phrase = reason_phrase

    @classmethod
    def of(cls, response: httpx.Response) -> Answer:
        """An httpx response whose body has been read."""
        return cls(response.status_code, response.headers, response.content, response.reason_phrase)

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    def json(self) -> Any:
        """The body as JSON (``ValueError`` when it is not), decoded as httpx decodes it.

        pydantic-core's parser reads UTF-8 JSON in less than half the time of ``json.loads`` (a
        fifteenth of a plan's CPU went to decoding); what it refuses (a byte order mark, UTF-16, a
        lone surrogate escape, nesting deeper than 200) goes to ``json.loads``, so every body reads as
        it did before. A body nested deeper than ``MAX_ANSWER_DEPTH`` is not JSON either: an answer
        must never end the run with a ``RecursionError`` (or pydantic's serializer's error on it); nor is one
        holding a lone surrogate, which is no character and would end it with a ``UnicodeEncodeError`` once
        written out.
        """
        try:
            return from_json(self.content)
        except ValueError:
            pass
        try:
            value = json.loads(self.content)
            # ``json.loads`` keeps a lone surrogate (``"\\ud800"``), which no text can be written in: a plan
            # file, the terminal, a PR comment would fail on it with a UnicodeEncodeError.
            problem = _unwritable(value)
            if problem is not None:
                raise ValueError(problem)
            return value
        except RecursionError:
            raise ValueError("the body is nested too deeply") from None

    def __repr__(self) -> str:
        return f"<Answer [{self.status_code}]>"


_SURROGATE = re.compile("[\ud800-\udfff]")


def _unwritable(value: Any) -> str | None:
    """Why a decoded JSON value cannot be used (None: it can): a string (a key too) holding a surrogate code
    point, or arrays and objects nested more than ``MAX_ANSWER_DEPTH`` levels deep.

    One walk, with a stack of its own: a body as deep as ``json.loads`` reads would outrun Python's.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item) is not None:
                return "the body holds a lone surrogate, which is no character"
        elif isinstance(item, dict | list):
            if depth > MAX_ANSWER_DEPTH:
                return "the body is nested too deeply"
            inner = (*item.keys(), *item.values()) if isinstance(item, dict) else item
            stack.extend((part, depth + 1) for part in inner)
    return None
