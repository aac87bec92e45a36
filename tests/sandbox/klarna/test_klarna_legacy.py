"""Legacy Klarna merchants and "Onboard an existing merchant to Management API" (``products[].merchant_id``)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from reconciler.sandbox.klarna.catalogue import DEFAULT_DISTRIBUTION_PROFILE_ID

OWNER = {"given_name": "John", "family_name": "Doe", "email": "john.doe@example.com"}


def _legacy(client: TestClient, merchant_id: str = "K123456", name: str = "Old Name AB") -> dict[str, Any]:
    response = client.post(
        "/_sandbox/klarna/legacy-merchants",
        json={"merchant_id": merchant_id, "account_name": name, "merchant_category_code": "5942"},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def _adopt(klarna: TestClient, reference: str = "M1", merchant_id: str = "K123456", **extra: Any) -> Any:
    body = {
        "account_reference": reference,
        "account_name": "John Doe Stakehouse",
        "account_owner": OWNER,
        "products": [{"type": "PAYMENT", "merchant_id": merchant_id, "merchant_category_code": "5411"}],
        **extra,
    }
    return klarna.post("/klarna/v1/distribution/onboard", json=body)


def _account(klarna: TestClient, reference: str) -> dict[str, Any]:
    response = klarna.get("/klarna/v1/accounts", params={"account_reference": reference, "expand": "products,websites"})
    assert response.status_code == 200, response.text
    body = response.json()
    accounts = body.get("accounts", [body])
    return dict(accounts[0])


def test_a_legacy_merchant_is_no_account(klarna: TestClient) -> None:
    _legacy(klarna)
    assert klarna.get("/klarna/v1/accounts").json()["accounts"] == []
    listed = klarna.get("/_sandbox/klarna/legacy-merchants").json()["legacy_merchants"]
    assert [m["merchant_id"] for m in listed] == ["K123456"]
    assert listed[0]["adopted_by"] is None


def test_onboarding_an_existing_merchant_takes_the_new_data_and_keeps_the_merchant_id(klarna: TestClient) -> None:
    _legacy(klarna)
    response = _adopt(klarna)
    assert response.status_code == 201, response.text
    assert response.json()["state"] == "PARTIALLY_OPERATIONAL"
    account = _account(klarna, "M1")
    assert account["account_name"] == "John Doe Stakehouse"  # the legacy name is overwritten
    (product,) = account["products"]
    assert product["merchant_id"] == "K123456"
    assert product["merchant_category_code"] == "5411"  # the request's, not the legacy 5942
    assert product["distribution_profile_id"] == DEFAULT_DISTRIBUTION_PROFILE_ID  # the merchant's own
    listed = klarna.get("/_sandbox/klarna/legacy-merchants").json()["legacy_merchants"]
    assert listed[0]["adopted_by"] == account["account_id"]


def test_onboarding_it_again_overwrites_what_the_request_leaves_out(klarna: TestClient) -> None:
    _legacy(klarna)
    website = {"website_reference": "w1", "website_name": "Shop"}
    assert _adopt(klarna, websites=[website], account_group_reference="g1").status_code == 201
    first = _account(klarna, "M1")
    assert [w["website_reference"] for w in first["websites"]] == ["w1"]
    again = _adopt(klarna)
    assert again.status_code == 201, again.text
    second = _account(klarna, "M1")
    assert second["account_id"] == first["account_id"]
    assert second["websites"] == []
    assert "account_group_reference" not in second
    assert second["products"][0]["product_id"] == first["products"][0]["product_id"]


def test_an_unknown_merchant_id_is_refused_by_name(klarna: TestClient) -> None:
    response = _adopt(klarna, merchant_id="K999999")
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "products.0.merchant_id"
    assert klarna.get("/klarna/v1/accounts").json()["accounts"] == []


def test_a_merchant_is_adopted_once(klarna: TestClient) -> None:
    _legacy(klarna)
    assert _adopt(klarna, "M1").status_code == 201
    response = _adopt(klarna, "M2")
    assert response.status_code == 409
    assert response.json()["error_code"] == "RESOURCE_CONFLICT"


def test_an_existing_reference_cannot_adopt(klarna: TestClient) -> None:
    _legacy(klarna)
    body = {
        "account_reference": "M1",
        "account_name": "New",
        "account_owner": OWNER,
        "products": [
            {
                "type": "PAYMENT",
                "distribution_profile_id": DEFAULT_DISTRIBUTION_PROFILE_ID,
                "merchant_category_code": "5411",
            }
        ],
    }
    assert klarna.post("/klarna/v1/distribution/onboard", json=body).status_code == 201
    assert _adopt(klarna, "M1").status_code == 409


def test_a_new_merchant_still_needs_its_profile_and_mcc(klarna: TestClient) -> None:
    body = {"account_reference": "M1", "account_name": "New", "account_owner": OWNER, "products": [{"type": "PAYMENT"}]}
    response = klarna.post("/klarna/v1/distribution/onboard", json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "products.0.distribution_profile_id"


def test_a_duplicate_legacy_merchant_is_refused(klarna: TestClient) -> None:
    _legacy(klarna)
    response = klarna.post("/_sandbox/klarna/legacy-merchants", json={"merchant_id": "K123456", "account_name": "x"})
    assert response.status_code == 409


def test_the_seed_makes_legacy_merchants(client: TestClient) -> None:
    response = client.post("/_sandbox/seed", json={"count": 1, "seed": 1, "legacy": 3})
    assert response.status_code == 200, response.text
    assert response.json()["legacy_merchants"] == 3
    listed = client.get("/_sandbox/klarna/legacy-merchants").json()["legacy_merchants"]
    assert [m["merchant_id"] for m in listed] == ["K000000", "K000001", "K000002"]
