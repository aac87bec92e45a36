"""Plans made from answers no well-behaved API sends: the sandbox's answer, changed on its way to the client.

A surprising answer must neither plan a write nor put a value it holds into the plan.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from reconciler.desired.load import DesiredState
from reconciler.errors import ReadFailed
from reconciler.live import build_clients
from reconciler.pipeline import make_plan, select_merchants
from reconciler.plan import Plan
from reconciler.render import render_json, render_markdown, render_text
from tests.live.editing import Edit, Editing

from .conftest import AID, DesiredDir, Live, base_merchant, fast_params

NATIONAL_ID = "19850102-4821"
IBAN = "GB33BUKB20201555555555"

def plan_through(app: FastAPI, state: DesiredState, edit: Edit) -> Plan:
    async def run() -> Plan:
        async with build_clients(fast_params(), transport=Editing(app, edit)) as clients:
            return await make_plan(clients, state, select_merchants(state, ()), include_partner=False)

    return asyncio.run(run())


def every_rendering(plan: Plan) -> str:
    return "\n".join([render_json(plan), render_text(plan), render_markdown(plan)])


def test_an_unknown_field_in_a_live_signups_payment_option_plans_no_new_signup_and_is_not_shown(
    sandbox_app: FastAPI, desired: Any, synced: dict[str, Any]
) -> None:
    def edit(request: httpx.Request, body: Any) -> Any:
        if request.url.path.endswith(f"/management/accounts/{AID}"):
            for signup in body["connections"]["klarna"]["signups"]:
                signup["payment_options"][0]["notes"] = NATIONAL_ID
        return body

    plan = plan_through(sandbox_app, desired.load(), edit)
    assert [op.address for op in plan.operations] == []
    assert NATIONAL_ID not in every_rendering(plan)


def test_an_object_or_a_list_of_them_where_a_signup_holds_a_value_is_shown_as_its_kind(
    sandbox_app: FastAPI, desired: DesiredDir, live: Live
) -> None:
    merchant = base_merchant()
    merchant["dintero"]["connections"]["common"] = {
        "signup": {
            "payment_options": [{"type": "swish.swish", "currencies": ["SEK"]}],
            "store_type": ["online"],
            "package": "Checkout",
        }
    }
    desired.write(merchant)
    live.create(merchant)

    def edit(request: httpx.Request, body: Any) -> Any:
        if request.url.path.endswith(f"/management/accounts/{AID}"):
            signup = body["connections"]["common"]["signup"]
            signup["package"] = {"note": NATIONAL_ID}
            signup["store_type"] = [{"note": IBAN}]
        return body

    plan = plan_through(sandbox_app, desired.load(), edit)
    [op] = plan.operations
    assert op.address == "PT-0001/dintero.connection/common"
    shown = {change.path: change.before for change in op.changes}
    assert shown == {("signup", "package"): "(an object)", ("signup", "store_type"): ["(an object)"]}
    text = every_rendering(plan)
    assert NATIONAL_ID not in text and IBAN not in text


class Surrogate(Editing):
    """Dintero's partner view with a lone surrogate escape in a string, as the bytes came."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        if not request.url.path.endswith(f"/management/accounts/{AID}"):
            return response
        content = response.content.replace(b'"NOK"', b'"NO\\ud800"', 1)
        assert content != response.content
        return httpx.Response(response.status_code, headers=response.headers, content=content)


def test_a_lone_surrogate_in_an_answer_fails_the_merchants_read_not_the_writing_of_the_plan(
    sandbox_app: FastAPI, desired: DesiredDir, synced: dict[str, Any]
) -> None:
    state = desired.load()

    async def run() -> Plan:
        async with build_clients(fast_params(), transport=Surrogate(sandbox_app, lambda r, b: b)) as clients:
            return await make_plan(clients, state, select_merchants(state, ()), include_partner=False)

    # Read as a str no file or terminal can take, the plan was made and writing it crashed.
    with pytest.raises(ReadFailed, match="merchant PT-0001: dintero get_merchant failed.*: the response is not JSON"):
        every_rendering(asyncio.run(run())).encode()


def test_a_signature_link_that_is_no_text_is_not_shown_in_the_notices(
    sandbox_app: FastAPI, desired: DesiredDir, synced: dict[str, Any]
) -> None:
    def edit(request: httpx.Request, body: Any) -> Any:
        if request.url.path.endswith(f"/management/accounts/{AID}"):
            for event in body["connections"]["klarna"]["events"]:
                if isinstance(event.get("metadata"), dict) and "signature_link" in event["metadata"]:
                    event["metadata"]["signature_link"] = {"iban": IBAN}
        return body

    plan = plan_through(sandbox_app, desired.load(), edit)
    assert [n.message for n in plan.notices] == ["pending: waiting for the merchant's signature"]
    assert IBAN not in every_rendering(plan)


@pytest.mark.parametrize("what", ["account", "product"])
def test_klarnas_reason_for_a_disable_is_scrubbed_in_the_blocked_operation(
    what: str, sandbox_app: FastAPI, desired: DesiredDir, synced: dict[str, Any]
) -> None:
    reason = f"FRAUD: payouts to {IBAN} held, owner born 1985-01-02"

    def edit(request: httpx.Request, body: Any) -> Any:
        if request.method == "GET" and request.url.path.endswith("/v1/accounts"):
            for account in body["accounts"]:
                held = account if what == "account" else account["products"][0]
                held.update(state="DISABLED", state_reason=reason)
        return body

    plan = plan_through(sandbox_app, desired.load(), edit)
    [blocked] = [op for op in plan.operations if op.action.value == "blocked"]
    assert blocked.reason is not None and "Klarna disabled the" in blocked.reason and "FRAUD" in blocked.reason
    text = every_rendering(plan)
    assert IBAN not in text and "1985-01-02" not in text
