"""`loaders/` is the only writer of `raw`: the other packages hold no SQL that writes it.

The README promises that data enters `raw` one way, with the loaders' locks and lineage
(raw.loads, load_id, sheet, row_number); a new source or a new endpoint then has one place to go.
These checks read the source text of `api/`, `benchsight/` and `dbt_project/`, so a second
writer fails here before it can write rows without lineage or race a load. Reading `raw` stays
free everywhere. The loaders' private names (their locks above all) stay private to them too.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from benchsight.config import REPO_ROOT

OUTSIDE_LOADERS = ("api", "benchsight", "dbt_project")
WRITE = r"\b(?:insert\s+into|update|delete\s+from|truncate(?:\s+table)?|copy)\s+(?:only\s+)?"
RAW_TABLE_WRITE = re.compile(WRITE + r'"?raw"?\s*\.', re.IGNORECASE)
"""A statement writing a table spelled out in schema raw (`delete from raw.loads`)."""
PLACEHOLDER_WRITE = re.compile(WRITE + r"\{\}", re.IGNORECASE)
"""A composed statement writing a table filled in later (`sql.SQL("delete from {}")`)."""


def source_files() -> list[Path]:
    return sorted(
        path
        for package in OUTSIDE_LOADERS
        for path in (REPO_ROOT / package).rglob("*")
        if path.suffix in (".py", ".sql") and "__pycache__" not in path.parts
    )


def raw_writes(source: str) -> list[str]:
    """The statements in a module's source that write a raw table: SQL naming raw.<table>, or a
    composed write (`sql.SQL("delete from {}").format(...)`) filled with an identifier in schema
    raw, given there or through a name it was assigned to."""
    found = [match.group(0) for match in RAW_TABLE_WRITE.finditer(source)]
    try:
        tree = ast.parse(source)
    except SyntaxError:  # an .sql file: its text was searched above
        return found
    raw_names = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and _is_raw_identifier(node.value)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"
        ):
            continue
        templates = [
            n.value
            for n in ast.walk(node.func.value)
            if isinstance(n, ast.Constant)
            and isinstance(n.value, str)
            and PLACEHOLDER_WRITE.search(n.value)
        ]
        filled = [*node.args, *(keyword.value for keyword in node.keywords)]
        if templates and any(
            _is_raw_identifier(n) or (isinstance(n, ast.Name) and n.id in raw_names)
            for arg in filled
            for n in ast.walk(arg)
        ):
            found += templates
    return found


def _is_raw_identifier(node: ast.AST) -> bool:
    """`sql.Identifier("raw", ...)` or `Identifier("raw", ...)`."""
    return (
        isinstance(node, ast.Call)
        and (getattr(node.func, "attr", None) or getattr(node.func, "id", None)) == "Identifier"
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
        and node.args[0].value == "raw"
    )


def test_the_check_finds_raw_writes_in_every_spelling():
    """The scanner is not vacuous: each way the API once wrote raw is found, reads are not."""
    assert raw_writes('conn.execute("delete from raw.blb_dim_schedule where game_id = %s")')
    assert raw_writes('"""\n    insert into raw.loads (kind) values (%s)\n"""')
    assert raw_writes('conn.execute("UPDATE raw.loads set row_counts = %s")')
    assert raw_writes('cur.execute("truncate table raw.tracker_events")')
    assert raw_writes('cur.copy("copy raw.tracker_events (game_id) from stdin")')
    composed = (
        "def remove(conn, table):\n"
        '    conn.execute(sql.SQL("delete from {} where game_id = %s")'
        '.format(sql.Identifier("raw", table)))\n'
    )
    assert raw_writes(composed) == ["delete from {} where game_id = %s"]
    held = (
        "def edit(conn, spec):\n"
        '    table = sql.Identifier("raw", spec.table)\n'
        '    conn.execute(sql.SQL("update {} set {}").format(table, columns))\n'
    )
    assert raw_writes(held) == ["update {} set {}"]
    assert not raw_writes('conn.execute("select count(*) from raw.blb_dim_schedule")')
    assert not raw_writes('conn.execute("update ops.runs set status = %s")')
    assert not raw_writes(
        "def count(conn, table):\n"
        '    conn.execute(sql.SQL("select count(*) from {}").format(sql.Identifier("raw", table)))\n'
        '    conn.execute(sql.SQL("delete from {}").format(sql.Identifier("ops", "runs")))\n'
    )


def test_no_module_outside_the_loaders_writes_raw():
    writers = {
        str(path.relative_to(REPO_ROOT)): found
        for path in source_files()
        if (found := raw_writes(path.read_text()))
    }
    # Write through a public function of loaders/: it takes the locks and records the lineage.
    assert writers == {}


def private_loader_names(source: str) -> list[str]:
    """Private names of the loaders a module imports or reaches through an imported module."""
    tree = ast.parse(source)
    modules: set[str] = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "loaders":
            for alias in node.names:
                if alias.name.startswith("_"):
                    found.append(f"{node.module}.{alias.name}")
                elif node.module == "loaders":  # a module: from loaders import store
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            modules.update(
                (alias.asname or alias.name).split(".")[0]
                for alias in node.names
                if alias.name.split(".")[0] == "loaders"
            )
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in modules and not node.attr.startswith("__"):
                found.append(f"{ast.unparse(node)}")
    return found


def test_the_private_name_check_finds_the_old_lock_borrowing():
    assert private_loader_names("from loaders import store\nLOCK = store._GAME_LOCK\n") == [
        "store._GAME_LOCK"
    ]
    assert private_loader_names("from loaders.store import _WORKBOOK_LOCK\n") == [
        "loaders.store._WORKBOOK_LOCK"
    ]
    assert private_loader_names("import loaders.store\nx = loaders.store._GAME_LOCK\n") == [
        "loaders.store._GAME_LOCK"
    ]
    assert private_loader_names("from loaders import store\nx = store.lock_game\n") == []


def test_no_module_outside_the_loaders_uses_their_private_names():
    users = {
        str(path.relative_to(REPO_ROOT)): found
        for path in source_files()
        if path.suffix == ".py" and (found := private_loader_names(path.read_text()))
    }
    assert users == {}
