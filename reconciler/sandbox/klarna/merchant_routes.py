"""Klarna merchant data routes: account and business information, stakeholders, settlement and bank accounts.

Included by ``klarna.routes.router`` (which adds the API-key check). Every write here is a management write:
refused with 409 while the account is not OPERATIONAL.

- account information is set once: the first PUT stores it, the same body again is a 200 with no change, a
  different body is 409 ("Account information can only be set once");
- business information and settlement information are created by their first PATCH; until then their GET is 404;
  a PATCH replaces the fields it gives (an address is replaced as a whole);
- stakeholders are unique per (given_name, family_name, date_of_birth) and bank accounts per IBAN on an account:
  a POST or PATCH that would duplicate one is 409;
- a bank account may be given as ``iban_hash`` (Klarna's bank account hashing) instead of ``iban``: it is stored
  and answered as given, unique per hash value; no clear number is stored for it, and a PATCH with one number
  form drops the other.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from reconciler.sandbox.klarna.accounts import (
    BANK_ACCOUNT_PREFIX,
    STAKEHOLDER_PREFIX,
    account_for_update,
    find_item,
    load_account,
    new_krn,
    remove_item,
    sandbox_of,
)
from reconciler.sandbox.klarna.models import (
    AccountInformation,
    BankAccountCreate,
    BankAccountPatch,
    BusinessInformationPatch,
    SettlementPatch,
    StakeholderCreate,
    StakeholderPatch,
)
from reconciler.sandbox.platform.problems import klarna_conflict, klarna_not_found

router = APIRouter()

_ACCOUNTS = "/v1/accounts/{account_id}"


def _singleton(request: Request, account_id: str, name: str, what: str) -> JSONResponse:
    value = load_account(sandbox_of(request).store, account_id).get(name)
    if value is None:
        raise klarna_not_found(what)
    return JSONResponse(value)


@router.get(_ACCOUNTS + "/account-information", tags=["klarna: account information"])
async def get_account_information(request: Request, account_id: str) -> JSONResponse:
    return _singleton(request, account_id, "account_information", "Account information")


@router.put(_ACCOUNTS + "/account-information", tags=["klarna: account information"])
async def put_account_information(request: Request, account_id: str, body: AccountInformation) -> JSONResponse:
    info = body.model_dump()
    with account_for_update(request, account_id) as doc:
        stored = doc.get("account_information")
        if stored is not None and stored != info:
            raise klarna_conflict("Account information can only be set once")
        doc["account_information"] = info
    return JSONResponse(info)


@router.get(_ACCOUNTS + "/business-information", tags=["klarna: business information"])
async def get_business_information(request: Request, account_id: str) -> JSONResponse:
    return _singleton(request, account_id, "business_information", "Business information")


@router.patch(_ACCOUNTS + "/business-information", tags=["klarna: business information"])
async def patch_business_information(request: Request, account_id: str, body: BusinessInformationPatch) -> JSONResponse:
    with account_for_update(request, account_id) as doc:
        info = {**(doc.get("business_information") or {}), **body.patch_fields()}
        doc["business_information"] = info
    return JSONResponse(info)


def _stakeholder_key(s: dict[str, Any]) -> tuple[Any, ...]:
    return (s.get("given_name"), s.get("family_name"), s.get("date_of_birth"))


def _require_unique(items: list[dict[str, Any]], item: dict[str, Any], key: Any, message: str) -> None:
    if any(key(other) == key(item) for other in items if other is not item):
        raise klarna_conflict(message)


@router.get(_ACCOUNTS + "/stakeholders", tags=["klarna: stakeholders"])
async def list_stakeholders(request: Request, account_id: str) -> JSONResponse:
    return JSONResponse(load_account(sandbox_of(request).store, account_id)["stakeholders"])


@router.post(_ACCOUNTS + "/stakeholders", tags=["klarna: stakeholders"], status_code=201)
async def create_stakeholder(request: Request, account_id: str, body: StakeholderCreate) -> JSONResponse:
    stakeholder = {"stakeholder_id": new_krn(STAKEHOLDER_PREFIX), **body.patch_fields()}
    with account_for_update(request, account_id) as doc:
        _require_unique(
            doc["stakeholders"], stakeholder, _stakeholder_key, "A stakeholder with this name and birth date exists"
        )
        doc["stakeholders"].append(stakeholder)
    return JSONResponse(stakeholder, status_code=201)


@router.get(_ACCOUNTS + "/stakeholders/{stakeholder_id}", tags=["klarna: stakeholders"])
async def get_stakeholder(request: Request, account_id: str, stakeholder_id: str) -> JSONResponse:
    doc = load_account(sandbox_of(request).store, account_id)
    return JSONResponse(find_item(doc["stakeholders"], "stakeholder_id", stakeholder_id, "Stakeholder"))


@router.patch(_ACCOUNTS + "/stakeholders/{stakeholder_id}", tags=["klarna: stakeholders"])
async def patch_stakeholder(
    request: Request, account_id: str, stakeholder_id: str, body: StakeholderPatch
) -> JSONResponse:
    with account_for_update(request, account_id) as doc:
        stakeholder = find_item(doc["stakeholders"], "stakeholder_id", stakeholder_id, "Stakeholder")
        stakeholder.update(body.patch_fields())
        _require_unique(
            doc["stakeholders"], stakeholder, _stakeholder_key, "A stakeholder with this name and birth date exists"
        )
    return JSONResponse(stakeholder)


@router.delete(_ACCOUNTS + "/stakeholders/{stakeholder_id}", tags=["klarna: stakeholders"], status_code=204)
async def delete_stakeholder(request: Request, account_id: str, stakeholder_id: str) -> Response:
    with account_for_update(request, account_id) as doc:
        remove_item(doc["stakeholders"], "stakeholder_id", stakeholder_id, "Stakeholder")
    return Response(status_code=204)


@router.get(_ACCOUNTS + "/settlement-information", tags=["klarna: settlement information"])
async def get_settlement_information(request: Request, account_id: str) -> JSONResponse:
    return _singleton(request, account_id, "settlement_information", "Settlement information")


@router.patch(_ACCOUNTS + "/settlement-information", tags=["klarna: settlement information"])
async def patch_settlement_information(request: Request, account_id: str, body: SettlementPatch) -> JSONResponse:
    with account_for_update(request, account_id) as doc:
        info = {**(doc.get("settlement_information") or {}), **body.patch_fields()}
        doc["settlement_information"] = info
    return JSONResponse(info)


_BANK_ACCOUNTS = _ACCOUNTS + "/settlement-information/bank-accounts"


def _iban_of(b: dict[str, Any]) -> Any:
    hashed = b.get("iban_hash")
    return ("hash", hashed.get("value")) if isinstance(hashed, dict) else ("iban", b.get("iban"))


@router.get(_BANK_ACCOUNTS, tags=["klarna: bank accounts"])
async def list_bank_accounts(request: Request, account_id: str) -> JSONResponse:
    return JSONResponse(load_account(sandbox_of(request).store, account_id)["bank_accounts"])


@router.post(_BANK_ACCOUNTS, tags=["klarna: bank accounts"], status_code=201)
async def create_bank_account(request: Request, account_id: str, body: BankAccountCreate) -> JSONResponse:
    bank_account = {"bank_account_id": new_krn(BANK_ACCOUNT_PREFIX), **body.patch_fields()}
    with account_for_update(request, account_id) as doc:
        _require_unique(doc["bank_accounts"], bank_account, _iban_of, "A bank account with this IBAN exists")
        doc["bank_accounts"].append(bank_account)
    return JSONResponse(bank_account, status_code=201)


@router.get(_BANK_ACCOUNTS + "/{bank_account_id}", tags=["klarna: bank accounts"])
async def get_bank_account(request: Request, account_id: str, bank_account_id: str) -> JSONResponse:
    doc = load_account(sandbox_of(request).store, account_id)
    return JSONResponse(find_item(doc["bank_accounts"], "bank_account_id", bank_account_id, "Bank account"))


@router.patch(_BANK_ACCOUNTS + "/{bank_account_id}", tags=["klarna: bank accounts"])
async def patch_bank_account(
    request: Request, account_id: str, bank_account_id: str, body: BankAccountPatch
) -> JSONResponse:
    with account_for_update(request, account_id) as doc:
        bank_account = find_item(doc["bank_accounts"], "bank_account_id", bank_account_id, "Bank account")
        fields = body.patch_fields()
        for given, other in (("iban", "iban_hash"), ("iban_hash", "iban")):
            if given in fields:
                bank_account.pop(other, None)
        bank_account.update(fields)
        _require_unique(doc["bank_accounts"], bank_account, _iban_of, "A bank account with this IBAN exists")
    return JSONResponse(bank_account)


@router.delete(_BANK_ACCOUNTS + "/{bank_account_id}", tags=["klarna: bank accounts"], status_code=204)
async def delete_bank_account(request: Request, account_id: str, bank_account_id: str) -> Response:
    with account_for_update(request, account_id) as doc:
        remove_item(doc["bank_accounts"], "bank_account_id", bank_account_id, "Bank account")
    return Response(status_code=204)
