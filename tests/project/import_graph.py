"""The import graph between the package's top-level parts, and the layer order it must keep.

``python -m tests.project.import_graph`` prints the graph, one part a line, lowest layer first.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "reconciler"

# Lowest first: a part may import parts of lower layers only. Parts in one layer import none of each
# other (render and apply both come after the plan; neither needs the other).
LAYERS: list[set[str]] = [
    {"errors", "records", "sensitive", "sandbox", "version", "processes"},
    {"config"},
    {"desired"},
    {"live"},
    {"kinds"},
    {"compare"},
    {"plan"},
    {"render", "apply", "imports"},
    {"pipeline"},
    {"cli"},
]
# The root module (``reconciler/__init__.py``, ``__main__.py``) is the package itself, above everything.
ROOT = "(root)"


def part_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    if len(relative.parts) == 1:
        stem = relative.stem
        return ROOT if stem in ("__init__", "__main__") else stem
    return relative.parts[0]


def imports_of(path: Path) -> set[str]:
    """The top-level parts of ``reconciler`` that one module imports (at any depth of the module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "reconciler":
                names = [f"reconciler.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "reconciler" and len(parts) > 1:
                found.add(parts[1])
    return found


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for path in sorted(PACKAGE.rglob("*.py")):
        part = part_of(path)
        edges[part] |= {target for target in imports_of(path) if target != part}
        edges.setdefault(part, set())
    return dict(edges)


def layer_of(part: str) -> int:
    if part == ROOT:
        return len(LAYERS)
    for index, layer in enumerate(LAYERS):
        if part in layer:
            return index
    raise KeyError(f"reconciler/{part} is in no layer: add it to LAYERS in {__file__}")


def violations(edges: dict[str, set[str]]) -> list[str]:
    """Every import of a part from the same or a higher layer."""
    return sorted(
        f"{source} imports {target}"
        for source, targets in edges.items()
        for target in targets
        if layer_of(target) >= layer_of(source)
    )


def main() -> None:
    edges = graph()
    for part in sorted(edges, key=lambda p: (layer_of(p), p)):
        targets = ", ".join(sorted(edges[part], key=lambda p: (layer_of(p), p))) or "-"
        print(f"{layer_of(part):2}  {part:<10} -> {targets}")


if __name__ == "__main__":
    main()
