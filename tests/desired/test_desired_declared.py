"""A kept merchant document reads back as ``json.loads`` reads the JSON it was kept as, and is kept as
``json.dumps`` would write it."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from reconciler.desired.declared import DeclaredMerchant, canonical_bytes

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False)
    | st.text(alphabet=st.characters(blacklist_categories=("Cs",))),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=6))
def test_the_wire_document_is_what_json_loads_reads(document: dict[str, Any]) -> None:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    merchant = DeclaredMerchant("M-1", None, "merchants/m.yaml", canonical)
    assert repr(merchant.wire()) == repr(json.loads(canonical))


FINITE_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(blacklist_categories=("Cs",))),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


def _sorted(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: _sorted(data[key]) for key in sorted(data)}
    return [_sorted(item) for item in data] if isinstance(data, list) else data


def _by_json(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@given(FINITE_JSON)
def test_the_canonical_form_reads_back_as_what_was_written(data: Any) -> None:
    canonical = canonical_bytes(data)
    assert repr(json.loads(canonical)) == repr(_sorted(data))  # every type kept: 1 is not 1.0 nor True


@given(FINITE_JSON.filter(lambda data: "e-" not in repr(data)))
def test_the_canonical_form_is_the_bytes_json_dumps_writes(data: Any) -> None:
    # A float below 1e-4 is the one difference: json.dumps writes 1e-05, orjson 0.00001 (the same number).
    assert canonical_bytes(data) == _by_json(data)


def test_an_integer_beyond_64_bits_is_written_too() -> None:
    data = {"b": 2**70, "a": [-(2**64), 1.5]}
    assert canonical_bytes(data) == b'{"a":[-18446744073709551616,1.5],"b":1180591620717411303424}'
