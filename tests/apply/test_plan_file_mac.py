"""A plan file whose ``mac`` is a string holding a non-ASCII character is refused (exit 1, naming the file),
as any other MAC that does not verify (``hmac.compare_digest`` takes ASCII strings only)."""

from __future__ import annotations

import json

import pytest

from .conftest import Workspace
from .test_apply_integrity import ENV, assert_refused, document_of, planned  # noqa: F401

COMMANDS = {"show": ["show", "plan.json"], "apply": ["apply", "plan.json", "--auto-approve", "--allow-disable"]}


@pytest.mark.parametrize("mac", ["hmac-sha256:é", "hmac-sha256:\u00a0", "\ud800"], ids=["e-acute", "nbsp", "surrogate"])
@pytest.mark.parametrize("command", list(COMMANDS.values()), ids=list(COMMANDS))
def test_a_mac_with_a_non_ascii_character_is_refused_not_a_traceback(
    planned: Workspace, mac: str, command: list[str]  # noqa: F811
) -> None:
    document = document_of(planned)
    document["mac"] = mac
    (planned.root / "plan.json").write_text(json.dumps(document))  # ensure_ascii: "\u00e9" in the file
    since = planned.sandbox.last_seq()
    result = planned.run(*command, env=ENV)  # catch_exceptions=False: a TypeError fails the test here
    assert_refused(planned, result, since)
    assert result.stderr.startswith("plan.json:1:1: "), result.stderr
    assert "MAC does not verify" in result.stderr
    assert planned.sandbox.requests(since=since) == []
