"""A PATCH of a singleton or a member sends only the fields that changed, and a nested mapping with the live
keys the file leaves out kept in it: the API replaces such a mapping whole (an address), and DESIGN.md §3 says
a field the YAML leaves out is not touched."""

from __future__ import annotations

from typing import Any

from tests.plan.conftest import Cli, base_merchant, cli  # noqa: F401  (the fixture)


def _apply(cli: Cli) -> str:  # noqa: F811
    result = cli.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    return result.output


def _klarna_writes(cli: Cli, since: int) -> list[dict[str, Any]]:  # noqa: F811
    log = cli.live.klarna.get("/_sandbox/requests", params={"since": since}).json()["requests"]
    return [r for r in log if r["path"].startswith("/klarna") and r["method"] in ("PATCH", "POST", "PUT", "DELETE")]


def _seq(cli: Cli) -> int:  # noqa: F811
    return int(cli.live.klarna.get("/_sandbox/requests").json()["last_seq"])


def test_patching_the_business_name_keeps_an_undeclared_address_line(cli: Cli) -> None:  # noqa: F811
    merchant = base_merchant()
    cli.desired.write(merchant)
    cli.live.create(merchant, dintero=False)
    account_id = cli.live.account_id()
    # Out of band: the operating address gains a second line the file does not declare (not managed).
    address = {**merchant["klarna"]["business_information"]["operating_address"], "street_address2": "Ste. 400"}
    cli.live.call("PATCH", f"/v1/accounts/{account_id}/business-information", {"operating_address": address})
    merchant.pop("dintero")
    merchant["klarna"]["business_information"]["business_name"] = "Shop Renamed AB"
    cli.desired.write(merchant)
    _apply(cli)
    info = cli.live.account()["business_information"]
    assert info["business_name"] == "Shop Renamed AB"
    assert info["operating_address"].get("street_address2") == "Ste. 400", info["operating_address"]


def test_patching_a_stakeholders_share_keeps_an_undeclared_address_line(cli: Cli) -> None:  # noqa: F811
    merchant = base_merchant()
    merchant.pop("dintero")
    cli.desired.write(merchant)
    cli.live.create(merchant, dintero=False)
    account_id = cli.live.account_id()
    ada = merchant["klarna"]["stakeholders"][0]
    stakeholder_id = cli.live.item_id("PT-0001", "stakeholders", "stakeholder_id", given_name="Ada")
    address = {**ada["address"], "street_address2": "Lgh 1102"}
    cli.live.call("PATCH", f"/v1/accounts/{account_id}/stakeholders/{stakeholder_id}", {"address": address})
    ada["ownership_percentage"] = 55
    merchant["klarna"]["stakeholders"][1]["ownership_percentage"] = 45
    cli.desired.write(merchant)
    since = _seq(cli)
    _apply(cli)
    live_ada = next(s for s in cli.live.account()["stakeholders"] if s["given_name"] == "Ada")
    assert live_ada["ownership_percentage"] == 55
    assert live_ada["address"].get("street_address2") == "Lgh 1102", live_ada["address"]
    # And the unchanged national id is not sent again in a patch of the share.
    patches = [w for w in _klarna_writes(cli, since) if w["method"] == "PATCH" and stakeholder_id in w["path"]]
    assert patches and all("national_identification" not in (w.get("body") or {}) for w in patches), patches


def test_a_changed_organization_number_keeps_the_companys_undeclared_website(cli: Cli) -> None:  # noqa: F811
    from tests.plan.conftest import AID, TEST_COMPANY

    merchant = base_merchant()
    merchant["dintero"]["settings"] = {"company": dict(TEST_COMPANY)}
    cli.desired.write(merchant)
    cli.live.create(merchant)
    # Out of band (the merchant's own portal): the company gains a website the file does not declare.
    path = f"/dintero/v1/accounts/{AID}/management/settings"
    company = {**TEST_COMPANY, "website": "https://shop.example.com"}
    assert cli.live.dintero.put(path, json={"company": company}).status_code == 200
    merchant["dintero"]["settings"]["company"]["organization_number"] = "888888888"
    cli.desired.write(merchant)
    _apply(cli)
    stored = cli.live.dintero.get(path).json()["company"]
    assert stored["organization_number"] == "888888888"
    assert stored.get("website") == "https://shop.example.com", stored
