"""JSON rendering: the plan document of DESIGN §5."""

from __future__ import annotations

import json

from reconciler.plan import Plan


def render_json(plan: Plan) -> str:
    return json.dumps(plan.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"
