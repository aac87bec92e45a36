"""A live value that holds a value of the secrets store inside a longer text, or with other spacing,
is masked in the plan file too.

README: "A value of the secrets store is masked wherever it is used, in any case or spacing, and never
shown in an address or a merchant's name in the plan file"; DESIGN §5: "The plan file holds none either".
The console (behind ``cli.concealed``) masks the secret inside the live text; ``plan --out`` writes the
file past that net, and ``redact`` masks a live value only when the whole of it is the secret (up to case
and runs of whitespace), so the file (the CI artifact ``reconciler-plan``) holds the secret.
"""

from __future__ import annotations

import json

import pytest

from tests.apply.conftest import Workspace
from tests.apply.test_apply_integrity import ENV

SECRET = "Hemlig Butik Nord"


@pytest.mark.parametrize(
    "live",
    [f"{SECRET} AB", "HemligButik Nord", f"https://shop.example.com/?shop={SECRET}"],
    ids=["longer", "other-spacing", "in-a-url"],
)
def test_a_secret_inside_a_live_value_is_not_in_the_plan_file(converged: Workspace, live: str) -> None:
    converged.set_secret("SK_NAME", SECRET)
    converged.edit_merchant("SK-2024-0002", "account_name: Stockholm Kaffe AB", "account_name: !secret SK_NAME")
    assert converged.run("apply", "--auto-approve", "--target", "SK-2024-0002", env=ENV).exit_code == 0
    account = converged.sandbox.accounts()["SK-2024-0002"]["account_id"]
    # Someone edits the name in Klarna's portal.
    converged.sandbox.klarna("PATCH", f"/v1/accounts/{account}", {"account_name": live})
    planned = converged.run("plan", "--target", "SK-2024-0002", "--out", "plan.json", env=ENV)
    assert planned.exit_code == 0, planned.output
    assert "klarna.account  patch" in planned.stdout
    assert "emlig" not in planned.stdout  # the console masks it ...
    document = (converged.root / "plan.json").read_text(encoding="utf-8")
    changes = [op["changes"] for op in json.loads(document)["operations"]]
    assert "emlig" not in document, changes  # ... the plan file must too
