"""A URL in a merchant's name (or in an API's text) is no clickable link in the pull-request comment.

``render.markdown`` writes what a merchant file supplies as entities so that it stays text, and its test
says of a hostile name: "no tag, link, table cell or line of their own"
(tests/render/test_render_sandbox.py); but that test renders with CommonMark, which has no autolinks.
GitHub renders comments with cmark-gfm, whose autolink extension turns ``https://...`` and ``www....`` in
plain text (a table cell, a list item) into ``<a href>``: a pull request naming a merchant
``Shop https://evil.example/login`` gets a link in the bot's comment.
"""

from __future__ import annotations

import re
from dataclasses import replace

import cmarkgfm
from cmarkgfm.cmark import Options

from reconciler.plan import Action, Plan
from reconciler.plan.operation import Notice
from reconciler.plan.value import Declaration
from reconciler.render import render_markdown
from tests.render.test_render import sample_plan

NAME = "Shop https://evil.example/login or WWW.evil.example or www.evil.example"


def hostile_plan() -> Plan:
    plan = sample_plan(1)
    held = replace(plan.operations[0], action=Action.BLOCKED, held_by="Klarna", reason="see https://evil.example/r")
    return replace(
        plan,
        operations=(held, *plan.operations[1:]),
        declarations={"M0000": Declaration(NAME, "merchants/kaffe.yaml")},
        notices=(Notice("M0000/dintero.connection/klarna", "M0000", "pending: www.evil.example/n"),),
    )


def test_no_url_in_the_comments_text_is_written_as_github_autolinks_it() -> None:
    out = render_markdown(hostile_plan())
    outside_code = re.sub(r"(?s)```.*?```", "", out)
    assert re.findall(r"(?i)://|www\.", outside_code) == []


def test_github_renders_no_link_from_a_merchant_name() -> None:
    html = cmarkgfm.github_flavored_markdown_to_html(render_markdown(hostile_plan()), options=Options.CMARK_OPT_UNSAFE)
    assert "evil.example" in html.replace("&#46;", ".").replace("&#58;", ":")  # shown ...
    assert "<a " not in html, [line for line in html.splitlines() if "<a " in line]  # ... and no link
