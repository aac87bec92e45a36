"""For every resource kind: a sandbox state plus YAML gives exactly the expected operations.

Each case starts from the base merchant, written as YAML and created live through the API (an empty
plan), changes one side, and compares the whole plan as (address, action, changed paths).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from reconciler.plan import ABSENT, Action

from .conftest import (
    AID,
    EXTENDED_ID,
    FINANCING_ID,
    IBAN_NO,
    OTHER_PROFILE_ID,
    REF,
    DesiredDir,
    Live,
    Planner,
    addr,
    base_merchant,
    summarise,
)

Merchant = dict[str, Any]
Change = Callable[[Merchant, Live], None]

ENABLEMENT = FINANCING_ID
EXTENDED_ENABLEMENT = f"{EXTENDED_ID}#summer"


def _account_base(live: Live) -> str:
    return f"/v1/accounts/{live.account_id()}"


# --- changes to the YAML side --------------------------------------------------------------------


def rename_account(m: Merchant, live: Live) -> None:
    m["klarna"]["account_name"] = "Shop Renamed"


def change_owner_phone(m: Merchant, live: Live) -> None:
    m["klarna"]["account_owner"]["phone"] = "+46709999999"


def change_mcc(m: Merchant, live: Live) -> None:
    m["klarna"]["payment_product"]["merchant_category_code"] = "5999"


def disable_product(m: Merchant, live: Live) -> None:
    m["klarna"]["payment_product"]["state"] = "disabled"
    m["klarna"]["payment_product"]["disabled_reason"] = {"reason": "FRAUD", "reason_details": "under review"}


def enable_product_declared_live_disabled(m: Merchant, live: Live) -> None:
    product = f"{_account_base(live)}/products/payment/{live.product_id()}"
    live.call("POST", product + "/disable", {"reason": "COMPLIANCE"})


def change_distribution_profile(m: Merchant, live: Live) -> None:
    m["klarna"]["payment_product"]["distribution_profile_id"] = OTHER_PROFILE_ID


def rename_website(m: Merchant, live: Live) -> None:
    m["klarna"]["websites"][1]["website_name"] = "Shop B, renamed"


def add_website(m: Merchant, live: Live) -> None:
    m["klarna"]["websites"].append({"website_reference": "web-c", "website_name": "Shop C"})


def change_collection_email(m: Merchant, live: Live) -> None:
    m["klarna"]["collections"][0]["support_contact"]["email"] = "support@example.com"


def change_account_information(m: Merchant, live: Live) -> None:
    m["klarna"]["account_information"]["account_created_from_ip"] = "192.0.2.99"


def change_business_city(m: Merchant, live: Live) -> None:
    m["klarna"]["business_information"]["operating_address"]["city"] = "Uppsala"


def add_stakeholder(m: Merchant, live: Live) -> None:
    m["klarna"]["stakeholders"].append(
        {"given_name": "Grace", "family_name": "Hopper", "date_of_birth": "1906-12-09", "roles": ["DIRECTOR"]}
    )


def change_stakeholder_city(m: Merchant, live: Live) -> None:
    m["klarna"]["stakeholders"][0]["address"]["city"] = "Göteborg"


def change_stakeholder_roles_and_share(m: Merchant, live: Live) -> None:
    m["klarna"]["stakeholders"][1]["roles"] = ["OWNER"]
    m["klarna"]["stakeholders"][1]["ownership_percentage"] = 35


def extra_live_stakeholder(m: Merchant, live: Live) -> None:
    body = {"given_name": "Grace", "family_name": "Hopper", "date_of_birth": "1906-12-09", "roles": ["DIRECTOR"]}
    live.call("POST", _account_base(live) + "/stakeholders", body)


def stakeholders_not_declared(m: Merchant, live: Live) -> None:
    extra_live_stakeholder(m, live)
    del m["klarna"]["stakeholders"]


def disable_settlement(m: Merchant, live: Live) -> None:
    m["klarna"]["settlement"]["settlement_enabled"] = False


def add_bank_account(m: Merchant, live: Live) -> None:
    m["klarna"]["bank_accounts"].append({"account_holder": "Shop AB (NOK)", "iban": IBAN_NO})


def change_bank_account_holder(m: Merchant, live: Live) -> None:
    m["klarna"]["bank_accounts"][1]["account_holder"] = "Shop AB Euro"


def extra_live_bank_account(m: Merchant, live: Live) -> None:
    body = {"bank_account_type": "IBAN", "account_holder": "Old account", "iban": IBAN_NO}
    live.call("POST", _account_base(live) + "/settlement-information/bank-accounts", body)


def add_enablement(m: Merchant, live: Live) -> None:
    m["klarna"]["payment_program_enablements"].append(
        {
            "payment_program_id": EXTENDED_ID,
            "enablement_criteria": {
                "markets": [{"customer_country": "SE", "currency": "SEK"}],
                "payment_program_enablement_code": "summer",
            },
        }
    )


def change_enablement_end(m: Merchant, live: Live) -> None:
    m["klarna"]["payment_program_enablements"][0]["effective_to"] = "2031-06-30T00:00:00Z"


def change_enablement_markets(m: Merchant, live: Live) -> None:
    m["klarna"]["payment_program_enablements"][0]["enablement_criteria"]["markets"].pop()


def extra_live_enablement(m: Merchant, live: Live) -> None:
    path = f"{_account_base(live)}/products/payment/{live.product_id()}/payment-program-enablements"
    body = {
        "payment_program_id": EXTENDED_ID,
        "enablement_criteria": {"payment_program_enablement_code": "summer"},
        "effective_from": "2024-06-01T00:00:00Z",
    }
    live.call("POST", path, body)


CASES: dict[str, tuple[Change, list[tuple[str, str, tuple[str, ...]]]]] = {
    "account: rename": (rename_account, [(addr("klarna.account"), "patch", ("account_name",))]),
    "account: owner phone": (change_owner_phone, [(addr("klarna.account"), "patch", ("account_owner.phone",))]),
    "product: mcc": (change_mcc, [(addr("klarna.payment_product"), "patch", ("merchant_category_code",))]),
    "product: disable": (disable_product, [(addr("klarna.payment_product"), "disable", ("state",))]),
    "product: enable": (
        enable_product_declared_live_disabled,
        [(addr("klarna.payment_product"), "enable", ("state",))],
    ),
    "product: distribution profile is immutable": (
        change_distribution_profile,
        [(addr("klarna.payment_product"), "blocked", ("distribution_profile_id",))],
    ),
    "website: patch": (rename_website, [(addr("klarna.website", "web-b"), "patch", ("website_name",))]),
    "website: create": (
        add_website,
        [(addr("klarna.website", "web-c"), "create", ("website_name", "website_reference"))],
    ),
    "collection: patch": (
        change_collection_email,
        [(addr("klarna.collection", "online"), "patch", ("support_contact.email",))],
    ),
    "account information: set once": (
        change_account_information,
        [(addr("klarna.account_information"), "blocked", ("account_created_from_ip",))],
    ),
    "business information: patch": (
        change_business_city,
        [(addr("klarna.business_information"), "patch", ("operating_address.city",))],
    ),
    "stakeholder: create": (
        add_stakeholder,
        [
            (
                addr("klarna.stakeholder", "grace-hopper"),
                "create",
                ("date_of_birth", "family_name", "given_name", "roles"),
            )
        ],
    ),
    "stakeholder: patch": (
        change_stakeholder_city,
        [(addr("klarna.stakeholder", "ada-lovelace"), "patch", ("address.city",))],
    ),
    "stakeholder: patch roles and share": (
        change_stakeholder_roles_and_share,
        [(addr("klarna.stakeholder", "charles-babbage"), "patch", ("ownership_percentage", "roles"))],
    ),
    "stakeholder: delete when the list is declared": (
        extra_live_stakeholder,
        [(addr("klarna.stakeholder", "grace-hopper"), "delete", ())],
    ),
    "stakeholder: kept when the YAML omits stakeholders": (stakeholders_not_declared, []),
    "settlement: patch": (disable_settlement, [(addr("klarna.settlement"), "patch", ("settlement_enabled",))]),
    "bank account: create": (
        add_bank_account,
        [(addr("klarna.bank_account", "iban-7947"), "create", ("account_holder", "iban"))],
    ),
    "bank account: patch": (
        change_bank_account_holder,
        [(addr("klarna.bank_account", "iban-3000"), "patch", ("account_holder",))],
    ),
    "bank account: delete": (extra_live_bank_account, [(addr("klarna.bank_account", "iban-7947"), "delete", ())]),
    "enablement: create": (
        add_enablement,
        [
            (
                addr("klarna.payment_program_enablement", EXTENDED_ENABLEMENT),
                "create",
                ("enablement_criteria", "payment_program_id"),
            )
        ],
    ),
    "enablement: patch effective_to": (
        change_enablement_end,
        [(addr("klarna.payment_program_enablement", ENABLEMENT), "patch", ("effective_to",))],
    ),
    "enablement: criteria are immutable": (
        change_enablement_markets,
        [(addr("klarna.payment_program_enablement", ENABLEMENT), "blocked", ("enablement_criteria.markets",))],
    ),
    "enablement: delete": (
        extra_live_enablement,
        [(addr("klarna.payment_program_enablement", EXTENDED_ENABLEMENT), "delete", ())],
    ),
}


@pytest.mark.parametrize("change,expected", list(CASES.values()), ids=list(CASES))
def test_one_change_gives_exactly_one_operation(
    change: Change,
    expected: list[tuple[str, str, tuple[str, ...]]],
    synced: Merchant,
    desired: DesiredDir,
    live: Live,
    planner: Planner,
) -> None:
    change(synced, live)
    desired.write(synced)
    plan = planner.plan(desired.load())
    assert summarise(plan) == expected


def test_operations_carry_reasons_preconditions_and_dependencies(
    synced: Merchant, desired: DesiredDir, live: Live, planner: Planner
) -> None:
    change_distribution_profile(synced, live)
    change_account_information(synced, live)
    extra_live_bank_account(synced, live)
    add_enablement(synced, live)
    desired.write(synced)
    ops = {op.address: op for op in planner.plan(desired.load()).operations}
    blocked = ops[addr("klarna.payment_product")]
    assert blocked.reason is not None and "distribution_profile_id" in blocked.reason
    assert ops[addr("klarna.account_information")].reason == "account information can only be set once"
    deleted = ops[addr("klarna.bank_account", "iban-7947")]
    assert deleted.reason == "not declared in the desired state"
    assert deleted.precondition.startswith("hmac-sha256:")
    created = ops[addr("klarna.payment_program_enablement", EXTENDED_ENABLEMENT)]
    assert created.precondition == ABSENT
    # The product is planned (blocked), so the new enablement waits for it; the account is not planned.
    assert created.depends_on == (addr("klarna.payment_product"),)


def test_a_merchant_klarna_does_not_know_is_created_whole(desired: DesiredDir, planner: Planner) -> None:
    desired.write(base_merchant())
    plan = planner.plan(desired.load())
    assert [(op.address, op.action) for op in plan.operations] == [
        (addr("klarna.account"), Action.CREATE),
        (addr("klarna.payment_product"), Action.CREATE),
        (addr("klarna.collection", "online"), Action.CREATE),  # before the websites that name it
        (addr("klarna.website", "web-a"), Action.CREATE),
        (addr("klarna.website", "web-b"), Action.CREATE),
        (addr("klarna.account_information"), Action.CREATE),
        (addr("klarna.business_information"), Action.CREATE),
        (addr("klarna.stakeholder", "ada-lovelace"), Action.CREATE),
        (addr("klarna.stakeholder", "charles-babbage"), Action.CREATE),
        (addr("klarna.settlement"), Action.CREATE),
        (addr("klarna.bank_account", "iban-3000"), Action.CREATE),
        (addr("klarna.bank_account", "iban-7466"), Action.CREATE),
        (addr("klarna.payment_program_enablement", ENABLEMENT), Action.CREATE),
        (addr("dintero.connection", "klarna"), Action.CREATE),
    ]
    account = addr("klarna.account")
    for op in plan.operations[1:-1]:
        assert account in op.depends_on, op.address
    assert plan.operations[-1].depends_on == ()  # Dintero does not wait for Klarna's account
    assert plan.summary == {
        "create": 14,
        "adopt": 0,
        "patch": 0,
        "replace": 0,
        "disable": 0,
        "enable": 0,
        "delete": 0,
        "blocked": 0,
    }


@pytest.mark.parametrize(
    "singleton,kind",
    [
        ("account_information", "klarna.account_information"),
        ("business_information", "klarna.business_information"),
        ("settlement", "klarna.settlement"),
    ],
)
def test_a_singleton_the_api_lacks_is_created(
    singleton: str, kind: str, desired: DesiredDir, live: Live, planner: Planner
) -> None:
    merchant = base_merchant()
    declared = merchant["klarna"].pop(singleton)
    live.create(merchant)
    merchant["klarna"][singleton] = declared
    desired.write(merchant)
    assert summarise(planner.plan(desired.load())) == [(addr(kind), "create", tuple(sorted(declared)))]


def test_a_half_finished_onboarding_does_not_sign_up_again(desired: DesiredDir, live: Live, planner: Planner) -> None:
    """Dintero has the signup, Klarna has no account yet: only the Klarna side is planned."""
    merchant = base_merchant()
    live.signup(AID, "klarna", merchant["dintero"]["connections"]["klarna"]["signup"])
    desired.write(merchant)
    plan = planner.plan(desired.load())
    assert plan.summary["create"] == 13
    assert {op.resource.api for op in plan.operations} == {"klarna"}


# --- credentials (partner.yaml) -----------------------------------------------------------------

CREDENTIALS = [
    {"description": "reconciler CI", "type": "API", "environment": "TEST"},
    {"description": "storefront client", "type": "CLIENT", "environment": "TEST"},
]


def test_credentials_create_delete_and_block(desired: DesiredDir, live: Live, planner: Planner) -> None:
    desired.write(base_merchant())
    live.create(base_merchant())
    live.call(
        "POST", "/v1/account/credentials", {"description": "reconciler CI", "type": "CLIENT", "environment": "TEST"}
    )
    live.call("POST", "/v1/account/credentials", {"description": "old key", "type": "API", "environment": "TEST"})
    desired.write_partner({"klarna": {"credentials": CREDENTIALS}})
    plan = planner.plan(desired.load(), include_partner=True)
    assert summarise(plan) == [
        ("partner/klarna.credential/reconciler-ci", "blocked", ("type",)),
        ("partner/klarna.credential/storefront-client", "create", ("description", "environment", "type")),
        ("partner/klarna.credential/old-key", "delete", ()),  # after the create: a rotation never has none
    ]


def test_credentials_in_place_give_no_change(desired: DesiredDir, live: Live, planner: Planner) -> None:
    for credential in reversed(CREDENTIALS):
        live.call("POST", "/v1/account/credentials", credential)
    desired.write_partner({"klarna": {"credentials": CREDENTIALS}})
    assert planner.plan(desired.load(), include_partner=True).operations == ()


# --- Dintero connections --------------------------------------------------------------------------

NEW_SIGNUP_CHANGE = {"payment_options": [{"type": "klarna.klarna", "currencies": ["SEK"]}]}


def _changed_signup(merchant: Merchant) -> None:
    merchant["dintero"]["connections"]["klarna"]["signup"].update(NEW_SIGNUP_CHANGE)


def test_connection_absent_is_created(desired: DesiredDir, live: Live, planner: Planner) -> None:
    merchant = base_merchant()
    live.create(merchant, dintero=False)
    merchant["dintero"]["connections"]["vipps-psp"] = {
        "signup": {
            "case_id": "6f1c2a3e-0d44-4b50-8888-8dd25736e002",
            "payment_options": [{"type": "dintero_psp.vipps", "currencies": ["NOK"]}],
        }
    }
    desired.write(merchant)
    assert summarise(planner.plan(desired.load())) == [
        (addr("dintero.connection", "klarna"), "create", ("signup",)),
        (addr("dintero.connection", "vipps-psp"), "create", ("signup",)),
    ]


@pytest.mark.parametrize(
    "status,action,reason",
    [
        ("pending", "patch", "new signup over the pending one (force_new_signup)"),
        ("enabled", "blocked", "the connection is enabled; a signup cannot be changed once enabled"),
        ("declined", "patch", "new signup (the previous one is declined)"),
    ],
)
def test_changed_signup_by_connection_status(
    status: str, action: str, reason: str, synced: Merchant, desired: DesiredDir, live: Live, planner: Planner
) -> None:
    if status != "pending":
        live.connection_event(AID, "klarna", status)
    _changed_signup(synced)
    desired.write(synced)
    plan = planner.plan(desired.load())
    assert summarise(plan) == [(addr("dintero.connection", "klarna"), action, ("signup.payment_options",))]
    assert plan.operations[0].reason == reason


def test_an_enabled_unchanged_connection_gives_no_change(
    synced: Merchant, desired: DesiredDir, live: Live, planner: Planner
) -> None:
    live.connection_event(AID, "klarna", "enabled")
    assert planner.plan(desired.load()).operations == ()


def test_a_forced_new_signup_is_what_the_plan_compares_against(
    synced: Merchant, desired: DesiredDir, live: Live, planner: Planner
) -> None:
    signup = dict(synced["dintero"]["connections"]["klarna"]["signup"], **NEW_SIGNUP_CHANGE)
    live.signup(AID, "klarna", signup, force=True)
    plan = planner.plan(desired.load())
    assert summarise(plan) == [(addr("dintero.connection", "klarna"), "patch", ("signup.payment_options",))]
    change = plan.operations[0].changes[0]
    assert change.before == [{"type": "klarna.klarna", "currencies": ["SEK"]}]
    assert change.after == [{"type": "klarna.klarna", "currencies": ["SEK", "NOK", "EUR"]}]


def test_only_the_merchant_named_in_the_plan_is_read(desired: DesiredDir, live: Live, planner: Planner) -> None:
    live.create(base_merchant())
    other = base_merchant("PT-0002", "T11200202")
    other["klarna"]["account_name"] = "Other"
    desired.write(base_merchant())
    desired.write(other)
    plan = planner.plan(desired.load(), targets=[REF])
    assert plan.operations == () and plan.merchants == (REF,)
    assert {op.merchant for op in planner.plan(desired.load()).operations} == {"PT-0002"}


def test_namesakes_are_told_apart_by_date_of_birth(desired: DesiredDir, live: Live, planner: Planner) -> None:
    merchant = base_merchant()
    merchant["klarna"]["stakeholders"] = [
        {"given_name": "John", "family_name": "Doe", "date_of_birth": "1990-01-01", "roles": ["OWNER"]},
        {"given_name": "John", "family_name": "Doe", "date_of_birth": "1970-01-01", "roles": ["DIRECTOR"]},
    ]
    live.create(merchant)
    merchant["klarna"]["stakeholders"][0]["roles"] = ["OWNER", "SIGNATORY"]
    merchant["klarna"]["stakeholders"].reverse()
    desired.write(merchant)
    plan = planner.plan(desired.load())
    # Display keys are name slugs made unique in date-of-birth order; the date itself is never shown.
    assert summarise(plan) == [(addr("klarna.stakeholder", "john-doe-2"), "patch", ("roles",))]
    assert plan.operations[0].changes[0].before == ["OWNER"]
