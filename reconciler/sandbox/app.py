"""The sandbox's FastAPI application: both APIs, their error envelopes, and the admin routes.

The assembly: ``klarna/`` and ``dintero/`` each hold one API and ``platform/`` what both share; only
this module (and the seed route) brings them together.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from reconciler.sandbox.platform.idempotency import IdempotencyMiddleware
from reconciler.sandbox.platform.middleware import SandboxMiddleware
from reconciler.sandbox.platform.openapi import sandbox_openapi
from reconciler.sandbox.platform.problems import DinteroProblem, KlarnaProblem
from reconciler.sandbox.platform.settings import DINTERO_PREFIX, KLARNA_PREFIX, SandboxSettings
from reconciler.sandbox.platform.state import SandboxState
from reconciler.sandbox.platform.store import Store


def _api_of(request: Request) -> str:
    path = request.url.path
    if path.startswith(KLARNA_PREFIX + "/"):
        return "klarna"
    if path.startswith(DINTERO_PREFIX + "/"):
        return "dintero"
    return "sandbox"


def _location(loc: tuple[object, ...] | list[object]) -> str:
    # FastAPI reports ("body", "signup", "mcc"); the APIs name the parameter "signup.mcc".
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def _validation_response(request: Request, exc: RequestValidationError) -> Response:
    details = [
        {"parameter": _location(e.get("loc", ())), "error_message": e.get("msg", "invalid")} for e in exc.errors()
    ]
    if _api_of(request) == "dintero":
        errors = [{"field": d["parameter"], "message": d["error_message"]} for d in details]
        return DinteroProblem(400, "invalid_request", "Bad / Invalid request", errors).response()
    return KlarnaProblem(400, "INPUT_ERROR", "VALIDATION_ERROR", "The request body is invalid", details).response()


def _http_error_response(request: Request, exc: StarletteHTTPException) -> Response:
    api = _api_of(request)
    if exc.status_code == 404:
        if api == "dintero":
            return DinteroProblem(404, "not_found", "Resource was not found").response()
        return KlarnaProblem(404, "RESOURCE_ERROR", "NOT_FOUND", "No such route").response()
    if exc.status_code == 405:
        if api == "dintero":
            return DinteroProblem(405, "method_not_allowed", "Method not allowed").response()
        return KlarnaProblem(405, "INPUT_ERROR", "METHOD_NOT_ALLOWED", "Method not allowed").response()
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)


def create_app(settings: SandboxSettings | None = None, store: Store | None = None) -> FastAPI:
    """Build a sandbox. Without a store, state lives at ``settings.db_path`` (or in memory)."""
    from reconciler.sandbox import seed_routes
    from reconciler.sandbox.dintero import fast_reads as dintero_fast_reads
    from reconciler.sandbox.dintero import routes as dintero_routes
    from reconciler.sandbox.klarna import admin_routes as klarna_admin_routes
    from reconciler.sandbox.klarna import fast_reads as klarna_fast_reads
    from reconciler.sandbox.klarna import routes as klarna_routes
    from reconciler.sandbox.platform import admin_routes

    settings = settings or SandboxSettings()
    app = FastAPI(
        title="reconciler sandbox",
        description=(
            "A local simulator of the Klarna Management API (under /klarna) and the Dintero "
            "management API (under /dintero), with admin routes under /_sandbox."
        ),
        version="1",
        openapi_tags=[
            {"name": "dintero", "description": "The Dintero management API (client credentials, Bearer JWT)"},
            {"name": "sandbox", "description": "The sandbox's own admin routes (no auth; not part of either API)"},
        ],
    )
    state = SandboxState(settings=settings, store=store or Store(settings.db_path))
    app.state.sandbox = state
    # Added inner first: the fault layer must wrap idempotency so that a response lost "after the
    # effect" has already been recorded for replay.
    app.add_middleware(IdempotencyMiddleware, state=state)
    fast_reads = {"klarna": klarna_fast_reads.account_by_reference, "dintero": dintero_fast_reads.partner_view}
    app.add_middleware(SandboxMiddleware, state=state, fast_reads=fast_reads)

    @app.exception_handler(KlarnaProblem)
    async def _klarna_problem(request: Request, exc: KlarnaProblem) -> Response:
        return exc.response()

    @app.exception_handler(DinteroProblem)
    async def _dintero_problem(request: Request, exc: DinteroProblem) -> Response:
        return exc.response()

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return _validation_response(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return _http_error_response(request, exc)

    app.include_router(klarna_routes.router, prefix=KLARNA_PREFIX)
    app.include_router(dintero_routes.router, prefix=DINTERO_PREFIX)
    app.include_router(admin_routes.router)
    app.include_router(seed_routes.router)
    app.include_router(klarna_admin_routes.router)
    app.openapi = lambda: sandbox_openapi(app)  # type: ignore[method-assign]
    return app
