from __future__ import annotations

from fastapi.testclient import TestClient

from reconciler.sandbox.settings import DINTERO_PREFIX, KLARNA_PREFIX


def test_openapi_describes_every_route_with_the_apis_own_errors(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    routes = {
        (method.upper(), route.path)
        for route in client.app.routes  # type: ignore[attr-defined]
        if route.path.startswith((KLARNA_PREFIX, DINTERO_PREFIX, "/_sandbox"))
        for method in getattr(route, "methods", set())
    }
    documented = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    assert routes <= documented
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
