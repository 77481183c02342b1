"""The house rules, measured on the source: layers point down, no import circles, short modules.

Imports inside functions count (a lazy import is still a dependency); imports under
``if TYPE_CHECKING:`` count for circles but not for layers (annotations only: render
names the result models of the layers below, which is its job).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "foundry_discover"

#: Rank of each layer, lowest first: a module imports only ranks at or below its own.
RANKS = {"": 0, "lite": 0, "util": 1, "checks": 2, "doctor": 3, "render": 4, "commands": 5, "cli": 6}
#: The healthcheck tier's own top: its actions and boundary rank with the commands, its
#: hand parser and the console script above the Typer app they hand over to.
ENTRY = {"lite.boundary": 5, "lite.healthcheck": 5, "lite.quick": 7, "lite.main": 7}
TOP = 7  # the entry, the public facades, __main__
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _rank(module: str) -> int:
    if module in ENTRY:
        return ENTRY[module]
    return RANKS.get(module.split(".")[0], TOP)


def _imports(path: Path, module: str, known: set[str]) -> list[tuple[str, bool]]:
    """(module imported, under TYPE_CHECKING) for every import of our package in ``path``."""
    tree = ast.parse(path.read_text())
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            typing_only.update(id(n) for child in node.body for n in ast.walk(child))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        for name in names:
            if not name.startswith("foundry_discover"):
                continue
            target = name.removeprefix("foundry_discover").lstrip(".")
            if target in known and target != module and not module.startswith(f"{target}."):
                found.append((target, id(node) in typing_only))
    return found


def _graph() -> dict[str, list[tuple[str, bool]]]:
    modules = _modules()
    return {m: _imports(p, m, set(modules)) for m, p in modules.items()}


def test_layers_point_down() -> None:
    wrong = [
        f"{m} (layer {_rank(m)}) imports {t} (layer {_rank(t)})"
        for m, edges in _graph().items()
        for t, typing_only in edges
        if not typing_only and _rank(t) > _rank(m)
    ]
    assert not wrong, "\n".join(sorted(set(wrong)))


def test_lite_base_imports_only_lite() -> None:
    """The healthcheck tier's base must not reach up, even lazily: health NAME runs on it."""
    wrong = [
        f"{m} imports {t}"
        for m, edges in _graph().items()
        if m.startswith("lite") and m not in ENTRY
        for t, typing_only in edges
        if not typing_only and not t.startswith("lite")
    ]
    assert not wrong, "\n".join(sorted(set(wrong)))


def test_no_import_circles() -> None:
    graph = {m: sorted({t for t, _ in edges}) for m, edges in _graph().items()}
    circles: list[str] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                circles.append(" -> ".join([*stack[stack.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not circles, "\n".join(circles)


def test_modules_are_short() -> None:
    long = {m: n for m, p in _modules().items() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, long


def test_every_package_says_what_belongs_there() -> None:
    missing = []
    for init in PACKAGE.rglob("__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text()))
        if not doc or "TODO" in doc:
            missing.append(str(init.relative_to(PACKAGE)))
    assert not missing, missing


def test_the_check_sees_a_circle_and_an_upward_import(tmp_path: Path) -> None:
    """The rules above could pass by seeing nothing: they must see a real edge."""
    edges = _graph()
    assert ("lite.errors", False) in edges["lite.servicecheck"]
    assert any(t.startswith("checks") for t, _ in edges["doctor.steps"])
    assert _rank("cli.url") > _rank("commands.url") > _rank("render.url") > _rank("doctor.run") > _rank("checks.dns")
