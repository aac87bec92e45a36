"""``reconciler drift``: a change made out of band through the API shows up, naming exactly that field."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from .conftest import AID, FINANCING_ID, REF, Cli, Live, addr, base_merchant

OutOfBand = Callable[[Live], None]


def _account_path(live: Live) -> str:
    return f"/v1/accounts/{live.account_id()}"


def move_stakeholder(live: Live) -> None:
    stakeholder = live.item_id(REF, "stakeholders", "stakeholder_id", given_name="Ada")
    address = {"street_address": "Provgatan 1", "postal_code": "111 22", "city": "Göteborg", "country": "SE"}
    live.call("PATCH", f"{_account_path(live)}/stakeholders/{stakeholder}", {"address": address})


def disable_product(live: Live) -> None:
    live.call("POST", f"{_account_path(live)}/products/payment/{live.product_id()}/disable", {"reason": "OTHER"})


def rename_account(live: Live) -> None:
    live.call("PATCH", _account_path(live), {"account_name": "Renamed by support"})


def end_enablement(live: Live) -> None:
    enablement = live.account()["payment_program_enablements"][0]["payment_program_enablement_id"]
    path = f"{_account_path(live)}/products/payment/{live.product_id()}/payment-program-enablements/{enablement}"
    live.call("PATCH", path, {"effective_to": None})


def resign_connection(live: Live) -> None:
    signup = dict(base_merchant()["dintero"]["connections"]["klarna"]["signup"], price_package="EU_DINTERO_PP002")
    live.signup(AID, "klarna", signup, force=True)


DRIFTS: dict[str, tuple[OutOfBand, str, str, str, Any, Any]] = {
    # name: (change, address, action, path, before, after)
    "stakeholder city": (
        move_stakeholder,
        addr("klarna.stakeholder", "ada-lovelace"),
        "patch",
        "address.city",
        "Göteborg",
        "Stockholm",
    ),
    "product disabled": (disable_product, addr("klarna.payment_product"), "enable", "state", "DISABLED", "ENABLED"),
    "account name": (
        rename_account,
        addr("klarna.account"),
        "patch",
        "account_name",
        "Renamed by support",
        f"Shop {REF}",
    ),
    "enablement end removed": (
        end_enablement,
        addr("klarna.payment_program_enablement", FINANCING_ID),
        "patch",
        "effective_to",
        None,
        "2030-01-01T00:00:00Z",
    ),
    "new Dintero signup": (
        resign_connection,
        addr("dintero.connection", "klarna"),
        "patch",
        "signup.price_package",
        "EU_DINTERO_PP002",
        "EU_DINTERO_PP001",
    ),
}


@pytest.fixture
def in_sync(cli: Cli) -> Cli:
    merchant = base_merchant()
    cli.desired.write(merchant)
    cli.live.create(merchant)
    return cli


def test_a_clean_state_has_no_drift(in_sync: Cli) -> None:
    result = in_sync.run("drift")
    assert result.exit_code == 0, result.output
    assert "No changes" in result.stdout
    assert "Unmanaged" not in result.stdout


@pytest.mark.parametrize("change,address,action,path,before,after", list(DRIFTS.values()), ids=list(DRIFTS))
def test_an_out_of_band_change_is_drift_naming_that_field(
    change: OutOfBand, address: str, action: str, path: str, before: Any, after: Any, in_sync: Cli
) -> None:
    change(in_sync.live)
    result = in_sync.run("drift", "--format", "json")
    assert result.exit_code == 2, result.output
    document = json.loads(result.stdout)
    assert [(op["address"], op["action"]) for op in document["operations"]] == [(address, action)]
    assert document["operations"][0]["changes"] == [{"path": path, "before": before, "after": after}]
    text = in_sync.run("drift")
    assert text.exit_code == 2
    assert address.split("/", 1)[1] in text.stdout and f"{path}:" in text.stdout


def test_drift_is_read_only(in_sync: Cli) -> None:
    rename_account(in_sync.live)
    before = in_sync.live.account()
    assert in_sync.run("drift").exit_code == 2
    assert in_sync.run("drift").exit_code == 2  # still there: drift wrote nothing
    assert in_sync.live.account() == before


def test_a_merchant_klarna_has_and_git_does_not_is_unmanaged(in_sync: Cli) -> None:
    in_sync.live.onboard(base_merchant("ROGUE-7"))
    in_sync.live.onboard(base_merchant("ROGUE-3"))
    result = in_sync.run("drift", "--format", "json")
    assert result.exit_code == 2, result.output
    document = json.loads(result.stdout)
    assert document["operations"] == []
    assert document["unmanaged"] == ["ROGUE-3", "ROGUE-7"]
    text = in_sync.run("drift").stdout
    assert "Unmanaged: 2 merchant(s)" in text and "? ROGUE-3" in text
    # plan is about declared merchants only: the unmanaged ones are neither listed nor touched.
    plan = in_sync.run("plan", "--detailed-exitcode")
    assert plan.exit_code == 0 and "ROGUE" not in plan.stdout


def test_a_deleted_merchant_file_is_unmanaged_not_disabled(in_sync: Cli) -> None:
    other = base_merchant("PT-0002", "T11200202")
    path = in_sync.desired.write(other)
    in_sync.live.create(other)
    assert in_sync.run("drift").exit_code == 0
    path.unlink()
    result = in_sync.run("drift", "--format", "json")
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert document["unmanaged"] == ["PT-0002"]
    assert document["summary"]["disable"] == 0 and document["operations"] == []
