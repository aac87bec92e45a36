"""The answers-as-sent test (``compare.unchanged``) against the full comparison it lets a plan skip.

``merchant_unchanged`` may say True only where the full comparison (both views, ``plan_merchant``,
``notices_of``) finds no operation and no notice. Each test reads merchants from the in-process sandbox,
then changes the answers (and the files) one value at a time in every way a value can differ: another
text, whitespace, case, another JSON type, null, a key taken out or added, a list reordered, shortened
or lengthened, a provider's state. Every change the models accept is judged both ways.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from reconciler.compare.sides import MERCHANT_KINDS, answers_unchanged, desired_view, live_view, merchant_unchanged
from reconciler.desired.declared import DeclaredMerchant
from reconciler.desired.models import Merchant
from reconciler.errors import ReadFailed
from reconciler.imports import run as imports_run
from reconciler.kinds import KINDS, ResourceKind
from reconciler.kinds.state import Member
from reconciler.live import build_clients
from reconciler.live.models import DinteroAccount, KlarnaAccount
from reconciler.live.read import Bodies, LiveMerchant, fetch_merchant, read_each, read_lists
from reconciler.plan.build import notices_of, plan_merchant
from tests.plan.conftest import (
    FINANCING_ID,
    IBAN_DE,
    IBAN_SE,
    TEST_COMPANY,
    DesiredDir,
    Live,
    base_merchant,
    fast_params,
)

Path = tuple[str | int, ...]


def read(app: FastAPI, desired: DesiredDir) -> list[tuple[DeclaredMerchant, LiveMerchant]]:
    state = desired.load()

    async def run() -> list[LiveMerchant]:
        async with build_clients(fast_params(), transport=httpx.ASGITransport(app=app)) as clients:
            return [await fetch_merchant(clients, merchant) for merchant in state.merchants]

    return list(zip(state.merchants, asyncio.run(run()), strict=True))


def full_comparison(declared: DeclaredMerchant, document: dict[str, Any], live: LiveMerchant) -> list[str]:
    """What the full comparison finds: each operation's address and action, and each notice."""
    desired = desired_view(declared, document)
    current = live_view(desired, live.klarna, live.dintero)
    found = [f"{op.address} {op.action.value}" for op in plan_merchant(desired, current)]
    return found + [f"{n.address} notice: {n.message}" for n in notices_of(desired, current)]


def relive(live: LiveMerchant, klarna: Any, dintero: Any) -> LiveMerchant | None:
    """``live`` read from other answers, as a read validates them; None when the models refuse them
    (the read would fail: no comparison is made)."""
    try:
        account = KlarnaAccount.model_validate(klarna) if klarna is not None else None
        merchant = DinteroAccount.model_validate(dintero) if dintero is not None else None
    except ValidationError:
        return None
    return LiveMerchant(live.reference, account, merchant, bodies=Bodies(klarna, dintero))


def _variants(value: Any) -> list[Any]:
    """Values that differ from ``value``: slightly, by type, or entirely."""
    if isinstance(value, bool):
        return [not value, int(value), str(value).lower(), None]
    if isinstance(value, int):
        return [value + 1, float(value), str(value), value == 1, None]
    if isinstance(value, float):
        return [value + 0.5, int(value), str(value), None]
    if isinstance(value, str):
        variants = [value + "x", f" {value}", value + " ", value.lower(), value.upper(), "", None, 1]
        if value.isdigit():
            variants.append(int(value))
        return [v for v in variants if v != value or type(v) is not str]
    return ["x", None]


def _another(item: Any) -> Any:
    """An item like ``item`` but for every text in it: another member, with a natural key of its own."""
    if isinstance(item, dict):
        return {key: _another(value) for key, value in item.items()}
    if isinstance(item, list):
        return [_another(value) for value in item]
    return item + "-another" if isinstance(item, str) else item


def mutations(value: Any, path: Path = ()) -> Iterator[tuple[Path, str, Any]]:
    """Every single change of ``value``: (where, what, the changed copy)."""

    def at(path: Path, change: Any) -> Any:
        changed = copy.deepcopy(value)
        if not path:
            return change(changed)
        parent = changed
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1]] = change(parent[path[-1]])
        return changed

    def walk(node: Any, where: Path) -> Iterator[tuple[Path, str, Any]]:
        if isinstance(node, dict):
            yield where, "a key added", at(where, lambda d: {**d, "added_by_the_api": "x"})
            for key in list(node):
                yield where, f"{key} taken out", at(where, lambda d, k=key: {n: v for n, v in d.items() if n != k})
                yield from walk(node[key], (*where, key))
        elif isinstance(node, list):
            if len(node) > 1:
                yield where, "reversed", at(where, lambda items: list(reversed(items)))
            if node:
                yield where, "last taken out", at(where, lambda items: items[:-1])
                yield where, "first twice", at(where, lambda items: [items[0], *items])
                yield where, "another added", at(where, lambda items: [*items, _another(items[0])])
            yield where, "emptied", at(where, lambda items: [])
            for index, item in enumerate(node):
                yield from walk(item, (*where, index))
        else:
            for variant in _variants(node):
                yield where, f"{node!r} -> {variant!r}", at(where, lambda _, v=variant: v)

    yield from walk(value, path)


def check_every_change_of_the_answers(declared: DeclaredMerchant, live: LiveMerchant) -> tuple[int, int, int]:
    """Each single change of either answer judged both ways; (cases judged, cases found unchanged, cases
    the full comparison plans or tells something of)."""
    assert live.bodies is not None
    document = declared.wire()
    assert merchant_unchanged(document, live), "the merchant as created must be found unchanged"
    assert full_comparison(declared, document, live) == []
    judged = unchanged = planned = 0
    klarna, dintero = live.bodies.klarna, live.bodies.dintero
    cases = [("klarna", *m) for m in mutations(klarna)] + [("dintero", *m) for m in mutations(dintero)]
    for api, where, what, changed in cases:
        other = relive(live, changed, dintero) if api == "klarna" else relive(live, klarna, changed)
        if other is None:
            continue
        judged += 1
        found = full_comparison(declared, document, other)
        if merchant_unchanged(document, other):
            unchanged += 1
            assert found == [], f"{api} answer at {where}, {what}: found unchanged, but the full comparison has {found}"
        planned += bool(found)
    return judged, unchanged, planned


def check_every_change_of_the_file(declared: DeclaredMerchant, live: LiveMerchant) -> tuple[int, int]:
    """Each single change of the merchant document's values judged both ways (a desired value that is
    not the live one is what a changed file makes)."""
    document = declared.wire()
    judged = unchanged = 0
    for where, what, changed_document in mutations(document):
        if where[:1] != ("klarna",) or any(word in what for word in ("taken out", "added", "emptied", "-> None")):
            continue  # the file's shape is the models' to check; its values are what differ
        try:
            found = full_comparison(declared, changed_document, live)
        except (AttributeError, KeyError, TypeError):
            continue  # a value of a type the merchant model never lets through
        judged += 1
        if merchant_unchanged(changed_document, live):
            unchanged += 1
            assert found == [], f"file at {where}, {what}: found unchanged, but the full comparison has {found}"
    return judged, unchanged


@pytest.fixture
def merchants(desired: DesiredDir, live: Live) -> list[dict[str, Any]]:
    """The base merchant, and one with Dintero settings and a common connection (one ``signup``)."""
    first = base_merchant()
    second = base_merchant("PT-0002", "T11200202")
    second["dintero"]["settings"] = {"company": TEST_COMPANY}
    second["dintero"]["connections"]["common"] = {
        "signup": {"payment_options": [{"type": "swish.swish", "currencies": ["SEK"]}], "package": "Checkout"}
    }
    for merchant in (first, second):
        desired.write(merchant)
        live.create(merchant)
        for name in merchant["dintero"]["connections"]:
            live.connection_event(merchant["dintero"]["account_id"], name, "enabled")  # pending is a notice
    return [first, second]


def test_a_merchant_found_unchanged_from_its_answers_has_nothing_in_the_full_comparison(
    sandbox_app: FastAPI, desired: DesiredDir, merchants: list[dict[str, Any]]
) -> None:
    totals = [0, 0, 0]
    for declared, live in read(sandbox_app, desired):
        for i, count in enumerate(check_every_change_of_the_answers(declared, live)):
            totals[i] += count
    judged, unchanged, planned = totals
    # Neither vacuous nor blind: a change of what the file does not declare (an id, an event, a key the
    # API added) is found unchanged, and the many changes of what it declares reach the full comparison.
    assert judged > 1500, totals
    assert unchanged > 500 and planned > 500, totals


def test_a_file_that_differs_from_the_answers_is_never_found_unchanged_where_the_full_comparison_plans(
    sandbox_app: FastAPI, desired: DesiredDir, merchants: list[dict[str, Any]]
) -> None:
    totals = [0, 0]
    for declared, live in read(sandbox_app, desired):
        judged, unchanged = check_every_change_of_the_file(declared, live)
        totals[0] += judged
        totals[1] += unchanged
    assert totals[0] > 300, totals
    assert totals[1] < totals[0] // 4, totals


def _read_parts(document: dict[str, Any], bodies: Bodies) -> list[Any]:
    """What the comparison of the answers as sent reads of them: each declared member's live counterpart,
    on the keys the member declares."""

    def projected(have: Any, want: Any) -> Any:
        if type(want) is dict:
            return {key: projected(have.get(key) if type(have) is dict else None, item) for key, item in want.items()}
        return have

    parts = []
    for kind in MERCHANT_KINDS:
        members = kind.desired(document)
        if members is not None:
            found = kind.answered(members, bodies)
            parts.append(
                None if found is None else [projected(h, m.fields) for h, m in zip(found, members, strict=True)]
            )
    return parts


def test_answers_the_models_refuse_are_found_in_sync_only_where_the_file_reads_what_it_declares(
    sandbox_app: FastAPI, desired: DesiredDir, merchants: list[dict[str, Any]]
) -> None:
    """A merchant in sync is told from its answers before they are validated (``live.read.fetch_unsettled``):
    an answer the models refuse in a part the file does not declare (an id of another type, an extra list
    item's odd shape) leaves the merchant in sync; one in a part it declares is refused, as every answer
    of a merchant that is not in sync is. The check never fails on an answer's shape."""
    refused = settled = 0
    for declared, live in read(sandbox_app, desired):
        assert live.bodies is not None
        document = declared.wire()
        klarna, dintero = live.bodies.klarna, live.bodies.dintero
        as_read = _read_parts(document, live.bodies)
        cases = [("klarna", *m) for m in mutations(klarna)] + [("dintero", *m) for m in mutations(dintero)]
        for api, where, what, changed in cases:
            if relive(live, *((changed, dintero) if api == "klarna" else (klarna, changed))) is not None:
                continue  # the models take it: the test above judges it
            refused += 1
            bodies = Bodies(changed, dintero) if api == "klarna" else Bodies(klarna, changed)
            if answers_unchanged(document, bodies):
                settled += 1
                assert _read_parts(document, bodies) == as_read, f"{api} answer at {where}, {what}"
    assert refused > 20 and 0 < settled < refused, (refused, settled)


@pytest.mark.parametrize(
    ("api", "path", "odd"),
    [
        ("klarna", (), []),
        ("klarna", (), "x"),
        ("dintero", (), 5),
        ("klarna", ("account_name",), {"x": 1}),
        ("klarna", ("websites",), "x"),
        ("klarna", ("websites",), [5, "x"]),
        # Shapes the comparison's own reading fails on: each is taken as not in sync, never raised.
        ("klarna", ("products",), 5),
        ("klarna", ("payment_program_enablements",), {"x": 1}),
        ("klarna", ("payment_program_enablements", 0, "enablement_criteria"), 5),
        ("dintero", ("connections", "klarna", "signups"), 5),
        ("klarna", ("account_information", "account_created_at"), "0001-01-01T00:00:00+23:59"),  # year 0 in UTC
    ],
)
def test_the_answers_check_takes_an_answer_of_any_shape_as_not_in_sync_without_failing(
    api: str, path: Path, odd: Any, sandbox_app: FastAPI, desired: DesiredDir, merchants: list[dict[str, Any]]
) -> None:
    declared, live = read(sandbox_app, desired)[0]
    assert live.bodies is not None
    answers = {"klarna": copy.deepcopy(live.bodies.klarna), "dintero": copy.deepcopy(live.bodies.dintero)}
    if path:
        parent = answers[api]
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1]] = odd
    else:
        answers[api] = odd
    assert answers_unchanged(declared.wire(), live.bodies)
    assert not answers_unchanged(declared.wire(), Bodies(answers["klarna"], answers["dintero"]))


def test_a_plan_of_merchants_in_sync_validates_no_answer_and_an_odd_one_is_still_refused(
    sandbox_app: FastAPI, desired: DesiredDir, merchants: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from reconciler.live.http import ApiHttpClient
    from reconciler.pipeline import in_sync

    state = desired.load()
    validated: list[str] = []
    real_parse = ApiHttpClient.parse

    def counted(self: ApiHttpClient, model: Any, data: Any, operation: str, merchant: str | None = None) -> Any:
        validated.append(model.__name__)
        return real_parse(self, model, data, operation, merchant)

    monkeypatch.setattr(ApiHttpClient, "parse", counted)

    async def run(settled: Any) -> list[str]:
        handled: list[str] = []
        async with build_clients(fast_params(), transport=httpx.ASGITransport(app=sandbox_app)) as clients:
            await read_each(clients, state.merchants, lambda live: handled.append(live.reference), settled=settled)
        return handled

    assert asyncio.run(run(in_sync)) == [] and validated == []  # in sync: compared as sent, nothing more
    assert sorted(asyncio.run(run(None))) == ["PT-0001", "PT-0002"]
    assert sorted(validated) == ["DinteroAccount", "DinteroAccount", "KlarnaAccount", "KlarnaAccount"]

    from reconciler.live.klarna import KlarnaClient

    real_read = KlarnaClient.resolve_account_item

    async def odd_name(self: KlarnaClient, reference: str, *args: Any) -> Any:
        found = await real_read(self, reference, *args)
        return found if reference != "PT-0001" or found is None else (None, {**found[1], "account_name": {"x": 1}})

    monkeypatch.setattr(KlarnaClient, "resolve_account_item", odd_name)
    with pytest.raises(ReadFailed) as failed:
        asyncio.run(run(in_sync))
    assert [error.merchant for error in failed.value.failures] == ["PT-0001"]
    assert "klarna resolve_account failed: unexpected response shape (KlarnaAccount: account_name)" in str(failed.value)


@pytest.fixture
def enabled(synced: dict[str, Any], live: Live) -> dict[str, Any]:
    """The base merchant with its connection signed: its plan is empty and has no notice."""
    live.connection_event(synced["dintero"]["account_id"], "klarna", "enabled")
    return synced


@pytest.mark.parametrize(
    ("api", "path", "value", "expected"),
    [
        ("klarna", ("state",), "DISABLED", "klarna.account blocked"),
        ("klarna", ("products", 0, "state"), "DISABLED", "klarna.payment_product blocked"),
        ("klarna", ("products", 0, "state"), "TERMINATED", "klarna.payment_product blocked"),
        ("dintero", ("connections", "klarna", "status"), "pending", "notice: pending"),
        ("dintero", ("connections", "klarna", "status"), "declined", "dintero.connection/klarna blocked"),
        ("dintero", ("connections", "klarna", "status"), "failed", "dintero.connection/klarna blocked"),
    ],
)
def test_a_providers_state_that_the_full_comparison_shows_is_never_found_unchanged(
    api: str, path: Path, value: str, expected: str, sandbox_app: FastAPI, desired: DesiredDir, enabled: dict[str, Any]
) -> None:
    ((declared, live),) = read(sandbox_app, desired)
    assert live.bodies is not None
    bodies = {"klarna": copy.deepcopy(live.bodies.klarna), "dintero": copy.deepcopy(live.bodies.dintero)}
    parent = bodies[api]
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    other = relive(live, bodies["klarna"], bodies["dintero"])
    assert other is not None
    document = declared.wire()
    assert not merchant_unchanged(document, other)
    assert any(expected in line for line in full_comparison(declared, document, other))


def test_a_merchant_whose_answers_were_not_kept_is_left_to_the_full_comparison(
    sandbox_app: FastAPI, desired: DesiredDir, enabled: dict[str, Any]
) -> None:
    ((declared, live),) = read(sandbox_app, desired)
    models_only = LiveMerchant(live.reference, live.klarna, live.dintero)
    assert merchant_unchanged(declared.wire(), live)
    assert not merchant_unchanged(declared.wire(), models_only)


def test_the_lists_keep_the_answers_their_merchants_were_validated_from(
    sandbox_app: FastAPI, desired: DesiredDir, enabled: dict[str, Any]
) -> None:
    state = desired.load()
    listed: list[LiveMerchant] = []

    async def run() -> None:
        async with build_clients(fast_params(), transport=httpx.ASGITransport(app=sandbox_app)) as clients:
            await read_lists(clients, state.merchants, listed.append)

    asyncio.run(run())
    ((declared, by_reference),) = read(sandbox_app, desired)
    (from_lists,) = listed
    assert from_lists.bodies is not None and by_reference.bodies is not None
    assert from_lists.bodies.klarna == by_reference.bodies.klarna
    assert from_lists.bodies.dintero == by_reference.bodies.dintero
    assert merchant_unchanged(declared.wire(), from_lists)


def test_a_value_the_live_normaliser_reads_otherwise_is_not_taken_as_it_was_sent(
    sandbox_app: FastAPI, desired: DesiredDir, live: Live
) -> None:
    # A free-form mapping keeps the file's text as written; the full comparison reads the live one by its
    # field's name (a phone as E.164), so the two differ there although the texts are equal.
    merchant = base_merchant()
    merchant["klarna"]["collections"][0]["branding"] = {"contact": {"phone": "004722000000"}}
    del merchant["dintero"]
    desired.write(merchant)
    live.create(merchant)
    ((declared, read_back),) = read(sandbox_app, desired)
    assert read_back.bodies is not None and read_back.bodies.klarna is not None
    assert read_back.bodies.klarna["collections"][0]["branding"] == {"contact": {"phone": "004722000000"}}
    document = declared.wire()
    assert full_comparison(declared, document, read_back) == ["PT-0001/klarna.collection/online patch"]
    assert not merchant_unchanged(document, read_back)


def _judged_both_ways(
    app: FastAPI,
    desired: DesiredDir,
    change_file: Callable[[dict[str, Any]], None],
    change_answer: Callable[[Any], None],
) -> tuple[bool, list[str]]:
    """``merchant_unchanged`` and the full comparison, for the merchant with its file and its Klarna answer
    changed."""
    ((declared, live),) = read(app, desired)
    assert live.bodies is not None
    document, klarna = copy.deepcopy(declared.wire()), copy.deepcopy(live.bodies.klarna)
    change_file(document)
    change_answer(klarna)
    other = relive(live, klarna, live.bodies.dintero)
    assert other is not None
    return merchant_unchanged(document, other), full_comparison(declared, document, other)


def test_a_small_mcc_sent_as_a_number_is_not_taken_as_its_padded_text(
    sandbox_app: FastAPI, desired: DesiredDir, enabled: dict[str, Any]
) -> None:
    # The model reads 742 as "742", which the MCC normaliser refuses; 742 itself it pads to "0742".
    def file(document: dict[str, Any]) -> None:
        document["klarna"]["payment_product"]["merchant_category_code"] = "0742"
        criteria = document["klarna"]["payment_program_enablements"][0]["enablement_criteria"]
        criteria["merchant_category_codes"] = ["0742"]

    def product(klarna: Any) -> None:
        klarna["products"][0]["merchant_category_code"] = 742

    def criteria(klarna: Any) -> None:
        klarna["products"][0]["merchant_category_code"] = "0742"
        for enablement in klarna["payment_program_enablements"]:
            enablement["enablement_criteria"]["merchant_category_codes"] = [742]

    fast, full = _judged_both_ways(sandbox_app, desired, file, product)
    enablement = f"PT-0001/klarna.payment_program_enablement/{FINANCING_ID} blocked"
    assert sorted(full) == ["PT-0001/klarna.payment_product patch", enablement]
    assert not fast
    fast, full = _judged_both_ways(sandbox_app, desired, file, criteria)
    assert full == [enablement]
    assert not fast


def test_enablements_grouped_in_a_list_are_left_to_the_full_comparison(
    sandbox_app: FastAPI, desired: DesiredDir, enabled: dict[str, Any]
) -> None:
    # A group that also holds an enablement's own fields: the model flattens it into its (empty) list.
    def group(klarna: Any) -> None:
        first = klarna["payment_program_enablements"][0]
        klarna["payment_program_enablements"] = [{**first, "payment_program_enablements": []}]

    fast, full = _judged_both_ways(sandbox_app, desired, lambda document: None, group)
    assert full == [f"PT-0001/klarna.payment_program_enablement/{FINANCING_ID} create"]
    assert not fast


@pytest.mark.parametrize(
    ("kind", "key"), [("klarna.website", "website_id"), ("klarna.payment_program_enablement", "product_id")]
)
def test_a_member_declaring_a_key_the_live_view_sets_apart_is_left_to_the_views(
    kind: str, key: str, sandbox_app: FastAPI, desired: DesiredDir, enabled: dict[str, Any]
) -> None:
    # ``live`` takes a member's id (and an enablement's product) out of its fields, so a member that
    # declared one would differ there; no merchant model has such a field, but the test must not assume it.
    ((declared, live),) = read(sandbox_app, desired)
    assert live.bodies is not None
    found = KINDS[ResourceKind(kind)]
    members = found.desired(declared.wire())
    assert members is not None and found.answered(members, live.bodies) is not None
    item = next(i for i in live.bodies.klarna[found.section] if found.identity(i) == found.identity(members[0].fields))
    declaring = [Member({**members[0].fields, key: item[key]}), *members[1:]]
    assert found.answered(declaring, live.bodies) is None


def test_texts_of_a_list_in_another_order_are_found_unchanged_as_the_full_comparison_finds_them(
    sandbox_app: FastAPI, desired: DesiredDir, enabled: dict[str, Any]
) -> None:
    # Roles and currencies are compared as multisets: the order the API keeps them in makes no change.
    def reorder(klarna: Any) -> None:
        klarna["stakeholders"][0]["roles"].reverse()
        klarna["collections"][0]["social_media_links"].reverse()

    fast, full = _judged_both_ways(sandbox_app, desired, lambda document: None, reorder)
    assert full == []
    assert fast

    def one_role_twice(klarna: Any) -> None:
        roles = klarna["stakeholders"][0]["roles"]
        roles[-1] = roles[0]  # the same length, not the same texts

    fast, full = _judged_both_ways(sandbox_app, desired, lambda document: None, one_role_twice)
    assert full != []
    assert not fast

    def file_twice(document: dict[str, Any]) -> None:
        document["klarna"]["stakeholders"][0]["roles"] = ["OWNER", "OWNER", "DIRECTOR"]

    def answer_twice(klarna: Any) -> None:
        klarna["stakeholders"][0]["roles"] = ["DIRECTOR", "OWNER", "DIRECTOR"]  # the same texts, not as often

    fast, full = _judged_both_ways(sandbox_app, desired, file_twice, answer_twice)
    assert full != []
    assert not fast


def test_imports_round_trip_check_asks_the_answers_first_and_the_views_for_what_differs(
    sandbox_app: FastAPI, desired: DesiredDir, enabled: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    ((declared, live),) = read(sandbox_app, desired)
    assert live.bodies is not None and live.klarna is not None
    exact = Merchant.model_validate(declared.wire())
    differing = declared.wire()
    differing["klarna"]["account_name"] = "Another name"

    def no_view(*_: object) -> None:
        raise AssertionError("a document the answers show in sync is not compared through the views")

    with monkeypatch.context() as patched:
        patched.setattr(imports_run, "live_view", no_view)
        assert imports_run.check(exact, live.klarna, live.dintero, live.bodies) == []
    found = imports_run.check(Merchant.model_validate(differing), live.klarna, live.dintero, live.bodies)
    assert found == ["PT-0001/klarna.account: patch"]


def test_the_answers_kept_for_the_test_are_never_shown_by_a_repr(
    sandbox_app: FastAPI, desired: DesiredDir, enabled: dict[str, Any]
) -> None:
    # A traceback's locals, a log line or a debugger shows a ``LiveMerchant`` by its repr; its models leave
    # their sensitive fields out, and the answers it keeps beside them hold the same values in clear.
    ((_declared, live),) = read(sandbox_app, desired)
    assert live.bodies is not None and IBAN_SE in str(live.bodies.klarna)
    shown = repr(live)
    for value in (IBAN_SE, IBAN_DE, "19801210-0000", "1980-12-10"):
        assert value not in shown
