"""The kind registry: every kind registered once, ordered by the one dependency table."""

from __future__ import annotations

import pytest

from reconciler.kinds import KINDS, ResourceKind
from reconciler.kinds.order import ORDER, PARENTS, RANK, _topological, ancestors, depends_on
from reconciler.kinds.registry import register


def test_every_kind_has_its_module_registered() -> None:
    assert set(KINDS) == set(ResourceKind)
    assert all(KINDS[name].name is name for name in KINDS)


def test_the_order_puts_every_parent_first_and_klarna_before_dintero() -> None:
    assert set(ORDER) == set(ResourceKind) == set(PARENTS)
    for kind, parent in PARENTS.items():
        if parent is not None:
            assert RANK[parent] < RANK[kind]
    last_klarna = max(RANK[k] for k in ResourceKind if k.api == "klarna")
    assert all(RANK[k] > last_klarna for k in ResourceKind if k.api == "dintero")


def test_depends_on_names_the_planned_ancestors_only() -> None:
    planned = {"M1/klarna.account", "M1/klarna.payment_product", "M2/klarna.account"}
    assert ancestors(ResourceKind.ENABLEMENT) == (ResourceKind.ACCOUNT, ResourceKind.PAYMENT_PRODUCT)
    assert depends_on("M1", ResourceKind.ENABLEMENT, planned) == ("M1/klarna.account", "M1/klarna.payment_product")
    assert depends_on("M2", ResourceKind.ENABLEMENT, planned) == ("M2/klarna.account",)
    assert depends_on("M1", ResourceKind.CONNECTION, planned) == ()


def test_a_cycle_in_the_table_is_refused() -> None:
    with pytest.raises(ValueError, match="cycle"):
        _topological({ResourceKind.ACCOUNT: ResourceKind.WEBSITE, ResourceKind.WEBSITE: ResourceKind.ACCOUNT})


def test_a_kind_registered_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        register(type(KINDS[ResourceKind.WEBSITE]))
