"""The package's parts import only what lies before them in the data flow: no cycle, nothing upward."""

from __future__ import annotations

from tests.project.import_graph import LAYERS, graph, layer_of, violations


def test_every_part_of_the_package_has_a_layer() -> None:
    for part in graph():
        layer_of(part)  # raises for a part no layer names


def test_no_part_imports_its_own_layer_or_a_higher_one() -> None:
    assert violations(graph()) == []


def test_the_checker_sees_an_upward_import() -> None:
    edges = graph()
    edges["render"] = edges["render"] | {"apply"}
    edges["desired"] = edges["desired"] | {"cli"}
    assert violations(edges) == ["desired imports cli", "render imports apply"]


def test_layers_name_each_part_once() -> None:
    names = [part for layer in LAYERS for part in layer]
    assert len(names) == len(set(names))
