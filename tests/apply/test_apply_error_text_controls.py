"""An API's error text reaches apply's and plan's output with its control characters escaped.

Whitespace is folded already (no line break survives); ESC, BEL and the C1 controls are escaped too: an
OSC 8 sequence would make a disguised link on the operator's terminal, OSC 0/2 would retitle it, U+009B is
a CSI on terminals that take C1 controls, and click strips none of them on a terminal.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from click.testing import Result

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


def failing_with_hostile_text(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, method: str, pattern: str, *command: str
) -> Result:
    """``command`` run while Klarna's first ``method`` request to ``pattern`` fails with the hostile text: exit 1,
    and no control character of the text in any output."""
    hostile_errors(monkeypatch, method)
    workspace.sandbox.fail_next({"api": "klarna", "method": method, "path_pattern": pattern, "status": 400})
    result = workspace.run(*command)
    assert result.exit_code == 1, result.output
    for output in (result.stdout, result.stderr):
        for control in CONTROLS:
            assert control not in output, repr(output)
    return result


def test_an_error_text_with_control_characters_is_escaped_in_apply_output(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert workspace.run("plan", "--target", "M123786123412", "--out", "plan.json").exit_code == 0
    apply = ("apply", "plan.json", "--auto-approve")
    result = failing_with_hostile_text(workspace, monkeypatch, "POST", "onboard", *apply)
    assert "klarna onboard failed (400" in result.stdout


def test_an_error_text_with_control_characters_is_escaped_in_plan_output(
    converged: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = failing_with_hostile_text(converged, monkeypatch, "GET", "accounts", "plan", "--target", "SK-2024-0002")
    assert "could not read the live state of 1 merchant(s)" in result.stderr
