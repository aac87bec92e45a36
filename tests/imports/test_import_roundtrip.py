"""The round trip: generated live merchants of every shape, imported, then planned from the files: no operation.

Each example builds a fresh in-process sandbox through the APIs (and the providers' own actions), imports
every merchant and the partner-level signing keys and webhooks, and plans the written files (partner.yaml
included) against the same sandbox, loaded as written (each ``!secret NAME`` from the secrets store,
opened with the identity).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pyrage
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.desired.load import load_desired
from reconciler.desired.secret_store import write_recipients
from reconciler.imports import ImportSelection, import_merchants
from reconciler.live import build_clients
from reconciler.sandbox import SandboxSettings, create_app
from tests.conftest import DINTERO_BASIC, DINTERO_TOKEN_BODY, DINTERO_TOKEN_PATH, KLARNA_AUTH
from tests.plan.conftest import IBAN_NO, Live, Planner, base_merchant, fast_params

OPTIONAL = (
    "account_group_reference",
    "account_owner",
    "websites",
    "collections",
    "account_information",
    "business_information",
    "stakeholders",
    "settlement",
    "bank_accounts",
    "payment_program_enablements",
)
PRODUCT = st.sampled_from(["enabled", "partner-disabled", "klarna-disabled", "terminated"])
CONNECTION = st.sampled_from(["none", "pending", "enabled", "declined", "failed"])
SHAPE = st.fixed_dictionaries(
    {
        "drop": st.sets(st.sampled_from(OPTIONAL), max_size=4),
        "product": PRODUCT,
        "klarna_connection": CONNECTION,
        "vipps_connection": CONNECTION,
        "legacy": st.booleans(),
        "hashed_account": st.booleans(),
        "same_owner_as_first": st.booleans(),  # the first merchant's IBAN and national id: one owner, two shops
    }
)
# A bank account Klarna holds only as a hash (the partner sent ``iban_hash``): import cannot declare it.
HASHED_ACCOUNT = {
    "bank_account_type": "IBAN",
    "account_holder": "Hashed Holder",
    "iban_hash": {
        "value": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "sanitization_method": "REMOVE_WHITESPACE_UPPERCASE",
        "hashing_method": "ARGON2ID",
    },
}
EVENT_TYPES = (
    "partner.account.product.payment.state-change.disabled",
    "partner.account.product.payment.state-change.enabled",
    "partner.account.state-change.operational",
)
# Partner-level Notifications API state: keys (a description, or none), webhooks naming a key by index.
KEY = st.one_of(st.none(), st.sampled_from(["primary", "backup", "rotation 2026"]))
WEBHOOK = st.fixed_dictionaries(
    {
        "key": st.integers(min_value=0, max_value=2),
        "types": st.sets(st.sampled_from(EVENT_TYPES), min_size=1),
        "status": st.sampled_from(["ENABLED", "DISABLED"]),
    }
)
NOTIFICATIONS = st.fixed_dictionaries(
    {"keys": st.lists(KEY, max_size=3), "webhooks": st.lists(WEBHOOK, max_size=3)}
)


def _notifications(live: Live, seeded: dict[str, Any]) -> None:
    keys = [
        live.call("POST", "/v1/notification/signing-keys", {} if d is None else {"description": d})
        for d in seeded["keys"]
    ]
    for index, webhook in enumerate(seeded["webhooks"] if keys else []):
        live.call(
            "POST",
            "/v1/notification/webhooks",
            {
                "url": f"https://127.0.0.1:8443/hooks/{index}",
                "event_types": sorted(webhook["types"]),
                "event_version": "v1",
                "signing_key_id": keys[webhook["key"] % len(keys)]["signing_key_id"],
                "status": webhook["status"],
            },
        )


def _build(live: Live, index: int, shape: dict[str, Any]) -> None:
    reference = f"RT-{index:04d}"
    aid = f"T112{index:05d}"
    merchant = base_merchant(reference, aid)
    k = merchant["klarna"]
    if shape["same_owner_as_first"] and index > 0:
        first = base_merchant("RT-0000", "T11200000")["klarna"]
        k["bank_accounts"][0] = first["bank_accounts"][0]
        k["stakeholders"][0]["national_identification"] = first["stakeholders"][0]["national_identification"]
    for name in shape["drop"]:
        k.pop(name, None)
    if "collections" not in k:
        for website in k.get("websites") or []:
            website.pop("channel_collection_reference", None)
    if shape["product"] == "partner-disabled":
        k["payment_product"]["state"] = "disabled"
        k["payment_product"]["disabled_reason"] = {"reason": "FRAUD", "reason_details": "chargebacks"}
    connections: dict[str, Any] = {}
    if shape["klarna_connection"] != "none":
        connections["klarna"] = merchant["dintero"]["connections"]["klarna"]
    if shape["vipps_connection"] != "none":
        connections["vipps-psp"] = {
            "signup": {
                "case_id": f"6f1c2a3e-0d44-4b50-8888-8dd25736{index:04d}",
                "payment_options": [{"type": "dintero_psp.vipps", "currencies": ["NOK"]}],
            }
        }
    merchant["dintero"]["connections"] = connections
    if shape["legacy"]:
        merchant_id = f"K9{index:05d}"
        response = live.klarna.post(
            "/_sandbox/klarna/legacy-merchants", json={"merchant_id": merchant_id, "account_name": "Old"}
        )
        assert response.status_code == 201, response.text
        product = k["payment_product"]
        body = {
            "account_reference": reference,
            "account_name": k["account_name"],
            "account_owner": k.get("account_owner") or {"given_name": "A", "family_name": "B", "email": "a@x.io"},
            "products": [{"type": "PAYMENT", "merchant_id": merchant_id,
                          "merchant_category_code": product["merchant_category_code"]}],
            "websites": k.get("websites") or [],
            "collections": k.get("collections") or [],
        }
        if k.get("account_group_reference"):
            body["account_group_reference"] = k["account_group_reference"]
        live.call("POST", "/v1/distribution/onboard", body)
        onboard = live.onboard
        live.onboard = lambda merchant: None  # type: ignore[method-assign]  # already onboarded, the legacy way
        try:
            live.create(merchant, dintero=bool(connections))
        finally:
            live.onboard = onboard  # type: ignore[method-assign]
    else:
        live.create(merchant, dintero=bool(connections))
    if connections:
        store = live.klarna.app.state.sandbox.store  # type: ignore[attr-defined]
        document = store.get("dintero.account", aid)
        document["applicant"] = {"signup_reference": reference}  # as Dintero's onboarding link leaves it
        store.put("dintero.account", aid, document)
    for name, status in (("klarna", shape["klarna_connection"]), ("vipps-psp", shape["vipps_connection"])):
        if status in ("enabled", "declined", "failed"):
            live.connection_event(aid, name, status)
    account = live.account(reference)
    if shape["hashed_account"]:
        live.call("POST", f"/v1/accounts/{account['account_id']}/settlement-information/bank-accounts", HASHED_ACCOUNT)
    product_id = account["products"][0]["product_id"]
    base = f"/_sandbox/klarna/accounts/{account['account_id']}/products/payment/{product_id}"
    if shape["product"] == "klarna-disabled":
        assert live.klarna.post(base + "/disable", json={"reason": "AML"}).status_code == 200
    if shape["product"] == "terminated":
        assert live.klarna.post(base + "/terminate", json={}).status_code == 200


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shapes=st.lists(SHAPE, min_size=1, max_size=4), notifications=NOTIFICATIONS)
def test_what_import_writes_plans_no_operation(
    shapes: list[dict[str, Any]], notifications: dict[str, Any], tmp_path_factory: Any
) -> None:
    app = create_app(SandboxSettings(db_path=None, operational_delay_seconds=0.0))
    directory = tmp_path_factory.mktemp("imported")
    identity = pyrage.x25519.Identity.generate()
    write_recipients(directory, [str(identity.to_public())])
    with TestClient(app) as klarna, TestClient(app) as dintero:
        klarna.headers.update(KLARNA_AUTH)
        token = dintero.post(DINTERO_TOKEN_PATH, headers=DINTERO_BASIC, json=DINTERO_TOKEN_BODY).json()
        dintero.headers["Authorization"] = f"Bearer {token['access_token']}"
        live = Live(klarna, dintero)
        for index, shape in enumerate(shapes):
            _build(live, index, shape)
        _notifications(live, notifications)

        async def run() -> Any:
            async with build_clients(fast_params(), transport=httpx.ASGITransport(app=app)) as clients:
                return await import_merchants(
                    clients, directory, ImportSelection(everything=True), declared=set(), environ={}
                )

        result = asyncio.run(run())
        assert result.invalid == {} and result.not_exact == {}
        assert len(result.imported) == len(shapes)
        written = "".join(p.read_text() for p in (directory / "merchants").glob("*.yaml"))
        assert IBAN_NO not in written and "19801210-0000" not in written
        first = base_merchant("RT-0000", "T11200000")["klarna"]
        assert first["bank_accounts"][0]["iban"] not in written
        assert first["stakeholders"][0]["national_identification"]["number"] not in written
        assert HASHED_ACCOUNT["iban_hash"]["value"] not in written  # type: ignore[index]
        hashed = sum(1 for shape in shapes if shape["hashed_account"])
        assert written.count("# bank_accounts: not declared, so not managed.") == hashed
        state = load_desired(directory, environ={"RECONCILER_AGE_IDENTITY": str(identity)})
        assert state.partner is not None and state.partner.klarna is not None
        described = [d for d in notifications["keys"] if d is not None]
        if len(set(described)) == len(notifications["keys"]):  # every key declarable: keys and webhooks declared
            assert [k.description for k in state.partner.klarna.signing_keys or []] == sorted(described)
            assert len(state.partner.klarna.webhooks or []) == (len(notifications["webhooks"]) if described else 0)
        plan = Planner(app).plan(state, with_unmanaged=True, include_partner=True)
        assert [(op.address, op.action.value) for op in plan.operations] == []
        assert plan.unmanaged == ()
