"""Apply against answers no well-behaved API sends: the sandbox's answers, changed on their way to the client.

A surprising answer must never lead to a write the approved plan does not hold, nor to one sent to an id
the API never gave.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

import reconciler.live.factory as factory
from reconciler.sandbox.embedded import embedded_app
from tests.live.editing import Edit, Editing

from .conftest import Workspace


def answers_edited(monkeypatch: pytest.MonkeyPatch, edit: Edit) -> None:
    """Every command of the test reaches its embedded sandbox through ``edit``."""
    monkeypatch.setattr(factory, "_sandbox_transport", lambda workdir: Editing(embedded_app(workdir), edit))


def test_a_product_left_out_of_the_account_read_after_its_onboard_gets_no_write_to_a_made_up_id(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Bergen Fisk's product is declared disabled: after the onboard, apply disables it by its id.
    assert workspace.run("plan", "--target", "BF-2023-0042", "--out", "plan.json", "--detailed-exitcode").exit_code == 2

    def no_products(request: httpx.Request, body: Any) -> Any:
        if request.method == "GET" and request.url.path.endswith("/v1/accounts") and isinstance(body, dict):
            for account in body.get("accounts", []):
                account.pop("products", None)
        return body

    answers_edited(monkeypatch, no_products)
    result = workspace.run("apply", "plan.json", "--auto-approve")
    assert result.exit_code == 1, result.output
    paths = [unquote(r["path"]) for r in workspace.sandbox.requests()]
    assert [p for p in paths if "known after apply" in p] == []
    assert "BF-2023-0042/klarna.payment_product: failed" in result.output
    assert "products/payment/(known after apply)/disable was not sent" in result.output


DISABLED = """    state: disabled
    disabled_reason:
      reason: FRAUD
      reason_details: Chargeback pattern under review by the partner's risk team
"""


def test_a_product_created_with_its_account_existing_is_disabled_by_the_id_its_onboard_gave(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Bergen Fisk applied with its product enabled; its file then declares it disabled (with a reason).
    workspace.edit_merchant("BF-2023-0042", DISABLED, "    state: enabled\n")
    workspace.converge()
    workspace.edit_merchant("BF-2023-0042", "    state: enabled\n", DISABLED)
    account = workspace.sandbox.accounts()["BF-2023-0042"]
    product = account["products"][0]["product_id"]
    onboarded: list[str] = []

    def no_products_until_onboarded(request: httpx.Request, body: Any) -> Any:
        # Klarna's reads leave the product out until an onboard (of the declared product) is sent.
        if request.method == "POST" and request.url.path.endswith("/v1/distribution/onboard"):
            onboarded.append(request.url.path)
        if not onboarded and request.method == "GET" and isinstance(body, dict):
            for item in body.get("accounts", []):
                item.pop("products", None)
        return body

    answers_edited(monkeypatch, no_products_until_onboarded)
    planned = workspace.run("plan", "--target", "BF-2023-0042", "--out", "plan.json", "--format", "json")
    assert "BF-2023-0042/klarna.payment_product" in planned.output and '"action": "create"' in planned.output
    result = workspace.run("apply", "plan.json", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert onboarded
    assert workspace.sandbox.accounts()["BF-2023-0042"]["products"][0]["state"] == "DISABLED"
    disables = [unquote(r["path"]) for r in workspace.sandbox.writes() if r["path"].endswith("/disable")]
    assert disables == [f"/klarna/v1/accounts/{account['account_id']}/products/payment/{product}/disable"]


@pytest.mark.parametrize(
    ("answer", "why"),
    [(b"", "the response is not JSON"), (b"<html>Created</html>", "the response is not JSON"), ([], "unexpected")],
    ids=["empty", "not JSON", "not an account"],
)
def test_an_onboard_accepted_with_an_answer_that_cannot_be_read_has_an_unknown_outcome(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, answer: Any, why: str
) -> None:
    """The API made the account: reported as failed, the onboard seemed not to have happened."""
    assert workspace.run("plan", "--target", "M123786123412", "--out", "plan.json").exit_code == 0

    def unreadable_onboard(request: httpx.Request, body: Any) -> Any:
        if request.method == "POST" and request.url.path.endswith("/v1/distribution/onboard"):
            return answer
        return body

    answers_edited(monkeypatch, unreadable_onboard)
    result = workspace.run("apply", "plan.json", "--auto-approve")
    assert result.exit_code == 1, result.output
    unknown = (
        "M123786123412/klarna.account: outcome unknown: merchant M123786123412: klarna onboard: the API accepted "
        f"the request (201) but its answer could not be read ({why}"
    )
    assert unknown in result.output
    assert "the next plan will read the live state" in result.output
    assert "operation(s) failed, 1 with an unknown outcome, 0 not converged" in result.stderr
    # What needs the account it made does not run as if its answer had been read.
    assert "skipped M123786123412/klarna.stakeholder/john-doe" in result.stdout
    assert [(w["method"], w["status"]) for w in workspace.sandbox.writes()] == [("POST", 201)]
    assert "M123786123412" in workspace.sandbox.accounts()

    planned = workspace.run("plan", "--target", "M123786123412", "--format", "json")
    operations = json.loads(planned.output[planned.output.index("{") :])["operations"]
    assert "M123786123412/klarna.account" not in {op["address"] for op in operations}  # found by the next read


def channel_patches(workspace: Workspace) -> list[str]:
    return [w["path"] for w in workspace.sandbox.writes() if w["method"] == "PATCH" and "/channels/" in w["path"]]


def test_a_new_merchant_whose_channels_read_back_as_sent_gets_no_write_after_its_onboard(
    workspace: Workspace,
) -> None:
    assert workspace.run("plan", "--target", "M123786123412", "--out", "plan.json").exit_code == 0
    result = workspace.run("apply", "plan.json", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "M123786123412/klarna.website/999888777: already in place" in result.output
    assert channel_patches(workspace) == []


def test_a_website_read_back_without_the_name_its_onboard_sent_is_patched_once_and_reported_not_converged(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read is all the reconciler knows of the live state: a name it does not show is missing, for this
    apply's verify and every later plan alike. The patch is the one write that can set it (an API that
    dropped it from the onboard), it carries only values the plan approved, and it is sent once."""
    assert workspace.run("plan", "--target", "M123786123412", "--out", "plan.json").exit_code == 0

    def no_website_name(request: httpx.Request, body: Any) -> Any:
        if request.method == "GET" and isinstance(body, dict):
            for account in body.get("accounts", []):
                for website in account.get("websites") or []:
                    website["website_name"] = None
        return body

    answers_edited(monkeypatch, no_website_name)
    result = workspace.run("apply", "plan.json", "--auto-approve")
    assert result.exit_code == 1, result.output
    assert len(channel_patches(workspace)) == 1
    assert "Not converged after apply (1 operation(s) still planned):" in result.stdout
    assert "M123786123412/klarna.website/999888777 patch" in result.stdout
    websites = workspace.sandbox.accounts()["M123786123412"]["websites"]
    assert [w["website_name"] for w in websites] == ["John Doe Stakehouse"]
