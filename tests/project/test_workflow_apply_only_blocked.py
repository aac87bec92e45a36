"""apply.yml: a plan whose only operations are blocked has nothing apply can write, and is sent for no approval.

README step 5: "With nothing to change it stops there"; a blocked operation is "a difference the API cannot
change" (DESIGN §1), one held by the provider "no write will change it back". While one merchant's product
stays terminated by Klarna (or any set-once difference stays), every push to main asks a reviewer of
`production` to approve an apply that writes nothing, then fails red with exit 5.
"""

from __future__ import annotations

from tests.project.test_workflow_scripts import (  # noqa: F401
    APPLY_SECRETS,
    URLS,
    PartnerRepository,
    invocations,
    plan_document,
    plan_markdown,
    push,
    repo,
)


def test_a_plan_of_blocked_operations_only_asks_no_approval(repo: PartnerRepository) -> None:  # noqa: F811
    push(repo)
    document = plan_document()
    document["summary"] = {"blocked": 1}
    document["operations"] = [{
        "address": "NB-2024-0001/klarna.payment_product", "merchant": "NB-2024-0001", "action": "blocked",
        "reason": "Klarna terminated the payment product; only Klarna can reactivate it: contact Klarna",
        "held_by": "Klarna",
    }]
    repo.config["plan"] = {"exit": 2, "stdout": plan_markdown(), "document": document}
    result = repo.run("apply.yml", event="push", inputs=URLS, secrets=APPLY_SECRETS)
    assert result["plan"].outputs["changes"] == "false", "approval is asked for a plan apply can do nothing of"
    assert result["apply"].result == "skipped" and invocations(repo, "apply") == []
