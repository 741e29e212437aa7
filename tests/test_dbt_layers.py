"""The model folders tell the build order (style.md, warehouse.md "Layers"): staging reads sources
and seeds, intermediate reads staging, intermediates and seeds, and neither ever reads a mart or
a QA table. Checked from the SQL itself, without a database or a dbt parse: every `ref()` of a
model, and every `ref()` inside a macro the model calls (macros such as `games_to_build` ref
models too)."""

import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
MODELS = REPO_ROOT / "models"
MACROS = REPO_ROOT / "macros"

LOWER_LAYERS = ("staging", "intermediate")
UPPER_LAYERS = ("marts", "qa")

REF = re.compile(r"""\bref\(\s*['"]([A-Za-z0-9_]+)['"]\s*\)""")
MACRO_DEF = re.compile(r"\{%-?\s*macro\s+([A-Za-z0-9_]+)\s*\(")
CALL = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(")


def _layer(path: Path) -> str:
    return path.relative_to(MODELS).parts[0]


def _macro_refs() -> dict[str, set[str]]:
    """Models each macro refs, directly or through the macros it calls."""
    bodies: dict[str, str] = {}
    for path in MACROS.rglob("*.sql"):
        text = path.read_text()
        starts = list(MACRO_DEF.finditer(text))
        for i, match in enumerate(starts):
            end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
            bodies[match.group(1)] = text[match.end() : end]
    refs = {name: set(REF.findall(body)) for name, body in bodies.items()}
    changed = True
    while changed:
        changed = False
        for name, body in bodies.items():
            for called in CALL.findall(body):
                if called in refs and called != name and not refs[called] <= refs[name]:
                    refs[name] |= refs[called]
                    changed = True
    return refs


def _model_refs(path: Path, macro_refs: dict[str, set[str]]) -> set[str]:
    text = path.read_text()
    refs = set(REF.findall(text))
    for called in CALL.findall(text):
        refs |= macro_refs.get(called, set())
    return refs


def test_the_check_sees_the_models_and_the_macros() -> None:
    models = {p.stem: _layer(p) for p in MODELS.rglob("*.sql")}
    assert {"staging", "intermediate", "marts", "qa"} <= set(models.values())
    # games_to_build() refs stg_tracker__games: a macro's refs count for the models calling it.
    assert "stg_tracker__games" in _macro_refs()["games_to_build"]


def test_staging_and_intermediate_models_never_read_marts_or_qa() -> None:
    layer_of = {p.stem: _layer(p) for p in MODELS.rglob("*.sql")}
    macro_refs = _macro_refs()
    wrong = sorted(
        f"{path.relative_to(REPO_ROOT)} ({_layer(path)}) reads {ref} ({layer_of[ref]})"
        for path in MODELS.rglob("*.sql")
        if _layer(path) in LOWER_LAYERS
        for ref in _model_refs(path, macro_refs)
        if layer_of.get(ref) in UPPER_LAYERS
    )
    assert not wrong, "a lower layer reads an upper one:\n" + "\n".join(wrong)


def test_staging_models_read_no_intermediate() -> None:
    layer_of = {p.stem: _layer(p) for p in MODELS.rglob("*.sql")}
    macro_refs = _macro_refs()
    wrong = sorted(
        f"{path.relative_to(REPO_ROOT)} reads {ref}"
        for path in (MODELS / "staging").rglob("*.sql")
        for ref in _model_refs(path, macro_refs)
        if layer_of.get(ref) == "intermediate"
    )
    assert not wrong, "\n".join(wrong)
