"""An answer's body reads as ``json.loads`` reads it, whichever parser decodes it."""

from __future__ import annotations

import json
import random
import struct

import pytest

from reconciler.live.answer import Answer

BODIES = [
    b'{"a":1,"a":2}',  # a repeated key: the last one counts
    b"[NaN, Infinity, -Infinity, -0.0, 1e400, 5e-324]",
    b"123456789012345678901234567890",
    b"-12345678901234567890",
    b"9007199254740993",
    b'"\\ud83d\\ude00"',  # a surrogate pair: one character
    b'\xef\xbb\xbf{"a":1}',  # a byte order mark
    '{"a":"é"}'.encode("utf-16"),
    '{"a":"é"}'.encode("utf-32"),
    b' \n{"a" : [1, 2.5e-3, true, null, {"b": "\xc3\xa9"}]}\t',
]
NOT_JSON = [b"", b'{"a":1} x', b"[1,]", b'{"a":1,}', b'"\x01"', b'{"a":"\xff"}', b"\x00", b"{"]


def answer(body: bytes) -> Answer:
    return Answer(200, {}, body)


@pytest.mark.parametrize("body", BODIES)
def test_a_body_reads_as_json_loads_reads_it(body: bytes) -> None:
    assert repr(answer(body).json()) == repr(json.loads(body))


@pytest.mark.parametrize("body", NOT_JSON)
def test_a_body_json_loads_refuses_is_a_value_error(body: bytes) -> None:
    with pytest.raises(ValueError):
        json.loads(body)
    with pytest.raises(ValueError):
        answer(body).json()


def test_numbers_read_to_the_same_values() -> None:
    rng = random.Random(15)
    numbers = []
    for _ in range(5_000):
        value = struct.unpack("d", rng.randbytes(8))[0]
        if value == value and abs(value) != float("inf"):
            numbers.extend([repr(value), f"{value:.17g}", f"{value:.6e}"])
        numbers.append(str(rng.getrandbits(rng.randrange(1, 200)) * rng.choice((1, -1))))
    body = ("[" + ",".join(numbers) + "]").encode()
    assert repr(answer(body).json()) == repr(json.loads(body))


def test_a_body_nested_too_deeply_to_read_is_a_value_error_not_a_crash() -> None:
    """A hostile or broken answer nested a hundred thousand deep reads as "not JSON", never a RecursionError."""
    with pytest.raises(ValueError, match="nested too deeply"):
        answer(b"[" * 100_000 + b"]" * 100_000).json()
    # Within json.loads's reach, but deeper than pydantic's serializer dumps: a plan ended with its traceback.
    with pytest.raises(ValueError, match="nested too deeply"):
        answer(b"[" * 500 + b"]" * 500).json()
    as_deep_as_read = b"[" * 200 + b"]" * 200
    assert answer(b"\xef\xbb\xbf" + as_deep_as_read).json() == json.loads(as_deep_as_read)  # a BOM: json.loads


@pytest.mark.parametrize(
    "body",
    [b'"\\ud800"', b'{"name": "Shop \\udfff"}', b'{"\\ud800": 1}', b'[["\\ude00"]]', '["\\ud800"]'.encode("utf-16")],
)
def test_a_body_holding_a_lone_surrogate_is_a_value_error(body: bytes) -> None:
    # json.loads reads one into a str that no file or terminal can take: writing the plan crashed.
    with pytest.raises(ValueError, match="lone surrogate"):
        answer(body).json()
