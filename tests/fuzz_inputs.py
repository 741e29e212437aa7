"""A seeded generator of malformed inputs for the upload and staging endpoints (the fuzz test and
benchmarks/bench_fuzz.py share it).

Every case must be refused, so every base document carries something no mutation here can
repair: an unknown column, a tracker export whose events and shifts are both not lists, and
where a mutation sets a value of its own (wrong types, huge numbers) an unknown field as well. A mutation that happens to leave
valid JSON still ends in a 4xx, and the database must not change whatever the case.

Kinds: truncated JSON, garbled bytes, wrong types, huge numbers, deep nesting, unicode (and
hostile) identifiers, tracker xlsx files with sheets or columns missing, and a zip bomb disguised
as an xlsx (50 MB of one byte in a few KB, refused from the zip's directory before expansion).
"""

from __future__ import annotations

import io
import json
import random
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache

import httpx
import xlsxwriter
from api_checks import HOSTILE_COLUMNS, HOSTILE_NAMES

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD = "/api/staging/blb-tables/upload"
UPDATE = "/api/staging/blb-tables/update"
TRACKING = "/api/staging/tracking/upload"
GAME_FILE = "/api/games/{game_id}/tracking"
PUBLISH = "/api/upload/to-supabase"
HUGE = [10**30, -(10**30), 10**400, 1e308, -1e308, 2**63, 2**64 + 1]


@dataclass
class Case:
    kind: str
    method: str
    path: str
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    files: dict | None = None


def _upload_doc() -> dict:
    return {
        "table_name": "dim_league",
        "data": [{"league_id": "NORAD", "league": "Norad", "zz_fuzz_unknown": "x"}],
        "replace": False,
    }


def _update_doc() -> dict:
    return {
        "table_name": "dim_league",
        "filter_column": "league_id",
        "filter_value": "NORAD",
        "updates": {"zz_fuzz_unknown": "x"},
    }


def _tracking_doc() -> dict:
    # Neither events nor shifts a list: never a loadable export, whatever one mutation leaves.
    return {
        "gameId": 18969,
        "homeTeam": "Home",
        "awayTeam": "Away",
        "rosters": {"home": [], "away": []},
        "events": "not a list",
        "shifts": {"period": 1, "start_time": "18:00", "end_time": "16:38", "duration": 82},
    }


def _publish_doc() -> dict:
    return {"tables": ["fact_nothing_zz"], "mode": "full"}


def _second_defect(path: str, doc: dict) -> None:
    """A mutation of one value may repair a document's one defect: add another it cannot touch
    (an unknown field; the tracker document already has two)."""
    if path != TRACKING:
        doc["zz_fuzz_field"] = True


JSON_TARGETS: list[tuple[str, str, Callable[[], dict]]] = [
    ("POST", UPLOAD, _upload_doc),
    ("PUT", UPDATE, _update_doc),
    ("POST", TRACKING, _tracking_doc),
    ("POST", PUBLISH, _publish_doc),
]


def _json_target(rng: random.Random) -> tuple[str, str, dict]:
    method, path, make = rng.choice(JSON_TARGETS)
    return method, path, make()


def _encode(doc) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode()


def truncated(rng: random.Random) -> Case:
    method, path, doc = _json_target(rng)
    body = _encode(doc)
    return Case("truncated JSON", method, path, body[: rng.randrange(0, len(body))])


def garbled(rng: random.Random) -> Case:
    method, path, doc = _json_target(rng)
    body = bytearray(_encode(doc))
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(0, len(body) + 1)
        body[at:at] = rng.choice([b"\xff", b"\xfe\xfd", b"\x00", b"\x1b[31m", b"}", b"]]", b"\\"])
    if rng.random() < 0.25:  # the same bytes as an uploaded tracker file
        return _file_case("garbled JSON", "18969.json", bytes(body), "application/json")
    return Case("garbled JSON", method, path, bytes(body))


def _wrong(rng: random.Random, keep_type: type) -> object:
    choices = [
        "text",
        12,
        -1.5,
        True,
        None,
        [1, "two", None],
        {"nested": {"x": [1]}},
        [],
        {},
        "",
    ]
    return rng.choice([c for c in choices if type(c) is not keep_type])


def wrong_types(rng: random.Random) -> Case:
    method, path, doc = _json_target(rng)
    if rng.random() < 0.2:  # the whole body of the wrong type
        return Case("wrong types", method, path, _encode(_wrong(rng, dict)))
    key = rng.choice(list(doc))
    doc[key] = _wrong(rng, type(doc[key]))
    _second_defect(path, doc)
    if path == UPLOAD and rng.random() < 0.5:
        doc["data"] = [rng.choice(["row", 7, None, [["a"]], {"league_id": {"x": 1}}])]
    return Case("wrong types", method, path, _encode(doc))


def huge_numbers(rng: random.Random) -> Case:
    if rng.random() < 0.3:
        game_id = rng.choice(["99999999999999999999999999", "-1", "0", "1e400", "9" * 400])
        return Case(
            "huge numbers",
            "POST",
            GAME_FILE.format(game_id=game_id),
            None,
            headers={},
            files={"file": ("18969.json", b'{"gameId": 1}', "application/json")},
        )
    method, path, doc = _json_target(rng)
    key = rng.choice(list(doc))
    big = rng.choice(HUGE)
    doc[key] = big if rng.random() < 0.7 else [big]
    _second_defect(path, doc)
    # json.dumps writes 1e308 * 10 as Infinity; keep a literal that is valid JSON but huge.
    body = _encode(doc).replace(b"Infinity", b"1e999")
    return Case("huge numbers", method, path, body)


def deep_nesting(rng: random.Random) -> Case:
    method, path, doc = _json_target(rng)
    depth = rng.choice([64, 1000, 10_000, 100_000])
    opener, closer = rng.choice([(b"[", b"]"), (b'{"a":', b"}")])
    nested = opener * depth + b"1" + closer * depth
    key = rng.choice(list(doc)).encode()
    body = _encode(doc)
    # Splice the nested value in place of the first key's value.
    start = body.index(b'"' + key + b'":') + len(key) + 3
    end = _value_end(body, start)
    body = body[:start] + nested + body[end:]
    if rng.random() < 0.25:  # the same bytes as an uploaded tracker file
        return _file_case("deep nesting", "18969.json", body, "application/json")
    return Case("deep nesting", method, path, body)


def _value_end(body: bytes, start: int) -> int:
    depth, in_string, escaped = 0, False, False
    for i in range(start, len(body)):
        c = body[i : i + 1]
        if in_string:
            escaped = (c == b"\\") and not escaped
            if c == b'"' and not escaped:
                in_string = False
            continue
        if c == b'"':
            in_string = True
        elif c in (b"[", b"{"):
            depth += 1
        elif c in (b"]", b"}"):
            if depth == 0:
                return i
            depth -= 1
        elif c == b"," and depth == 0:
            return i
    return len(body)


UNICODE_BITS = [
    "\u0430",  # Cyrillic a
    "\u200b",  # zero-width space
    "\u202e",  # right-to-left override
    "\u0301",  # combining acute
    "\U0001f3d2",  # ice hockey
    "\ufeff",  # BOM
    "\uff44",  # fullwidth d
    "\u0000",
    "\ud7ff",
    "\u00e9",
    "\u4e2d",
]


def _unicode_name(rng: random.Random) -> str:
    if rng.random() < 0.4:
        return rng.choice(HOSTILE_NAMES + HOSTILE_COLUMNS)
    base = list(rng.choice(["dim_league", "league_id", "dim_player", "game_id", "x"]))
    for _ in range(rng.randint(1, 3)):
        base.insert(rng.randrange(0, len(base) + 1), rng.choice(UNICODE_BITS))
    return "".join(base)


def unicode_identifiers(rng: random.Random) -> Case:
    method, path, doc = _json_target(rng)
    if path in (UPLOAD, UPDATE):
        doc["table_name" if rng.random() < 0.5 else "filter_column"] = _unicode_name(rng)
        if path == UPLOAD:
            doc["data"] = [{_unicode_name(rng): "x", "league_id": "NORAD"}]
        else:
            doc["updates"] = {_unicode_name(rng): "x"}
    elif path == TRACKING:
        doc[_unicode_name(rng)] = _unicode_name(rng)
        doc["homeTeam"] = _unicode_name(rng)
    else:
        doc["tables"] = [_unicode_name(rng) for _ in range(rng.randint(1, 3))]
    if path == UPLOAD and "filter_column" in doc:
        del doc["filter_column"]
    return Case("unicode identifiers", method, path, _encode(doc))


TRACKER_SHEETS = {
    "metadata": ["game_id", "home_team", "away_team"],
    "events": ["event_index", "period", "event_type", "event_team", "time_start"],
    "shifts": ["shift_index", "period", "shift_start", "shift_end"],
}


def bad_xlsx(rng: random.Random) -> Case:
    """A tracker export with a required sheet missing, or every sheet missing columns."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheets = list(TRACKER_SHEETS)
    drop_sheet = rng.random() < 0.5
    if drop_sheet:
        sheets.remove(rng.choice(sheets))
    for name in sheets + rng.sample(["Sheet1", "notes", "\u00e9v\u00e9nements", "xy"], 1):
        sheet = book.add_worksheet(name)
        columns = TRACKER_SHEETS.get(name, ["a", "b"])
        if not drop_sheet:
            columns = [c + "_zz" for c in columns]  # nothing the loader knows
        for col, header in enumerate(columns):
            sheet.write(0, col, header)
            for row in range(1, rng.randint(1, 5)):
                sheet.write(row, col, rng.choice([1, "x", 2.5, "", "\u00e9"]))
    book.close()
    data = buffer.getvalue()
    if rng.random() < 0.2:  # and sometimes cut short
        data = data[: rng.randrange(10, len(data))]
    return _file_case("xlsx missing sheets or columns", "18969_tracking.xlsx", data, XLSX_TYPE)


@cache
def zip_bomb() -> bytes:
    """An .xlsx-looking zip whose one sheet expands from a few KB to 50 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(50):
                part.write(chunk)
    return buffer.getvalue()


def bomb(rng: random.Random) -> Case:
    return _file_case("zip bomb", "18969_tracking.xlsx", zip_bomb(), XLSX_TYPE)


def _file_case(kind: str, name: str, data: bytes, content_type: str) -> Case:
    return Case(
        kind,
        "POST",
        GAME_FILE.format(game_id=18969),
        None,
        headers={},
        files={"file": (name, data, content_type)},
    )


KINDS = [
    truncated,
    garbled,
    wrong_types,
    huge_numbers,
    deep_nesting,
    unicode_identifiers,
    bad_xlsx,
    bomb,
]


def cases(seed: int, count: int) -> Iterator[Case]:
    """`count` cases, every kind in turn (so a small count still covers them all)."""
    rng = random.Random(seed)
    for i in range(count):
        yield KINDS[i % len(KINDS)](rng)


def send(http: httpx.Client, case: Case) -> httpx.Response:
    return http.request(
        case.method, case.path, content=case.content, headers=case.headers, files=case.files
    )


def problem(case: Case, response: httpx.Response) -> str | None:
    what = f"{case.kind}: {case.method} {case.path} -> {response.status_code}"
    if not 400 <= response.status_code < 500:
        return f"{what} {response.text[:200]}"
    try:
        body = response.json()
    except ValueError:
        return f"{what} without a JSON body"
    if set(body) != {"detail", "code", "errors"} or not str(body["detail"]).strip():
        return f"{what} not the error shape: {str(body)[:200]}"
    return None


def run_fuzz(base_url: str, key: str, seed: int, count: int) -> tuple[list[str], dict, float]:
    """Send the cases; returns (problems, cases per kind, seconds)."""
    problems: list[str] = []
    kinds: dict[str, int] = {}
    started = time.perf_counter()
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=60) as http:
        for number, case in enumerate(cases(seed, count)):
            kinds[case.kind] = kinds.get(case.kind, 0) + 1
            found = problem(case, send(http, case))
            if found:
                problems.append(f"case {number} (seed {seed}) {found}")
            if number % 100 == 99:
                health = http.get("/api/health")
                if health.status_code != 200 or health.json()["status"] != "healthy":
                    problems.append(f"after case {number}: health {health.text[:200]}")
        health = http.get("/api/health").json()
        if health["status"] != "healthy":
            problems.append(f"at the end: health {health}")
    return problems, kinds, time.perf_counter() - started
