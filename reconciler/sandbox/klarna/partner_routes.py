"""Klarna partner-level routes: API credentials and distribution profiles.

Included by ``klarna.routes.router`` (which adds the API-key check). Credentials are stored one document each
(kind ``klarna.credential``); a ``CLIENT`` credential gets a ``client_id``. DELETE disables a credential: it
answers 204 and the credential no longer appears in the list (a second DELETE is 404). Credentials created here
are records only; they do not authenticate requests to the sandbox.
"""

from __future__ import annotations

import secrets
import string
import uuid

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from reconciler.sandbox.klarna.accounts import CREDENTIAL_KIND, sandbox_of
from reconciler.sandbox.klarna.catalogue import DISTRIBUTION_PROFILES
from reconciler.sandbox.klarna.models import CredentialCreate
from reconciler.sandbox.platform.problems import klarna_not_found

router = APIRouter()

_CLIENT_ID_ALPHABET = string.ascii_letters + string.digits


@router.get("/v1/account/credentials", tags=["klarna: credentials"])
async def list_credentials(request: Request) -> JSONResponse:
    return JSONResponse({"credentials": sandbox_of(request).store.list(CREDENTIAL_KIND)})


@router.post("/v1/account/credentials", tags=["klarna: credentials"], status_code=201)
async def create_credential(request: Request, body: CredentialCreate) -> JSONResponse:
    credential = {"credential_id": str(uuid.uuid4()), **body.model_dump()}
    if body.type == "CLIENT":
        random_part = "".join(secrets.choice(_CLIENT_ID_ALPHABET) for _ in range(64))
        credential["client_id"] = f"klarna_{body.environment.lower()}_client_{random_part}"
    sandbox_of(request).store.put(CREDENTIAL_KIND, credential["credential_id"], credential)
    return JSONResponse(credential, status_code=201)


@router.delete("/v1/account/credentials/{credential_id}", tags=["klarna: credentials"], status_code=204)
async def delete_credential(request: Request, credential_id: str) -> Response:
    if not sandbox_of(request).store.delete(CREDENTIAL_KIND, credential_id):
        raise klarna_not_found("Credential")
    return Response(status_code=204)


@router.get("/v1/distribution/profiles", tags=["klarna: distribution profiles"])
async def list_distribution_profiles() -> JSONResponse:
    return JSONResponse(DISTRIBUTION_PROFILES)
