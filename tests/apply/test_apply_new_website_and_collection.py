"""The order of an existing account's writes: a new collection is onboarded before a new website that names it
(Klarna refuses a website whose channel_collection_reference names no collection of the account or of the same
call), and an incremental onboard of an existing account carries no product."""

from __future__ import annotations

from tests.plan.conftest import Cli, base_merchant, cli  # noqa: F401  (the fixture)


def test_a_new_website_on_a_new_collection_of_an_existing_account_applies_in_one_run(cli: Cli) -> None:  # noqa: F811
    merchant = base_merchant()
    merchant.pop("dintero")
    cli.desired.write(merchant)
    cli.live.create(merchant, dintero=False)
    merchant["klarna"]["collections"].append({"collection_reference": "stores", "social_media_links": []})
    merchant["klarna"]["websites"].append(
        {"website_reference": "web-c", "website_name": "Shop C", "channel_collection_reference": "stores"}
    )
    cli.desired.write(merchant)
    result = cli.run("apply", "--auto-approve")
    assert result.exit_code == 0, result.output
    account = cli.live.account()
    assert {w["website_reference"]: w.get("channel_collection_reference") for w in account["websites"]}.get(
        "web-c"
    ) == "stores"


def test_a_new_website_of_an_existing_account_is_onboarded(cli: Cli) -> None:  # noqa: F811
    merchant = base_merchant()
    merchant.pop("dintero")
    cli.desired.write(merchant)
    cli.live.create(merchant, dintero=False)
    merchant["klarna"]["websites"].append(
        {"website_reference": "web-c", "website_name": "Shop C", "channel_collection_reference": "online"}
    )
    cli.desired.write(merchant)
    since = int(cli.live.klarna.get("/_sandbox/requests").json()["last_seq"])
    result = cli.run("apply", "--auto-approve")
    log = cli.live.klarna.get("/_sandbox/requests", params={"since": since}).json()["requests"]
    onboards = [(r["status"], r.get("body")) for r in log if r["path"].endswith("/distribution/onboard")]
    assert result.exit_code == 0, (result.output, onboards)
    assert "web-c" in {w["website_reference"] for w in cli.live.account()["websites"]}
