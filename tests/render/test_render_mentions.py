"""A merchant name (or an API's text) holding ``@someone`` or ``#12`` mentions no user, and links no
issue, in the pull-request comment.

``render.markdown`` writes ``@`` as ``&#64;`` (its docstring lists ``@`` among what "can end" nothing),
but GitHub finds mentions and issue references in the rendered HTML's text, after entities are decoded:
``&#64;github`` is still a mention (github/cmark-gfm#181, openjdk/skara#1548). Outside ``<code>``/``<pre>``
only a character between ``@`` and the name (a zero-width space, as Renovate writes ``@&#8203;name``)
stops it. So every plan comment of a merchant named ``Kaffe @octocat`` notifies octocat (or a team,
``@org/team``), and ``#12`` adds a cross-reference to issue 12.
"""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser

from markdown_it import MarkdownIt

from reconciler.plan import Action
from reconciler.plan.operation import Notice
from reconciler.plan.value import Declaration
from reconciler.render import render_markdown
from tests.render.test_render import sample_plan

# GitHub's patterns, roughly: a mention is @ then a login (or org/team); a reference is # then digits.
MENTION = re.compile(r"(?<![\w`])@[A-Za-z0-9][A-Za-z0-9-]*(?:/[\w-]+)?")
REFERENCE = re.compile(r"(?<![\w&])#\d+\b")


class Text(HTMLParser):
    """The text GitHub's mention and reference filters read: outside code, pre and links."""

    IGNORED = {"code", "pre", "a"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.IGNORED:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.IGNORED:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth == 0:
            self.text.append(data)


def filtered_text(markdown: str) -> str:
    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)
    parser = Text()
    parser.feed(html)
    return "".join(parser.text)


def test_a_merchant_name_or_an_api_text_mentions_nobody_in_the_comment() -> None:
    plan = sample_plan(1)
    held = replace(plan.operations[0], action=Action.BLOCKED, held_by="Klarna", reason="ask @klarna-support, see #12")
    plan = replace(
        plan,
        operations=(held, *plan.operations[1:]),
        declarations={"M0000": Declaration("Kaffe @octocat and @acme/payments #7", "merchants/kaffe.yaml")},
        notices=(Notice("M0000/dintero.connection/klarna", "M0000", "pending: ask @dintero-ops"),),
    )
    text = filtered_text(render_markdown(plan))
    assert "Kaffe" in text and "klarna-support" in text  # the name and the reason are shown ...
    assert MENTION.findall(text) == []  # ... and notify nobody
    assert REFERENCE.findall(text) == []
