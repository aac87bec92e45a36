"""The plan file's ``desired_digest`` is keyed: whoever reads the repository and a plan file (the CI
artifact) cannot test guesses of a value of the secrets store against it offline, as they could against
a plain sha256 (a date of birth is one of 36,525 in a century).
"""

from __future__ import annotations

import datetime
import json
from dataclasses import replace

from reconciler.desired.declared import desired_digest
from reconciler.desired.load import load_desired
from reconciler.plan.fingerprint import precondition_key

from .conftest import Workspace

KEY = "a-mask-key-the-attacker-does-not-have"
SECRET_DOB = "1972-02-02"  # Jane Doe's, now taken from the secrets store
PLACEHOLDER = "1900-01-01"


def test_the_plan_files_digest_cannot_be_used_to_test_a_guess_of_a_secret(converged: Workspace) -> None:
    converged.set_secret("JANE_DOB", SECRET_DOB)
    converged.edit_merchant("M123786123412", f"date_of_birth: {SECRET_DOB}", "date_of_birth: !secret JANE_DOB")
    planned = converged.run("plan", "--target", "M123786123412", "--out", "plan.json", env={"RECONCILER_MASK_KEY": KEY})
    assert planned.exit_code == 0, planned.output
    published = json.loads((converged.root / "plan.json").read_text())["desired_digest"]
    assert SECRET_DOB not in (converged.root / "plan.json").read_text()  # masked, as promised

    # The attacker: the repository's files with a placeholder where the secret goes, no key, no store.
    converged.edit_merchant("M123786123412", "date_of_birth: !secret JANE_DOB", f"date_of_birth: {PLACEHOLDER}")
    merchant = load_desired(converged.desired).merchant("M123786123412")
    def confirmed(key: bytes) -> list[str]:
        found, day = [], datetime.date(1900, 1, 1)
        while day.year < 2000:  # 36,524 guesses, bounded
            text = merchant.canonical.replace(f'"{PLACEHOLDER}"'.encode(), f'"{day}"'.encode())
            if desired_digest([replace(merchant, canonical=text)], None, key) == published:
                found.append(day.isoformat())
            day += datetime.timedelta(days=1)
        return found

    # Without the key, not even the one a configuration without credentials derives, no guess is confirmed;
    # with it (the plan and apply jobs' own), the guessing this test does would find the value.
    assert confirmed(precondition_key(load_desired(converged.desired).config)) == []
    assert confirmed(b"") == []
    assert confirmed(KEY.encode()) == [SECRET_DOB]
