"""Loading tracker exports: which file is a game's own, and the load of each file.

`load_tracking_paths` is what `benchsight load tracking` runs: find files (folders are searched
recursively), read each file's header (game id and export time, from the content, never from
the name), order each game's files newest first, then parse and store them one by one. A file
that fails is reported as rejected and the others go on.

`load_tracking_document` is the same path for a game posted to the API in the tracker JSON shape,
and `load_posted_game` for a tracker file the API was sent and has parsed (a posted xlsx).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import msgspec
import psycopg

from loaders import store
from loaders.core import LoadError, ParsedGame
from loaders.parse_worker import ParsePool, ParseProcess, ParseProcessStopped
from loaders.tracker_files import (
    FileHeader,
    NotATrackerExport,
    parse_file,
    read_header,
)
from loaders.tracker_files import parse_tracking_file as parse_tracking_file  # public here too
from loaders.tracker_json import parse_tracker_document

JSON_SUFFIX = ".json"
XLSX_SUFFIX = "_tracking.xlsx"
PROCESS_PARSE_MIN_FILES = 8
"""From this many files on, a batch's headers are read and its files parsed in child processes
rather than a thread: parsing and formatting the rows for COPY then run on other cores instead
of sharing the interpreter lock with writing, and that pays for starting a process (a fifth of
a second of CPU). One process per core, each with at least this many files."""
MAX_PARSE_PROCESSES = 4


@dataclass
class FileOutcome:
    """One file's result, as the summary table shows it."""

    path: str
    outcome: str
    reason: str
    game_id: int | None = None
    version: str | None = None
    source_format: str | None = None
    events: int | None = None
    shifts: int | None = None
    event_players: int | None = None
    warnings: int | None = None
    rows: int | None = None
    """Rows of all raw tracker tables in the file (written unless unchanged/skipped)."""
    load_id: int | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.outcome == store.REJECTED


def find_tracking_files(paths: Iterable[Path]) -> list[Path]:
    """Files named on the command line, plus tracker exports found under named folders."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            candidates = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and not p.name.startswith((".", "~$"))
                and (p.name.endswith(JSON_SUFFIX) or p.name.endswith(XLSX_SUFFIX))
            )
            found.extend(candidates)
        else:
            found.append(path)
    unique: dict[Path, None] = {}
    for path in found:
        unique.setdefault(path.resolve(), None)
    return list(unique)


def load_tracking_paths(
    conn: psycopg.Connection,
    paths: Iterable[Path],
    *,
    force: bool = False,
    on_file: Callable[[int, int, FileOutcome], None] | None = None,
) -> list[FileOutcome]:
    """Load every tracker export under `paths`; one transaction per file; never stops early.

    Each game's files are taken newest export first, so an older export in the same batch is
    `skipped-older` instead of loaded and then replaced. `on_file(done, total, outcome)` is
    called after each file (progress display).
    """
    paths = list(paths)
    files = find_tracking_files(paths)
    named = {p.resolve() for p in paths if not p.is_dir()}
    outcomes: list[FileOutcome] = []
    total = len(files)

    def report(outcome: FileOutcome) -> None:
        outcomes.append(outcome)
        if on_file:
            on_file(len(outcomes), total, outcome)

    # A batch's headers are read, and its files parsed, in parse processes (one per core) while
    # earlier files are written: the database's share of the work (COPY, index updates, commit)
    # then overlaps with Python's. A few files are parsed in a thread instead.
    workers = _parse_workers(len(files))
    pool = ParsePool([ParseProcess() for _ in range(workers)]) if workers else _parse_thread()
    parse = _parse_for_copy if workers else parse_file
    with pool:
        headers: list[FileHeader] = []
        for path, header in zip(files, _read_headers(pool, files, workers), strict=True):
            if isinstance(header, FileHeader):
                headers.append(header)
                continue
            # Other JSON found while searching a folder is ignored; a file named is an error.
            ignored = isinstance(header, NotATrackerExport) and path not in named
            report(
                FileOutcome(str(path), store.IGNORED if ignored else store.REJECTED, header.args[0])
            )
        oldest = datetime.min.replace(tzinfo=datetime.now().astimezone().tzinfo)
        headers.sort(key=lambda h: (h.game_id, -(h.exported_at or oldest).timestamp(), str(h.path)))
        chosen = dict(
            conn.execute(
                "select game_id, file_sha256 from raw.tracking_files where chosen"
            ).fetchall()
        )
        # --force reloads each game's newest file; that game's older files in the batch skip.
        forced: set[int] = set()
        parsing: dict[int, Future] = {}
        ahead = iter(_parse_plan(headers, chosen, force))
        window = 4 * max(workers, 1)  # files parsed ahead: no process waits for the writing
        for position, header in enumerate(headers):
            while len(parsing) < window and (planned := next(ahead, None)) is not None:
                parsing[planned] = pool.submit(parse, headers[planned])
            this_force = force and header.game_id not in forced
            outcome = _load_one(
                conn,
                header,
                parsing.pop(position, None),
                force=this_force,
                chosen_sha256=chosen.get(header.game_id),
            )
            if outcome.outcome in (store.LOADED, store.REPLACED):
                chosen[header.game_id] = header.sha256
                if this_force:
                    forced.add(header.game_id)
            report(outcome)
    return outcomes


def _read_headers(pool, files: list[Path], workers: int) -> list[FileHeader | LoadError]:
    """Each file's header, or the LoadError that rejects it, in the order of `files`; read by
    the parse processes in chunks when there are any."""
    if not workers:
        return _headers_or_errors(files)
    size = max(1, -(-len(files) // (4 * workers)))  # a few chunks per process: even shares
    chunks = [
        pool.submit(_headers_or_errors, files[start : start + size])
        for start in range(0, len(files), size)
    ]
    headers: list[FileHeader | LoadError] = []
    for position, chunk in enumerate(chunks):
        try:
            headers.extend(chunk.result())
        except ParseProcessStopped:  # read here what the stopped process could not
            start = position * size
            headers.extend(_headers_or_errors(files[start : start + size]))
    return headers


def _header_or_error(path: Path) -> FileHeader | LoadError:
    try:
        return read_header(path)
    except LoadError as exc:
        return exc


def _headers_or_errors(paths: list[Path]) -> list[FileHeader | LoadError]:
    """What a parse process runs to read headers."""
    return [_header_or_error(path) for path in paths]


def _parse_plan(headers: list[FileHeader], chosen: dict[int, str], force: bool) -> list[int]:
    """Positions (in `headers`, each game's newest export first) of the files the load will most
    likely parse: all but byte-identical copies of what their game holds when they are reached.

    The game's first file in the batch is expected to load; its older files are parsed too (the
    manifest records their counts when they are skipped). A wrong guess costs a parse in the
    loader (a file needed after all) or a parse for nothing (a file then found unchanged).
    """
    holds = dict(chosen)
    first_seen: set[int] = set()
    plan = []
    for position, header in enumerate(headers):
        first = header.game_id not in first_seen
        first_seen.add(header.game_id)
        if (first and force) or holds.get(header.game_id) != header.sha256:
            plan.append(position)
            if first:
                holds[header.game_id] = header.sha256
    return plan


def _parse_workers(files: int) -> int:
    """Parse processes for a batch of `files` files: none (a thread) for a few files, else one
    per core, each with at least PROCESS_PARSE_MIN_FILES files."""
    if files < PROCESS_PARSE_MIN_FILES:
        return 0
    return max(1, min(os.cpu_count() or 1, files // PROCESS_PARSE_MIN_FILES, MAX_PARSE_PROCESSES))


def _parse_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="parse")


def _parse_for_copy(header: FileHeader) -> ParsedGame:
    """What the parse process runs: the parse, with rows already formatted for COPY."""
    return store.encode_game(parse_file(header))


def _parsed(header: FileHeader, parsing: Future | None) -> ParsedGame:
    """The game parsed in the background; parsed here when it was not, or when the parse process
    stopped (killed, out of memory): the batch goes on without it."""
    if parsing is not None:
        try:
            return parsing.result()
        except ParseProcessStopped:
            pass
    return parse_file(header)


def _load_one(
    conn: psycopg.Connection,
    header: FileHeader,
    parsing: Future | None,
    *,
    force: bool,
    chosen_sha256: str | None,
) -> FileOutcome:
    """Load one file. `chosen_sha256` is the game's loaded export as the batch knows it: only a
    file with that content is looked up as maybe unchanged before parsing (storing checks again,
    under the game's lock)."""
    started = time.perf_counter()
    path = header.path
    result = FileOutcome(str(path), store.REJECTED, "", game_id=header.game_id)
    if not force and chosen_sha256 == header.sha256:
        current = store.chosen_export(conn, header.game_id)
        if current is not None and current.sha256 == header.sha256:
            result.outcome = store.UNCHANGED
            result.reason = f"same content as the loaded export {current.file_name}"
            result.version, result.events = current.version, current.events
            result.shifts, result.event_players = current.shifts, current.event_players
            if current.file_path != str(path):
                lineage = store.Lineage("file", str(path), path.name, header.sha256)
                store.record_copy(conn, header.game_id, current, lineage)
            result.seconds = time.perf_counter() - started
            return result
    try:
        game = _parsed(header, parsing)
    except LoadError as exc:
        result.reason = exc.args[0]
        result.seconds = time.perf_counter() - started
        return result
    lineage = store.Lineage("file", str(path), path.name, header.sha256)
    try:
        verdict = store.store_game(conn, game, lineage, force=force)
    except psycopg.Error as exc:  # rolled back; the batch goes on and the exit status says so
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        result.reason = f"{path.name}: the database refused the rows ({first_line})"
        result.seconds = time.perf_counter() - started
        return result
    _fill(result, game, verdict)
    result.seconds = time.perf_counter() - started
    return result


def _fill(result: FileOutcome, game: ParsedGame, verdict: store.GameOutcome) -> None:
    result.outcome, result.reason, result.load_id = verdict.outcome, verdict.reason, verdict.load_id
    result.game_id, result.version, result.source_format = (
        game.game_id,
        game.version,
        game.source_format,
    )
    result.events, result.shifts = game.event_count, game.shift_count
    result.event_players, result.warnings = game.event_player_count, len(game.warnings)
    result.rows = sum(len(rows) for rows in game.rows.values())


def load_tracking_document(
    conn: psycopg.Connection,
    document: dict,
    *,
    game_id: int | None = None,
    label: str | None = None,
    force: bool = True,
) -> FileOutcome:
    """Load one game posted to the API in the tracker JSON shape ({game_id, events, shifts}, or a
    whole export), with source = 'api'.

    Validates exactly like a JSON file (raises LoadError with the JSON path on a structural
    problem; nothing is written then) and replaces the game's raw rows atomically. `game_id`, when
    given, must match the document's. `force` (default) replaces even an export with a newer
    savedAt: a post is an explicit instruction. Identical content is still `unchanged`.
    """
    started = time.perf_counter()
    document = dict(document)
    document.pop("settings", None)
    if game_id is not None:
        written = document.get("gameId", document.get("game_id"))
        if written is None:
            document["gameId"] = game_id
        elif str(written) != str(game_id):
            raise LoadError(
                label or "posted game", "$.gameId", f"is {written}, the request says {game_id}"
            )
    name = label or f"api:game/{document.get('gameId', document.get('game_id'))}"
    game = parse_tracker_document(document, file_name=name, source_format="json")
    sha256 = hashlib.sha256(msgspec.json.encode(document, order="sorted")).hexdigest()
    return load_posted_game(conn, game, sha256, label=name, force=force, started=started)


def load_posted_game(
    conn: psycopg.Connection,
    game: ParsedGame,
    sha256: str,
    *,
    label: str,
    force: bool = True,
    started: float | None = None,
) -> FileOutcome:
    """Store a game the API was sent, already parsed (a tracker file: `sha256` is its content's),
    with source = 'api' and `label` as its file path and name; the game's raw rows are replaced
    atomically. Content identical to the game's loaded export is `unchanged`; `force` as in
    `load_tracking_document`. `started` is when the work began (perf_counter), for `seconds`.
    """
    started = time.perf_counter() if started is None else started
    lineage = store.Lineage("api", label, label, sha256)
    current = store.chosen_export(conn, game.game_id)
    if current is not None and current.sha256 == sha256:
        verdict = store.GameOutcome(store.UNCHANGED, f"same content as {current.file_name}")
    else:
        verdict = store.store_game(conn, game, lineage, force=force)
    result = FileOutcome(label, verdict.outcome, verdict.reason)
    _fill(result, game, verdict)
    result.seconds = time.perf_counter() - started
    return result
