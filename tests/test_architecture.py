"""Rules of the code's shape that no single behaviour test would notice breaking.

- Run state has one home: only `api/runs/store.py` writes SQL naming the run tables (ops.runs and
  the tables tied to a run), so statuses, columns and transitions are spelled in one place.
- The modules of `api/` import each other without a cycle, counting imports made inside
  functions (the usual way a cycle gets hidden instead of removed).

Both read the source with `ast`; nothing is imported or run.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from benchsight.config import REPO_ROOT

PACKAGES = ("api", "loaders", "benchsight", "dbt_project")
RUN_STORE = REPO_ROOT / "api" / "runs" / "store.py"
RUN_TABLES = re.compile(r"\bops\.(runs|run_nodes|run_logs|game_builds)\b")


def _modules(*packages: str) -> list[Path]:
    return sorted(p for package in packages for p in (REPO_ROOT / package).rglob("*.py"))


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the docstring nodes: prose may name a table, code may not."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _strings(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), str(path))
    prose = _docstrings(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose
    ]


def test_only_the_run_store_names_the_run_tables():
    offenders = [
        f"{path.relative_to(REPO_ROOT)}:{line}: {RUN_TABLES.search(text).group(0)}"
        for path in _modules(*PACKAGES)
        if path != RUN_STORE
        for line, text in _strings(path)
        if RUN_TABLES.search(text)
    ]
    assert offenders == [], "SQL on the run tables belongs in api/runs/store.py"
    assert any(RUN_TABLES.search(text) for _, text in _strings(RUN_STORE))


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def api_import_graph() -> dict[str, set[str]]:
    """api module -> the api modules it imports (anywhere in its body, relative imports resolved)."""
    paths = {_module_name(p): p for p in _modules("api")}
    graph: dict[str, set[str]] = {name: set() for name in paths}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = f"{anchor}.{base}" if base else anchor
                # `from api.runs import structs` imports the module api.runs.structs.
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in paths else base
                    for alias in node.names
                ]
            else:
                continue
            graph[name] |= {t for t in targets if t in paths and t != name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_api_modules_import_each_other_without_a_cycle():
    graph = api_import_graph()
    # The graph sees imports inside functions and `from package import module`.
    assert "api.queue" in graph["api.app"]
    assert "api.runs.structs" in graph["api.runs.service"]
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
