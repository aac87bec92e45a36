"""One apply of the example desired state converges: the plan after it is empty and the sandbox
holds exactly the declared resources; applying again writes nothing."""

from __future__ import annotations

from .conftest import MERCHANTS, Workspace, duplicates

# What the example files declare, per merchant: stakeholders, IBANs, enablements (program tail, code).
STAKEHOLDERS = {
    "BF-2023-0042": set(),
    "M123786123412": {("John", "Doe"), ("Jane", "Doe")},
    "MM-2024-0005": {("Sven", "Testsson"), ("Åsa", "Testsson")},
    "NB-2024-0001": {("Ola", "Nordmann"), ("Kari", "Nordmann")},
    "SK-2024-0002": {("Testa", "Testsson")},
}
IBANS = {
    "BF-2023-0042": set(),
    "M123786123412": set(),
    "MM-2024-0005": {"SE3550000000054910000003", "DE89370400440532013000"},
    "NB-2024-0001": {"NO9386011117947"},
    "SK-2024-0002": {"SE4550000000058398257466"},
}
FINANCING = "krn:payment:global:payment:program:a5cd46f7e-573d-4b02-bab8-1f1c0e343291"
EXTENDED = "krn:payment:global:payment:program:df89148e-014e-4e9f-8218-4c1c9617791b"
ENABLEMENTS = {
    "BF-2023-0042": set(),
    "M123786123412": set(),
    "MM-2024-0005": {(FINANCING, "promo-campaign-code1"), (EXTENDED, None)},
    "NB-2024-0001": {(FINANCING, None)},
    "SK-2024-0002": {(EXTENDED, "promo-campaign-code1")},
}
CONNECTIONS = {
    "T11200101": {"klarna", "vipps-psp"},
    "T11200102": {"klarna", "common"},
    "T11200103": {"vipps-psp"},
    "T11200105": {"klarna"},
}


def test_one_apply_from_empty_converges_to_exactly_the_declared_state(workspace: Workspace) -> None:
    applied = workspace.run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "Apply complete." in applied.stdout
    assert "failed" not in applied.stdout

    replanned = workspace.run("plan", "--detailed-exitcode")
    assert replanned.exit_code == 0, replanned.output
    assert "No changes." in replanned.stdout

    dump = workspace.sandbox.dump()
    assert dump["counts"] == {
        "klarna.account": 5,
        "dintero.account": 4,
        "klarna.credential": 2,
        "klarna.signing_key": 1,
        "klarna.webhook": 1,
    }
    accounts = workspace.sandbox.accounts()
    assert set(accounts) == set(MERCHANTS)
    for ref, account in accounts.items():
        assert {(s["given_name"], s["family_name"]) for s in account.get("stakeholders", [])} == STAKEHOLDERS[ref]
        assert {b["iban"] for b in account.get("bank_accounts", [])} == IBANS[ref]
        assert {
            (e["payment_program_id"], e["enablement_criteria"].get("payment_program_enablement_code"))
            for e in account.get("payment_program_enablements", [])
        } == ENABLEMENTS[ref]
        [product] = account["products"]
        assert product["state"] == ("DISABLED" if ref == "BF-2023-0042" else "ENABLED"), ref

    disabled = accounts["BF-2023-0042"]["products"][0]
    assert disabled["state_reason"].startswith("FRAUD")
    assert disabled["state_context"]["reason_details"] == "Chargeback pattern under review by the partner's risk team"
    assert accounts["M123786123412"]["business_information"]["registration_address"]["city"] == "Columbus"
    assert accounts["SK-2024-0002"].get("account_information") is None  # not declared, so never set
    assert accounts["NB-2024-0001"]["account_information"]["account_created_from_ip"] == "192.0.2.10"
    assert accounts["NB-2024-0001"]["settlement_information"] == {"settlement_enabled": True}
    assert {w["website_reference"] for w in accounts["SK-2024-0002"]["websites"]} == {
        "sk-webshop",
        "sk-subscriptions",
    }

    dintero = workspace.sandbox.dintero_accounts()
    assert {aid: set(a["connections"]) for aid, a in dintero.items()} == CONNECTIONS
    assert dintero["T11200102"]["connections"]["common"]["signup"]["package"] == "Checkout 195 NOK/month + 1.5%"
    credentials = dump["documents"]["klarna.credential"]
    assert {c["description"] for c in credentials} == {"reconciler CI - plan and apply", "storefront checkout client"}
    [key] = dump["documents"]["klarna.signing_key"]
    [webhook] = dump["documents"]["klarna.webhook"]
    assert webhook["signing_key_id"] == key["signing_key_id"]
    assert webhook["url"] == "https://127.0.0.1:8443/klarna/notifications"
    assert duplicates(workspace.sandbox) == []


def test_applying_a_converged_state_again_writes_nothing(converged: Workspace) -> None:
    before = converged.sandbox.last_seq()
    again = converged.run("apply", "--auto-approve")
    assert again.exit_code == 0, again.output
    assert "No changes." in again.stdout
    assert converged.sandbox.writes(since=before) == []
    assert converged.sandbox.requests(since=before), "the second apply did read the live state"
