"""A kept merchant document reads back as ``json.loads`` reads the JSON it was kept as."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from reconciler.desired.declared import DeclaredMerchant

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
