"""The sandbox's Klarna accounts: auth, incremental onboarding, lifecycle, reads with expand, PATCH, deep links."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from reconciler.sandbox.klarna.accounts import EXPAND_NAMES, KIND, advance_accounts
from reconciler.sandbox.klarna.catalogue import EXTENDED_DELIVERY_ID
from reconciler.sandbox.klarna.seed import generate_klarna_accounts, sample_onboard_payload

ONBOARD = "/klarna/v1/distribution/onboard"
ACCOUNTS = "/klarna/v1/accounts"
START = 1_700_000_000.0


def onboard(klarna: TestClient, reference: str = "M123786123412", **changes: Any) -> dict[str, Any]:
    response = klarna.post(ONBOARD, json={**sample_onboard_payload(reference), **changes})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_problem(response: Any, status: int, code: str, parameter: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error_code"] == code
    assert re.fullmatch(r"[0-9a-f-]{36}", body["error_id"])
    if parameter is not None:
        assert parameter in [e["parameter"] for e in body["errors"]]
    return body


@pytest.fixture
def clock(sandbox_app: FastAPI) -> list[float]:
    """The sandbox's clock, moved by assigning ``clock[0]``."""
    now = [START]
    sandbox_app.state.sandbox.clock = lambda: now[0]
    return now


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", ACCOUNTS),
        ("POST", ONBOARD),
        ("GET", ACCOUNTS + "/krn:partner:global:account:test:AAAAAAAA"),
        ("GET", "/klarna/v1/account/credentials"),
        ("GET", "/klarna/v1/distribution/profiles"),
        ("GET", "/klarna/v1/distribution/payment-program-plans"),
    ],
)
@pytest.mark.parametrize("authorization", [None, "Basic wrong-key", "Bearer klarna_test_api_sandbox"])
def test_klarna_routes_refuse_missing_or_wrong_api_key(
    client: TestClient, method: str, path: str, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = client.request(method, path, headers=headers, json=sample_onboard_payload())
    body = assert_problem(response, 401, "UNAUTHORIZED")
    assert body["error_type"] == "ACCESS_ERROR"


def test_api_key_with_uuid_prefix_is_accepted(client: TestClient) -> None:
    headers = {"Authorization": "Basic 0b7e1b3a-1111-4222-8333-944455556666:klarna_test_api_sandbox"}
    assert client.get("/klarna/v1/distribution/profiles", headers=headers).status_code == 200


def test_onboard_answers_201_with_the_reference_shape(klarna: TestClient) -> None:
    body = onboard(klarna)
    assert set(body) == {"account_id", "account_reference", "account_name", "state", "state_reason"}
    assert re.fullmatch(r"krn:partner:global:account:test:[A-Z0-9]{8}", body["account_id"])
    assert body["account_reference"] == "M123786123412"
    # Klarna answers every new account PARTIALLY_OPERATIONAL, whatever the delay (here 0: the next read is
    # OPERATIONAL).
    assert (body["state"], body["state_reason"]) == ("PARTIALLY_OPERATIONAL", "INITIAL_SETUP")
    account = klarna.get(f"{ACCOUNTS}/{body['account_id']}").json()
    assert (account["state"], account["state_reason"]) == ("OPERATIONAL", "SETUP_COMPLETE")


def test_onboard_stores_the_account_as_one_document(klarna: TestClient, sandbox_app: FastAPI) -> None:
    account_id = onboard(klarna)["account_id"]
    store = sandbox_app.state.sandbox.store
    assert store.count(KIND) == 1
    doc = store.get_by_ref(KIND, "M123786123412")
    assert doc["account_id"] == account_id
    assert [w["website_reference"] for w in doc["websites"]] == ["999888777"]
    assert doc["websites"][0]["channel_collection_id"] == doc["collections"][0]["collection_id"]


def test_onboard_again_with_the_same_payload_changes_nothing(klarna: TestClient) -> None:
    first = onboard(klarna)
    before = klarna.get(f"{ACCOUNTS}/{first['account_id']}", params={"expand": "products,websites,collections"})
    second = onboard(klarna)
    after = klarna.get(f"{ACCOUNTS}/{first['account_id']}", params={"expand": "products,websites,collections"})
    assert second["account_id"] == first["account_id"]
    assert after.json() == before.json()


def test_onboard_again_adds_only_unseen_sub_resources(klarna: TestClient) -> None:
    account_id = onboard(klarna)["account_id"]
    payload = sample_onboard_payload()
    payload["collections"].append({"collection_reference": "pop-up-stores"})
    payload["websites"] = [
        {"website_reference": "second-site", "website_name": "Second", "channel_collection_reference": "pop-up-stores"}
    ]
    assert klarna.post(ONBOARD, json=payload).status_code == 201
    account = klarna.get(f"{ACCOUNTS}/{account_id}", params={"expand": "websites,collections"}).json()
    assert sorted(w["website_reference"] for w in account["websites"]) == ["999888777", "second-site"]
    assert sorted(c["collection_reference"] for c in account["collections"]) == ["online-stores", "pop-up-stores"]
    second = next(w for w in account["websites"] if w["website_reference"] == "second-site")
    pop_up = next(c for c in account["collections"] if c["collection_reference"] == "pop-up-stores")
    assert second["channel_collection_id"] == pop_up["collection_id"]


def _conflicting(change: str) -> dict[str, Any]:
    payload = sample_onboard_payload()
    if change == "account_name":
        payload["account_name"] = "Another Name"
    elif change == "owner_email":
        payload["account_owner"]["email"] = "someone.else@example.com"
    elif change == "product_mcc":
        payload["products"][0]["merchant_category_code"] = "5812"
    elif change == "website_name":
        payload["websites"][0]["website_name"] = "Renamed"
    elif change == "collection_contact":
        payload["collections"][0]["support_contact"] = {"email": "help@example.com"}
    return payload


@pytest.mark.parametrize("change", ["account_name", "owner_email", "product_mcc", "website_name", "collection_contact"])
def test_onboard_with_a_conflicting_payload_is_409_and_changes_nothing(klarna: TestClient, change: str) -> None:
    account_id = onboard(klarna)["account_id"]
    expand = {"expand": ",".join(EXPAND_NAMES)}
    before = klarna.get(f"{ACCOUNTS}/{account_id}", params=expand).json()
    payload = _conflicting(change)
    payload["websites"].append({"website_reference": "new-site", "website_name": "New"})
    body = assert_problem(klarna.post(ONBOARD, json=payload), 409, "RESOURCE_CONFLICT")
    assert body["error_type"] == "RESOURCE_ERROR"
    assert klarna.get(f"{ACCOUNTS}/{account_id}", params=expand).json() == before


@pytest.mark.parametrize(
    ("mutate", "parameter"),
    [
        (lambda p: p.update(surprise=1), "surprise"),
        (lambda p: p["account_owner"].update(nickname="JD"), "account_owner.nickname"),
        (lambda p: p.pop("account_name"), "account_name"),
        (lambda p: p["products"][0].update(type="CARD"), "products.0.type"),
        (lambda p: p["products"][0].update(merchant_category_code="54"), "products.0.merchant_category_code"),
        (lambda p: p["account_owner"].update(phone="0701234567"), "account_owner.phone"),
        (lambda p: p["products"][0].update(distribution_profile_id="krn:nope"), "products.0.distribution_profile_id"),
        (
            lambda p: p["websites"][0].update(channel_collection_reference="nowhere"),
            "websites.0.channel_collection_reference",
        ),
        (lambda p: p["websites"].append(dict(p["websites"][0])), "websites.1.website_reference"),
        (lambda p: p["collections"].append(dict(p["collections"][0])), "collections.1.collection_reference"),
    ],
)
def test_onboard_rejects_an_invalid_body_naming_the_parameter(klarna: TestClient, mutate: Any, parameter: str) -> None:
    payload = sample_onboard_payload()
    mutate(payload)
    body = assert_problem(klarna.post(ONBOARD, json=payload), 400, "VALIDATION_ERROR", parameter)
    assert body["error_type"] == "INPUT_ERROR"
    assert klarna.get(ACCOUNTS).json()["accounts"] == []


def test_new_account_is_partially_operational_until_the_delay_passes(
    klarna: TestClient, sandbox_settings: Any, clock: list[float]
) -> None:
    sandbox_settings.operational_delay_seconds = 2.0
    created = onboard(klarna)
    assert (created["state"], created["state_reason"]) == ("PARTIALLY_OPERATIONAL", "INITIAL_SETUP")
    path = f"{ACCOUNTS}/{created['account_id']}"
    clock[0] = START + 1.9
    assert klarna.get(path).json()["state"] == "PARTIALLY_OPERATIONAL"
    refused = assert_problem(klarna.patch(path, json={"account_name": "Later"}), 409, "RESOURCE_CONFLICT")
    assert "not operational" in refused["error_message"]
    clock[0] = START + 2.0
    account = klarna.get(path).json()
    assert (account["state"], account["state_reason"]) == ("OPERATIONAL", "SETUP_COMPLETE")
    assert klarna.patch(path, json={"account_name": "Later"}).json()["account_name"] == "Later"


def test_onboard_is_allowed_while_partially_operational(
    klarna: TestClient, sandbox_settings: Any, clock: list[float]
) -> None:
    sandbox_settings.operational_delay_seconds = 2.0
    onboard(klarna)
    payload = sample_onboard_payload()
    payload["collections"].append({"collection_reference": "more"})
    response = klarna.post(ONBOARD, json=payload)
    assert response.status_code == 201
    assert response.json()["state"] == "PARTIALLY_OPERATIONAL"


def _management_writes(account: dict[str, Any]) -> list[tuple[str, str, dict[str, Any] | None]]:
    base = f"{ACCOUNTS}/{account['account_id']}"
    product = f"{base}/products/payment/{account['products'][0]['product_id']}"
    website = f"{base}/channels/websites/{account['websites'][0]['website_id']}"
    collection = f"{base}/channels/collections/{account['collections'][0]['collection_id']}"
    stakeholder = f"{base}/stakeholders/{account['stakeholders'][0]['stakeholder_id']}"
    banks = base + "/settlement-information/bank-accounts"
    bank = f"{banks}/{account['bank_accounts'][0]['bank_account_id']}"
    enablements = product + "/payment-program-enablements"
    enablement = f"{enablements}/{account['payment_program_enablements'][0]['payment_program_enablement_id']}"
    info = account["account_information"]  # the same body again: allowed once operational
    iban = "SE4550000000058398257466"
    return [
        ("PATCH", base, {"account_name": "x"}),
        ("PATCH", product, {"merchant_category_code": "5812"}),
        ("POST", product + "/disable", {"reason": "FRAUD"}),
        ("POST", product + "/enable", None),
        ("PATCH", website, {"website_name": "x"}),
        ("PATCH", collection, {"branding": {}}),
        ("PUT", base + "/account-information", info),
        ("PATCH", base + "/business-information", {"business_name": "x"}),
        ("POST", base + "/stakeholders", {"given_name": "A", "family_name": "B", "roles": ["OWNER"]}),
        ("PATCH", stakeholder, {"roles": ["DIRECTOR"]}),
        ("DELETE", stakeholder, None),
        ("PATCH", base + "/settlement-information", {"settlement_enabled": False}),
        ("POST", banks, {"bank_account_type": "IBAN", "account_holder": "x", "iban": iban}),
        ("PATCH", bank, {"account_holder": "y"}),
        ("DELETE", bank, None),
        ("POST", enablements, {"payment_program_id": EXTENDED_DELIVERY_ID}),
        ("PATCH", enablement, {"effective_to": "2030-01-01T00:00:00Z"}),
        ("DELETE", enablement, None),
        ("POST", base + "/deep-links", {"subject": "john.doe@example.com", "roles": ["merchant:admin"]}),
    ]


def test_every_management_write_is_refused_before_operational(
    klarna: TestClient, sandbox_app: FastAPI, clock: list[float]
) -> None:
    # A generated merchant has every sub-resource; this one is still in its initial setup.
    ((account_id, reference, doc),) = generate_klarna_accounts(1, rng=random.Random(5), now=START)
    doc["_operational_at"] = START + 60
    sandbox_app.state.sandbox.store.put(KIND, account_id, doc, ref=reference)
    expand = {"expand": ",".join(EXPAND_NAMES)}
    account = klarna.get(f"{ACCOUNTS}/{account_id}", params=expand).json()
    assert account["state"] == "PARTIALLY_OPERATIONAL"
    for method, path, body in _management_writes(account):
        response = klarna.request(method, path, json=body)
        refused = assert_problem(response, 409, "RESOURCE_CONFLICT")
        assert "not operational" in refused["error_message"], (method, path)
    assert klarna.get(f"{ACCOUNTS}/{account_id}", params=expand).json() == account
    clock[0] = START + 60
    for method, path, body in _management_writes(account):
        clock[0] += 1  # product state changes are limited to one per second
        assert klarna.request(method, path, json=body).status_code < 300, (method, path)


def test_advance_accounts_makes_pending_accounts_operational(
    klarna: TestClient, sandbox_app: FastAPI, sandbox_settings: Any, clock: list[float]
) -> None:
    sandbox_settings.operational_delay_seconds = 3600.0
    ids = [onboard(klarna, f"M{i}")["account_id"] for i in range(3)]
    store = sandbox_app.state.sandbox.store
    assert {klarna.get(f"{ACCOUNTS}/{i}").json()["state"] for i in ids} == {"PARTIALLY_OPERATIONAL"}
    assert advance_accounts(store, START) == 3
    assert {klarna.get(f"{ACCOUNTS}/{i}").json()["state"] for i in ids} == {"OPERATIONAL"}
    assert advance_accounts(store, START) == 0
    assert klarna.patch(f"{ACCOUNTS}/{ids[0]}", json={"account_name": "Now"}).status_code == 200
    # The update sent that account back into its setup (ACCOUNT_UPDATE); advance finishes that one too.
    assert advance_accounts(store, START) == 1


def test_unknown_account_is_404(klarna: TestClient) -> None:
    response = klarna.get(f"{ACCOUNTS}/krn:partner:global:account:test:NOPE1234")
    body = assert_problem(response, 404, "RESOURCE_NOT_FOUND")
    assert body["error_type"] == "RESOURCE_ERROR"


def test_expand_includes_sub_resources_inline(klarna: TestClient) -> None:
    account_id = onboard(klarna)["account_id"]
    plain = klarna.get(f"{ACCOUNTS}/{account_id}").json()
    assert not set(plain) & set(EXPAND_NAMES)
    assert not any(key.startswith("_") for key in plain)
    expanded = klarna.get(f"{ACCOUNTS}/{account_id}", params={"expand": ",".join(EXPAND_NAMES)}).json()
    for name in ("products", "websites", "collections", "stakeholders", "bank_accounts", "payment_program_enablements"):
        assert isinstance(expanded[name], list)
    # Singletons appear once they are set.
    assert "account_information" not in expanded
    products = klarna.get(f"{ACCOUNTS}/{account_id}/products/payment").json()
    assert expanded["products"] == products


@pytest.mark.parametrize(
    "expand",
    [",".join(["products"] * 11), "products,colour", "Products"],
)
def test_expand_with_too_many_or_unknown_names_is_400(klarna: TestClient, expand: str) -> None:
    account_id = onboard(klarna)["account_id"]
    assert_problem(klarna.get(f"{ACCOUNTS}/{account_id}", params={"expand": expand}), 400, "VALIDATION_ERROR", "expand")
    assert_problem(klarna.get(ACCOUNTS, params={"expand": expand}), 400, "VALIDATION_ERROR", "expand")


def test_ten_expand_names_are_accepted(klarna: TestClient) -> None:
    account_id = onboard(klarna)["account_id"]
    expand = ",".join([*EXPAND_NAMES, "products"])
    assert klarna.get(f"{ACCOUNTS}/{account_id}", params={"expand": expand}).status_code == 200


def test_resolve_by_reference_returns_the_account_with_expand(klarna: TestClient) -> None:
    account_id = onboard(klarna)["account_id"]
    onboard(klarna, "OTHER")
    response = klarna.get(ACCOUNTS, params={"account_reference": "M123786123412", "expand": "websites"})
    assert response.status_code == 200
    accounts = response.json()["accounts"]
    assert [a["account_id"] for a in accounts] == [account_id]
    assert accounts[0]["websites"][0]["website_reference"] == "999888777"


def test_resolve_of_an_unknown_reference_is_404(klarna: TestClient) -> None:
    onboard(klarna)
    assert_problem(klarna.get(ACCOUNTS, params={"account_reference": "M000"}), 404, "RESOURCE_NOT_FOUND")


def test_list_pages_through_accounts_in_creation_order(klarna: TestClient) -> None:
    ids = [onboard(klarna, f"M{i}")["account_id"] for i in range(5)]
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(5):
        params: dict[str, Any] = {"limit": 2, "expand": "products"}
        if cursor:
            params["starting_after"] = cursor
        page = klarna.get(ACCOUNTS, params=params).json()
        assert all(len(a["products"]) == 1 for a in page["accounts"])
        seen += [a["account_id"] for a in page["accounts"]]
        cursor = page["pagination"]["next"]
        if cursor is None:
            break
    assert seen == ids


@pytest.mark.parametrize(
    ("params", "parameter"),
    [({"limit": 0}, "limit"), ({"limit": 1001}, "limit"), ({"starting_after": "krn:nope"}, "starting_after")],
)
def test_list_with_bad_paging_is_400(klarna: TestClient, params: dict[str, Any], parameter: str) -> None:
    onboard(klarna)
    assert_problem(klarna.get(ACCOUNTS, params=params), 400, "VALIDATION_ERROR", parameter)


def test_patch_account_updates_fields_and_the_group_id(klarna: TestClient) -> None:
    account_id = onboard(klarna)["account_id"]
    path = f"{ACCOUNTS}/{account_id}"
    before = klarna.get(path).json()
    owner = {"given_name": "Jane", "family_name": "Doe", "email": "jane.doe@example.com"}
    response = klarna.patch(
        path,
        json={"account_reference": "M123786123412", "account_name": "Jane's", "account_owner": owner,
              "account_group_reference": "jane-group"},
    )  # fmt: skip
    assert response.status_code == 200
    after = klarna.get(path).json()
    assert after == response.json()
    assert (after["account_name"], after["account_owner"]) == ("Jane's", owner)
    assert after["account_group_id"] != before["account_group_id"]
    assert after["account_group_id"].startswith("krn:partner:global:account:group:")


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({"account_reference": "M999"}, "account_reference"),
        ({"account_id": "x"}, "account_id"),
        ({"account_name": ""}, "account_name"),
    ],
)
def test_patch_account_refuses_bad_bodies(klarna: TestClient, body: dict[str, Any], parameter: str) -> None:
    account_id = onboard(klarna)["account_id"]
    assert_problem(klarna.patch(f"{ACCOUNTS}/{account_id}", json=body), 400, "VALIDATION_ERROR", parameter)
    assert klarna.get(f"{ACCOUNTS}/{account_id}").json()["account_reference"] == "M123786123412"


def test_deep_link_is_created_with_a_60_second_expiry(klarna: TestClient, clock: list[float]) -> None:
    account_id = onboard(klarna)["account_id"]
    response = klarna.post(
        f"{ACCOUNTS}/{account_id}/deep-links", json={"subject": "john.doe@example.com", "roles": ["merchant:admin"]}
    )
    assert response.status_code == 201
    link = response.json()
    assert link["deep_link_id"].startswith("krn:partner:global:portal:deep-link:")
    assert link["url"].startswith("https://")
    assert link["expires_at"] == "2023-11-14T22:14:20Z"  # START + 60 s


def test_deep_link_errors(klarna: TestClient) -> None:
    account_id = onboard(klarna)["account_id"]
    good = {"subject": "john.doe@example.com", "roles": ["merchant:admin"]}
    assert_problem(klarna.post(f"{ACCOUNTS}/krn:nope/deep-links", json=good), 404, "RESOURCE_NOT_FOUND")
    bad = klarna.post(f"{ACCOUNTS}/{account_id}/deep-links", json={"roles": ["merchant:admin"]})
    assert_problem(bad, 400, "VALIDATION_ERROR", "subject")
