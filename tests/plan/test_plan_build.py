from __future__ import annotations

import json

import pytest

from reconciler.compare.diff import path_text
from reconciler.errors import InputError
from reconciler.kinds import MerchantView, ResourceKind, ResourceState
from reconciler.plan import Action, Plan, build_plan, state_fingerprint

M = "M100"


def view(*resources: ResourceState, managed: frozenset[ResourceKind] = frozenset()) -> MerchantView:
    return MerchantView(M, {r.address(M): r for r in resources}, managed)


def account(name: str = "Bikes AS") -> ResourceState:
    return ResourceState(ResourceKind.ACCOUNT, None, {"account_name": name})


def product(
    mcc: str = "5411", status: str = "ENABLED", profile: str = "p1", reason: str | None = None
) -> ResourceState:
    """A payment product; a live DISABLED one was disabled by the partner unless ``reason`` says otherwise."""
    fields = {"merchant_category_code": mcc, "distribution_profile_id": profile}
    if reason is None and status == "DISABLED":
        reason = "FRAUD_BY_PARTNER"
    return ResourceState(ResourceKind.PAYMENT_PRODUCT, None, fields, status=status, extra={"state_reason": reason})


def stakeholder(key: str, city: str, national_id: str = "010190-12345") -> ResourceState:
    fields = {"given_name": "Testa", "address": {"city": city}, "national_identification": {"number": national_id}}
    return ResourceState(ResourceKind.STAKEHOLDER, key, fields)


def plan_of(desired: MerchantView, current: MerchantView | None) -> Plan:
    return build_plan([desired], {M: current}, "sha256:test")


def test_unknown_merchant_is_created_with_dependencies() -> None:
    plan = plan_of(view(account(), product(), stakeholder("testa", "Oslo")), None)
    assert [(op.resource, op.action) for op in plan.operations] == [
        (ResourceKind.ACCOUNT, Action.CREATE),
        (ResourceKind.PAYMENT_PRODUCT, Action.CREATE),
        (ResourceKind.STAKEHOLDER, Action.CREATE),
    ]
    assert plan.operations[2].depends_on == (f"{M}/klarna.account",)
    assert plan.operations[0].depends_on == ()
    assert all(op.precondition == "absent" for op in plan.operations)


def test_unchanged_merchant_gives_an_empty_plan() -> None:
    state = view(account(), product(), stakeholder("testa", "Oslo"))
    plan = plan_of(state, state)
    assert plan.operations == ()
    assert not plan.has_changes
    actions = ["create", "adopt", "patch", "replace", "disable", "enable", "delete", "blocked"]
    assert plan.summary == {a: 0 for a in actions}


def test_field_change_is_a_patch_naming_the_field() -> None:
    plan = plan_of(view(stakeholder("testa", "Bergen")), view(stakeholder("testa", "Oslo")))
    (op,) = plan.operations
    assert op.action is Action.PATCH
    assert op.address == f"{M}/klarna.stakeholder/testa"
    assert [(path_text(c.path), c.before, c.after) for c in op.changes] == [("address.city", "Oslo", "Bergen")]
    assert op.precondition == state_fingerprint(
        {"given_name": "Testa", "address": {"city": "Oslo"}, "national_identification": {"number": "010190-12345"}},
        None,
    )


@pytest.mark.parametrize(
    ("want", "have", "action"), [("DISABLED", "ENABLED", Action.DISABLE), ("ENABLED", "DISABLED", Action.ENABLE)]
)
def test_product_state_changes_are_disable_and_enable(want: str, have: str, action: Action) -> None:
    plan = plan_of(view(product(status=want)), view(product(status=have)))
    (op,) = plan.operations
    assert op.action is action
    assert [(path_text(c.path), c.before, c.after) for c in op.changes] == [("state", have, want)]


@pytest.mark.parametrize(
    ("status", "reason", "says"),
    [
        ("DISABLED", "COMPLIANCE", "Klarna disabled the payment product (COMPLIANCE)"),
        ("TERMINATED", "TERMINATED", "Klarna terminated the payment product"),
    ],
)
def test_a_product_klarna_disabled_or_terminated_is_held_not_enabled(status: str, reason: str, says: str) -> None:
    plan = plan_of(view(product(status="ENABLED")), view(product(status=status, reason=reason)))
    (op,) = plan.operations
    assert (op.action, op.held_by) == (Action.BLOCKED, "Klarna")
    assert op.reason is not None and op.reason.startswith(says) and "contact Klarna" in op.reason


def test_a_product_klarna_disabled_with_nothing_to_change_plans_nothing() -> None:
    assert (
        plan_of(view(product(status="DISABLED")), view(product(status="DISABLED", reason="COMPLIANCE"))).operations
        == ()
    )


def test_immutable_field_is_blocked_with_a_reason() -> None:
    plan = plan_of(view(product(profile="p2")), view(product(profile="p1")))
    (op,) = plan.operations
    assert op.action is Action.BLOCKED
    assert "distribution_profile_id" in (op.reason or "")


def test_account_information_differs_is_blocked() -> None:
    want = ResourceState(ResourceKind.ACCOUNT_INFORMATION, None, {"account_created_from_ip": "10.0.0.2"})
    have = ResourceState(ResourceKind.ACCOUNT_INFORMATION, None, {"account_created_from_ip": "10.0.0.1"})
    (op,) = plan_of(view(want), view(have)).operations
    assert op.action is Action.BLOCKED and "once" in (op.reason or "")


@pytest.mark.parametrize(
    ("status", "action"), [("pending", Action.PATCH), ("enabled", Action.BLOCKED), ("declined", Action.PATCH)]
)
def test_connection_change_depends_on_status(status: str, action: Action) -> None:
    want = ResourceState(ResourceKind.CONNECTION, "klarna", {"signup": {"mcc": "5814"}})
    have = ResourceState(ResourceKind.CONNECTION, "klarna", {"signup": {"mcc": "5411"}}, status=status)
    (op,) = plan_of(view(want), view(have)).operations
    assert op.action is action


def test_undeclared_member_of_a_managed_list_is_deleted_only_when_the_list_is_declared() -> None:
    current = view(stakeholder("testa", "Oslo"), stakeholder("other", "Oslo"))
    managed = view(stakeholder("testa", "Oslo"), managed=frozenset({ResourceKind.STAKEHOLDER}))
    (op,) = plan_of(managed, current).operations
    assert (op.action, op.address) == (Action.DELETE, f"{M}/klarna.stakeholder/other")
    assert plan_of(view(stakeholder("testa", "Oslo")), current).operations == ()


def test_sensitive_values_are_masked_in_the_plan() -> None:
    plan = plan_of(view(stakeholder("testa", "Oslo", "999999-88888")), view(stakeholder("testa", "Oslo")))
    text = json.dumps(plan.to_dict())
    assert "999999-88888" not in text and "010190-12345" not in text
    (op,) = plan.operations
    (change,) = op.changes
    assert change.path == ("national_identification", "number")
    assert change.before != change.after and "****" in str(change.after)


def test_plan_round_trips_through_json() -> None:
    plan = plan_of(
        view(account("New"), stakeholder("testa", "Bergen")), view(account("Old"), stakeholder("testa", "Oslo"))
    )
    again = Plan.from_dict(json.loads(json.dumps(plan.to_dict())))
    assert again == plan


def test_foreign_document_is_an_input_error() -> None:
    with pytest.raises(InputError) as caught:
        Plan.from_dict({"format_version": 99}, "plan.json")
    assert str(caught.value).startswith("plan.json:1:1: format_version")


def test_operations_are_sorted_deterministically() -> None:
    desired = [MerchantView(ref, {f"{ref}/klarna.account": account()}) for ref in ["M3", "M1", "M2"]]
    plan = build_plan(desired, {}, "d")
    assert [op.merchant for op in plan.operations] == ["M1", "M2", "M3"]


def test_preconditions_are_keyed_so_a_plan_file_cannot_be_guessed_back() -> None:
    have = view(stakeholder("testa", "Oslo"))
    want = view(stakeholder("testa", "Bergen"))
    one = build_plan([want], {M: have}, "d", key=b"key-one").operations[0].precondition
    two = build_plan([want], {M: have}, "d", key=b"key-two").operations[0].precondition
    assert one != two
    assert one == build_plan([want], {M: have}, "d", key=b"key-one").operations[0].precondition


def test_plan_id_travels_with_the_plan_document() -> None:
    from dataclasses import replace

    plan = replace(plan_of(view(account("New")), view(account("Old"))), plan_id="abc123")
    assert Plan.from_dict(json.loads(json.dumps(plan.to_dict()))).plan_id == "abc123"


def test_declarations_travel_with_the_plan_and_name_only_its_merchants() -> None:
    from dataclasses import replace

    from reconciler.plan.value import Declaration

    plan = plan_of(view(account("New")), view(account("Old")))
    named = replace(plan, declarations={M: Declaration("Bikes AS", "desired-state/merchants/bikes.yaml")})
    document = json.loads(json.dumps(named.to_dict()))
    assert document["declarations"] == {M: {"name": "Bikes AS", "file": "desired-state/merchants/bikes.yaml"}}
    assert Plan.from_dict(document) == named
    assert "declarations" not in plan.to_dict()
    document["declarations"]["M-OTHER"] = {"name": "x", "file": "y"}
    with pytest.raises(InputError, match="declarations: 'M-OTHER' is not one of the plan's merchants"):
        Plan.from_dict(document, "plan.json")
