"""What a build selects: games and tables turned into dbt selectors, checked against the manifest.

Games. A build for some games gives dbt the environment variable BENCHSIGHT_GAME_IDS (a comma
list); the incremental models read it (macro `games_to_build`, which also accepts
`var('game_ids')`) and rebuild only those games' rows. An environment variable rather than
`--vars`, because dbt re-parses the whole project whenever --vars change. The run records the games
as `vars.game_ids` of its selection; `Selection.dbt_env()` / `dbt_vars()` split them out. The
selection is
`config.materialized:incremental+`: every incremental (game-grained) model plus everything
downstream of it (season tables, QA, views), and nothing upstream. Staging views and ephemeral
intermediates upstream are not rebuilt: they are views over raw and see the new rows anyway.
Excluded games are removed from the list of game ids (there is no per-game dbt selector).

Tables. `tables` / `exclude_tables` are model names or dbt selectors. They are resolved here, in
Python, over the parsed manifest (names, fully qualified names, `tag:`, `config.materialized:`,
`resource_type:`, `path:`, with `+` / `n+` graph operators on either side), so a request naming an
unknown model or selecting nothing is refused before any job is queued; dbt then does the same
selection itself when it runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

GAME_SELECTOR = "config.materialized:incremental+"
# A game build leaves out dbt's unit tests: they check a model's logic on fixed rows, which a new
# game cannot change (full builds and CI run them); each costs a model build of its own. It also
# leaves out the ML views (models/ml): dbt would REFRESH each one plainly, locking out their
# readers, only for the ML step to refresh them again; the worker's ML step (api/ml/run_step.py)
# and `benchsight build --games` refresh them CONCURRENTLY after the build instead.
ML_VIEWS = "path:models/ml"
GAME_EXCLUDE = ("resource_type:unit_test", ML_VIEWS)
GAME_IDS_VAR = "game_ids"
GAME_IDS_ENV = "BENCHSIGHT_GAME_IDS"

SELECTOR_PATTERN = re.compile(r"^(?P<up>(\d*)\+)?(?P<body>[^+]+?)(?P<down>\+(\d*))?$")
SUPPORTED_METHODS = ("tag", "config.materialized", "resource_type", "path", "fqn")
BUILDABLE = ("model", "seed", "snapshot", "test", "unit_test")


class SelectionError(ValueError):
    """A selection that cannot run; `values` names the offending inputs."""

    def __init__(self, code: str, message: str, values: Sequence[object] = ()):
        super().__init__(message)
        self.code = code
        self.values = list(values)


@dataclass(frozen=True)
class Selection:
    """The dbt arguments a request resolves to."""

    select: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    vars: Mapping[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"select": list(self.select), "exclude": list(self.exclude), "vars": dict(self.vars)}

    @classmethod
    def from_dict(cls, stored: Mapping[str, object]) -> Selection:
        """The inverse of `as_dict` (a run's selection as ops.runs stores it)."""
        return cls(
            tuple(stored.get("select") or ()),  # type: ignore[arg-type]
            tuple(stored.get("exclude") or ()),  # type: ignore[arg-type]
            dict(stored.get("vars") or {}),  # type: ignore[arg-type]
        )

    def dbt_vars(self) -> dict[str, object] | None:
        """--vars for dbt: everything but the games, which travel in the environment."""
        rest = {k: v for k, v in self.vars.items() if k != GAME_IDS_VAR}
        return rest or None

    def dbt_env(self) -> dict[str, str]:
        """Always set, empty when no games: an inherited value must not narrow a full build."""
        games = self.vars.get(GAME_IDS_VAR) or []
        return {GAME_IDS_ENV: ",".join(str(int(g)) for g in games)}  # type: ignore[union-attr]


def game_selection(game_ids: Iterable[int], exclude_game_ids: Iterable[int] = ()) -> Selection:
    excluded = set(exclude_game_ids)
    games = sorted({int(g) for g in game_ids} - excluded)
    if not games:
        raise SelectionError("empty_selection", "no games left to build after the exclusions", [])
    return Selection(select=(GAME_SELECTOR,), exclude=GAME_EXCLUDE, vars={GAME_IDS_VAR: games})


@dataclass
class ManifestIndex:
    """The project's nodes and graph, read from a manifest.json."""

    nodes: dict[str, dict]
    parents: dict[str, list[str]]
    children: dict[str, list[str]]

    @classmethod
    def from_file(cls, path: Path) -> ManifestIndex:
        return cls.from_manifest(json.loads(path.read_text()))

    @classmethod
    def from_manifest(cls, manifest: Mapping) -> ManifestIndex:
        nodes = {
            uid: node
            for uid, node in {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}.items()
            if node.get("resource_type") in BUILDABLE
        }
        return cls(
            nodes=nodes,
            parents={k: list(v) for k, v in manifest.get("parent_map", {}).items()},
            children={k: list(v) for k, v in manifest.get("child_map", {}).items()},
        )

    def model_names(self) -> set[str]:
        return {
            n["name"]
            for n in self.nodes.values()
            if n.get("resource_type") in ("model", "seed", "snapshot")
        }

    # ------------------------------------------------------------------ selection
    def resolve(self, selectors: Sequence[str]) -> tuple[set[str], list[str]]:
        """(selected unique ids, selectors that match nothing). Space-separated selectors union,
        comma-joined ones intersect, as in dbt."""
        selected: set[str] = set()
        unknown: list[str] = []
        for raw in selectors:
            for union_part in raw.split():
                parts = [p for p in union_part.split(",") if p]
                matched = [self._resolve_one(p) for p in parts]
                for part, ids in zip(parts, matched, strict=True):
                    if not ids:
                        unknown.append(part)
                if matched and all(matched):
                    selected |= set.intersection(*matched)
        return selected, unknown

    def _resolve_one(self, selector: str) -> set[str]:
        match = SELECTOR_PATTERN.match(selector.strip())
        if not match:
            return set()
        body = match.group("body")
        seeds = self._match_body(body)
        if not seeds:
            return set()
        result = set(seeds)
        if match.group("up"):
            result |= self._walk(seeds, self.parents, _depth(match.group(2)))
        if match.group("down"):
            result |= self._walk(seeds, self.children, _depth(match.group(5)))
        # Selecting a model also selects its tests, as `dbt build` does.
        result |= {
            uid
            for uid, node in self.nodes.items()
            if node.get("resource_type") in ("test", "unit_test")
            and set(node.get("depends_on", {}).get("nodes", [])) & result
        }
        return {uid for uid in result if uid in self.nodes}

    def _match_body(self, body: str) -> set[str]:
        method, _, value = body.rpartition(":") if ":" in body else ("", "", body)
        if method and method not in SUPPORTED_METHODS:
            raise SelectionError(
                "unsupported_selector",
                f"selector method {method!r} is not supported here (use one of {', '.join(SUPPORTED_METHODS)})",
                [body],
            )
        found = set()
        for uid, node in self.nodes.items():
            if method == "tag":
                hit = value in node.get("tags", [])
            elif method == "config.materialized":
                hit = node.get("config", {}).get("materialized") == value
            elif method == "resource_type":
                hit = node.get("resource_type") == value
            elif method == "path":
                hit = node.get("original_file_path", "").startswith(value.rstrip("/"))
            else:
                fqn = ".".join(node.get("fqn", []))
                hit = (
                    value in (node.get("name"), fqn)
                    or fqn.endswith("." + value)
                    or fqn.startswith(value + ".")
                )
            if hit:
                found.add(uid)
        return found

    def downstream(self, start: set[str]) -> set[str]:
        """Every node below `start` (sources included as starting points)."""
        return self._walk(start, self.children, None)

    def _walk(self, start: set[str], graph: Mapping[str, list[str]], depth: int | None) -> set[str]:
        seen: set[str] = set()
        frontier = set(start)
        level = 0
        while frontier and (depth is None or level < depth):
            frontier = {n for uid in frontier for n in graph.get(uid, [])} - seen - start
            seen |= frontier
            level += 1
        return seen


def _depth(text: str | None) -> int | None:
    return int(text) if text else None


def table_selection(
    index: ManifestIndex,
    tables: Sequence[str],
    exclude_tables: Sequence[str],
    base: Selection | None = None,
) -> Selection:
    """Check table selectors against the manifest and combine them with a game selection."""
    _, unknown = index.resolve(list(tables))
    _, unknown_excluded = index.resolve(list(exclude_tables))
    if unknown or unknown_excluded:
        bad = unknown + unknown_excluded
        raise SelectionError(
            "unknown_tables", f"unknown tables or selectors: {', '.join(bad)}", bad
        )
    base = base or Selection()
    if tables and base.select:
        # A game build limited to some tables: dbt intersects comma-joined selectors.
        select = tuple(f"{b},{t}" for b in base.select for t in tables)
    else:
        select = tuple(tables) or base.select
    selection = Selection(
        select=select, exclude=base.exclude + tuple(exclude_tables), vars=base.vars
    )
    if not selected_nodes(index, selection):
        raise SelectionError(
            "empty_selection",
            "the selection matches no models",
            list(select) + list(exclude_tables),
        )
    return selection


def selected_nodes(index: ManifestIndex, selection: Selection) -> set[str]:
    if selection.select:
        chosen, _ = index.resolve(list(selection.select))
    else:
        chosen = set(index.nodes)
    excluded, _ = index.resolve(list(selection.exclude))
    return chosen - excluded
