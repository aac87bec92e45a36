"""Profiles: merge order, list replacement, unset, locks, strict profile files, and where errors point."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.desired import DesiredState, load_desired
from reconciler.errors import InputError

WriteFile = Callable[[str, str | bytes], Path]
PROFILE_ID = "krn:partner:global:account:distribution-profile:206bbb83-9b6e-46fa-940d-337153c04a58"

RETAIL = f"""\
locked: [klarna.payment_product.distribution_profile_id]
klarna:
  account_group_reference: retail
  payment_product:
    distribution_profile_id: {PROFILE_ID}
    merchant_category_code: "5411"
    state: enabled
  websites:
    - website_reference: shared-web
  settlement:
    settlement_enabled: true
"""
NORDIC = """\
klarna:
  account_group_reference: nordic
  payment_product:
    merchant_category_code: "5940"
"""


def load(desired_dir: Path) -> DesiredState:
    return load_desired(desired_dir, environ={}, notify=None)


def messages(desired_dir: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load(desired_dir)
    return [str(issue) for issue in caught.value.issues]


def test_profiles_apply_in_order_then_the_merchant_mapping_by_mapping(desired_dir: Path, write: WriteFile) -> None:
    write("profiles/retail.yaml", RETAIL)
    write("profiles/nordic.yaml", NORDIC)
    write(
        "merchants/m.yaml",
        "account_reference: M-1\nprofiles: [retail, nordic]\nklarna:\n  account_name: M\n"
        "  payment_product:\n    state: disabled\n    disabled_reason: {reason: FRAUD, reason_details: x}\n",
    )
    klarna = load(desired_dir).merchant("M-1").wire()["klarna"]
    assert klarna["account_group_reference"] == "nordic"  # the later profile wins
    assert klarna["payment_product"] == {
        "distribution_profile_id": PROFILE_ID,  # from retail, kept through both merges
        "merchant_category_code": "5940",  # nordic over retail
        "state": "disabled",  # the merchant over both
        "disabled_reason": {"reason": "FRAUD", "reason_details": "x"},
    }
    assert klarna["account_name"] == "M"
    assert klarna["settlement"] == {"settlement_enabled": True}


def test_a_list_in_a_later_layer_replaces_the_earlier_list_whole(desired_dir: Path, write: WriteFile) -> None:
    write("profiles/retail.yaml", RETAIL)
    write(
        "merchants/m.yaml",
        "account_reference: M-1\nprofiles: [retail]\nklarna:\n  account_name: M\n"
        "  websites:\n    - {website_reference: own-web, website_name: Own}\n",
    )
    assert load(desired_dir).merchant("M-1").wire()["klarna"]["websites"] == [
        {"website_reference": "own-web", "website_name": "Own"}
    ]


def test_unset_removes_what_a_profile_sets(desired_dir: Path, write: WriteFile) -> None:
    write("profiles/retail.yaml", RETAIL)
    write(
        "merchants/m.yaml",
        "account_reference: M-1\nprofiles: [retail]\nunset: [klarna.websites, klarna.settlement.settlement_enabled]\n"
        "klarna:\n  account_name: M\n",
    )
    klarna = load(desired_dir).merchant("M-1").wire()["klarna"]
    assert "websites" not in klarna
    assert "settlement" not in klarna  # the mapping the removal emptied goes too: nothing left to manage
    assert klarna["payment_product"]["merchant_category_code"] == "5411"


def test_unset_of_what_no_profile_sets_or_the_merchant_writes_or_a_lock_holds(
    desired_dir: Path, write: WriteFile
) -> None:
    write("profiles/retail.yaml", RETAIL)
    write(
        "merchants/m.yaml",
        "account_reference: M-1\nprofiles: [retail]\n"
        "unset: [klarna.stakeholders, klarna.account_name, klarna.payment_product, 'klarna.websites[0]']\n"
        "klarna:\n  account_name: M\n",
    )
    found = messages(desired_dir)
    m = "desired-state/merchants/m.yaml"
    assert found == [
        f"{m}:3:9: unset: no profile of this merchant sets klarna.stakeholders: nothing to remove",
        f"{m}:3:30: unset: klarna.account_name is also written in this file: keep one or the other",
        f"{m}:3:51: unset: klarna.payment_product cannot be removed: "
        "klarna.payment_product.distribution_profile_id is locked by profile retail",
        f"{m}:3:75: unset[3]: expected a dotted path of field names, such as "
        "klarna.payment_product.merchant_category_code (no list item: a list is taken whole from one file)",
    ]


def test_overriding_a_locked_key_is_reported_at_the_merchant_line_naming_profile_and_key(
    desired_dir: Path, write: WriteFile
) -> None:
    other = PROFILE_ID.replace("206bbb83", "306bbb83")
    write("profiles/retail.yaml", RETAIL)
    write(
        "merchants/m.yaml",
        f"account_reference: M-1\nprofiles: [retail]\nklarna:\n  account_name: M\n"
        f"  payment_product:\n    distribution_profile_id: {other}\n",
    )
    write(
        "merchants/n.yaml",
        "account_reference: N-1\nprofiles: [retail]\nklarna:\n  account_name: N\n  payment_product: x\n",
    )
    assert messages(desired_dir) == [
        "desired-state/merchants/m.yaml:6:5: klarna.payment_product.distribution_profile_id: locked by profile "
        "retail (desired-state/profiles/retail.yaml:1:10): a merchant may not override it; remove it here",
        "desired-state/merchants/n.yaml:5:3: klarna.payment_product: replaces "
        "klarna.payment_product.distribution_profile_id, locked by profile retail "
        "(desired-state/profiles/retail.yaml:1:10): a merchant may not override it; remove it here",
        "desired-state/merchants/n.yaml:5:20: klarna.payment_product: Input should be a valid dictionary or "
        "instance of PaymentProduct, got text",
    ]


def test_a_later_profile_may_not_override_an_earlier_ones_lock(desired_dir: Path, write: WriteFile) -> None:
    write("profiles/retail.yaml", RETAIL)
    write("profiles/other.yaml", f"klarna:\n  payment_product:\n    distribution_profile_id: {PROFILE_ID}\n")
    write("merchants/m.yaml", "account_reference: M-1\nprofiles: [retail, other]\nklarna:\n  account_name: M\n")
    (issue,) = messages(desired_dir)
    assert issue.startswith("desired-state/profiles/other.yaml:3:5: klarna.payment_product.distribution_profile_id: ")
    assert "locked by profile retail" in issue
    assert "profile other, listed after it by desired-state/merchants/m.yaml" in issue


def test_an_unknown_profile_is_reported_at_its_entry(desired_dir: Path, write: WriteFile) -> None:
    write("profiles/retail.yaml", RETAIL)
    write("merchants/m.yaml", "account_reference: M-1\nprofiles:\n  - retail\n  - retial\nklarna:\n  account_name: M\n")
    assert messages(desired_dir) == [
        "desired-state/merchants/m.yaml:4:5: profiles: unknown profile 'retial' "
        "(a profile is profiles/NAME.yaml; the profiles are: retail)"
    ]


def test_profile_files_are_validated_strictly_at_their_own_lines(desired_dir: Path, write: WriteFile) -> None:
    write(
        "profiles/bad.yaml",
        "profiles: [retail]\naccount_reference: X\nlocked: [klarna.settlement]\n"
        "klarna:\n  payment_product:\n    merchant_category_code: 12345\n  bogus: 1\n",
    )
    write("merchants/m.yaml", "account_reference: M-1\nklarna:\n  account_name: M\n")
    p = "desired-state/profiles/bad.yaml"
    found = messages(desired_dir)
    assert found[0] == (
        f"{p}:1:1: profiles: a profile cannot list profiles: profiles do not nest; list every profile in the "
        "merchant file"
    )
    assert (
        found[1] == f"{p}:2:1: account_reference: a merchant's identity is written in its own file, never in a profile"
    )
    assert found[2] == f"{p}:3:10: locked: klarna.settlement is not set in this profile: lock what it sets"
    assert (
        found[3]
        == f"{p}:6:29: klarna.payment_product.merchant_category_code: a merchant category code is 4 digits (0000-9999)"
    )
    assert found[4].startswith(f"{p}:7:3: klarna.bogus: unknown field 'bogus'")
    assert len(found) == 5  # nothing about required fields: a profile is part of a merchant file


def test_a_profiles_error_is_reported_once_at_its_line_however_many_merchants_use_it(
    desired_dir: Path, write: WriteFile
) -> None:
    write("profiles/retail.yaml", RETAIL.replace('"5411"', '"54111"'))
    for index in range(3):
        write(
            f"merchants/m{index}.yaml",
            f"account_reference: M-{index}\nprofiles: [retail]\nklarna:\n  account_name: M\n",
        )
    assert messages(desired_dir) == [
        "desired-state/profiles/retail.yaml:6:29: klarna.payment_product.merchant_category_code: a merchant "
        "category code is 4 digits, got '54111'"
    ]


def test_an_error_only_a_merchant_causes_at_a_profile_line_names_the_merchant(
    desired_dir: Path, write: WriteFile
) -> None:
    write(
        "profiles/web.yaml", "klarna:\n  websites:\n    - {website_reference: w, channel_collection_reference: shop}\n"
    )
    write(
        "merchants/m.yaml",
        "account_reference: M-1\nprofiles: [web]\nklarna:\n  account_name: M\n"
        "  collections: [{collection_reference: other}]\n",
    )
    assert messages(desired_dir) == [
        "desired-state/profiles/web.yaml:3:60: klarna.websites[0].channel_collection_reference: collection 'shop' "
        "is not declared in klarna.collections (in merchant desired-state/merchants/m.yaml)"
    ]


def test_a_null_over_a_profile_value_is_refused_with_the_way_to_remove_it(desired_dir: Path, write: WriteFile) -> None:
    write("profiles/retail.yaml", RETAIL)
    write("merchants/m.yaml", "account_reference: M-1\nprofiles: [retail]\nklarna:\n  account_name: M\n  websites: ~\n")
    assert messages(desired_dir) == [
        "desired-state/merchants/m.yaml:5:13: klarna.websites: expected a list, got null (~); to leave the field "
        "unmanaged, leave it out (a value a profile sets: list its path under unset:)"
    ]


def test_positions_and_origins_point_at_the_file_that_wrote_each_value(desired_dir: Path, write: WriteFile) -> None:
    write("profiles/retail.yaml", RETAIL)
    write("merchants/m.yaml", "account_reference: M-1\nprofiles: [retail]\nklarna:\n  account_name: M\n")
    state = load(desired_dir)
    assert str(state.position("M-1", "klarna.payment_product.merchant_category_code")) == (
        "desired-state/profiles/retail.yaml:6:29"
    )
    assert str(state.position("M-1", "klarna.account_name")) == "desired-state/merchants/m.yaml:4:17"
    origins = state.merchant("M-1").origins
    assert origins is not None and origins.profiles == ("retail",)
    assert origins.origin_of(("klarna", "settlement", "settlement_enabled")) == "profiles/retail.yaml"
    assert origins.origin_of(("klarna", "account_name")) == "merchants/m.yaml"
    assert origins.origin_of(("klarna",)) == "profiles/retail.yaml + merchants/m.yaml"


def test_a_merchant_without_profiles_has_no_origins(desired_dir: Path, write: WriteFile) -> None:
    write("profiles/retail.yaml", RETAIL)
    write("merchants/m.yaml", "account_reference: M-1\nklarna:\n  account_name: M\n")
    assert load(desired_dir).merchant("M-1").origins is None


def test_the_factored_examples_resolve_to_the_documents_written_out_in_full(examples_dir: Path) -> None:
    """The README's main job plans the same as before the examples used profiles."""
    factored = load_desired(examples_dir, environ={}, notify=None)
    flat = load_desired(Path(__file__).parent / "flat-examples", environ={}, notify=None)
    assert [m.account_reference for m in factored.merchants] == [m.account_reference for m in flat.merchants]
    for mine, full in zip(factored.merchants, flat.merchants, strict=True):
        assert json.loads(mine.canonical) == json.loads(full.canonical), mine.account_reference
        assert mine.origins is not None
    assert (examples_dir / "profiles").is_dir()


@pytest.mark.parametrize(
    ("listing", "message"),
    [
        ("profiles: retail", "profiles: expected a list of profile names"),
        ("profiles: ~", "profiles: expected a list of profile names, got null (~)"),
        ("profiles: [1]", "profiles[0]: expected a profile name (the NAME of profiles/NAME.yaml)"),
        ("profiles: [../retail]", "profiles[0]: expected a profile name (the NAME of profiles/NAME.yaml)"),
        ("profiles: [retail, retail]", "profiles[1]: retail is listed twice (first at line 2)"),
    ],
)
def test_a_profiles_list_that_is_not_a_list_of_known_names_is_refused_at_its_line(
    desired_dir: Path, write: WriteFile, listing: str, message: str
) -> None:
    write("profiles/retail.yaml", RETAIL)
    write("merchants/m.yaml", f"account_reference: M-1\n{listing}\nklarna:\n  account_name: M\n")
    found = messages(desired_dir)
    assert len(found) == 1 and found[0].startswith("desired-state/merchants/m.yaml:2:"), found
    assert found[0].endswith(message)


def test_a_profile_file_name_that_is_not_a_plain_name_is_refused(desired_dir: Path, write: WriteFile) -> None:
    write("profiles/eu retail.yaml", RETAIL)
    write("profiles/.draft.yaml", "klarna: {bogus: 1}\n")
    write("merchants/m.yaml", "account_reference: M-1\nklarna:\n  account_name: M\n")
    assert messages(desired_dir) == [
        "desired-state/profiles/eu retail.yaml:1:1: a profile's name is letters, digits, '-', '_' and '.', "
        "starting with a letter or digit"
    ]


def test_a_reference_in_a_profile_resolves_for_every_merchant_and_is_reported_once_at_the_profile(
    desired_dir: Path, write: WriteFile
) -> None:
    write("profiles/group.yaml", "klarna:\n  account_group_reference: !env GROUP_REF\n")
    for index in range(2):
        write(
            f"merchants/m{index}.yaml", f"account_reference: M-{index}\nprofiles: [group]\nklarna:\n  account_name: M\n"
        )
    assert messages(desired_dir) == [
        "desired-state/profiles/group.yaml:2:28: klarna.account_group_reference: environment variable GROUP_REF is "
        "not set (referenced by !env)"
    ]
    state = load_desired(desired_dir, environ={"GROUP_REF": "fleet"}, notify=None)
    assert state.merchant("M-1").wire()["klarna"]["account_group_reference"] == "fleet"
    assert state.from_environment("M-1", "klarna.account_group_reference")


def test_a_case_id_in_a_profile_is_refused_at_its_line(desired_dir: Path, write: WriteFile) -> None:
    """A case_id is one merchant's Dintero signup: in a profile it would be every listing merchant's, and the
    copy check never compares a shared file's values with themselves."""
    write(
        "profiles/kyc.yaml",
        "dintero:\n  connections:\n    klarna:\n      signup:\n"
        "        case_id: 6f1c2a3e-0d44-4b50-8888-8dd25736a001\n        price_package: EU_DINTERO_PP001\n",
    )
    write("merchants/m.yaml", "account_reference: M-1\nprofiles: [kyc]\nklarna:\n  account_name: M\n")
    assert (
        "desired-state/profiles/kyc.yaml:5:9: dintero.connections.klarna.signup.case_id: a case_id is one "
        "merchant's Dintero signup: write it in the merchant's own file"
    ) in messages(desired_dir)
