"""The sandbox's OpenAPI document, with each API's own error responses instead of FastAPI's 422.

Routes answer bad input with 400 in the API's envelope (see ``app``), and every route of an API can
answer 401, 404, 429 and 5xx; the document says so, so that a client generated from it, or a fuzzer
checking responses against it, sees what the sandbox really does.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from reconciler.sandbox.platform.settings import DINTERO_PREFIX, KLARNA_PREFIX

KLARNA_ERROR = {
    "type": "object",
    "required": ["error_id", "error_type", "error_code", "error_message"],
    "properties": {
        "error_id": {"type": "string", "format": "uuid"},
        "error_type": {"type": "string", "enum": ["ACCESS_ERROR", "TECHNICAL_ERROR", "RESOURCE_ERROR", "INPUT_ERROR"]},
        "error_code": {"type": "string"},
        "error_message": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"parameter": {"type": "string"}, "error_message": {"type": "string"}},
            },
        },
    },
}
DINTERO_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "errors": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}
_ERROR_STATUSES = {
    "400": "Bad request: the body, query or path is invalid",
    "401": "Unauthorized: missing, wrong or expired credentials",
    "404": "Not found: unknown id or route",
    "409": "Conflict with the current state",
    "429": "Rate limited (Retry-After and X-Ratelimit-* headers)",
    "500": "Internal error or timeout (injected faults)",
    "503": "Temporarily unavailable (injected faults)",
}


def _error_responses(schema_name: str) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{schema_name}"}
    return {
        code: {"description": text, "content": {"application/json": {"schema": ref}}}
        for code, text in _ERROR_STATUSES.items()
    }


def sandbox_openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is not None:
        return app.openapi_schema
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes, tags=app.openapi_tags
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["KlarnaError"] = KLARNA_ERROR
    schemas["DinteroError"] = DINTERO_ERROR
    for path, operations in document.get("paths", {}).items():
        if path.startswith(KLARNA_PREFIX + "/"):
            errors = _error_responses("KlarnaError")
        elif path.startswith(DINTERO_PREFIX + "/"):
            errors = _error_responses("DinteroError")
        else:
            errors = {"400": {"description": "Bad request"}}
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            for code, response in errors.items():
                responses.setdefault(code, response)
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    app.openapi_schema = document
    return document
