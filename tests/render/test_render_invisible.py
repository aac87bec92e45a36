"""Invisible and direction-changing characters a desired value may hold are escaped in the plan.

``render.symbols.visible`` escapes "every character that could hide or reorder what is around it" and
does escape the zero-width space, joiner and non-joiner (U+200B-U+200D), LRM and RLM (U+200E, U+200F) and
the byte order mark; but not the Arabic letter mark U+061C (a strong right-to-left mark, the third of
Unicode's implicit directional marks, doing what RLM does), the word joiner and invisible operators
(U+2060-U+2064, zero width like U+200B), the Mongolian vowel separator U+180E, the soft hyphen U+00AD or
the tag characters U+E0000-U+E007F (invisible). The loader lets all of them into a value
(``desired.text`` forbids only controls, embeddings, overrides and isolates), so an account name changed
from ``Shop`` to ``Shop`` + U+2060 plans a patch whose line reads ``"Shop" → "Shop"``, in the terminal
and in the pull-request comment alike.
"""

from __future__ import annotations

import pytest

from reconciler.compare.diff import Change
from reconciler.kinds import ResourceKind
from reconciler.plan import Action, Operation, Plan
from reconciler.render import render_markdown, render_text
from reconciler.render.symbols import visible

HIDDEN = ["\u061c", "\u2060", "\u2063", "\u180e", "\u00ad", "\U000e0041"]


@pytest.mark.parametrize("character", HIDDEN, ids=[f"U+{ord(c):04X}" for c in HIDDEN])
def test_an_invisible_character_is_escaped_like_its_neighbours(character: str) -> None:
    assert visible("\u200b") == "\\u200b"  # as the zero-width space is
    assert character not in visible(f"Shop{character}")


@pytest.mark.parametrize("character", HIDDEN, ids=[f"U+{ord(c):04X}" for c in HIDDEN])
def test_a_change_to_an_invisible_character_does_not_read_as_no_change(character: str) -> None:
    change = Change.of(("account_name",), "Shop", f"Shop{character}")
    op = Operation("M0000/klarna.account", "M0000", ResourceKind.ACCOUNT, Action.PATCH, (change,), "sha256:x")
    plan = Plan("sha256:d", (op,), merchants=("M0000",))
    for out in (render_text(plan), render_markdown(plan)):
        [line] = [line for line in out.splitlines() if "account_name:" in line]
        assert character not in line, line
