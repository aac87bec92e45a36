"""apply's closing line counts the operations that failed, not those skipped after them as failed too.

README: "The report counts each saved operation once: applied, already in place, stale, failed, outcome
unknown, blocked, or skipped after a failed (or unknown) dependency." One refused onboard with ten
operations skipped after it was reported as "Operations: 2 applied, 1 failed, 10 skipped." and then
"apply failed: 11 operation(s) failed": a reader of a CI log takes eleven writes for refused.
"""

from __future__ import annotations

from tests.apply.conftest import Workspace


def test_the_closing_line_does_not_count_skipped_operations_as_failed(workspace: Workspace) -> None:
    assert workspace.run("plan", "--target", "NB-2024-0001", "--out", "plan.json").exit_code == 0
    workspace.sandbox.fail_next(
        {"api": "klarna", "method": "POST", "path_pattern": "/distribution/onboard$", "status": 400, "count": 1}
    )

    result = workspace.run("apply", "plan.json", "--auto-approve")

    assert result.exit_code == 1, result.output
    assert "Operations: 2 applied, 1 failed, 10 skipped." in result.stdout
    assert "apply failed: 1 operation(s) failed" in result.stderr, result.stderr
    assert "10 skipped" in result.stderr
