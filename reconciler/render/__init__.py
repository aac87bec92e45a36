"""Renderers of a plan: text (like ``terraform plan``), JSON (the plan document) and Markdown (PR comment).

Renderers only format. The plan they get holds no sensitive value (see ``reconciler.plan``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from reconciler.plan import Plan
from reconciler.render.jsondoc import json_chunks, render_json
from reconciler.render.markdown import render_markdown
from reconciler.render.text import render_text, text_chunks

FORMATS: dict[str, Callable[[Plan], str]] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
}


def render(plan: Plan, fmt: str, color: bool = False) -> str:
    if fmt == "text":
        return render_text(plan, color=color)
    return FORMATS[fmt](plan)


def render_chunks(plan: Plan, fmt: str, color: bool = False) -> Iterator[str]:
    """``render``'s text in pieces, to print or write as they are made (text and JSON stream; the
    Markdown comment is short by design, cut to GitHub's limit)."""
    if fmt == "text":
        return text_chunks(plan, color)
    if fmt == "json":
        return json_chunks(plan)
    return iter([FORMATS[fmt](plan)])


__all__ = ["FORMATS", "render", "render_chunks", "render_json", "render_markdown", "render_text"]
