from __future__ import annotations

import pytest

from reconciler.compare.diff import Change, diff_fields, lists_equal, project


def test_only_declared_fields_are_compared() -> None:
    desired = {"account_name": "Bikes AS"}
    current = {"account_name": "Bikes AS", "account_group_reference": "server-side-default"}
    assert diff_fields(desired, current) == []


def test_nested_change_names_the_full_path() -> None:
    desired = {"address": {"city": "Dayton", "country": "US"}}
    current = {"address": {"city": "Columbus", "country": "US", "postal_code": "43215"}}
    assert diff_fields(desired, current) == [Change.of(("address", "city"), "Columbus", "Dayton")]


def test_missing_current_reports_every_declared_leaf() -> None:
    changes = diff_fields({"a": 1, "b": {"c": 2}}, None)
    assert changes == [Change.of(("a",), None, 1), Change.of(("b",), None, {"c": 2})]


def test_changes_come_in_key_order_whatever_the_order_of_the_mapping() -> None:
    desired = {"z": 1, "b": {"y": 2, "c": 3, "a": 4}, "a": ["x"], "m": 5}
    current = {"z": 0, "b": {"y": 0, "c": 3, "a": 0}, "a": ["w"], "m": 5}
    assert [change.path for change in diff_fields(desired, current)] == [
        ("a",),
        ("b", "a"),
        ("b", "y"),
        ("z",),
    ]
    assert diff_fields({"m": 5, "z": 1}, {"m": 5}) == [Change.of(("z",), None, 1)]


@pytest.mark.parametrize(
    ("left", "right", "equal"),
    [
        (["OWNER", "DIRECTOR"], ["DIRECTOR", "OWNER"], True),
        (
            [{"c": "SE", "cur": "SEK"}, {"c": "NO", "cur": "NOK"}],
            [{"c": "NO", "cur": "NOK"}, {"c": "SE", "cur": "SEK"}],
            True,
        ),
        ([{"t": "x", "currencies": ["NOK", "SEK"]}], [{"t": "x", "currencies": ["SEK", "NOK"]}], True),
        (["OWNER"], ["OWNER", "DIRECTOR"], False),
        (["OWNER", "OWNER"], ["OWNER", "DIRECTOR"], False),
    ],
)
def test_lists_compare_without_order(left: list[object], right: list[object], equal: bool) -> None:
    assert lists_equal(left, right) is equal


def test_reordered_list_gives_no_change_but_a_new_member_does() -> None:
    assert diff_fields({"roles": ["A", "B"]}, {"roles": ["B", "A"]}) == []
    assert diff_fields({"roles": ["A", "B", "C"]}, {"roles": ["B", "A"]}) == [
        Change.of(("roles",), ["B", "A"], ["A", "B", "C"])
    ]


def test_project_keeps_only_declared_keys() -> None:
    current = {"a": 1, "b": {"c": 2, "d": 3}, "e": 4}
    assert project(current, {"b": {"c": 0}, "a": 0}) == {"a": 1, "b": {"c": 2}}


@pytest.mark.parametrize(
    ("left", "right", "equal"),
    [
        ([1], [1.0], False),  # equal to ``==``, not in their texts: a change, as ever
        ([{"a": 1}], [{"a": 1.0}], False),
        ([True], [1], False),
        ([{"a": 1}, "x"], [{"a": 1}, "x"], True),
        ([{"a": [1, 2]}], [{"a": [2, 1]}], True),
    ],
)
def test_lists_equal_to_python_are_equal_only_when_their_texts_are(
    left: list[object], right: list[object], equal: bool
) -> None:
    assert lists_equal(left, right) is equal


def test_values_of_other_types_than_dicts_and_lists_compare_as_before() -> None:
    assert diff_fields({"a": 1}, {"a": 1.0}) == []
    assert diff_fields({"a": {"b": 1}}, {"a": None}) == [Change.of(("a",), None, {"b": 1})]
    assert diff_fields({"a": [1]}, {"a": (1,)}) == [Change.of(("a",), (1,), [1])]
    assert diff_fields({"a": {"b": 1}}, {"a": "text"}) == [Change.of(("a",), "text", {"b": 1})]


@pytest.mark.parametrize(("want", "have"), [(True, 1), (1, True), (False, 0), (0, False), (False, 0.0)])
def test_a_boolean_and_a_number_differ_as_they_do_in_json(want: object, have: object) -> None:
    assert diff_fields({"branding": {"show": want}}, {"branding": {"show": have}}) == [
        Change.of(("branding", "show"), have, want)
    ]
    assert diff_fields({"show": want}, {"show": want}) == []


def test_a_live_list_item_is_compared_and_shown_by_the_keys_the_desired_items_declare() -> None:
    desired = {"markets": [{"country": "SE", "currency": "SEK"}, {"country": "NO"}]}
    same = {"markets": [{"country": "NO", "note": "19850102-4821"}, {"country": "SE", "currency": "SEK", "x": 1}]}
    assert diff_fields(desired, same) == []
    fewer = {"markets": [{"country": "SE", "currency": "SEK", "note": {"id": "19850102-4821"}}]}
    assert diff_fields(desired, fewer) == [
        Change.of(("markets",), [{"country": "SE", "currency": "SEK"}], desired["markets"])
    ]
