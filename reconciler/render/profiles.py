"""What profiles change: the origin of a change as a reviewer reads it, and a plan summarised by profile.

One edit to a profile changes every merchant that uses it; listed merchant by merchant it would be
three thousand look-alike entries. So the text and Markdown plans start with one line per profile
change: the profile, how many merchants it changes, and the change (``profile eu-retail: 3,000
merchants, ~ klarna.payment_product.merchant_category_code "5411" → "5412"``). A change counts as the
profile's when the profile alone wrote its desired value (``Change.origin``). Each change line of an
operation also says where a value from a profile came from: ``(profile eu-retail)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler.compare.diff import Change, path_text
from reconciler.desired.origins import ORIGIN_SEPARATOR, PROFILES_DIR
from reconciler.plan import Action, Plan
from reconciler.render.symbols import SYMBOLS, show, visible

_VARIOUS = "(various)"


def _profile_name(file: str) -> str | None:
    """``profiles/eu-retail.yaml`` -> ``eu-retail``; None for a file that is not a profile's."""
    prefix = PROFILES_DIR + "/"
    if not file.startswith(prefix):
        return None
    return visible(file[len(prefix) :].rsplit(".", 1)[0])  # a file name may hold a line break


def origin_label(change: Change) -> str | None:
    """``profile eu-retail``, ``profiles a, b``, ``profile a and the merchant file``; None when the
    merchant's own file wrote the value (the plan's section already names the merchant)."""
    if change.origin is None:
        return None
    files = change.origin.split(ORIGIN_SEPARATOR)
    names = [name for name in map(_profile_name, files) if name is not None]
    if not names:
        return None
    label = ("profile " if len(names) == 1 else "profiles ") + ", ".join(names)
    return label + " and the merchant file" if len(names) < len(files) else label


def origin_suffix(change: Change) -> str:
    """The suffix of a change line: ``  (profile eu-retail)``, or nothing."""
    label = origin_label(change)
    return f"  ({label})" if label is not None else ""


@dataclass(frozen=True)
class ProfileChange:
    """One change a profile makes, the same across the merchants it is made to."""

    profile: str
    action: Action
    field: str  # the resource kind and the path: ``klarna.payment_product.merchant_category_code``
    before: str  # the live value as shown, when every merchant had the same; else ``(various)``
    after: Any
    merchants: int


def profile_changes(plan: Plan) -> list[ProfileChange]:
    """Every change a single profile wrote, grouped across merchants, by profile then field."""
    groups: dict[tuple[str, Action, str, str], tuple[Any, set[str], set[str]]] = {}
    for op in plan.operations:
        for change in op.changes:
            name = _profile_name(change.origin) if change.origin is not None else None
            if name is None or ORIGIN_SEPARATOR in (change.origin or ""):
                continue
            field = f"{op.resource.value}.{path_text(change.path)}"
            key = (name, op.action, field, show(change.after))
            after, merchants, befores = groups.setdefault(key, (change.after, set(), set()))
            merchants.add(op.merchant)
            befores.add(show(change.before))
    out = []
    for (name, action, field, _), (after, merchants, befores) in sorted(groups.items(), key=lambda kv: kv[0][:3]):
        before = next(iter(befores)) if len(befores) == 1 else _VARIOUS
        out.append(ProfileChange(name, action, field, before, after, len(merchants)))
    return out


def _line(change: ProfileChange) -> str:
    count = f"{change.merchants:,} merchant{'s' if change.merchants != 1 else ''}"
    values = show(change.after) if change.action is Action.CREATE else f"{change.before} → {show(change.after)}"
    return f"profile {change.profile}: {count}, {SYMBOLS[change.action]} {visible(change.field)} {values}"


def profile_lines(plan: Plan) -> list[str]:
    """The text plan's summary by profile (nothing when no profile changes anything), then a blank line."""
    changes = profile_changes(plan)
    if not changes:
        return []
    items = [f"  {_line(change)}" for change in changes]
    return ["Changes from profiles (each made to every merchant named below that uses it):", *items, ""]


def profile_markdown(plan: Plan) -> list[str]:
    """The Markdown plan's summary by profile, as a list, then a blank line."""
    changes = profile_changes(plan)
    if not changes:
        return []
    items = [f"- `{_line(change).replace('`', chr(39))}`" for change in changes]
    return ["**Changes from profiles**", "", *items, ""]
