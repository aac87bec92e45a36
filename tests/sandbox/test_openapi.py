from __future__ import annotations

from fastapi.testclient import TestClient

from reconciler.sandbox.platform.settings import DINTERO_PREFIX, KLARNA_PREFIX

_A = KLARNA_PREFIX + "/v1/accounts/{account_id}"
_P = _A + "/products/payment/{product_id}"
_D = DINTERO_PREFIX + "/v1/accounts"
# DESIGN.md §4, route by route.
WIRE_CONTRACT = {
    ("GET", KLARNA_PREFIX + "/v1/account/credentials"),
    ("POST", KLARNA_PREFIX + "/v1/account/credentials"),
    ("DELETE", KLARNA_PREFIX + "/v1/account/credentials/{credential_id}"),
    ("GET", KLARNA_PREFIX + "/v1/distribution/profiles"),
    ("POST", KLARNA_PREFIX + "/v1/distribution/onboard"),
    ("GET", KLARNA_PREFIX + "/v1/accounts"),
    ("GET", _A),
    ("PATCH", _A),
    ("GET", _A + "/products/payment"),
    ("PATCH", _P),
    ("POST", _P + "/disable"),
    ("POST", _P + "/enable"),
    ("GET", _A + "/channels/websites"),
    ("PATCH", _A + "/channels/websites/{website_id}"),
    ("GET", _A + "/channels/collections"),
    ("PATCH", _A + "/channels/collections/{collection_id}"),
    ("GET", _A + "/account-information"),
    ("PUT", _A + "/account-information"),
    ("GET", _A + "/business-information"),
    ("PATCH", _A + "/business-information"),
    ("GET", _A + "/stakeholders"),
    ("POST", _A + "/stakeholders"),
    ("GET", _A + "/stakeholders/{stakeholder_id}"),
    ("PATCH", _A + "/stakeholders/{stakeholder_id}"),
    ("DELETE", _A + "/stakeholders/{stakeholder_id}"),
    ("GET", _A + "/settlement-information"),
    ("PATCH", _A + "/settlement-information"),
    ("GET", _A + "/settlement-information/bank-accounts"),
    ("POST", _A + "/settlement-information/bank-accounts"),
    ("GET", _A + "/settlement-information/bank-accounts/{bank_account_id}"),
    ("PATCH", _A + "/settlement-information/bank-accounts/{bank_account_id}"),
    ("DELETE", _A + "/settlement-information/bank-accounts/{bank_account_id}"),
    ("GET", KLARNA_PREFIX + "/v1/distribution/payment-program-plans"),
    ("GET", KLARNA_PREFIX + "/v1/distribution/payment-program-plans/{plan_id}/payment-programs"),
    ("GET", KLARNA_PREFIX + "/v1/distribution/payment-programs/{program_id}"),
    ("GET", _P + "/payment-programs"),
    ("GET", _P + "/payment-program-enablements"),
    ("POST", _P + "/payment-program-enablements"),
    ("GET", _P + "/payment-program-enablements/{enablement_id}"),
    ("PATCH", _P + "/payment-program-enablements/{enablement_id}"),
    ("DELETE", _P + "/payment-program-enablements/{enablement_id}"),
    ("POST", _A + "/deep-links"),
    ("POST", _D + "/{oid}/auth/token"),
    *{
        (m, _D + "/{aid}/management/settings/connections/" + c)
        for m in ("GET", "POST")
        for c in ("klarna", "vipps-psp", "common")
    },
    ("GET", _D + "/{oid}/management/accounts/{aid}"),
    ("GET", _D + "/{oid}/management/accounts"),
    ("POST", _D + "/{oid}/management/accounts/{aid}/connections/{connection}/events"),
    *{("POST", "/_sandbox/" + r) for r in ("reset", "seed", "advance")},
    ("GET", "/_sandbox/requests"),
    ("GET", "/_sandbox/dump"),
    ("GET", "/_sandbox/faults"),
    ("PUT", "/_sandbox/faults"),
}


def test_openapi_describes_every_route_with_the_apis_own_errors(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    documented = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    assert documented >= WIRE_CONTRACT
    for path, operations in document["paths"].items():
        for operation in operations.values():
            assert "422" not in operation["responses"], path
            if path.startswith(KLARNA_PREFIX):
                schema = operation["responses"]["400"]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/KlarnaError"}
            if path.startswith(DINTERO_PREFIX):
                assert operation["responses"]["401"]["content"]["application/json"]["schema"]["$ref"].endswith(
                    "DinteroError"
                )


def test_docs_page_is_served(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()


_N = KLARNA_PREFIX + "/v1/notification"
_K = "/_sandbox/klarna/accounts/{account_id}"
# The routes of the providers' own state: Klarna's Notifications API, Dintero's settings and Vipps, Klarna's actions.
PROVIDER_ROUTES = {
    ("GET", _N + "/signing-keys"),
    ("POST", _N + "/signing-keys"),
    ("GET", _N + "/signing-keys/{signing_key_id}"),
    ("DELETE", _N + "/signing-keys/{signing_key_id}"),
    ("GET", _N + "/webhooks"),
    ("POST", _N + "/webhooks"),
    ("GET", _N + "/webhooks/{webhook_id}"),
    ("PATCH", _N + "/webhooks/{webhook_id}"),
    ("DELETE", _N + "/webhooks/{webhook_id}"),
    ("POST", _N + "/webhooks/{webhook_id}/simulate"),
    ("GET", _D + "/{aid}/management/settings"),
    ("PUT", _D + "/{aid}/management/settings"),
    ("GET", _D + "/{aid}/management/settings/connections/vipps"),
    ("PUT", _D + "/{aid}/management/settings/connections/vipps"),
    ("POST", _D + "/{aid}/management/settings/connections/vipps/{callback_reference}"),
    ("POST", _K + "/disable"),
    ("POST", _K + "/enable"),
    *{("POST", _K + "/products/payment/{product_id}/" + a) for a in ("disable", "reactivate", "terminate")},
    ("GET", "/_sandbox/klarna/deliveries"),
}


def test_openapi_describes_the_providers_routes(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    documented = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    assert documented >= PROVIDER_ROUTES
