"""Nested values as blocks (``render.values``): the lines both text and Markdown lay out."""

from __future__ import annotations

from reconciler.render.values import ValueLine, diff_lines, value_lines

OWNER = {"email": "kari@example.no", "family_name": "Testesen", "phone": "+4755000000"}


def texts(lines: list[ValueLine]) -> list[tuple[int, str, str]]:
    return [(line.depth, line.mark, line.text) for line in lines]


def test_a_scalar_stays_on_its_line() -> None:
    assert texts(value_lines("account_name: ", "Shop")) == [(0, "", 'account_name: "Shop"')]
    assert texts(value_lines("roles: ", [])) == [(0, "", "roles: []")]
    assert texts(diff_lines("city: ", "Oslo", "Bergen")) == [(0, "", 'city: "Oslo" → "Bergen"')]
    assert texts(diff_lines("city: ", None, "Bergen")) == [(0, "", 'city: (none) → "Bergen"')]


def test_a_mapping_is_a_block_with_one_line_per_key_and_a_list_one_line_per_item() -> None:
    value = {"owner": OWNER, "roles": ["OWNER", "DIRECTOR"]}
    assert texts(value_lines("signup: ", value)) == [
        (0, "", "signup: {"),
        (1, "", "owner: {"),
        (2, "", 'email: "kari@example.no"'),
        (2, "", 'family_name: "Testesen"'),
        (2, "", 'phone: "+4755000000"'),
        (1, "", "}"),
        (1, "", "roles: ["),
        (2, "", '"OWNER"'),
        (2, "", '"DIRECTOR"'),
        (1, "", "]"),
        (0, "", "}"),
    ]


def test_two_mappings_show_the_keys_that_differ_and_count_the_others() -> None:
    before = {**OWNER, "title": "CEO"}
    after = {**OWNER, "phone": "+4755000001", "address": {"city": "Bergen"}}
    assert texts(diff_lines("owner: ", before, after)) == [
        (0, "", "owner: {"),
        (1, "+", "address: {"),
        (2, "+", 'city: "Bergen"'),
        (1, "+", "}"),
        (1, "~", 'phone: "+4755000000" → "+4755000001"'),
        (1, "-", 'title: "CEO"'),
        (1, "", "# (2 unchanged fields hidden)"),
        (0, "", "}"),
    ]


def test_two_lists_are_compared_without_regard_to_order() -> None:
    before = [{"type": "swish"}, {"type": "zero"}, "x"]
    after = [{"type": "zero"}, {"type": "card"}, "x"]
    assert texts(diff_lines("options: ", before, after)) == [
        (0, "", "options: ["),
        (1, "", "{"),
        (2, "", 'type: "zero"'),
        (1, "", "}"),
        (1, "+", "{"),
        (2, "+", 'type: "card"'),
        (1, "+", "}"),
        (1, "", '"x"'),
        (1, "-", "{"),
        (2, "-", 'type: "swish"'),
        (1, "-", "}"),
        (0, "", "]"),
    ]


def test_a_value_set_or_removed_is_marked_as_such() -> None:
    assert texts(diff_lines("owner: ", None, {"email": "a"})) == [
        (0, "+", "owner: {"),
        (1, "+", 'email: "a"'),
        (0, "+", "}"),
    ]
    assert texts(diff_lines("roles: ", ["OWNER"], None)) == [(0, "-", "roles: ["), (1, "-", '"OWNER"'), (0, "-", "]")]
    assert texts(diff_lines("roles: ", [], ["OWNER"])) == [
        (0, "-", "roles: []"),
        (0, "+", "roles: ["),
        (1, "+", '"OWNER"'),
        (0, "+", "]"),
    ]


def test_hostile_keys_and_strings_stay_on_one_line_each() -> None:
    value = {"a\nb": "x\u202ey\nz", "ok_key": 1, "ok\u200b_key": "\ufeff"}
    lines = texts(value_lines("v: ", value))
    assert lines[1] == (1, "", '"a\\nb": "x\\u202ey\\nz"')
    assert lines[3] == (1, "", '"ok\\u200b_key": "\\ufeff"')
    assert all(not {"\n", "\u202e", "\u200b", "\ufeff"} & set(text) for _, _, text in lines)
