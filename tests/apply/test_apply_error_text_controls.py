"""An API's error text reaches apply's and plan's output with its control characters escaped.

Whitespace is folded already (no line break survives); ESC, BEL and the C1 controls are escaped too: an
OSC 8 sequence would make a disguised link on the operator's terminal, OSC 0/2 would retitle it, U+009B is
a CSI on terminals that take C1 controls, and click strips none of them on a terminal.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .conftest import Workspace
from .test_apply_hostile_answers import answers_edited

HOSTILE = "refused \x1b]8;;https://evil.example/\x07see docs\x1b]8;;\x07 \x1b]0;pwned\x07 \x9b2J \x07done"
CONTROLS = ("\x1b", "\x07", "\x9b")


def hostile_errors(monkeypatch: pytest.MonkeyPatch, method: str) -> None:
    def edit(request: httpx.Request, body: Any) -> Any:
        if request.method == method and isinstance(body, dict) and "error_code" in body:
            body["error_message"] = HOSTILE
        return body

    answers_edited(monkeypatch, edit)


def test_an_error_text_with_control_characters_is_escaped_in_apply_output(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert workspace.run("plan", "--target", "M123786123412", "--out", "plan.json").exit_code == 0
    hostile_errors(monkeypatch, "POST")
    workspace.sandbox.fail_next({"api": "klarna", "method": "POST", "path_pattern": "onboard", "status": 400})
    result = workspace.run("apply", "plan.json", "--auto-approve")
    assert result.exit_code == 1, result.output
    assert "klarna onboard failed (400" in result.stdout
    for control in CONTROLS:
        assert control not in result.stdout, repr(result.stdout)
        assert control not in result.stderr, repr(result.stderr)


def test_an_error_text_with_control_characters_is_escaped_in_plan_output(
    converged: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile_errors(monkeypatch, "GET")
    converged.sandbox.fail_next({"api": "klarna", "method": "GET", "path_pattern": "accounts", "status": 400})
    result = converged.run("plan", "--target", "SK-2024-0002")
    assert result.exit_code == 1, result.output
    assert "could not read the live state of 1 merchant(s)" in result.stderr
    for control in CONTROLS:
        assert control not in result.stderr, repr(result.stderr)
