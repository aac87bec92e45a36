"""A value of the secrets store used where an object's identity or a merchant's name is taken from never
reaches the plan file, nor, as its slug, any output; nor one the API holds in another case.

README: "A value taken from the secrets store (!secret) is sensitive wherever it is used, even in a field
no model marks"; DESIGN §5: the plan file holds no sensitive value, and none appears in an address. The
stdout/stderr net (``cli.concealed``) covers the console only: ``plan --out`` writes the file directly,
and a slug (lower case, ``-`` for spaces) is not the form the net looks for.
"""

from __future__ import annotations

import json

from .conftest import Workspace
from .test_apply_integrity import ENV

SECRET = "Hemlig Butik Nord"
FORMS = (SECRET, SECRET.lower().replace(" ", "-"), SECRET.replace(" ", "-"))


def assert_nowhere(workspace: Workspace, *outputs: str) -> None:
    texts = [(workspace.root / "plan.json").read_text(encoding="utf-8"), *outputs]
    for text in texts:
        for form in FORMS:
            assert form.lower() not in text.lower(), (form, [line for line in text.splitlines() if "emlig" in line])


def test_a_secret_account_name_is_not_kept_in_the_plan_files_declarations(converged: Workspace) -> None:
    converged.set_secret("SK_NAME", SECRET)
    converged.edit_merchant("SK-2024-0002", "account_name: Stockholm Kaffe AB", "account_name: !secret SK_NAME")
    planned = converged.run("plan", "--target", "SK-2024-0002", "--out", "plan.json", env=ENV)
    assert planned.exit_code == 0, planned.output
    assert "**** (fp:" in planned.stdout  # the console is masked ...
    assert_nowhere(converged, planned.output)  # ... the plan file is not ("declarations": {"name": ...})


def test_a_secret_website_reference_is_not_kept_in_the_plan_files_address(converged: Workspace) -> None:
    converged.set_secret("NB_WEB", SECRET.replace(" ", "-"))
    converged.edit_merchant("NB-2024-0001", "website_reference: nordic-bikes-web", "website_reference: !secret NB_WEB")
    planned = converged.run("plan", "--target", "NB-2024-0001", "--out", "plan.json", env=ENV)
    assert planned.exit_code == 0, planned.output
    assert_nowhere(converged, planned.output)


def test_a_secret_credential_description_is_not_shown_as_a_slug_in_any_output(converged: Workspace) -> None:
    converged.set_secret("CRED", SECRET)
    partner = converged.desired / "partner.yaml"
    converged.edit(partner, 'description: "storefront checkout client"', "description: !secret CRED")
    planned = converged.run("plan", "--out", "plan.json", env=ENV)
    assert planned.exit_code == 0, planned.output
    markdown = converged.run("show", "plan.json", "--format", "markdown", env=ENV)
    assert markdown.exit_code == 0, markdown.output
    assert_nowhere(converged, planned.output, markdown.output)


def test_a_secret_webhook_url_is_not_shown_as_a_slug_of_its_path_in_any_output(converged: Workspace) -> None:
    """A capability URL (its path is the token) kept in the secrets store: the address shows its fingerprint."""
    token = "T0K3N-9f8e7d6c5b4a"
    converged.set_secret("HOOK_URL", f"https://127.0.0.1:8443/hooks/{token}")
    partner = converged.desired / "partner.yaml"
    converged.edit(partner, 'url: "https://127.0.0.1:8443/klarna/notifications"', "url: !secret HOOK_URL")
    planned = converged.run("plan", "--out", "plan.json", env=ENV)
    assert planned.exit_code == 0, planned.output
    assert "klarna.webhook/fp-" in planned.stdout
    markdown = converged.run("show", "plan.json", "--format", "markdown", env=ENV)
    assert markdown.exit_code == 0, markdown.output
    for text in ((converged.root / "plan.json").read_text(encoding="utf-8"), planned.output, markdown.output):
        assert token.lower() not in text.lower()


def test_a_live_value_that_differs_from_a_secret_only_by_case_is_masked(converged: Workspace) -> None:
    """The secret's upper-case form is masked only with its spaces taken out (``register_secret_value``);
    the API holding it in capitals with its spaces (or in lower case) shows it in the plan's ``before``."""
    converged.set_secret("SK_NAME", SECRET)
    converged.edit_merchant("SK-2024-0002", "account_name: Stockholm Kaffe AB", "account_name: !secret SK_NAME")
    assert converged.run("apply", "--auto-approve", "--target", "SK-2024-0002", env=ENV).exit_code == 0
    account = converged.sandbox.accounts()["SK-2024-0002"]["account_id"]
    converged.sandbox.klarna("PATCH", f"/v1/accounts/{account}", {"account_name": SECRET.upper()})
    planned = converged.run("plan", "--target", "SK-2024-0002", "--out", "plan.json", env=ENV)
    assert planned.exit_code == 0, planned.output
    assert "klarna.account  patch" in planned.stdout
    # Console output (behind the stdout net) and the change in the plan file alike:
    assert SECRET.upper() not in planned.stdout, planned.stdout
    changes = [op["changes"] for op in json.loads((converged.root / "plan.json").read_text())["operations"]]
    assert SECRET.upper() not in json.dumps(changes), changes
