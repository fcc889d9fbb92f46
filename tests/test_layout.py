"""The package layout is the architecture: imports point one way and nothing is found by name.

core ← connectors ← warehouse ← landscape ← report ← dashboard, with flows on top. Every import
counts, including one inside a function: a function-level import hides a dependency, it does
not remove it.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A package may import itself and any package of a lower rank.
RANK = {"core": 0, "connectors": 1, "warehouse": 2, "landscape": 3, "report": 4,
        "dashboard": 5, "flows": 6}


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in RANK:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            # `from package import module` imports the module too.
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {n for n in names if n.split(".")[0] in RANK}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: {i for i in _imports(path) if i in modules and i != name}
            for name, path in modules.items()}


def test_imports_point_down_the_layers() -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in _graph().items()
        for target in targets
        if RANK[target.split(".")[0]] > RANK[module.split(".")[0]]
    )
    assert wrong == []


def test_no_import_cycle() -> None:
    graph = _graph()
    # Package __init__ modules are imported by every submodule's import path; only edges
    # between real modules can form a cycle worth naming.
    edges = {m: {t for t in ts if t not in RANK} for m, ts in graph.items() if m not in RANK}
    state: dict[str, int] = defaultdict(int)  # 0 new, 1 on the stack, 2 done
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state[nxt] == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif state[nxt] == 0:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for node in sorted(edges):
        if state[node] == 0:
            visit(node, [node])
    assert cycles == []


def test_no_import_error_fallbacks_and_no_discovery_by_file_name() -> None:
    offenders = []
    for name, path in _modules().items():
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                caught = ast.unparse(node.type)
                if "ImportError" in caught or "ModuleNotFoundError" in caught:
                    offenders.append(f"{name}:{node.lineno} catches {caught}")
        if "pkgutil" in _imports_all(tree):
            offenders.append(f"{name} discovers modules with pkgutil")
    assert offenders == []


def _imports_all(tree: ast.AST) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def test_every_package_says_its_job_and_what_it_may_import() -> None:
    for package in RANK:
        doc = ast.get_docstring(ast.parse((ROOT / package / "__init__.py").read_text("utf-8")))
        assert doc and "import" in doc, f"{package}/__init__.py docstring"
