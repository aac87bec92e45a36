"""Whether a merchant's answers, as the APIs sent them, already hold everything its file declares.

Most merchants of a plan, and nearly all of a scheduled drift, are in sync. Telling that from the views
(``compare.sides``) means dumping every live model, normalising every value, building both views and
planning each resource: about half of a plan's CPU, spent to find nothing. This test reads the answers'
JSON as it came, beside the validated models, and stops at the first value that is not plainly equal.

It is a sufficient test only. True means the full comparison would find no operation and no notice
for the merchant; False means nothing, and the full comparison decides. So every rule here is the
full comparison's or stricter: a mapping is compared on the keys the file declares (the others are not
managed), a list item by item in order with nothing left over and each leaf of the same JSON type (a
list of texts in any order, as the full comparison has it), every value once the live normaliser of its
field has read it (``compare.normalise``).

Each kind gives its resources' live counterparts as sent (``Kind.answered``), or says that the answers
cannot tell: a member missing or one too many, a provider's state that makes a notice or a hold when
nothing differs. The values are compared here; ``compare.sides.merchant_unchanged`` asks every kind of
a merchant.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.compare.normalise import NORMALISED_FIELDS, normalise_scalar

# Leaves told apart by their type at once, without a call: most of a merchant's values are these.
_LEAVES = frozenset({str, int, float, bool, type(None)})
# A number where a normalised field is sent is never taken as the same: the full comparison normalises
# the model's dump, where a text field holds the number's text (``coerce_numbers_to_str``), and a
# normaliser may read the two apart (``normalise_mcc`` pads ``742`` to ``"0742"``, and refuses ``"742"``).
_NUMBERS = frozenset({int, float})
_DIFFERS = object()  # equal to no desired value, and of no JSON type


def _as_compared(name: str, value: Any) -> Any:
    """A live value of a normalised field as the full comparison reads it, or ``_DIFFERS`` (``_NUMBERS``)."""
    return _DIFFERS if type(value) in _NUMBERS else normalise_scalar(name, value)


def covers(have: Any, want: Mapping[str, Any]) -> bool:
    """Whether the live mapping ``have``, as sent, holds the desired mapping ``want`` on the keys ``want``
    declares: a nested mapping the same way, a value as ``diff_fields`` compares it, a list exactly
    (``same``) or, for texts, in any order (``same_texts``)."""
    if type(have) is not dict:
        return False
    # One loop with the leaves handled in place, not ``all()`` over calls: it runs for every value of
    # every merchant in sync.
    for key, value in want.items():
        item = have.get(key)
        kind = type(value)
        if kind in _LEAVES:
            if key in NORMALISED_FIELDS:
                item = _as_compared(key, item)
            # The full comparison's own rule for a value of a mapping: equal, and a boolean only as a
            # boolean (``60`` is ``60.0`` there, ``1`` is not ``true``).
            if item != value or (kind is bool) is not (type(item) is bool):
                return False
        elif kind is dict:
            if not covers(item, value):
                return False
        elif not same(item, value, key) and not same_texts(item, value, key):
            return False
    return True


def same_texts(have: Any, want: Any, name: str) -> bool:
    """Whether two lists of texts hold the same texts, in any order, once the field's live normaliser has
    read them: ``diff_fields`` compares a list of a mapping as a multiset (roles, currencies), and for
    texts that is their sorted order. Anything else but texts is left to ``same``."""
    if type(want) is not list or type(have) is not list or len(have) != len(want):
        return False
    if name in NORMALISED_FIELDS:
        have = [_as_compared(name, item) for item in have]
    texts = all(type(item) is str for item in have) and all(type(item) is str for item in want)
    return texts and sorted(have) == sorted(want)


def same(have: Any, want: Any, name: str = "") -> bool:
    """Whether ``have`` equals ``want`` exactly: the same keys, the items in the same order, each leaf of
    the same JSON type (``True`` is not ``1``, ``1`` is not ``1.0``) once the field's live normaliser has
    read it, as the full comparison does (a value as sent that equals the desired one may not, once
    normalised: a free-form ``phone`` the file writes as ``0047...``).

    A desired ``None`` inside a list's item is never the same: the full comparison leaves a live ``None``
    out of an item, so the two would differ there.
    """
    kind = type(want)
    if kind is list:
        if type(have) is not list or len(have) != len(want):
            return False
        for have_item, want_item in zip(have, want, strict=True):  # noqa: SIM110 (see ``covers``)
            if not same(have_item, want_item, name):
                return False
        return True
    if kind is dict:
        if type(have) is not dict or len(have) != len(want):
            return False
        for key, value in want.items():  # noqa: SIM110 (see ``covers``)
            if value is None or key not in have or not same(have[key], value, key):
                return False
        return True
    if name in NORMALISED_FIELDS:
        have = _as_compared(name, have)
    return type(have) is kind and have == want
