"""Tracker JSON exports (23.8, 25.0) -> rows for the raw tracker tables.

The export's shape is declared once below as msgspec structs; decoding a file validates every
type in C and names the JSON path of the first problem (`$.events[12].period`). The structs
declare no `settings` field, so the hosted database URL and key in it are skipped by the decoder
and never become Python objects, rows or messages.

`parse_tracker_json` reads a file's bytes; `parse_tracker_document` takes an already decoded
document in the same shape and is shared by the xlsx parser (which converts its sheets to that
shape) and by rows posted to the API, so all three validate and normalise identically.

Keys the structs do not declare are not loaded; the documented extras that have no column of
their own (adjustedVideoTime, rating, videos, videoTiming, ...) go to the `extra` json columns.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from loaders.core import (
    NET_FACE,
    RINK_CENTRE,
    RINK_CORNER,
    UNKNOWN_FRAME,
    BadValue,
    LoadError,
    LoadWarning,
    ParsedGame,
    centred,
    clock_seconds,
    describe,
    frame_from_points,
    json_text,
    normalise_role,
    parse_export_time,
    side_from_role,
    text,
)

# Keys a record may carry to say where it came from in a non-JSON source (the xlsx parser sets
# them); they are lineage, never data.
SOURCE_SHEET = "_source_sheet"
SOURCE_ROW = "_source_row"
TEAM_SOURCE = "_team_source"
SLOTS = ("F1", "F2", "F3", "D1", "D2", "G", "X")

Scalar = int | float | str | bool | None
"""A value the tracker writes with varying types (jersey 53 or "53", success true or "s")."""


class _Located(msgspec.Struct, kw_only=True):
    source_sheet: str | None = msgspec.field(default=None, name=SOURCE_SHEET)
    source_row: int | None = msgspec.field(default=None, name=SOURCE_ROW)


class Point(_Located, kw_only=True):
    x: float | None = None
    y: float | None = None
    seq: int | None = None


class EventPlayer(_Located, kw_only=True):
    num: Scalar = None
    name: str | None = None
    id: str | None = None
    pos: str | None = None
    team: str | None = None
    role: str | None = None
    roleNum: Scalar = None
    playD1: str | None = None
    playD2: str | None = None
    playSuccess: Scalar = None
    pressure: Scalar = None
    pressuredBy: Scalar = None
    sideOfPuck: str | None = None
    xy: list[Point | None] | None = None
    rating: Scalar = None


class Event(_Located, kw_only=True):
    idx: int
    period: int
    type: str | None = None
    team: str | None = None
    zone: str | None = None
    success: Scalar = None
    detail1: str | None = None
    detail2: str | None = None
    start_time: str | None = None
    end_time: str | None = None
    strength: str | None = None
    linkedEventIdx: int | None = None
    assistToGoalIdx: int | None = None
    sequenceIdx: int | None = None
    playIdx: int | None = None
    isHighlight: bool | None = None
    typeCode: Scalar = None
    typeId: Scalar = None
    detail1Code: Scalar = None
    detail1Id: Scalar = None
    detail2Code: Scalar = None
    detail2Id: Scalar = None
    linkedEventChain: Any = None
    adjustedVideoTime: Scalar = None
    videoUrl: str | None = None
    players: list[EventPlayer] | None = None
    puckXY: list[Point | None] | None = None
    netXY: Point | None = None
    team_source: str | None = msgspec.field(default=None, name=TEAM_SOURCE)


class Occupant(msgspec.Struct, kw_only=True):
    num: Scalar = None
    name: str | None = None
    id: str | None = None
    pos: str | None = None
    rating: Scalar = None


Slot = Occupant | list[Occupant] | None


class Lineup(msgspec.Struct, kw_only=True):
    F1: Slot = None
    F2: Slot = None
    F3: Slot = None
    D1: Slot = None
    D2: Slot = None
    G: Slot = None
    X: Slot = None


class Shift(_Located, kw_only=True):
    period: int
    start_time: str | None = None
    end_time: str | None = None
    start_type: str | None = None
    stop_type: str | None = None
    strength: str | None = None
    duration: float | None = None
    stoppageTime: float | None = None
    home: Lineup | None = None
    away: Lineup | None = None


class RosterEntry(msgspec.Struct, kw_only=True):
    id: str | None = None
    num: Scalar = None
    name: str | None = None
    pos: str | None = None
    rating: Scalar = None


class Rosters(msgspec.Struct, kw_only=True):
    home: list[RosterEntry] | None = None
    away: list[RosterEntry] | None = None


class TrackerDocument(msgspec.Struct, kw_only=True):
    gameId: int | None = None
    game_id: int | None = None
    version: Scalar = None
    exportDate: str | None = None
    savedAt: str | None = None
    homeTeam: str | None = None
    awayTeam: str | None = None
    homeColor: str | None = None
    awayColor: str | None = None
    periodLengths: dict[str, Any] | None = None
    penaltyLengths: dict[str, Any] | None = None
    homeAttacksRightP1: bool | None = None
    rosters: Rosters | None = None
    events: list[Event]
    shifts: list[Shift]
    # Kept verbatim in tracker_games.extra.
    videos: Any = None
    videoTiming: Any = None
    highlightVideos: Any = None
    linePresets: Any = None
    customChainPresets: Any = None
    customRules: Any = None
    customLinkingRules: Any = None
    eventMacros: Any = None
    autoSettings: Any = None
    slots: Any = None
    currentPeriod: Any = None
    currentTeam: Any = None
    evtIdx: Any = None
    shiftIdx: Any = None


_GAME_EXTRAS = (
    "videos",
    "videoTiming",
    "highlightVideos",
    "linePresets",
    "customChainPresets",
    "customRules",
    "customLinkingRules",
    "eventMacros",
    "autoSettings",
    "slots",
    "currentPeriod",
    "currentTeam",
    "evtIdx",
    "shiftIdx",
)
_NO_CODES = (None,) * 6
_ASSIST_FLAGS = frozenset(("AssistPrimary", "AssistSecondary", "AssistTertiary"))
_DECODER = msgspec.json.Decoder(TrackerDocument, strict=False)
_ERROR = re.compile(r"^(?P<message>.*?)(?: - at `(?P<path>[^`]*)`)?$", re.S)
_MISSING = re.compile(r"^Object missing required field `(?P<field>[^`]+)`$")


def _scalar_text(value: Scalar) -> str | None:
    """A varying-type value as text: numbers without a trailing .0, blank -> None."""
    cls = value.__class__
    if cls is str:
        return value or None
    if value is None:
        return None
    if cls is int:
        return str(value)
    return text(value)


# ------------------------------------------------------------------------------------ decoding
def parse_tracker_json(data: bytes, file_name: str) -> ParsedGame:
    """A tracker JSON file's bytes -> ParsedGame. Raises LoadError naming the JSON path."""
    try:
        document = _DECODER.decode(data)
    except msgspec.ValidationError as exc:
        raise _located_error(exc, file_name, lambda: msgspec.json.decode(data)) from None
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        # msgspec raises the last two itself: bytes that are not UTF-8, nesting too deep.
        raise LoadError(file_name, "", f"not valid JSON ({exc})") from None
    return _build(document, file_name, "json", {})


def parse_tracker_document(
    document: dict, *, file_name: str, source_format: str, extra_game: dict | None = None
) -> ParsedGame:
    """A decoded document in the tracker JSON shape -> rows for every raw tracker table.

    Required: gameId (or game_id), events and shifts (lists). Everything else is optional, so a
    posted {game_id, events, shifts} is a valid document. `extra_game` adds game-level values a
    non-JSON source knows (xlsx metadata) without inventing JSON keys for them.
    """
    if not isinstance(document, dict):
        raise LoadError(file_name, "$", f"expected an object, got {describe(document)}")
    try:
        typed = msgspec.convert(document, TrackerDocument, strict=False)
    except msgspec.ValidationError as exc:
        raise _located_error(exc, file_name, lambda: document) from None
    return _build(typed, file_name, source_format, extra_game or {})


def _located_error(exc: msgspec.ValidationError, file_name: str, untyped) -> LoadError:
    """msgspec's message and path, with the offending value and (xlsx) its sheet row."""
    match = _ERROR.match(str(exc))
    message, path = match.group("message"), match.group("path") or "$"
    missing = _MISSING.match(message)
    if missing:
        return LoadError(
            file_name,
            f"{path}.{missing.group('field')}",
            f"missing required key {missing.group('field')}",
        )
    try:
        document = untyped()
    except Exception:
        document = None
    value, record = _walk(document, path)
    expected = _EXPECTED.match(message)
    if expected:
        wanted = " or ".join(
            _TYPE_WORDS.get(name.strip(), name.strip())
            for name in expected.group("types").split("|")
        )
        got = (
            describe(value)
            if value is not _NOTHING
            else _TYPE_WORDS.get(expected.group("got"), expected.group("got"))
        )
        message = f"expected {wanted}, got {got}"
    else:
        message = message[:1].lower() + message[1:]
    if isinstance(record, dict) and record.get(SOURCE_ROW) is not None:
        path = f"sheet {record.get(SOURCE_SHEET)}, row {record[SOURCE_ROW]} ({path})"
    return LoadError(file_name, path, message)


_NOTHING = object()
_EXPECTED = re.compile(r"^Expected `(?P<types>[^`]+)`, got `(?P<got>[^`]+)`$")
_TYPE_WORDS = {
    "int": "a whole number",
    "float": "a number",
    "str": "text",
    "bool": "true or false",
    "array": "a list",
    "object": "an object",
    "null": "null",
}
_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


def _walk(document, path: str):
    """(value at a `$.a[1].b` path, the innermost object holding it) or (_NOTHING, None)."""
    value, holder = document, None
    for key, index in _STEP.findall(path[1:]):
        if isinstance(value, dict):
            holder = value
        try:
            value = value[key] if key else value[int(index)]
        except (KeyError, IndexError, TypeError, ValueError):
            return _NOTHING, holder
    return value, holder


# -------------------------------------------------------------------------------------- rows
def _xy_frame(version: str | None, xy_rows: list[tuple]) -> str:
    """The rink frame, from the coordinates; the version decides only when they cannot.

    The coordinates win because real files disagree with their version (a 23.8 file holding a
    centre-relative point with negative y).
    """
    frame = frame_from_points([(row[9], row[10]) for row in xy_rows if row[4] != "net"])
    if frame == UNKNOWN_FRAME and version:
        if version.startswith("23."):
            return RINK_CORNER
        if version.startswith("25."):
            return RINK_CENTRE
    return frame


def _with_frame(xy_rows: list[tuple], frame: str) -> list[tuple]:
    """Point rows completed with their frame and centred coordinates."""
    rows = []
    for row in xy_rows:
        point_frame = NET_FACE if row[4] == "net" else frame
        rows.append((*row, point_frame, *centred(point_frame, row[9], row[10])))
    return rows


def _build(
    document: TrackerDocument, file_name: str, source_format: str, extra_game: dict
) -> ParsedGame:
    game_id = document.gameId if document.gameId is not None else document.game_id
    if game_id is None:
        raise LoadError(file_name, "$.gameId", "missing required key gameId")
    try:
        version = _scalar_text(document.version)
    except BadValue as exc:
        raise LoadError(file_name, "$.version", str(exc)) from None
    warnings: list[LoadWarning] = []
    roster_rows, roster_jerseys = _rosters(document.rosters, game_id, file_name)

    event_rows: list[tuple] = []
    player_rows: list[tuple] = []
    xy_rows: list[tuple] = []
    seen_idx: set[int] = set()
    for position, event in enumerate(document.events):
        _event(
            event,
            position,
            game_id,
            file_name,
            roster_jerseys,
            seen_idx,
            event_rows,
            player_rows,
            xy_rows,
            warnings,
        )
    frame = _xy_frame(version, xy_rows)
    xy_rows = _with_frame(xy_rows, frame)

    shift_rows: list[tuple] = []
    slot_rows: list[tuple] = []
    for position, shift in enumerate(document.shifts):
        _shift(shift, position, game_id, file_name, roster_jerseys, shift_rows, slot_rows, warnings)

    flags = []
    if not event_rows:
        flags.append("no_events")
        warnings.append(LoadWarning("no_events", "$.events", "the game has no events (a template)"))
    elif len(shift_rows) < 2:
        flags.append("no_usable_shifts")
        warnings.append(
            LoadWarning(
                "no_usable_shifts",
                "$.shifts",
                f"the game has events but {len(shift_rows)} shift(s): on-ice numbers are impossible",
            )
        )

    exported_at = parse_export_time(document.savedAt or document.exportDate)
    extra = {k: getattr(document, k) for k in _GAME_EXTRAS if getattr(document, k) is not None}
    game_row = (
        "$",
        None,
        game_id,
        source_format,
        version,
        document.homeTeam or None,
        document.awayTeam or None,
        document.homeColor or None,
        document.awayColor or None,
        json_text(document.periodLengths),
        json_text(document.penaltyLengths),
        extra_game.get("period_length_minutes"),
        document.homeAttacksRightP1,
        document.exportDate or None,
        document.savedAt or None,
        exported_at,
        frame,
        len(event_rows),
        len(shift_rows),
        len(player_rows),
        flags,
        json_text(extra),
    )
    return ParsedGame(
        game_id=game_id,
        source_format=source_format,
        version=version,
        exported_at=exported_at,
        rows={
            "tracker_games": [game_row],
            "tracker_rosters": roster_rows,
            "tracker_events": event_rows,
            "tracker_event_players": player_rows,
            "tracker_xy_points": xy_rows,
            "tracker_shifts": shift_rows,
            "tracker_shift_slots": slot_rows,
        },
        warnings=warnings,
    )


def _rosters(
    rosters: Rosters | None, game_id: int, file_name: str
) -> tuple[list[tuple], dict[str, set]]:
    rows: list[tuple] = []
    jerseys: dict[str, set] = {}
    for side in ("home", "away"):
        entries = getattr(rosters, side) if rosters is not None else None
        side_jerseys = set()
        for order, entry in enumerate(entries or ()):
            try:
                jersey, rating = _scalar_text(entry.num), _scalar_text(entry.rating)
            except BadValue as exc:
                raise LoadError(file_name, f"$.rosters.{side}[{order}]", str(exc)) from None
            rows.append(
                (
                    f"rosters.{side}",
                    order,
                    game_id,
                    side,
                    order + 1,
                    entry.id or None,
                    jersey,
                    entry.name or None,
                    entry.pos or None,
                    rating,
                )
            )
            if jersey is not None:
                side_jerseys.add(jersey)
        jerseys[side] = side_jerseys
    return rows, jerseys


def _where(record, position: int, collection: str) -> tuple[str, int]:
    """(sheet, row_number) lineage of a record: its source row, else its JSON array index."""
    if record.source_row is not None:
        return record.source_sheet or collection, record.source_row
    return collection, position


def _path(record, json_path: str) -> str:
    if record.source_row is not None:
        return f"sheet {record.source_sheet}, row {record.source_row} ({json_path})"
    return json_path


def _clock_warning(problem: str, where: str, written: str | None) -> LoadWarning:
    if problem == "clock_blank":
        return LoadWarning(problem, where, "blank clock: time unknown")
    return LoadWarning(problem, where, f"clock {written!r} is not MM:SS: time unknown")


def _event(
    event: Event,
    position,
    game_id,
    file_name,
    roster_jerseys,
    seen_idx,
    event_rows,
    player_rows,
    xy_rows,
    warnings,
) -> None:
    idx = event.idx
    event_type = event.type
    if not event_type or not event_type.strip():
        raise LoadError(file_name, _path(event, f"$.events[{position}].type"), "event has no type")
    if idx in seen_idx:
        raise LoadError(
            file_name, _path(event, f"$.events[{position}].idx"), f"event idx {idx} appears twice"
        )
    seen_idx.add(idx)
    codes = (
        event.typeCode,
        event.typeId,
        event.detail1Code,
        event.detail1Id,
        event.detail2Code,
        event.detail2Id,
    )
    try:
        success = _scalar_text(event.success)
        if codes != _NO_CODES:  # most events carry none of them
            codes = tuple(map(_scalar_text, codes))
    except BadValue as exc:
        raise LoadError(file_name, _path(event, f"$.events[{position}]"), str(exc)) from None
    team = event.team or None
    start_clock, end_clock = event.start_time, event.end_time
    start_seconds, start_problem = clock_seconds(start_clock)
    end_seconds, end_problem = clock_seconds(end_clock)
    if start_problem:
        warnings.append(
            _clock_warning(
                start_problem, _path(event, f"$.events[{position}].start_time"), start_clock
            )
        )
    if end_problem:
        warnings.append(
            _clock_warning(end_problem, _path(event, f"$.events[{position}].end_time"), end_clock)
        )
    if team != "home" and team != "away":
        warnings.append(
            LoadWarning(
                "event_team_unknown",
                _path(event, f"$.events[{position}].team"),
                f"event {idx} ({event_type}) has no home/away team",
            )
        )
    team_source = event.team_source or ("file" if team else None)
    players = event.players or ()
    extra = None
    if event.adjustedVideoTime is not None:
        extra = json_text({"adjustedVideoTime": event.adjustedVideoTime})
    sheet, row = _where(event, position, "events")
    event_rows.append(
        (
            sheet,
            row,
            game_id,
            idx,
            event.period,
            event_type,
            team,
            team_source,
            event.zone or None,
            success,
            event.detail1 or None,
            event.detail2 or None,
            start_clock,
            start_seconds,
            end_clock,
            end_seconds,
            event.strength or None,
            event.linkedEventIdx,
            event.assistToGoalIdx,
            event.sequenceIdx,
            event.playIdx,
            event.isHighlight,
            *codes,
            json_text(event.linkedEventChain),
            event.videoUrl or None,
            len(players),
            extra,
        )
    )

    if players:
        seen_players: set[tuple] = set()
        seen_roles: set[str] = set()
        for order, player in enumerate(players, start=1):
            _player(
                player,
                order,
                event,
                position,
                idx,
                team,
                game_id,
                file_name,
                roster_jerseys,
                seen_players,
                seen_roles,
                player_rows,
                xy_rows,
                warnings,
            )
    if event.puckXY:
        _points(
            event.puckXY,
            f"$.events[{position}].puckXY",
            event,
            (sheet, row),
            idx,
            "puck",
            None,
            None,
            None,
            game_id,
            xy_rows,
            warnings,
        )
    if event.netXY is not None:
        _points(
            [event.netXY],
            f"$.events[{position}].netXY",
            event,
            (sheet, row),
            idx,
            "net",
            None,
            None,
            None,
            game_id,
            xy_rows,
            warnings,
        )


def _player(
    player: EventPlayer,
    order,
    event,
    position,
    idx,
    team,
    game_id,
    file_name,
    roster_jerseys,
    seen_players,
    seen_roles,
    player_rows,
    xy_rows,
    warnings,
) -> None:
    located = player if player.source_row is not None else event
    try:
        num = player.num
        cls = num.__class__
        jersey = (num or None) if cls is str else str(num) if cls is int else _scalar_text(num)
        value = player.playSuccess
        play_success = (value or None) if value.__class__ is str else _scalar_text(value)
        value = player.pressure
        pressure = (value or None) if value.__class__ is str else _scalar_text(value)
        value = player.pressuredBy
        pressured_by = None if value is None else _scalar_text(value)
        value = player.roleNum
        role_num = str(value) if value.__class__ is int else _scalar_text(value)
    except BadValue as exc:
        path = f"$.events[{position}].players[{order - 1}]"
        raise LoadError(file_name, _path(located, path), str(exc)) from None
    role_written = player.role or None
    team_written = player.team or None
    play_d1, play_d2 = player.playD1 or None, player.playD2 or None
    normalised = normalise_role(role_written)
    problems = []
    if normalised is None:
        role = role_group = role_number = None
        problems.append(("role_unknown", f"role {role_written!r} is not a player role"))
    else:
        role, role_group, role_number = normalised
        if role in seen_roles:
            problems.append(("duplicate_role", f"event {idx} names {role} twice"))
        seen_roles.add(role)
    side = (
        team_written
        if team_written == "home" or team_written == "away"
        else side_from_role(role_group, team)
    )
    if side is None:
        problems.append(("player_side_unknown", f"jersey {jersey}: side unknown"))
    else:
        key = (side, jersey)
        if key in seen_players:
            problems.append(("duplicate_player", f"event {idx} names {side} jersey {jersey} twice"))
        seen_players.add(key)
        known = roster_jerseys.get(side)
        if known and jersey not in known:
            problems.append(("unknown_jersey", f"{side} jersey {jersey} is not on the game roster"))
    if (play_d1 in _ASSIST_FLAGS or play_d2 in _ASSIST_FLAGS) and role != "event_player_1":
        problems.append(
            (
                "stray_assist",
                f"assist flag on {role_written or 'a player without role'}, not the event's actor",
            )
        )
    if problems:
        where = _path(located, f"$.events[{position}].players[{order - 1}]")
        warnings.extend(LoadWarning(code, where, message) for code, message in problems)
    sheet, row = _where(player, position, "events.players")
    player_rows.append(
        (
            sheet,
            row,
            game_id,
            idx,
            order,
            jersey,
            player.name or None,
            player.id or None,
            player.pos or None,
            team_written,
            side,
            role_written,
            role,
            role_group,
            role_number,
            role_num,
            play_d1,
            play_d2,
            play_success,
            pressure,
            pressured_by,
            player.sideOfPuck or None,
            json_text({"rating": player.rating}) if player.rating is not None else None,
        )
    )
    if player.xy:
        _points(
            player.xy,
            f"$.events[{position}].players[{order - 1}].xy",
            located,
            (sheet, row),
            idx,
            "player",
            order,
            jersey,
            role,
            game_id,
            xy_rows,
            warnings,
        )


def _points(
    points,
    path,
    record,
    lineage,
    idx,
    kind,
    order,
    jersey,
    role,
    game_id,
    xy_rows,
    warnings,
) -> None:
    """Rows for a path of points, each maybe with its own source row (xlsx xy sheets); the
    frame and centred x/y are added once the game's frame is known (_with_frame)."""
    sheet, row = lineage
    nulls = 0
    for position, point in enumerate(points, start=1):
        if point is None:
            nulls += 1
            continue
        if point.source_row is not None:
            point_sheet, point_row = point.source_sheet, point.source_row
        else:
            point_sheet, point_row = sheet, row
        xy_rows.append(
            (
                point_sheet,
                point_row,
                game_id,
                idx,
                kind,
                order,
                jersey,
                role,
                point.seq if point.seq is not None else position,
                point.x,
                point.y,
            )
        )
    if nulls:
        warnings.append(
            LoadWarning(
                "xy_point_null", _path(record, path), f"{nulls} empty point(s) in the path skipped"
            )
        )


def _shift(
    shift: Shift, position, game_id, file_name, roster_jerseys, shift_rows, slot_rows, warnings
) -> None:
    base = f"$.shifts[{position}]"
    start_clock, end_clock = shift.start_time, shift.end_time
    start_seconds, start_problem = clock_seconds(start_clock)
    end_seconds, end_problem = clock_seconds(end_clock)
    if start_problem:
        warnings.append(
            _clock_warning(start_problem, _path(shift, f"{base}.start_time"), start_clock)
        )
    if end_problem:
        warnings.append(_clock_warning(end_problem, _path(shift, f"{base}.end_time"), end_clock))
    sheet, row = _where(shift, position, "shifts")
    players = 0
    for side in ("home", "away"):
        lineup = shift.home if side == "home" else shift.away
        if lineup is None:
            continue
        known = roster_jerseys.get(side)
        for slot in SLOTS:
            occupant = getattr(lineup, slot)
            if occupant is None:
                continue
            occupants = occupant if isinstance(occupant, list) else (occupant,)
            for slot_order, person in enumerate(occupants, start=1):
                try:
                    jersey = _scalar_text(person.num)
                except BadValue as exc:
                    raise LoadError(
                        file_name, _path(shift, f"{base}.{side}.{slot}.num"), str(exc)
                    ) from None
                if jersey is None and not person.name and not person.id:
                    continue
                if known and jersey not in known:
                    warnings.append(
                        LoadWarning(
                            "unknown_jersey",
                            _path(shift, f"{base}.{side}.{slot}"),
                            f"{side} jersey {jersey} is not on the game roster",
                        )
                    )
                slot_rows.append(
                    (
                        sheet,
                        row,
                        game_id,
                        position,
                        side,
                        slot,
                        slot_order,
                        jersey,
                        person.name or None,
                        person.id or None,
                        person.pos or None,
                    )
                )
                players += 1
    shift_rows.append(
        (
            sheet,
            row,
            game_id,
            position,
            shift.period,
            start_clock,
            start_seconds,
            end_clock,
            end_seconds,
            shift.start_type or None,
            shift.stop_type or None,
            shift.strength or None,
            _whole(shift.duration),
            _whole(shift.stoppageTime),
            players,
            None,
        )
    )


def _whole(value: float | None) -> float | int | None:
    """Durations arrive as ints in JSON and floats in Excel: store 82, not 82.0."""
    return int(value) if value is not None and value.is_integer() else value


__all__ = ["TrackerDocument", "parse_tracker_document", "parse_tracker_json"]
