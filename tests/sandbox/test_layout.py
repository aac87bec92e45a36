"""The sandbox's layout: ``platform`` under both APIs, the APIs side by side, the assembly on top.

``platform/`` imports neither API nor the assembly; ``klarna/`` and ``dintero/`` import ``platform/``
and not each other; only the top-level modules (``app``, the seed route, ``embedded``, ``server``,
``cli``) bring them together. Nothing in the sandbox imports the rest of ``reconciler``: it is the
other side of the wire and shares no code with the clients.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SANDBOX = Path(__file__).resolve().parents[2] / "reconciler" / "sandbox"
PREFIX = "reconciler.sandbox"
TOP = "(top)"
# What each part may import, besides itself.
ALLOWED = {"platform": set(), "klarna": {"platform"}, "dintero": {"platform"}, TOP: {"platform", "klarna", "dintero"}}


def part_of(path: Path) -> str:
    relative = path.relative_to(SANDBOX)
    return relative.parts[0] if len(relative.parts) > 1 else TOP


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names if node.module == PREFIX}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def part_of_module(module: str) -> str:
    rest = module.removeprefix(PREFIX + ".").split(".")
    return rest[0] if rest[0] in ALLOWED else TOP


MODULES = sorted(SANDBOX.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SANDBOX)))
def test_a_module_imports_only_the_parts_below_it(path: Path) -> None:
    part = part_of(path)
    imported = {m for m in imported_modules(path) if m.startswith(PREFIX + ".")}
    parts = {part_of_module(m) for m in imported} - {part}
    assert parts <= ALLOWED[part], f"{path.relative_to(SANDBOX)} imports {sorted(imported)}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SANDBOX)))
def test_the_sandbox_imports_nothing_else_of_the_package(path: Path) -> None:
    ours = {m for m in imported_modules(path) if m.split(".")[0] == "reconciler"}
    assert {m for m in ours if m != PREFIX and not m.startswith(PREFIX + ".")} == set()


def test_the_checker_sees_an_api_imported_by_the_platform() -> None:
    assert part_of_module("reconciler.sandbox.klarna.accounts") not in ALLOWED["platform"]
    assert part_of_module("reconciler.sandbox.app") == TOP
    assert part_of_module("reconciler.sandbox.platform.store") in ALLOWED["dintero"]
