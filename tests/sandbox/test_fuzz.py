"""Property-based fuzz of both simulated APIs from the sandbox's own OpenAPI: no 5xx but injected faults."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings

from reconciler.sandbox import SandboxSettings, create_app
from reconciler.sandbox.platform.auth import issue_dintero_token

SETTINGS = SandboxSettings(db_path=None, operational_delay_seconds=0.0)
APP = create_app(SETTINGS)
# A valid token for the whole run, so the fuzz reaches the routes and not only the 401.
DINTERO_TOKEN = issue_dintero_token(SETTINGS, SETTINGS.dintero_partner_id)["access_token"]
AUTH = {
    "klarna": {"Authorization": "Basic klarna_test_api_sandbox"},
    "dintero": {"Authorization": f"Bearer {DINTERO_TOKEN}"},
}

schema = schemathesis.openapi.from_asgi("/openapi.json", APP).include(path_regex="^/(klarna|dintero)/")


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_no_server_error_without_an_injected_fault(case: Any) -> None:
    api = case.path.split("/")[1]
    response = case.call(headers=AUTH[api])
    if response.status_code >= 500:
        assert "x-sandbox-fault" in response.headers, (
            f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:500]}"
        )
