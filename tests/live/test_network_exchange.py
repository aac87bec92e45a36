"""The network path sends what httpx would send, and reads answers and failures as httpx's path does.

``NetworkTransport.exchange`` puts a request on the wire without httpx's objects; a raw loopback
server records the bytes each path puts on the wire, so the two can be compared exactly.
"""

from __future__ import annotations

import asyncio
import gzip
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from reconciler.errors import ApiError
from reconciler.live import transport
from reconciler.live.answer import MAX_ANSWER_BYTES
from reconciler.live.envelopes import klarna_error_text
from reconciler.live.http import ApiHttpClient, HttpSettings
from reconciler.live.retry import NOT_SENT_ERRORS, RetryPolicy
from reconciler.live.transport import NetworkTransport

OK = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok": [1]}'
ONE_TRY = HttpSettings(retry=RetryPolicy(max_attempts=1))


def parse_request(raw: bytes) -> tuple[str, Counter[tuple[str, str]], bytes]:
    """The request line, each header line (counted: a header sent twice shows twice), and the body."""
    head, _, body = raw.partition(b"\r\n\r\n")
    line, *fields = head.decode("latin-1").split("\r\n")
    headers = Counter((name.strip().lower(), value.strip()) for name, _, value in (f.partition(":") for f in fields))
    return line, headers, body


async def recorded(
    answer: bytes, send: Callable[[ApiHttpClient], Awaitable[Any]], transport: httpx.AsyncBaseTransport
) -> tuple[bytes, Any]:
    """What ``send`` put on the wire through ``transport``, and what it returned (or raised)."""
    seen: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")),
            0,
        )
        seen.append(head + await reader.readexactly(length))
        writer.write(answer)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    http = ApiHttpClient(
        "klarna", f"http://127.0.0.1:{port}/klarna", error_text=klarna_error_text, settings=ONE_TRY, transport=transport
    )
    try:
        try:
            result: Any = await asyncio.wait_for(send(http), 10)
        except (ApiError, httpx.TransportError) as error:
            result = error
    finally:
        await http.aclose()
        server.close()
        await server.wait_closed()
    return (seen[0] if seen else b""), result


def both_paths(answer: bytes, send: Callable[[ApiHttpClient], Awaitable[Any]]) -> tuple[Any, Any]:
    async def run() -> tuple[Any, Any]:
        network = await recorded(answer, send, NetworkTransport(1))
        plain = await recorded(answer, send, httpx.AsyncHTTPTransport())
        return network, plain

    return asyncio.run(run())


WRITES = [
    ("GET", "/v1/accounts", {"account_reference": "SBX 1/ø", "expand": "products,websites"}, None),
    ("POST", "/v1/accounts/krn:partner:global:account:1/stakeholders", None, {"given_name": "Åsa", "n": [1, 2.5]}),
    ("PATCH", "/v1/accounts/a%20b/business-information", None, {"x": None, "emoji": "☃"}),
    ("DELETE", "/v1/accounts/a/websites/w1", None, None),
    ("GET", "/v1/accounts/a b/ø", None, None),  # not escaped yet: the transport escapes it, as httpx does
]


@pytest.mark.parametrize(("method", "path", "params", "body"), WRITES)
def test_the_network_path_puts_the_request_httpx_would_put_on_the_wire(
    method: str, path: str, params: dict[str, str] | None, body: object
) -> None:
    async def send(http: ApiHttpClient) -> Any:
        return await http.request(
            method, path, operation="op", params=params, json=body, headers={"Klarna-Idempotency-Key": "k-1"}
        )

    (network_raw, network_answer), (plain_raw, plain_answer) = both_paths(OK, send)
    network_line, network_headers, network_body = parse_request(network_raw)
    plain_line, plain_headers, plain_body = parse_request(plain_raw)

    assert network_line == plain_line
    assert network_body == plain_body
    # The transport decodes fewer encodings than httpx may offer; each path had its own server (host).
    # Every other header is the same, an empty body's length included.
    ignored = {"accept-encoding", "host"}

    def compared(headers: Counter[tuple[str, str]]) -> Counter[tuple[str, str]]:
        return Counter({h: n for h, n in headers.items() if h[0] not in ignored})

    assert compared(network_headers) == compared(plain_headers)
    assert network_headers[("accept-encoding", "gzip, deflate")] == 1
    assert (network_answer.status_code, network_answer.json()) == (plain_answer.status_code, plain_answer.json())


def test_a_gzip_answer_is_decoded_on_the_network_path() -> None:
    body = gzip.compress(b'{"accounts": []}')
    head = f"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nX-Ratelimit-Remaining: 7\r\nContent-Length: {len(body)}"

    async def send(http: ApiHttpClient) -> Any:
        return await http.request("GET", "/v1/accounts", operation="list")

    (_, answer), _ = both_paths(head.encode() + b"\r\n\r\n" + body, send)
    assert answer.json() == {"accounts": []}
    assert answer.headers["X-RATELIMIT-REMAINING"] == "7"  # names are looked up whatever their case


def test_an_error_answer_reads_the_same_on_both_paths() -> None:
    text = b'{"error_code": "BAD_VALUE", "error_message": "nope", "errors": [{"parameter": "mcc"}]}'
    answer = b"HTTP/1.1 400 Bad Request\r\nContent-Length: %d\r\n\r\n%s" % (len(text), text)

    async def send(http: ApiHttpClient) -> Any:
        return await http.request("PATCH", "/v1/accounts/a", operation="update_account", json={"a": 1}, merchant="M-1")

    (_, network_error), (_, plain_error) = both_paths(answer, send)
    assert isinstance(network_error, ApiError)
    assert str(network_error) == str(plain_error)
    assert (network_error.status, network_error.code) == (400, "BAD_VALUE")


@pytest.mark.parametrize(
    "answer",
    [b"", b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"a": 1'],
    ids=["connection dropped", "body cut short"],
)
def test_a_write_cut_off_on_the_network_path_is_never_called_unsent(answer: bytes) -> None:
    async def send(http: ApiHttpClient) -> Any:
        return await http.request("POST", "/v1/accounts", operation="create_account", json={"a": 1})

    (_, error), _ = both_paths(answer, send)
    assert isinstance(error, ApiError) and error.outcome_unknown


def test_a_refused_connection_on_the_network_path_is_never_sent() -> None:
    async def refused() -> None:
        await NetworkTransport(1).exchange("GET", "http://127.0.0.1:1/x", {}, None, {})

    with pytest.raises(httpx.ConnectError) as caught:
        asyncio.run(refused())
    assert isinstance(caught.value, NOT_SENT_ERRORS)


def test_a_callers_content_type_is_kept_on_the_network_path() -> None:
    async def send(http: ApiHttpClient) -> Any:
        return await http.request(
            "PATCH", "/v1/x", operation="op", json={"a": 1}, headers={"content-type": "application/merge-patch+json"}
        )

    (network_raw, _), (plain_raw, _) = both_paths(OK, send)
    network_types = [h for h in parse_request(network_raw)[1].elements() if h[0] == "content-type"]
    assert network_types == [("content-type", "application/merge-patch+json")]
    assert network_types == [h for h in parse_request(plain_raw)[1].elements() if h[0] == "content-type"]


UNREADABLE = [
    b"HTTP/1.1 abc\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nBad Header\r\nContent-Length: 2\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\nContent-Encoding: zstd\r\nContent-Length: 2\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 2\r\n\r\n{}",
]


@pytest.mark.parametrize("answer", UNREADABLE, ids=["status line", "header line", "zstd", "br"])
def test_an_unreadable_answer_to_a_write_is_an_api_error_whose_outcome_is_unknown(answer: bytes) -> None:
    """Not a parser's own exception (a traceback naming the URL, with the credentials in its details)."""

    async def send(http: ApiHttpClient) -> Any:
        return await http.request("POST", "/v1/accounts", operation="create_account", json={"a": 1}, merchant="M-1")

    async def run() -> Any:
        return (await recorded(answer, send, NetworkTransport(1)))[1]

    error = asyncio.run(run())
    assert isinstance(error, ApiError) and error.outcome_unknown
    assert "/v1/accounts" not in str(error)  # the base URL only, never a path


def test_a_header_value_with_a_line_break_is_an_api_error_and_nothing_is_sent() -> None:
    async def send(http: ApiHttpClient) -> Any:
        return await http.request("GET", "/v1/x", operation="read", headers={"Authorization": "Basic k\r\nX-Evil: 1"})

    async def run() -> tuple[bytes, Any]:
        return await recorded(OK, send, NetworkTransport(1))

    raw, error = asyncio.run(run())
    assert isinstance(error, ApiError)
    assert b"X-Evil" not in raw and "Basic k" not in str(error)


def test_a_header_sent_twice_reads_the_same_on_both_paths() -> None:
    answer = (
        b"HTTP/1.1 200 OK\r\nRetry-After: 3\r\nretry-after: 7\r\nX-Ratelimit-Limit: 40\r\n"
        b"Content-Length: 2\r\n\r\n{}"
    )

    async def send(http: ApiHttpClient) -> Any:
        return await http.request("GET", "/v1/x", operation="read")

    (_, network), (_, plain) = both_paths(answer, send)
    assert network.headers.get("Retry-After") == plain.headers.get("Retry-After") == "3, 7"
    assert network.headers["x-ratelimit-limit"] == plain.headers["x-ratelimit-limit"] == "40"
    assert network.headers.get("missing") is None and "retry-after" in network.headers
    assert sorted(network.headers) == sorted(plain.headers)


@pytest.mark.parametrize("encoded", [True, False], ids=["gzip", "plain"])
def test_an_answer_larger_than_the_limit_is_an_api_error_naming_the_limit(
    encoded: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transport, "MAX_ANSWER_BYTES", 4096)
    body = b'{"error_message": "' + b"x" * 8192 + b'"}'
    sent = gzip.compress(body) if encoded else body
    # Unencoded, the answer has no length: the limit holds while it is read, as for a decoded one.
    head = f"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {len(sent)}" if encoded else "HTTP/1.1 200 OK"

    async def send(http: ApiHttpClient) -> Any:
        return await http.request("GET", "/v1/accounts", operation="list", merchant="M-1")

    async def run() -> Any:
        return (await recorded(head.encode() + b"\r\n\r\n" + sent, send, NetworkTransport(1)))[1]

    error = asyncio.run(run())
    assert isinstance(error, ApiError) and error.operation == "list" and error.merchant == "M-1"
    assert "the answer from http://127.0.0.1:" in str(error) and "/klarna is larger than 4096 bytes" in str(error)


def test_an_answer_declaring_a_length_over_the_limit_is_refused_before_it_is_read() -> None:
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {MAX_ANSWER_BYTES + 1}\r\n\r\n".encode()

    async def send(http: ApiHttpClient) -> Any:
        return await http.request("GET", "/v1/accounts", operation="list")

    async def run() -> Any:
        return (await recorded(head + b"{", send, NetworkTransport(1)))[1]

    error = asyncio.run(run())
    assert isinstance(error, ApiError) and "is larger than 32 MiB" in str(error)


def test_an_answer_of_exactly_the_limit_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transport, "MAX_ANSWER_BYTES", 4096)
    body = b'{"a": "' + b"x" * (4096 - 9) + b'"}'
    assert len(body) == 4096
    gzipped = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n" + gzip.compress(body)

    async def send(http: ApiHttpClient) -> Any:
        return await http.request("GET", "/v1/accounts", operation="list")

    async def run() -> Any:
        return (await recorded(gzipped, send, NetworkTransport(1)))[1]

    answer = asyncio.run(run())
    assert answer.json() == {"a": "x" * 4087}
