"""The Dintero management API routes (mounted under ``/dintero``).

Auth: ``POST /v1/accounts/{oid}/auth/token`` gives a JWT for the sandbox's partner; every other
route needs it as ``Authorization: Bearer``. Simplification: the real API has a partner exchange
its token for a merchant token first; the sandbox accepts the partner token for the partner's
merchants (every aid of the same environment, ``T`` or ``P``, as the partner).

Merchant routes: connection reads and signups (``klarna``, ``vipps-psp``, ``common``; the older ``vipps``
flow in ``dintero.vipps``) and account settings (``dintero.settings``). Partner routes: the view of one
merchant (with its settings as ``settings``), the paged list, and connection status events.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from reconciler.sandbox.dintero import accounts, settings, vipps
from reconciler.sandbox.dintero.models import (
    AID_PATTERN,
    OID_PATTERN,
    READABLE_CONNECTIONS,
    CommonSignupRequest,
    ConnectionEventRequest,
    KlarnaSignupRequest,
    SettingsUpdate,
    TokenRequest,
    VippsCallback,
    VippsPspSignupRequest,
)
from reconciler.sandbox.platform.auth import (
    DINTERO_AUDIENCE_PREFIX,
    decode_basic,
    issue_dintero_token,
    require_dintero_token,
)
from reconciler.sandbox.platform.problems import DinteroProblem, dintero_not_found
from reconciler.sandbox.platform.state import SandboxState

router = APIRouter(tags=["dintero"])

Aid = Annotated[str, Path(pattern=AID_PATTERN, description="A merchant account id", examples=["T11200001"])]
Oid = Annotated[str, Path(pattern=OID_PATTERN, description="The partner's account id", examples=["T11200000"])]
ForceNewSignup = Annotated[bool, Query(description="Sign up again even though a signup is pending")]


def sandbox_state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


async def dintero_claims(request: Request) -> dict[str, Any]:
    # An async wrapper keeps token checks on the event loop instead of the thread pool.
    return require_dintero_token(request)


Claims = Annotated[dict[str, Any], Depends(dintero_claims)]


def require_partner(state: SandboxState, oid: str) -> None:
    if oid != state.settings.dintero_partner_id:
        raise DinteroProblem(403, "forbidden", f"The client has no access to account {oid}")


def _merchant_state(request: Request, aid: str) -> SandboxState:
    """The sandbox's state, once the partner's token is known to reach merchant ``aid`` (403 otherwise)."""
    state = sandbox_state(request)
    if aid[0] != state.settings.dintero_partner_id[0]:
        raise DinteroProblem(403, "forbidden", f"Account {aid} is in another environment than the partner")
    return state


def _actor(claims: dict[str, Any]) -> str:
    """Who a write is recorded as made by: the token's client."""
    return accounts.actor_id(str(claims.get("sub", "")))


@router.post(
    "/v1/accounts/{oid}/auth/token",
    summary="Get an access token (client credentials)",
    description=(
        "Basic client credentials and ``{grant_type: client_credentials, audience: "
        "https://api.dintero.com/v1/accounts/{oid}}``. Wrong credentials 401, wrong grant type or "
        "audience 400, an oid other than the sandbox's partner 403."
    ),
)
async def get_token(request: Request, oid: Oid, body: TokenRequest) -> dict[str, Any]:
    state = sandbox_state(request)
    settings = state.settings
    credentials = decode_basic(request.headers.get("authorization", ""))
    if credentials is None or not (
        hmac.compare_digest(credentials[0], settings.dintero_client_id)
        and hmac.compare_digest(credentials[1], settings.dintero_client_secret)
    ):
        raise DinteroProblem(401, "unauthorized", "Access forbidden, invalid client credentials")
    if body.grant_type != "client_credentials":
        raise DinteroProblem(
            400,
            "unsupported_grant_type",
            "Only the client_credentials grant is supported",
            [{"field": "grant_type", "message": "must be client_credentials"}],
        )
    if body.audience != DINTERO_AUDIENCE_PREFIX + oid:
        raise DinteroProblem(
            400,
            "invalid_audience",
            "The audience must be the account the token is requested for",
            [{"field": "audience", "message": f"must be {DINTERO_AUDIENCE_PREFIX}{oid}"}],
        )
    require_partner(state, oid)
    return issue_dintero_token(settings, oid, now=state.now())


def _read_connection(name: str) -> Any:
    async def read_connection(request: Request, aid: Aid, claims: Claims) -> JSONResponse:
        state = _merchant_state(request, aid)
        return JSONResponse(accounts.get_connection(state.store, aid, name))

    return read_connection


for _name in READABLE_CONNECTIONS:
    router.add_api_route(
        f"/v1/accounts/{{aid}}/management/settings/connections/{_name}",
        _read_connection(_name),
        methods=["GET"],
        summary=f"Get the {_name} connection",
        description="The connection envelope with its signups, status and events; 404 when there is none.",
        operation_id=f"dintero_get_connection_{_name.replace('-', '_')}",
    )


def _sign_up(
    request: Request, aid: str, name: str, signup: dict[str, Any], force: bool, claims: dict[str, Any]
) -> JSONResponse:
    state = _merchant_state(request, aid)
    connection = accounts.sign_up(
        state.store,
        aid,
        name,
        signup,
        force=force,
        partner_id=state.settings.dintero_partner_id,
        created_by=_actor(claims),
        now=state.now(),
    )
    return JSONResponse(connection, status_code=201)


_SIGNUP_DESCRIPTION = (
    "Creates the connection ``pending`` (and the merchant's account record) on the first signup. "
    "A signup while the connection is pending is 409 unless ``force_new_signup=true``; on an enabled "
    "connection it is 409. Answers 201 with the connection."
)


@router.post(
    "/v1/accounts/{aid}/management/settings/connections/klarna",
    status_code=201,
    summary="Sign up for Klarna",
    description=_SIGNUP_DESCRIPTION,
)
async def sign_up_klarna(
    request: Request, aid: Aid, body: KlarnaSignupRequest, claims: Claims, force_new_signup: ForceNewSignup = False
) -> JSONResponse:
    return _sign_up(
        request, aid, "klarna", body.signup.model_dump(mode="json", exclude_unset=True), force_new_signup, claims
    )


@router.post(
    "/v1/accounts/{aid}/management/settings/connections/vipps-psp",
    status_code=201,
    summary="Sign up for Vipps PSP",
    description=_SIGNUP_DESCRIPTION,
)
async def sign_up_vipps_psp(
    request: Request, aid: Aid, body: VippsPspSignupRequest, claims: Claims, force_new_signup: ForceNewSignup = False
) -> JSONResponse:
    return _sign_up(
        request, aid, "vipps-psp", body.signup.model_dump(mode="json", exclude_unset=True), force_new_signup, claims
    )


@router.post(
    "/v1/accounts/{aid}/management/settings/connections/common",
    status_code=201,
    summary="Sign up for the common (Dintero) connection",
    description=_SIGNUP_DESCRIPTION,
)
async def sign_up_common(
    request: Request, aid: Aid, body: CommonSignupRequest, claims: Claims, force_new_signup: ForceNewSignup = False
) -> JSONResponse:
    return _sign_up(
        request, aid, "common", body.signup.model_dump(mode="json", exclude_unset=True), force_new_signup, claims
    )


@router.put(
    "/v1/accounts/{aid}/management/settings/connections/vipps",
    summary="Start or restart the Vipps signup",
    description="Needs the company's organization_number; 409 on an enabled connection. Answers the connection, "
    "pending, with the signup link.",
)
async def start_vipps_signup(request: Request, aid: Aid, claims: Claims) -> JSONResponse:
    state = _merchant_state(request, aid)
    connection = vipps.start_signup(
        state.store,
        aid,
        partner_id=state.settings.dintero_partner_id,
        created_by=_actor(claims),
        now=state.now(),
    )
    return JSONResponse(connection)


@router.post(
    "/v1/accounts/{aid}/management/settings/connections/vipps/{callback_reference}",
    summary="Vipps's callback: the signup is complete",
    description="Called by Vipps (in the sandbox: by a test acting as Vipps). Enables the connection and stores "
    "the credentials Vipps sent in its configuration. Answers {}.",
)
async def vipps_callback(
    request: Request,
    aid: Aid,
    callback_reference: Annotated[str, Path(max_length=100)],
    body: VippsCallback,
    claims: Claims,
) -> JSONResponse:
    state = _merchant_state(request, aid)
    vipps.complete_signup(state.store, aid, callback_reference, body, now=state.now())
    return JSONResponse({})


@router.get(
    "/v1/accounts/{aid}/management/settings",
    summary="Get the account settings",
    description="The account (company, billing, ids) without its connections; 404 when the account is unknown.",
)
async def get_settings(request: Request, aid: Aid, claims: Claims) -> JSONResponse:
    state = _merchant_state(request, aid)
    return JSONResponse(settings.get_settings(state.store, aid))


@router.put(
    "/v1/accounts/{aid}/management/settings",
    summary="Update the account settings",
    description="Replaces company and billing, each as a whole, when given; the first PUT creates the account.",
)
async def put_settings(request: Request, aid: Aid, body: SettingsUpdate, claims: Claims) -> JSONResponse:
    state = _merchant_state(request, aid)
    answer = settings.put_settings(
        state.store,
        aid,
        body,
        partner_id=state.settings.dintero_partner_id,
        created_by=_actor(claims),
        now=state.now(),
    )
    return JSONResponse(answer)


@router.get(
    "/v1/accounts/{oid}/management/accounts",
    summary="List the partner's merchant accounts",
    description="In creation order, ``limit`` per page after ``starting_after``; ``total-count`` header.",
)
async def list_accounts(
    request: Request,
    oid: Oid,
    claims: Claims,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    starting_after: Annotated[str | None, Query(pattern=AID_PATTERN)] = None,
) -> JSONResponse:
    state = sandbox_state(request)
    require_partner(state, oid)
    store = state.store
    if starting_after is not None and store.get(accounts.KIND, starting_after) is None:
        raise DinteroProblem(
            400,
            "invalid_request",
            "Bad / Invalid request",
            [{"field": "starting_after", "message": "no account has this id"}],
        )
    page = store.list(accounts.KIND, after_id=starting_after, limit=limit)
    views = [accounts.partner_view(a) for a in page]
    return JSONResponse(views, headers={"total-count": str(store.count(accounts.KIND))})


@router.get(
    "/v1/accounts/{oid}/management/accounts/{aid}",
    summary="Get a merchant account with all its connections and settings",
    description="The account with a ``connections`` map (only the connections that exist) and, once set, its "
    "settings as ``settings`` (``company``, ``billing``); 404 when unknown.",
)
async def get_account(request: Request, oid: Oid, aid: Aid, claims: Claims) -> JSONResponse:
    state = sandbox_state(request)
    require_partner(state, oid)
    return JSONResponse(accounts.partner_view(accounts.get_account(state.store, aid)))


@router.post(
    "/v1/accounts/{oid}/management/accounts/{aid}/connections/{connection}/events",
    status_code=201,
    summary="Record a connection status event",
    description="Moves the connection's status and appends the event; the only route that moves a status.",
)
async def post_connection_event(
    request: Request,
    oid: Oid,
    aid: Aid,
    connection: Annotated[str, Path(max_length=50, examples=list(READABLE_CONNECTIONS))],
    body: ConnectionEventRequest,
    claims: Claims,
) -> JSONResponse:
    state = sandbox_state(request)
    require_partner(state, oid)
    if connection not in READABLE_CONNECTIONS:
        raise dintero_not_found(f"Connection {connection}")
    event = accounts.record_event(
        state.store,
        aid,
        connection,
        status=body.status,
        event=body.event,
        description=body.description,
        metadata=body.metadata,
        created_by=_actor(claims),
        now=state.now(),
    )
    return JSONResponse(event, status_code=201)
