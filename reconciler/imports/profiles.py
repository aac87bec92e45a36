"""``import --profiles``: values many imported merchants share, factored into profiles.

The candidates are the values a partner sets fleet-wide: the distribution profile, the MCC, an enabled
payment product, settlement, and the Dintero price package. Each (path, value) pair held by at least
``MIN_SHARED`` merchants is a candidate; pairs held by exactly the same merchants form one profile, so
a merchant lists a profile only when it holds every value in it, and it drops those values from its
own file. No merchant inherits a value it did not have, and profiles set disjoint paths, so the
resolved state of every merchant is the same with and without ``--profiles``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from typing import Any

from reconciler.imports.document import ImportedMerchant, Path
from reconciler.imports.yaml_text import plain_yaml

MIN_SHARED = 2
CANDIDATES: tuple[tuple[Path, str], ...] = (
    (("klarna", "payment_product", "distribution_profile_id"), "distribution profile"),
    (("klarna", "payment_product", "merchant_category_code"), "MCC"),
    (("klarna", "payment_product", "state"), "payment product state"),
    (("klarna", "settlement", "settlement_enabled"), "settlement"),
    (("dintero", "connections", "klarna", "signup", "price_package"), "Dintero price package"),
)


def _get(document: dict[str, Any], path: Path) -> Any:
    node: Any = document
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _drop(document: dict[str, Any], path: Path) -> None:
    """Remove ``path``, and every mapping that removing it leaves empty."""
    parents = [document]
    for key in path[:-1]:
        parents.append(parents[-1][key])
    parents[-1].pop(path[-1], None)
    for depth in range(len(path) - 1, 0, -1):
        if parents[depth] == {}:
            parents[depth - 1].pop(path[depth - 1], None)


def _set(document: dict[str, Any], path: Path, value: Any) -> None:
    node = document
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value


def factor_profiles(
    merchants: Sequence[ImportedMerchant], taken: Set[str] = frozenset(), same_as: Mapping[str, str] | None = None
) -> dict[str, tuple[dict[str, Any], str]]:
    """Profiles (name -> (document, what it holds)) taken out of ``merchants``, which now list them; never
    one of the names ``taken`` (profiles that exist, which merchants this import does not write may list),
    except the name of a profile whose text is this one's (``same_as``: text -> name), listed again as it is."""
    holders: dict[tuple[Path, str], list[int]] = {}
    values: dict[tuple[Path, str], Any] = {}
    for index, merchant in enumerate(merchants):
        for path, _ in CANDIDATES:
            value = _get(merchant.document, path)
            if value is None or isinstance(value, dict | list) or (path[-1] == "state" and value != "enabled"):
                continue
            key = (path, repr(value))
            holders.setdefault(key, []).append(index)
            values[key] = value
    groups: dict[tuple[int, ...], list[tuple[Path, str]]] = {}
    for key, held_by in holders.items():
        if len(held_by) >= MIN_SHARED:
            groups.setdefault(tuple(held_by), []).append(key)
    labels = dict(CANDIDATES)
    profiles: dict[str, tuple[dict[str, Any], str]] = {}
    ordered = sorted(groups.items(), key=lambda item: (-len(item[0]), sorted(item[1])))
    number = 0
    for indexes, keys in ordered:
        document: dict[str, Any] = {}
        for path, _ in sorted(keys):
            _set(document, path, values[(path, _)])
        described = ", ".join(f"{labels[path]} {values[(path, text)]}" for path, text in sorted(keys))
        header = f"Shared by {len(indexes)} imported merchants: {described}."
        name = (same_as or {}).get(plain_yaml(document, header))
        if name is None or name in profiles:
            number += 1
            while f"imported-{number}" in taken:
                number += 1
            name = f"imported-{number}"
        profiles[name] = (document, header)
        for index in indexes:
            merchant = merchants[index]
            for path, _ in keys:
                _drop(merchant.document, path)
            listed = merchant.document.setdefault("profiles", [])
            listed.append(name)
    for merchant in merchants:
        if "profiles" in merchant.document:
            # ``profiles`` right after the reference, as the examples write it.
            listed = merchant.document.pop("profiles")
            rest = {k: v for k, v in merchant.document.items() if k != "account_reference"}
            merchant.document.clear()
            merchant.document.update({"account_reference": merchant.reference, "profiles": listed, **rest})
    return profiles
