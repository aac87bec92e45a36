"""Klarna payment programs: the fixed catalogue and the payment program enablements of a payment product.

Included by ``klarna.routes.router`` (which adds the API-key check).

Enablements are stored flat on the account (``payment_program_enablements``), each with the ``product_id`` it
belongs to; the routes under a product show that product's. Rules:

- only an ``OPTIONAL`` catalogue program can be enabled: an unknown or ``PRESET`` ``payment_program_id`` is a 400;
- ``enablement_criteria.markets`` must be markets the program is offered in (400 otherwise); omitted means all;
- one enablement per (program, ``payment_program_enablement_code``) on a product: another is 409;
- ``effective_from`` defaults to now; ``effective_to`` (optional, must not precede ``effective_from``) is the only
  field a PATCH can change, and a null removes it.

``GET …/products/payment/{product_id}/payment-programs`` lists the catalogue per market with each optional
program's ``enablement_state``: ``ENABLED`` when an enablement covering the market is in effect now,
``SCHEDULED`` when one starts later, ``DISABLED`` otherwise.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from reconciler.sandbox.klarna.accounts import (
    ENABLEMENT_PREFIX,
    account_for_update,
    find_item,
    load_account,
    new_krn,
    sandbox_of,
    timestamp_at,
)
from reconciler.sandbox.klarna.catalogue import (
    PAYMENT_PROGRAM_PLANS,
    PLAN_PROGRAMS,
    PROGRAM_DETAILS,
    PROGRAM_ROWS,
    enablement_type_of,
    markets_of,
    page_info,
)
from reconciler.sandbox.klarna.models import EnablementCreate, EnablementPatch
from reconciler.sandbox.platform.problems import klarna_conflict, klarna_not_found, klarna_validation

router = APIRouter()

_PRODUCT = "/v1/accounts/{account_id}/products/payment/{product_id}"
_ENABLEMENTS = _PRODUCT + "/payment-program-enablements"


def _bad(parameter: str, message: str) -> Exception:
    return klarna_validation("The request body is invalid", [{"parameter": parameter, "error_message": message}])


@router.get("/v1/distribution/payment-program-plans", tags=["klarna: payment programs"])
async def list_program_plans() -> JSONResponse:
    return JSONResponse({"payment_program_plans": PAYMENT_PROGRAM_PLANS})


@router.get("/v1/distribution/payment-program-plans/{plan_id}/payment-programs", tags=["klarna: payment programs"])
async def list_plan_programs(plan_id: str) -> JSONResponse:
    plan = PLAN_PROGRAMS.get(plan_id)
    if plan is None:
        raise klarna_not_found("Payment program plan")
    return JSONResponse({**plan, "pagination": page_info(len(plan["payment_programs"]))})


@router.get("/v1/distribution/payment-programs/{program_id}", tags=["klarna: payment programs"])
async def get_program(program_id: str) -> JSONResponse:
    program = PROGRAM_DETAILS.get(program_id)
    if program is None:
        raise klarna_not_found("Payment program")
    return JSONResponse(program)


def _product_enablements(doc: dict[str, Any], product_id: str) -> list[dict[str, Any]]:
    find_item(doc["products"], "product_id", product_id, "Payment product")
    return [e for e in doc["payment_program_enablements"] if e["product_id"] == product_id]


def _covers(enablement: dict[str, Any], country: str, currency: str) -> bool:
    markets = (enablement.get("enablement_criteria") or {}).get("markets")
    return markets is None or {"customer_country": country, "currency": currency} in markets


def _enablement_state(enablements: list[dict[str, Any]], now: str) -> str:
    def in_effect(e: dict[str, Any]) -> bool:
        return bool(e["effective_from"] <= now and (e.get("effective_to") is None or now < e["effective_to"]))

    if any(in_effect(e) for e in enablements):
        return "ENABLED"
    if any(e["effective_from"] > now for e in enablements):
        return "SCHEDULED"
    return "DISABLED"


def _program_row(row: dict[str, str], enablements: list[dict[str, Any]], now: str) -> dict[str, Any]:
    if row["enablement_type"] != "OPTIONAL":
        return row
    matching = [
        e
        for e in enablements
        if e["payment_program_id"] == row["payment_program_id"] and _covers(e, row["customer_country"], row["currency"])
    ]
    out: dict[str, Any] = {**row, "enablement_state": _enablement_state(matching, now)}
    if matching:
        out["enablements"] = [
            {
                "payment_program_enablement_id": e["payment_program_enablement_id"],
                "additional_enablement_criteria": {
                    "payment_program_enablement_code": (e.get("enablement_criteria") or {}).get(
                        "payment_program_enablement_code"
                    )
                },
                "effective_from": e["effective_from"],
                "effective_to": e.get("effective_to"),
            }
            for e in matching
        ]
    return out


@router.get(_PRODUCT + "/payment-programs", tags=["klarna: payment program enablements"])
async def list_product_programs(request: Request, account_id: str, product_id: str) -> JSONResponse:
    sandbox = sandbox_of(request)
    enablements = _product_enablements(load_account(sandbox.store, account_id), product_id)
    now = timestamp_at(sandbox.now())
    rows = [_program_row(row, enablements, now) for row in PROGRAM_ROWS]
    return JSONResponse({"payment_programs": rows, "pagination": page_info(len(rows))})


@router.get(_ENABLEMENTS, tags=["klarna: payment program enablements"])
async def list_enablements(request: Request, account_id: str, product_id: str) -> JSONResponse:
    doc = load_account(sandbox_of(request).store, account_id)
    return JSONResponse({"payment_program_enablements": _product_enablements(doc, product_id)})


def _check_enablement(body: EnablementCreate, effective_from: str) -> None:
    kind = enablement_type_of(body.payment_program_id)
    if kind is None:
        raise _bad("payment_program_id", "unknown payment program")
    if kind != "OPTIONAL":
        raise _bad("payment_program_id", f"a {kind} payment program cannot be enabled")
    offered = markets_of(body.payment_program_id)
    criteria = body.enablement_criteria
    for i, market in enumerate((criteria.markets or []) if criteria else []):
        if (market.customer_country, market.currency) not in offered:
            raise _bad(f"enablement_criteria.markets.{i}", "the program is not offered in this market")
    if body.effective_to is not None and body.effective_to < effective_from:
        raise _bad("effective_to", "effective_to precedes effective_from")


@router.post(_ENABLEMENTS, tags=["klarna: payment program enablements"], status_code=201)
async def create_enablement(request: Request, account_id: str, product_id: str, body: EnablementCreate) -> JSONResponse:
    effective_from = body.effective_from or timestamp_at(sandbox_of(request).now())
    _check_enablement(body, effective_from)
    fields = body.patch_fields()
    code = fields.get("enablement_criteria", {}).get("payment_program_enablement_code")
    with account_for_update(request, account_id) as doc:
        for other in _product_enablements(doc, product_id):
            other_code = (other.get("enablement_criteria") or {}).get("payment_program_enablement_code")
            if other["payment_program_id"] == body.payment_program_id and other_code == code:
                raise klarna_conflict("An enablement of this payment program with this code exists on the product")
        enablement = {
            "payment_program_enablement_id": new_krn(ENABLEMENT_PREFIX),
            "product_id": product_id,
            **fields,
            "effective_from": effective_from,
        }
        doc["payment_program_enablements"].append(enablement)
    return JSONResponse(enablement, status_code=201)


def _find_enablement(doc: dict[str, Any], product_id: str, enablement_id: str) -> dict[str, Any]:
    enablements = _product_enablements(doc, product_id)
    return find_item(enablements, "payment_program_enablement_id", enablement_id, "Payment program enablement")


@router.get(_ENABLEMENTS + "/{enablement_id}", tags=["klarna: payment program enablements"])
async def get_enablement(request: Request, account_id: str, product_id: str, enablement_id: str) -> JSONResponse:
    doc = load_account(sandbox_of(request).store, account_id)
    return JSONResponse(_find_enablement(doc, product_id, enablement_id))


@router.patch(_ENABLEMENTS + "/{enablement_id}", tags=["klarna: payment program enablements"])
async def patch_enablement(
    request: Request, account_id: str, product_id: str, enablement_id: str, body: EnablementPatch
) -> JSONResponse:
    with account_for_update(request, account_id) as doc:
        enablement = _find_enablement(doc, product_id, enablement_id)
        if body.effective_to is None:
            enablement.pop("effective_to", None)
        elif body.effective_to < enablement["effective_from"]:
            raise _bad("effective_to", "effective_to precedes effective_from")
        else:
            enablement["effective_to"] = body.effective_to
    return JSONResponse(enablement)


@router.delete(_ENABLEMENTS + "/{enablement_id}", tags=["klarna: payment program enablements"], status_code=204)
async def delete_enablement(request: Request, account_id: str, product_id: str, enablement_id: str) -> Response:
    with account_for_update(request, account_id) as doc:
        enablement = _find_enablement(doc, product_id, enablement_id)
        doc["payment_program_enablements"].remove(enablement)
    return Response(status_code=204)
