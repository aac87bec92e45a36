"""Each API's own error envelope, raised as exceptions by routes and rendered by the app.

Klarna: ``{error_id, error_type, error_code, error_message, errors[]}``.
Dintero: ``{"error": {"code", "message", "errors"}}``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi.responses import JSONResponse


@dataclass
class KlarnaProblem(Exception):
    status: int
    error_type: str
    error_code: str
    message: str
    errors: list[dict[str, Any]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "error_id": str(uuid.uuid4()),
            "error_type": self.error_type,
            "error_code": self.error_code,
            "error_message": self.message,
        }
        if self.errors:
            body["errors"] = self.errors
        return body

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


@dataclass
class DinteroProblem(Exception):
    status: int
    code: str
    message: str
    errors: list[dict[str, Any]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.errors:
            error["errors"] = self.errors
        return {"error": error}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


def klarna_not_found(what: str) -> KlarnaProblem:
    return KlarnaProblem(404, "RESOURCE_ERROR", "RESOURCE_NOT_FOUND", f"{what} was not found")


def klarna_conflict(message: str) -> KlarnaProblem:
    return KlarnaProblem(409, "RESOURCE_ERROR", "RESOURCE_CONFLICT", message)


def klarna_validation(message: str, errors: list[dict[str, Any]] | None = None) -> KlarnaProblem:
    return KlarnaProblem(400, "INPUT_ERROR", "VALIDATION_ERROR", message, errors or [])


def dintero_not_found(what: str) -> DinteroProblem:
    return DinteroProblem(404, "not_found", f"{what} was not found")
