"""The desired views an apply works from: made when asked for, a bounded number kept, the same as made at once."""

from __future__ import annotations

import pytest

from reconciler.compare.sides import desired_view
from reconciler.desired.declared import desired_digest
from reconciler.kinds import PARTNER
from reconciler.pipeline import DesiredViews, desired_views_of, digest_of
from reconciler.plan.fingerprint import precondition_key
from tests.plan.conftest import DesiredDir, base_merchant


def _fleet(desired: DesiredDir, count: int) -> list[str]:
    references = [f"DV-{index:03d}" for index in range(count)]
    for index, reference in enumerate(references):
        desired.write(base_merchant(reference, f"T112{index:05d}"))
    return references


def test_views_are_made_when_asked_for_and_only_the_latest_are_kept(
    desired: DesiredDir, monkeypatch: pytest.MonkeyPatch
) -> None:
    references = _fleet(desired, 6)
    state = desired.load()
    monkeypatch.setattr(DesiredViews, "KEPT", 2)
    views = desired_views_of(state, [*references, "NOT-DECLARED", PARTNER])

    assert list(views) == references and len(views) == 6  # no file, no partner.yaml: no view
    assert "NOT-DECLARED" not in views and PARTNER not in views
    assert views._kept == {}  # nothing made yet
    for reference in references:
        assert views[reference] == desired_view(state.merchant(reference))
    assert list(views._kept) == references[-2:]
    assert views[references[0]] == desired_view(state.merchant(references[0]))  # made again when evicted
    with pytest.raises(KeyError):
        views["NOT-DECLARED"]


def test_the_digest_of_the_views_is_that_of_their_merchants(desired: DesiredDir) -> None:
    references = _fleet(desired, 3)
    desired.write_partner({"klarna": {"credentials": [{"description": "ci", "type": "API", "environment": "TEST"}]}})
    state = desired.load()
    views = desired_views_of(state, [*references, PARTNER])

    assert PARTNER in views and views[PARTNER].reference == PARTNER
    merchants = [state.merchant(reference) for reference in references]
    key = precondition_key(state.config)
    assert digest_of(views, state) == desired_digest(merchants, state.partner, key)
    assert digest_of(references, state) == desired_digest(merchants, None, key) != digest_of(views, state)
