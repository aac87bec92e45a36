"""Renderers of a plan: text (like ``terraform plan``), JSON (the plan document) and Markdown (PR comment).

Renderers only format. The plan they get holds no sensitive value (see ``reconciler.plan``).
"""

from __future__ import annotations

from collections.abc import Callable

from reconciler.plan import Plan
from reconciler.render.jsondoc import render_json
from reconciler.render.markdown import render_markdown
from reconciler.render.text import render_text

FORMATS: dict[str, Callable[[Plan], str]] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
}


def render(plan: Plan, fmt: str, color: bool = False) -> str:
    if fmt == "text":
        return render_text(plan, color=color)
    return FORMATS[fmt](plan)


__all__ = ["FORMATS", "render", "render_json", "render_markdown", "render_text"]
