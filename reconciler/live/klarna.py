"""The Klarna partner Management API client.

Every path the reconciler calls is in ``klarna_routes.KLARNA_ROUTES``, so the table can be corrected
against Klarna's published spec in one place. Writes take an optional ``idempotency_key``: it is sent as
``Klarna-Idempotency-Key`` and makes the write safe to retry after a 5xx or a lost response.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Sequence
from contextlib import aclosing
from typing import Any, TypeVar

from pydantic import BaseModel

from reconciler.errors import ApiError, ApiNotFound
from reconciler.live.answer import Answer
from reconciler.live.client_base import ApiClient, body_of, fill_path, items_of
from reconciler.live.http import SAFE_METHODS
from reconciler.live.klarna_routes import API, EXPAND_ALL, IDEMPOTENCY_HEADER, KLARNA_ROUTES, expand_param
from reconciler.live.models import (
    AccountInformation,
    BankAccount,
    BusinessInformation,
    Collection,
    Credential,
    DistributionProfile,
    Enablement,
    KlarnaAccount,
    PaymentProduct,
    PaymentProgram,
    PaymentProgramPlan,
    SettlementInformation,
    SigningKey,
    Stakeholder,
    Webhook,
    Website,
)

T = TypeVar("T", bound=BaseModel)


class KlarnaClient(ApiClient):
    """Typed calls to the Klarna Management API over one pooled, rate-limited HTTP client."""

    # --- plumbing ---------------------------------------------------------------------------------

    async def _call(
        self,
        operation: str,
        *,
        body: BaseModel | None = None,
        params: dict[str, str | int] | None = None,
        idempotency_key: str | None = None,
        merchant: str | None = None,
        **path_params: str,
    ) -> Answer:
        route = KLARNA_ROUTES[operation]
        headers = {IDEMPOTENCY_HEADER: idempotency_key} if idempotency_key else None
        return await self.http.request(
            route.method,
            fill_path(route.path, **path_params),
            operation=operation,
            params=params,
            json=body_of(body) if body is not None else None,
            headers=headers,
            safe_to_repeat=True if idempotency_key else None,
            merchant=merchant,
        )

    async def _one(self, model: type[T], operation: str, **kwargs: Any) -> T:
        response = await self._call(operation, **kwargs)
        write = KLARNA_ROUTES[operation].method not in SAFE_METHODS
        return self.http.answer_of(model, response, operation, kwargs.get("merchant"), write=write)

    async def _many(self, model: type[T], key: str, operation: str, **kwargs: Any) -> list[T]:
        response = await self._call(operation, **kwargs)
        items = items_of(self.http.json(response, operation), key, api=API, operation=operation)
        return [self.http.parse(model, item, operation) for item in items]

    # --- accounts ---------------------------------------------------------------------------------

    async def resolve_account(self, account_reference: str, expand: Sequence[str] = EXPAND_ALL) -> KlarnaAccount | None:
        """The account with this reference (with ``expand``d sub-resources), or None if Klarna has none."""
        found = await self.resolve_account_answer(account_reference, expand)
        return None if found is None else found[0]

    async def resolve_account_answer(
        self, account_reference: str, expand: Sequence[str] = EXPAND_ALL
    ) -> tuple[KlarnaAccount, dict[str, Any]] | None:
        """``resolve_account``'s account with the JSON object it was validated from, as Klarna sent it
        (``compare.unchanged`` compares that object before any model dump)."""
        found = await self.resolve_account_item(account_reference, expand)
        if found is None:
            return None
        account, item = found
        return (account if account is not None else self.account_of(item, account_reference)), item

    def account_of(self, item: dict[str, Any], account_reference: str) -> KlarnaAccount:
        """The account of an object ``resolve_account_item`` left unvalidated."""
        account = self.http.parse(KlarnaAccount, item, "resolve_account", account_reference)
        if account.account_reference not in (None, account_reference):
            raise _only_others(1, account_reference)
        return account

    async def resolve_account_item(
        self, account_reference: str, expand: Sequence[str] = EXPAND_ALL
    ) -> tuple[KlarnaAccount | None, dict[str, Any]] | None:
        """``resolve_account_answer``'s, but an answer that is this one account alone (as Klarna answers a
        search by reference) is left unvalidated (None, the object): a merchant in sync is told from the
        answer as sent (``compare.unchanged``) and needs no model; ``account_of`` makes it when one is."""
        params: dict[str, str | int] = {"account_reference": account_reference}
        if expand:
            params["expand"] = expand_param(expand)
        operation = "resolve_account"
        try:
            response = await self._call(operation, params=params, merchant=account_reference)
        except ApiNotFound:
            return None
        body = self.http.json(response, operation, account_reference)
        if isinstance(body, dict) and "account_id" in body:
            body = [body]
        items = items_of(body, "accounts", api=API, operation=operation, merchant=account_reference)
        if len(items) == 1 and isinstance(items[0], dict) and items[0].get("account_reference") == account_reference:
            return None, items[0]
        found: tuple[KlarnaAccount, dict[str, Any]] | None = None
        others = 0
        for item in items:
            reference = item.get("account_reference") if isinstance(item, dict) else None
            if isinstance(reference, str) and reference != account_reference:
                others += 1  # not validated: another account's odd shape is not this merchant's failure
                continue
            account = self.http.parse(KlarnaAccount, item, operation, account_reference)
            if account.account_reference not in (None, account_reference):
                others += 1
            elif found is None:
                found = account, item  # a model validates only a JSON object: ``item`` is a dict
            elif account.account_id != found[0].account_id:
                # Which of them the file manages cannot be told: writing to either could be the wrong one.
                text = "the answer lists two accounts with this reference"
                raise ApiError(API, operation, None, text, merchant=account_reference)
        if found is None and others:
            # A search by reference that answers other accounts only did not search (a filter ignored, a
            # page of the whole list): it does not tell that the account is absent, and taking it so would
            # plan a second onboard of a merchant that exists.
            raise _only_others(others, account_reference)
        return found

    async def get_account(self, account_id: str, expand: Sequence[str] = ()) -> KlarnaAccount:
        params: dict[str, str | int] = {"expand": expand_param(expand)} if expand else {}
        return await self._one(KlarnaAccount, "get_account", params=params, account_id=account_id)

    async def iter_accounts(
        self, expand: Sequence[str] = EXPAND_ALL, page_size: int = 100
    ) -> AsyncGenerator[KlarnaAccount, None]:
        """Every account, page by page (each page one request, sub-resources included)."""
        # Closed with this one: the list asks for a page ahead, which must not outlive a reader that stops.
        async with aclosing(self.iter_account_items(expand, page_size)) as items:
            async for item in items:
                yield self.parse_account(item)

    def iter_account_items(self, expand: Sequence[str] = EXPAND_ALL, page_size: int = 100) -> AsyncGenerator[Any, None]:
        """Every account as the list answers it, not validated: a reader validates the ones it wants
        (``parse_account``), and one account of an odd shape fails only itself."""
        operation = "list_accounts"
        params: dict[str, str | int] = {"expand": expand_param(expand)} if expand else {}

        def send(page: dict[str, str | int]) -> Awaitable[Answer]:
            return self._call(operation, params=page)

        return self._account_items(operation, send, params, page_size)

    def parse_account(self, item: Any, merchant: str | None = None) -> KlarnaAccount:
        """An item of the account list, validated (the error names the merchant and the fields)."""
        return self.http.parse(KlarnaAccount, item, "list_accounts", merchant)

    async def onboard(self, request: BaseModel, *, idempotency_key: str | None = None) -> KlarnaAccount:
        """Create an account, or add new sub-resources to an existing one (Klarna's incremental onboard)."""
        reference = getattr(request, "account_reference", None)
        return await self._one(
            KlarnaAccount, "onboard", body=request, idempotency_key=idempotency_key, merchant=reference
        )

    async def patch_account(
        self, account_id: str, patch: BaseModel, *, idempotency_key: str | None = None
    ) -> KlarnaAccount:
        return await self._one(
            KlarnaAccount, "patch_account", body=patch, idempotency_key=idempotency_key, account_id=account_id
        )

    # --- payment products -------------------------------------------------------------------------

    async def list_products(self, account_id: str) -> list[PaymentProduct]:
        return await self._many(PaymentProduct, "products", "list_products", account_id=account_id)

    async def patch_product(
        self, account_id: str, product_id: str, patch: BaseModel, *, idempotency_key: str | None = None
    ) -> PaymentProduct:
        return await self._one(
            PaymentProduct,
            "patch_product",
            body=patch,
            idempotency_key=idempotency_key,
            account_id=account_id,
            product_id=product_id,
        )

    async def disable_product(
        self, account_id: str, product_id: str, request: BaseModel, *, idempotency_key: str | None = None
    ) -> PaymentProduct:
        """Disable with a reason (``DisableProductRequest``)."""
        return await self._one(
            PaymentProduct,
            "disable_product",
            body=request,
            idempotency_key=idempotency_key,
            account_id=account_id,
            product_id=product_id,
        )

    async def enable_product(
        self, account_id: str, product_id: str, *, idempotency_key: str | None = None
    ) -> PaymentProduct:
        return await self._one(
            PaymentProduct,
            "enable_product",
            idempotency_key=idempotency_key,
            account_id=account_id,
            product_id=product_id,
        )

    # --- channels ---------------------------------------------------------------------------------

    async def list_websites(self, account_id: str) -> list[Website]:
        return await self._many(Website, "websites", "list_websites", account_id=account_id)

    async def patch_website(
        self, account_id: str, website_id: str, patch: BaseModel, *, idempotency_key: str | None = None
    ) -> Website:
        return await self._one(
            Website,
            "patch_website",
            body=patch,
            idempotency_key=idempotency_key,
            account_id=account_id,
            website_id=website_id,
        )

    async def list_collections(self, account_id: str) -> list[Collection]:
        return await self._many(Collection, "collections", "list_collections", account_id=account_id)

    async def patch_collection(
        self, account_id: str, collection_id: str, patch: BaseModel, *, idempotency_key: str | None = None
    ) -> Collection:
        return await self._one(
            Collection,
            "patch_collection",
            body=patch,
            idempotency_key=idempotency_key,
            account_id=account_id,
            collection_id=collection_id,
        )

    # --- account and business information ---------------------------------------------------------

    async def get_account_information(self, account_id: str) -> AccountInformation | None:
        return await self._one_or_none(AccountInformation, "get_account_information", account_id=account_id)

    async def put_account_information(
        self, account_id: str, info: BaseModel, *, idempotency_key: str | None = None
    ) -> AccountInformation:
        """Klarna stores account information once; a different second PUT is a 409 ApiError."""
        return await self._one(
            AccountInformation,
            "put_account_information",
            body=info,
            idempotency_key=idempotency_key,
            account_id=account_id,
        )

    async def get_business_information(self, account_id: str) -> BusinessInformation | None:
        return await self._one_or_none(BusinessInformation, "get_business_information", account_id=account_id)

    async def patch_business_information(
        self, account_id: str, patch: BaseModel, *, idempotency_key: str | None = None
    ) -> BusinessInformation:
        return await self._one(
            BusinessInformation,
            "patch_business_information",
            body=patch,
            idempotency_key=idempotency_key,
            account_id=account_id,
        )

    # --- stakeholders -----------------------------------------------------------------------------

    async def list_stakeholders(self, account_id: str) -> list[Stakeholder]:
        return await self._many(Stakeholder, "stakeholders", "list_stakeholders", account_id=account_id)

    async def create_stakeholder(
        self, account_id: str, stakeholder: BaseModel, *, idempotency_key: str | None = None
    ) -> Stakeholder:
        return await self._one(
            Stakeholder,
            "create_stakeholder",
            body=stakeholder,
            idempotency_key=idempotency_key,
            account_id=account_id,
        )

    async def get_stakeholder(self, account_id: str, stakeholder_id: str) -> Stakeholder | None:
        return await self._one_or_none(
            Stakeholder, "get_stakeholder", account_id=account_id, stakeholder_id=stakeholder_id
        )

    async def patch_stakeholder(
        self, account_id: str, stakeholder_id: str, patch: BaseModel, *, idempotency_key: str | None = None
    ) -> Stakeholder:
        return await self._one(
            Stakeholder,
            "patch_stakeholder",
            body=patch,
            idempotency_key=idempotency_key,
            account_id=account_id,
            stakeholder_id=stakeholder_id,
        )

    async def delete_stakeholder(
        self, account_id: str, stakeholder_id: str, *, idempotency_key: str | None = None
    ) -> None:
        await self._call(
            "delete_stakeholder", idempotency_key=idempotency_key, account_id=account_id, stakeholder_id=stakeholder_id
        )

    # --- settlement and bank accounts -------------------------------------------------------------

    async def get_settlement(self, account_id: str) -> SettlementInformation | None:
        return await self._one_or_none(SettlementInformation, "get_settlement", account_id=account_id)

    async def patch_settlement(
        self, account_id: str, patch: BaseModel, *, idempotency_key: str | None = None
    ) -> SettlementInformation:
        return await self._one(
            SettlementInformation,
            "patch_settlement",
            body=patch,
            idempotency_key=idempotency_key,
            account_id=account_id,
        )

    async def list_bank_accounts(self, account_id: str) -> list[BankAccount]:
        return await self._many(BankAccount, "bank_accounts", "list_bank_accounts", account_id=account_id)

    async def create_bank_account(
        self, account_id: str, bank_account: BaseModel, *, idempotency_key: str | None = None
    ) -> BankAccount:
        return await self._one(
            BankAccount,
            "create_bank_account",
            body=bank_account,
            idempotency_key=idempotency_key,
            account_id=account_id,
        )

    async def patch_bank_account(
        self, account_id: str, bank_account_id: str, patch: BaseModel, *, idempotency_key: str | None = None
    ) -> BankAccount:
        return await self._one(
            BankAccount,
            "patch_bank_account",
            body=patch,
            idempotency_key=idempotency_key,
            account_id=account_id,
            bank_account_id=bank_account_id,
        )

    async def delete_bank_account(
        self, account_id: str, bank_account_id: str, *, idempotency_key: str | None = None
    ) -> None:
        await self._call(
            "delete_bank_account",
            idempotency_key=idempotency_key,
            account_id=account_id,
            bank_account_id=bank_account_id,
        )

    # --- payment programs and enablements ---------------------------------------------------------

    async def list_payment_program_plans(self) -> list[PaymentProgramPlan]:
        return await self._many(PaymentProgramPlan, "payment_program_plans", "list_payment_program_plans")

    async def list_plan_payment_programs(self, plan_id: str) -> list[PaymentProgram]:
        return await self._many(PaymentProgram, "payment_programs", "list_plan_payment_programs", plan_id=plan_id)

    async def get_payment_program(self, program_id: str) -> PaymentProgram:
        return await self._one(PaymentProgram, "get_payment_program", program_id=program_id)

    async def list_product_payment_programs(self, account_id: str, product_id: str) -> list[PaymentProgram]:
        return await self._many(
            PaymentProgram,
            "payment_programs",
            "list_product_payment_programs",
            account_id=account_id,
            product_id=product_id,
        )

    async def list_enablements(self, account_id: str, product_id: str) -> list[Enablement]:
        return await self._many(
            Enablement,
            "payment_program_enablements",
            "list_enablements",
            account_id=account_id,
            product_id=product_id,
        )

    async def create_enablement(
        self, account_id: str, product_id: str, enablement: BaseModel, *, idempotency_key: str | None = None
    ) -> Enablement:
        return await self._one(
            Enablement,
            "create_enablement",
            body=enablement,
            idempotency_key=idempotency_key,
            account_id=account_id,
            product_id=product_id,
        )

    async def patch_enablement(
        self,
        account_id: str,
        product_id: str,
        enablement_id: str,
        patch: BaseModel,
        *,
        idempotency_key: str | None = None,
    ) -> Enablement:
        """Klarna lets only ``effective_to`` change."""
        return await self._one(
            Enablement,
            "patch_enablement",
            body=patch,
            idempotency_key=idempotency_key,
            account_id=account_id,
            product_id=product_id,
            enablement_id=enablement_id,
        )

    async def delete_enablement(
        self, account_id: str, product_id: str, enablement_id: str, *, idempotency_key: str | None = None
    ) -> None:
        await self._call(
            "delete_enablement",
            idempotency_key=idempotency_key,
            account_id=account_id,
            product_id=product_id,
            enablement_id=enablement_id,
        )

    # --- partner level ----------------------------------------------------------------------------

    async def list_credentials(self) -> list[Credential]:
        return await self._many(Credential, "credentials", "list_credentials")

    async def create_credential(self, request: BaseModel, *, idempotency_key: str | None = None) -> Credential:
        return await self._one(Credential, "create_credential", body=request, idempotency_key=idempotency_key)

    async def delete_credential(self, credential_id: str, *, idempotency_key: str | None = None) -> None:
        """Klarna's way to disable a credential."""
        await self._call("delete_credential", idempotency_key=idempotency_key, credential_id=credential_id)

    # --- notifications: signing keys and webhooks (partner level) --------------------------------

    async def list_signing_keys(self) -> list[SigningKey]:
        return await self._many(SigningKey, "signing_keys", "list_signing_keys")

    async def create_signing_key(self, request: BaseModel, *, idempotency_key: str | None = None) -> SigningKey:
        """The answer holds the key's secret (``signing_key``), which Klarna shows this once only."""
        return await self._one(SigningKey, "create_signing_key", body=request, idempotency_key=idempotency_key)

    async def get_signing_key(self, signing_key_id: str) -> SigningKey | None:
        return await self._one_or_none(SigningKey, "get_signing_key", signing_key_id=signing_key_id)

    async def delete_signing_key(self, signing_key_id: str, *, idempotency_key: str | None = None) -> None:
        await self._call("delete_signing_key", idempotency_key=idempotency_key, signing_key_id=signing_key_id)

    async def find_signing_key(self, description: str, prefer: str | None = None) -> SigningKey:
        """The signing key with this description (``prefer``: the id to take when several have it).

        Raises ``ApiNotFound`` when there is none: a webhook cannot be written without its key.
        """
        found = [key for key in await self.list_signing_keys() if key.description == description]
        if not found:
            raise ApiNotFound(API, "find_signing_key", None, f"no signing key has the description {description!r}")
        preferred = [key for key in found if prefer is not None and key.signing_key_id == prefer]
        return (preferred or sorted(found, key=lambda k: (k.created_at or "", k.signing_key_id or "")))[0]

    async def list_webhooks(self) -> list[Webhook]:
        return await self._many(Webhook, "webhooks", "list_webhooks")

    async def create_webhook(self, request: BaseModel, *, idempotency_key: str | None = None) -> Webhook:
        return await self._one(Webhook, "create_webhook", body=request, idempotency_key=idempotency_key)

    async def get_webhook(self, webhook_id: str) -> Webhook | None:
        return await self._one_or_none(Webhook, "get_webhook", webhook_id=webhook_id)

    async def patch_webhook(self, webhook_id: str, patch: BaseModel, *, idempotency_key: str | None = None) -> Webhook:
        return await self._one(
            Webhook, "patch_webhook", body=patch, idempotency_key=idempotency_key, webhook_id=webhook_id
        )

    async def delete_webhook(self, webhook_id: str, *, idempotency_key: str | None = None) -> None:
        await self._call("delete_webhook", idempotency_key=idempotency_key, webhook_id=webhook_id)

    async def list_distribution_profiles(self) -> list[DistributionProfile]:
        return await self._many(DistributionProfile, "profiles", "list_distribution_profiles")

    async def _one_or_none(self, model: type[T], operation: str, **kwargs: Any) -> T | None:
        try:
            return await self._one(model, operation, **kwargs)
        except ApiNotFound:
            return None


def _only_others(others: int, account_reference: str) -> ApiError:
    """A search by reference whose answer lists other accounts and not this one."""
    text = f"the answer to a search by reference lists {others} other account(s) and not this one"
    return ApiError(API, "resolve_account", None, text, merchant=account_reference)
