"""KlarnaClient against the in-process sandbox: every route family, typed results, typed errors."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from reconciler.errors import ApiError, ApiUnavailable
from reconciler.live import EXPAND_ALL, ClientParams, KlarnaClient, build_clients
from reconciler.live.models import (
    AccountInformation,
    Address,
    BankAccount,
    BusinessInformation,
    Collection,
    KlarnaAccount,
    NationalIdentification,
    PaymentProduct,
    SettlementInformation,
    Stakeholder,
    SupportContact,
    Website,
)
from reconciler.live.requests import (
    AccountPatchRequest,
    CredentialRequest,
    DisableProductRequest,
    EnablementCriteriaRequest,
    EnablementRequest,
)

from .conftest import PROFILE_ID, onboard_request, onboarded

pytestmark = pytest.mark.anyio


async def test_resolve_returns_the_account_with_every_expanded_sub_resource(klarna_client: KlarnaClient) -> None:
    created = await klarna_client.onboard(onboard_request("M100", websites=2))
    assert created.account_reference == "M100"
    assert created.account_id.startswith("krn:partner:global:account:")

    account = await klarna_client.resolve_account("M100")

    assert isinstance(account, KlarnaAccount)
    assert account.account_id == created.account_id
    assert account.state == "OPERATIONAL"
    assert account.products is not None and account.products[0].merchant_category_code == "5411"
    assert account.products[0].distribution_profile_id == PROFILE_ID
    assert sorted(w.website_reference or "" for w in account.websites or []) == ["M100-w0", "M100-w1"]
    assert account.stakeholders == [] and account.bank_accounts == []


async def test_resolve_of_an_unknown_reference_is_none(klarna_client: KlarnaClient) -> None:
    assert await klarna_client.resolve_account("NOPE-1") is None


async def test_get_account_reads_by_id_with_and_without_expand(klarna_client: KlarnaClient) -> None:
    account = await onboarded(klarna_client, "M101")

    bare = await klarna_client.get_account(account.account_id)
    full = await klarna_client.get_account(account.account_id, expand=EXPAND_ALL)

    assert bare.products is None and bare.account_name == "Shop M101"
    assert full.products is not None and len(full.products) == 1


def test_more_than_ten_expand_names_is_refused_before_sending() -> None:
    from reconciler.live.klarna_routes import expand_param

    with pytest.raises(ValueError, match="at most 10"):
        expand_param([f"x{i}" for i in range(11)])


async def test_wrong_api_key_is_an_api_error_with_klarnas_text(client_params: ClientParams, transport: object) -> None:
    from dataclasses import replace

    params = replace(client_params, klarna_api_key="klarna_test_api_WRONGKEY123")
    async with build_clients(params, transport=transport) as clients:  # type: ignore[arg-type]
        with pytest.raises(ApiError) as caught:
            await clients.klarna.resolve_account("M1")

    error = caught.value
    assert not isinstance(error, ApiUnavailable)
    assert (error.api, error.operation, error.status, error.code) == ("klarna", "resolve_account", 401, "UNAUTHORIZED")
    assert "The presented credentials failed authentication" in str(error)
    assert "WRONGKEY" not in str(error)
    assert clients.klarna.stats.requests == 1  # a refused key is not retried


async def test_iter_accounts_pages_through_every_account(klarna_client: KlarnaClient) -> None:
    references = [f"P{i:03d}" for i in range(5)]
    for reference in references:
        await klarna_client.onboard(onboard_request(reference))
    before = klarna_client.stats.requests

    seen = [a.account_reference async for a in klarna_client.iter_accounts(page_size=2)]

    assert seen == references
    assert klarna_client.stats.requests - before == 3  # pages of 2, 2 and 1


async def test_account_patch_and_product_state_changes(klarna_client: KlarnaClient) -> None:
    account = await onboarded(klarna_client, "M102")
    assert account.products
    product_id = account.products[0].product_id
    assert product_id

    patched = await klarna_client.patch_account(account.account_id, AccountPatchRequest(account_name="Renamed"))
    mcc = await klarna_client.patch_product(
        account.account_id, product_id, PaymentProduct(merchant_category_code="5812")
    )
    disabled = await klarna_client.disable_product(
        account.account_id, product_id, DisableProductRequest(reason="FRAUD", reason_details="suspicious")
    )

    assert patched.account_name == "Renamed"
    assert mcc.merchant_category_code == "5812"
    assert (disabled.state, disabled.state_reason) == ("DISABLED", "FRAUD_BY_PARTNER")
    products = await klarna_client.list_products(account.account_id)
    assert [p.state for p in products] == ["DISABLED"]


async def test_a_disabled_product_can_be_enabled_again(klarna_client: KlarnaClient, sandbox_app: FastAPI) -> None:
    account = await onboarded(klarna_client, "M109")
    assert account.products and account.products[0].product_id
    product_id = account.products[0].product_id
    await klarna_client.disable_product(account.account_id, product_id, DisableProductRequest(reason="OTHER"))
    state = sandbox_app.state.sandbox
    later = state.now() + 5  # past Klarna's one state change per account per second
    state.clock = lambda: later

    enabled = await klarna_client.enable_product(account.account_id, product_id, idempotency_key="enable-M109")

    assert (enabled.state, enabled.state_reason) == ("ENABLED", "APPROVED")


async def test_channels_can_be_listed_and_patched(klarna_client: KlarnaClient) -> None:
    account = await onboarded(klarna_client, "M103")
    websites = await klarna_client.list_websites(account.account_id)
    assert websites[0].website_id

    updated = await klarna_client.patch_website(account.account_id, websites[0].website_id, Website(website_name="New"))

    assert updated.website_name == "New"
    assert [w.website_name for w in await klarna_client.list_websites(account.account_id)] == ["New"]
    assert await klarna_client.list_collections(account.account_id) == []


async def test_singletons_account_business_and_settlement_information(klarna_client: KlarnaClient) -> None:
    account = await onboarded(klarna_client, "M104")
    account_id = account.account_id
    assert await klarna_client.get_settlement(account_id) is None

    info = AccountInformation(account_created_from_ip="192.0.2.1", account_created_at="2024-01-01T12:00:00Z")
    await klarna_client.put_account_information(account_id, info)
    business = BusinessInformation(
        business_name="Ada AB",
        business_entity_type="LIMITED_LIABILITY_COMPANY",
        operating_address=Address(street_address="Storgatan 1", postal_code="11122", city="Stockholm", country="SE"),
    )
    await klarna_client.patch_business_information(account_id, business)
    await klarna_client.patch_settlement(account_id, SettlementInformation(settlement_enabled=True))

    assert (await klarna_client.get_account_information(account_id)) == info
    read_business = await klarna_client.get_business_information(account_id)
    assert read_business is not None and read_business.operating_address is not None
    assert read_business.operating_address.city == "Stockholm"
    settlement = await klarna_client.get_settlement(account_id)
    assert settlement is not None and settlement.settlement_enabled is True

    with pytest.raises(ApiError) as caught:
        await klarna_client.put_account_information(
            account_id,
            AccountInformation(account_created_from_ip="192.0.2.99", account_created_at="2024-01-01T12:00:00Z"),
        )
    assert caught.value.status == 409


async def test_stakeholders_create_patch_delete(klarna_client: KlarnaClient) -> None:
    account = await onboarded(klarna_client, "M105")
    account_id = account.account_id
    created = await klarna_client.create_stakeholder(
        account_id,
        Stakeholder(
            given_name="Ada",
            family_name="Lovelace",
            date_of_birth="1970-01-01",
            national_identification=NationalIdentification(number="19700101-1234", country="SE"),
            roles=["OWNER"],
        ),
    )
    assert created.stakeholder_id

    patched = await klarna_client.patch_stakeholder(account_id, created.stakeholder_id, Stakeholder(roles=["DIRECTOR"]))
    assert patched.roles == ["DIRECTOR"]
    assert [s.stakeholder_id for s in await klarna_client.list_stakeholders(account_id)] == [created.stakeholder_id]
    one = await klarna_client.get_stakeholder(account_id, created.stakeholder_id)
    assert one is not None and one.given_name == "Ada"

    await klarna_client.delete_stakeholder(account_id, created.stakeholder_id)

    assert await klarna_client.list_stakeholders(account_id) == []
    assert await klarna_client.get_stakeholder(account_id, created.stakeholder_id) is None


async def test_bank_accounts_create_patch_delete(klarna_client: KlarnaClient) -> None:
    account = await onboarded(klarna_client, "M106")
    account_id = account.account_id
    created = await klarna_client.create_bank_account(
        account_id,
        BankAccount(bank_account_type="IBAN", account_holder="Ada AB", iban="SE4550000000058398257466"),
    )
    assert created.bank_account_id and created.iban == "SE4550000000058398257466"

    patched = await klarna_client.patch_bank_account(
        account_id, created.bank_account_id, BankAccount(account_holder="Ada")
    )
    assert patched.account_holder == "Ada"
    await klarna_client.delete_bank_account(account_id, created.bank_account_id)

    assert await klarna_client.list_bank_accounts(account_id) == []


async def test_enablements_and_the_program_catalogue(klarna_client: KlarnaClient) -> None:
    account = await onboarded(klarna_client, "M107")
    assert account.products and account.products[0].product_id
    account_id, product_id = account.account_id, account.products[0].product_id
    plans = await klarna_client.list_payment_program_plans()
    assert plans and plans[0].payment_program_plan_id
    programs = await klarna_client.list_plan_payment_programs(plans[0].payment_program_plan_id)
    optional = next(p for p in programs if p.enablement_type == "OPTIONAL")
    assert optional.payment_program_id
    program = await klarna_client.get_payment_program(optional.payment_program_id)
    assert program.payment_program_id == optional.payment_program_id

    created = await klarna_client.create_enablement(
        account_id,
        product_id,
        EnablementRequest(
            payment_program_id=optional.payment_program_id,
            enablement_criteria=EnablementCriteriaRequest(merchant_category_codes=["5411"]),
        ),
    )
    assert created.payment_program_enablement_id
    patched = await klarna_client.patch_enablement(
        account_id,
        product_id,
        created.payment_program_enablement_id,
        EnablementRequest(effective_to="2030-01-01T00:00:00Z"),
    )
    assert patched.effective_to is not None and patched.effective_to.startswith("2030-01-01")
    expanded = await klarna_client.get_account(account_id, expand=["payment_program_enablements"])
    assert [(e.payment_program_enablement_id, e.product_id) for e in expanded.payment_program_enablements or []] == [
        (created.payment_program_enablement_id, product_id)
    ]
    assert await klarna_client.list_product_payment_programs(account_id, product_id)

    await klarna_client.delete_enablement(account_id, product_id, created.payment_program_enablement_id)
    assert await klarna_client.list_enablements(account_id, product_id) == []


async def test_credentials_and_distribution_profiles(klarna_client: KlarnaClient) -> None:
    created = await klarna_client.create_credential(
        CredentialRequest(description="ci key", type="API", environment="TEST")
    )
    assert created.credential_id
    assert created.credential_id in [c.credential_id for c in await klarna_client.list_credentials()]

    await klarna_client.delete_credential(created.credential_id)

    assert created.credential_id not in [c.credential_id for c in await klarna_client.list_credentials()]
    profiles = await klarna_client.list_distribution_profiles()
    assert PROFILE_ID in [p.distribution_profile_id for p in profiles]


async def test_a_collection_patch_round_trips_nested_models(klarna_client: KlarnaClient) -> None:
    request = onboard_request("M108")
    request.collections = [
        Collection(collection_reference="stores", support_contact=SupportContact(email="a@example.com"))
    ]
    await klarna_client.onboard(request)
    account = await klarna_client.resolve_account("M108")
    assert account is not None and account.collections
    collection_id = account.collections[0].collection_id
    assert collection_id

    updated = await klarna_client.patch_collection(
        account.account_id, collection_id, Collection(support_contact=SupportContact(phone="+46701234567"))
    )

    assert updated.support_contact is not None and updated.support_contact.phone == "+46701234567"
