"""The package's shape holds: imports only go down the layers that
`relayer/__init__.py` draws, the agents never import each other, nothing imports
in a circle, every subpackage says what it owns, and modules stay small."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

import relayer

PACKAGE = Path(relayer.__file__).parent
BOTTOM = "bottom"
RANKS = {
    BOTTOM: 0,
    "chains": 1,
    "messaging": 2,
    "oracle": 2,
    "risk": 2,
    "market": 2,
    "collateral": 2,
    "deploy": 3,
    "keeper": 3,
    "conservation": 3,
    "testbed": 4,
    "status": 4,
    "bench": 5,
    "demo": 5,
    "cli": 6,
}
MAX_MODULE_LINES = 420
LAYER_PICTURE = ast.get_docstring(ast.parse((PACKAGE / "__init__.py").read_text())) or ""

Graph = Mapping[str, set[str]]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(source: str, known: set[str]) -> set[str]:
    """The crossflow modules `source` imports, at any depth of its code."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in known else node.module)
    return {name for name in found if name in known}


def import_graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imported(path.read_text(), set(found)) - {name} for name, path in found.items()}


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in RANKS:
        return parts[1]
    return BOTTOM


def wrong_way(graph: Graph) -> list[str]:
    """Every import that goes up, or sideways between two packages of one rank."""
    found = []
    for importer, targets in graph.items():
        for target in targets:
            if target == "relayer":
                continue  # the package root holds only the version
            mine, theirs = layer(importer), layer(target)
            if mine != theirs and RANKS[mine] <= RANKS[theirs]:
                found.append(f"{importer} ({mine}) imports {target} ({theirs})")
    return sorted(found)


def cycles(graph: Graph) -> list[list[str]]:
    """One path per import cycle found by a depth-first search."""
    found: list[list[str]] = []
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> None:
        if node in path:
            found.append([*path[path.index(node) :], node])
            return
        if node in done:
            return
        path.append(node)
        for target in sorted(graph.get(node, ())):
            visit(target)
        path.pop()
        done.add(node)

    for node in sorted(graph):
        visit(node)
    return found


def subpackages() -> Iterator[Path]:
    yield from sorted(PACKAGE.glob("*/__init__.py"))


def test_imports_only_go_down_the_layers() -> None:
    assert wrong_way(import_graph()) == []


def test_no_module_imports_itself_in_a_circle() -> None:
    assert cycles(import_graph()) == []


def test_every_package_has_a_layer_and_says_what_it_owns() -> None:
    for init in subpackages():
        assert init.parent.name in RANKS, f"{init.parent.name} has no place in the layers"
        docstring = ast.get_docstring(ast.parse(init.read_text()))
        assert docstring, f"{init} says nothing about what it owns"
        assert init.parent.name in LAYER_PICTURE, f"relayer/__init__.py does not draw {init}"


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=module_name)
def test_modules_stay_small(path: Path) -> None:
    assert len(path.read_text().splitlines()) <= MAX_MODULE_LINES


def test_the_checks_catch_what_they_look_for() -> None:
    """The rules fail on the mistakes they exist for, so a pass means something."""
    graph = {
        "relayer.chains.tx": {"relayer.messaging.store"},  # up
        "relayer.oracle.feeder": {"relayer.risk.model"},  # sideways between agents
        "relayer.messaging.store": {"relayer.errors", "relayer.chains.tx"},  # down: fine
        "relayer.cli.main": {"relayer.bench.relay"},  # down: fine
    }
    assert wrong_way(graph) == [
        "relayer.chains.tx (chains) imports relayer.messaging.store (messaging)",
        "relayer.oracle.feeder (oracle) imports relayer.risk.model (risk)",
    ]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles(graph) == [["relayer.chains.tx", "relayer.messaging.store", "relayer.chains.tx"]]
    late = "def late() -> None:\n    from relayer.cli import main\n"  # inside a function
    assert imported(late, {"relayer.cli", "relayer.cli.main"}) == {"relayer.cli.main"}
