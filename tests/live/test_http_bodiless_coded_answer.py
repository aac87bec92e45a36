"""An answer with no body is read as httpx reads it, whatever Content-Encoding it names."""

from __future__ import annotations

import pytest

from tests.live.wire_servers import one_answer, run


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/1.1 204 No Content\r\nContent-Encoding: gzip\r\n\r\n",
        b"HTTP/1.1 304 Not Modified\r\nContent-Encoding: gzip\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 202 Accepted\r\nContent-Encoding: deflate\r\nContent-Length: 0\r\n\r\n",
    ],
    ids=["204 gzip", "304 gzip", "200 empty gzip", "202 empty deflate"],
)
def test_an_empty_answer_naming_a_content_coding_reads_as_empty(raw: bytes) -> None:
    # httpx (AsyncHTTPTransport) reads each of these as its status with an empty body; the network
    # transport answered RemoteProtocolError("unreadable answer (a body that does not decode)").
    got = run(lambda: one_answer(raw))

    assert got.status_code == int(raw.split(b" ")[1])
    assert got.content == b""
