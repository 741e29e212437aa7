"""Tracker JSON exports (23.8, 25.0) -> rows for the raw tracker tables.

`parse_tracker_json` reads a file's bytes; `parse_tracker_document` takes an already decoded
document in the tracker JSON shape and is shared by the xlsx parser (which converts its sheets to
that shape) and by rows posted to the API, so all three validate and normalise identically.

The `settings` key (a hosted database URL and access key) is removed before anything else looks
at the document, and no message ever quotes it.
"""

from __future__ import annotations

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
    flag,
    frame_from_points,
    json_text,
    normalise_role,
    number,
    parse_export_time,
    side_from_role,
    text,
    whole_number,
)

# Keys a record may carry to say where it came from in a non-JSON source (the xlsx parser sets
# them); they are lineage, never data.
SOURCE_SHEET = "_source_sheet"
SOURCE_ROW = "_source_row"
TEAM_SOURCE = "_team_source"

_GAME_KEYS = {
    "settings",
    "events",
    "shifts",
    "rosters",
    "gameId",
    "game_id",
    "version",
    "homeTeam",
    "awayTeam",
    "homeColor",
    "awayColor",
    "periodLengths",
    "penaltyLengths",
    "periodLengthMinutes",
    "homeAttacksRightP1",
    "exportDate",
    "savedAt",
    "homeLogo",
    "awayLogo",
    "evtIdx",
    "shiftIdx",
}
_EVENT_KEYS = {
    "idx",
    "period",
    "type",
    "team",
    "zone",
    "success",
    "detail1",
    "detail2",
    "start_time",
    "end_time",
    "strength",
    "linkedEventIdx",
    "assistToGoalIdx",
    "sequenceIdx",
    "playIdx",
    "isHighlight",
    "typeCode",
    "typeId",
    "detail1Code",
    "detail1Id",
    "detail2Code",
    "detail2Id",
    "linkedEventChain",
    "videoUrl",
    "players",
    "puckXY",
    "netXY",
    "game_id",
    SOURCE_SHEET,
    SOURCE_ROW,
    TEAM_SOURCE,
}
_PLAYER_KEYS = {
    "num",
    "name",
    "id",
    "pos",
    "team",
    "role",
    "roleNum",
    "playD1",
    "playD2",
    "playSuccess",
    "pressure",
    "pressuredBy",
    "sideOfPuck",
    "xy",
    SOURCE_SHEET,
    SOURCE_ROW,
}
_SHIFT_KEYS = {
    "idx",
    "game_id",
    "period",
    "start_time",
    "end_time",
    "start_type",
    "stop_type",
    "strength",
    "duration",
    "stoppageTime",
    "home",
    "away",
    SOURCE_SHEET,
    SOURCE_ROW,
}
SLOTS = ("F1", "F2", "F3", "D1", "D2", "G", "X")
_ASSIST_FLAGS = {"AssistPrimary", "AssistSecondary", "AssistTertiary"}
_SIDES = ("home", "away")


class _KeyedBadValue(BadValue):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def _texts(record: dict, keys: tuple[str, ...]) -> list[str | None]:
    """Text of several keys at once (the hot path: most values already are non-empty text)."""
    get = record.get
    values = [get(k) for k in keys]
    try:
        return [
            v if v.__class__ is str and v else None if v is None or v == "" else text(v)
            for v in values
        ]
    except BadValue:
        _raise_keyed(keys, values, text)
        raise


def _optional_ints(record: dict, keys: tuple[str, ...]) -> list[int | None]:
    get = record.get
    values = [get(k) for k in keys]
    try:
        return [
            v if v.__class__ is int else None if v is None else whole_number(v, required=False)
            for v in values
        ]
    except BadValue:
        _raise_keyed(keys, values, lambda v: whole_number(v, required=False))
        raise


def _raise_keyed(keys, values, convert) -> None:
    for key, value in zip(keys, values, strict=True):
        try:
            convert(value)
        except BadValue as exc:
            raise _KeyedBadValue(key, str(exc)) from None


_EVENT_TEXTS = (
    "type",
    "team",
    "zone",
    "success",
    "detail1",
    "detail2",
    "strength",
    "typeCode",
    "typeId",
    "detail1Code",
    "detail1Id",
    "detail2Code",
    "detail2Id",
    "videoUrl",
)
_EVENT_INTS = ("linkedEventIdx", "assistToGoalIdx", "sequenceIdx", "playIdx")
_PLAYER_TEXTS = (
    "num",
    "name",
    "id",
    "pos",
    "team",
    "role",
    "roleNum",
    "playD1",
    "playD2",
    "playSuccess",
    "pressure",
    "pressuredBy",
    "sideOfPuck",
)


def parse_tracker_json(data: bytes, file_name: str) -> ParsedGame:
    """A tracker JSON file's bytes -> ParsedGame. Raises LoadError naming the JSON path."""
    try:
        document = msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        raise LoadError(file_name, "", f"not valid JSON ({exc})") from None
    if not isinstance(document, dict):
        raise LoadError(file_name, "$", f"expected a JSON object, got {describe(document)}")
    document.pop("settings", None)
    return parse_tracker_document(document, file_name=file_name, source_format="json")


def game_header(document: dict, file_name: str) -> tuple[int, str | None]:
    """(game id, export time text) from a decoded document: what file choice needs."""
    game_id = _required_game_id(document, file_name)
    saved = document.get("savedAt") or document.get("exportDate")
    return game_id, saved if isinstance(saved, str) else None


def _required_game_id(document: dict, file_name: str) -> int:
    key = "gameId" if "gameId" in document else "game_id"
    if key not in document:
        raise LoadError(file_name, "$.gameId", "missing required key gameId")
    try:
        return whole_number(document[key], required=True)
    except BadValue as exc:
        raise LoadError(file_name, f"$.{key}", str(exc)) from None


def _list(document: dict, key: str, file_name: str, *, required: bool) -> list:
    if key not in document or document[key] is None:
        if required:
            raise LoadError(file_name, f"$.{key}", f"missing required key {key}")
        return []
    value = document[key]
    if not isinstance(value, list):
        raise LoadError(file_name, f"$.{key}", f"expected a list, got {describe(value)}")
    return value


def _xy_frame(version: str | None, points: list) -> str:
    """The rink frame, from the coordinates; the version decides only when they cannot.

    The coordinates win because real files disagree with their version (a 23.8 file holding a
    centre-relative point with negative y).
    """
    frame = frame_from_points(points)
    if frame == UNKNOWN_FRAME and version:
        if version.startswith("23."):
            return RINK_CORNER
        if version.startswith("25."):
            return RINK_CENTRE
    return frame


def parse_tracker_document(
    document: dict, *, file_name: str, source_format: str, extra_game: dict | None = None
) -> ParsedGame:
    """A document in the tracker JSON shape -> rows for every raw tracker table.

    Required: gameId (or game_id), events and shifts (lists). Everything else is optional, so a
    posted {game_id, events, shifts} is a valid document. `extra_game` adds game-level values a
    non-JSON source knows (xlsx metadata) without inventing JSON keys for them.
    """
    document.pop("settings", None)
    game_id = _required_game_id(document, file_name)
    events = _list(document, "events", file_name, required=True)
    shifts = _list(document, "shifts", file_name, required=True)
    rosters = document.get("rosters") or {}
    if not isinstance(rosters, dict):
        raise LoadError(file_name, "$.rosters", f"expected an object, got {describe(rosters)}")
    warnings: list[LoadWarning] = []
    version = _game_text(document, "version", file_name)

    roster_rows, roster_jerseys = _rosters(rosters, game_id, file_name)
    frame = _xy_frame(version, _all_rink_points(events))

    event_rows: list[tuple] = []
    player_rows: list[tuple] = []
    xy_rows: list[tuple] = []
    seen_idx: set[int] = set()
    for position, event in enumerate(events):
        _event(
            event,
            position,
            game_id,
            file_name,
            frame,
            roster_jerseys,
            seen_idx,
            event_rows,
            player_rows,
            xy_rows,
            warnings,
        )

    shift_rows: list[tuple] = []
    slot_rows: list[tuple] = []
    for position, shift in enumerate(shifts):
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

    saved_at = _game_text(document, "savedAt", file_name)
    export_date = _game_text(document, "exportDate", file_name)
    extra_game = extra_game or {}
    exported_at = parse_export_time(saved_at or export_date or extra_game.get("export_timestamp"))
    period_lengths = document.get("periodLengths")
    penalty_lengths = document.get("penaltyLengths")
    for key, value in (("periodLengths", period_lengths), ("penaltyLengths", penalty_lengths)):
        if value is not None and not isinstance(value, dict):
            raise LoadError(file_name, f"$.{key}", f"expected an object, got {describe(value)}")
    try:
        attacks_right = flag(document.get("homeAttacksRightP1"))
    except BadValue as exc:
        raise LoadError(file_name, "$.homeAttacksRightP1", str(exc)) from None
    extra = {k: v for k, v in document.items() if k not in _GAME_KEYS}
    extra.update(extra_game.get("extra", {}))
    game_row = (
        "$",
        None,
        game_id,
        source_format,
        version,
        _game_text(document, "homeTeam", file_name),
        _game_text(document, "awayTeam", file_name),
        _game_text(document, "homeColor", file_name),
        _game_text(document, "awayColor", file_name),
        json_text(period_lengths),
        json_text(penalty_lengths),
        extra_game.get("period_length_minutes"),
        attacks_right,
        export_date,
        saved_at,
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


def _game_text(document: dict, key: str, file_name: str) -> str | None:
    try:
        return text(document.get(key))
    except BadValue as exc:
        raise LoadError(file_name, f"$.{key}", str(exc)) from None


def _rosters(rosters: dict, game_id: int, file_name: str) -> tuple[list[tuple], dict[str, set]]:
    rows: list[tuple] = []
    jerseys: dict[str, set] = {}
    for side in _SIDES:
        entries = rosters.get(side) or []
        if not isinstance(entries, list):
            raise LoadError(
                file_name, f"$.rosters.{side}", f"expected a list, got {describe(entries)}"
            )
        side_jerseys = set()
        for order, entry in enumerate(entries):
            path = f"$.rosters.{side}[{order}]"
            if not isinstance(entry, dict):
                raise LoadError(file_name, path, f"expected an object, got {describe(entry)}")
            key = "num"
            try:
                jersey = text(entry.get("num"))
                key = "id"
                player_id = text(entry.get("id"))
                key = "name"
                name = text(entry.get("name"))
                key = "pos"
                pos = text(entry.get("pos"))
                key = "rating"
                rating = text(entry.get("rating"))
            except BadValue as exc:
                raise LoadError(file_name, f"{path}.{key}", str(exc)) from None
            rows.append(
                (
                    f"rosters.{side}",
                    order,
                    game_id,
                    side,
                    order + 1,
                    player_id,
                    jersey,
                    name,
                    pos,
                    rating,
                )
            )
            if jersey is not None:
                side_jerseys.add(jersey)
        jerseys[side] = side_jerseys
    return rows, jerseys


def _all_rink_points(events: list) -> list[tuple]:
    points = []
    for event in events:
        if not isinstance(event, dict):
            continue
        for point in event.get("puckXY") or []:
            if isinstance(point, dict):
                points.append((_maybe_number(point.get("x")), _maybe_number(point.get("y"))))
        for player in event.get("players") or []:
            if isinstance(player, dict):
                for point in player.get("xy") or []:
                    if isinstance(point, dict):
                        points.append(
                            (_maybe_number(point.get("x")), _maybe_number(point.get("y")))
                        )
    return points


def _maybe_number(value: object) -> float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _where(event: dict, position: int, collection: str) -> tuple[str, int]:
    """(sheet, row_number) lineage of a record: its source row, else its JSON array index."""
    row = event.get(SOURCE_ROW)
    if row is not None:
        return event.get(SOURCE_SHEET, collection), row
    return collection, position


def _path(record: dict, json_path: str) -> str:
    row = record.get(SOURCE_ROW)
    if row is not None:
        return f"sheet {record.get(SOURCE_SHEET)}, row {row} ({json_path})"
    return json_path


def _event(
    event,
    position,
    game_id,
    file_name,
    frame,
    roster_jerseys,
    seen_idx,
    event_rows,
    player_rows,
    xy_rows,
    warnings,
) -> None:
    base = f"events[{position}]"
    if not isinstance(event, dict):
        raise LoadError(file_name, base, f"expected an object, got {describe(event)}")
    key = "idx"
    try:
        idx = whole_number(event.get("idx"), required=True)
        key = "period"
        period = whole_number(event.get("period"), required=True)
        key = "start_time"
        start_clock = event.get("start_time")
        if start_clock is not None and start_clock.__class__ is not str:
            raise BadValue(f"expected clock text, got {describe(start_clock)}")
        key = "end_time"
        end_clock = event.get("end_time")
        if end_clock is not None and end_clock.__class__ is not str:
            raise BadValue(f"expected clock text, got {describe(end_clock)}")
        key = "isHighlight"
        highlight = flag(event.get("isHighlight"))
        (event_type, team, zone, success, detail1, detail2, strength, *codes, video_url) = _texts(
            event, _EVENT_TEXTS
        )
        linked, assist_to_goal, sequence, play = _optional_ints(event, _EVENT_INTS)
        key = "type"
        if event_type is None or not event_type.strip():
            raise BadValue("event has no type")
    except _KeyedBadValue as exc:
        raise LoadError(file_name, _path(event, f"{base}.{exc.key}"), str(exc)) from None
    except BadValue as exc:
        raise LoadError(file_name, _path(event, f"{base}.{key}"), str(exc)) from None
    if idx in seen_idx:
        raise LoadError(file_name, _path(event, f"{base}.idx"), f"event idx {idx} appears twice")
    seen_idx.add(idx)
    players = event.get("players")
    if players is None:
        players = []
    elif not isinstance(players, list):
        raise LoadError(
            file_name, _path(event, f"{base}.players"), f"expected a list, got {describe(players)}"
        )

    start_seconds, start_problem = clock_seconds(start_clock)
    end_seconds, end_problem = clock_seconds(end_clock)
    if start_problem:
        warnings.append(
            _clock_warning(start_problem, _path(event, f"{base}.start_time"), start_clock)
        )
    if end_problem:
        warnings.append(_clock_warning(end_problem, _path(event, f"{base}.end_time"), end_clock))
    if team not in ("home", "away"):
        warnings.append(
            LoadWarning(
                "event_team_unknown",
                _path(event, f"{base}.team"),
                f"event {idx} ({event_type}) has no home/away team",
            )
        )
    team_source = event.get(TEAM_SOURCE, "file" if team else None)
    chain = event.get("linkedEventChain")
    unknown = event.keys() - _EVENT_KEYS
    extra = {k: event[k] for k in unknown} if unknown else None
    sheet, row = _where(event, position, "events")
    event_rows.append(
        (
            sheet,
            row,
            game_id,
            idx,
            period,
            event_type,
            team,
            team_source,
            zone,
            success,
            detail1,
            detail2,
            start_clock,
            start_seconds,
            end_clock,
            end_seconds,
            strength,
            linked,
            assist_to_goal,
            sequence,
            play,
            highlight,
            *codes,
            json_text(chain),
            video_url,
            len(players),
            json_text(extra) if extra else None,
        )
    )

    seen_players: set[tuple] = set()
    seen_roles: set[str] = set()
    for order, player in enumerate(players, start=1):
        _player(
            player,
            order,
            event,
            position,
            base,
            idx,
            team,
            game_id,
            file_name,
            frame,
            roster_jerseys,
            seen_players,
            seen_roles,
            player_rows,
            xy_rows,
            warnings,
        )

    puck = event.get("puckXY")
    if puck:
        _points(
            puck,
            f"{base}.puckXY",
            event,
            (sheet, row),
            idx,
            "puck",
            None,
            None,
            None,
            game_id,
            file_name,
            frame,
            xy_rows,
            warnings,
        )
    net = event.get("netXY")
    if net is not None:
        if not isinstance(net, dict):
            raise LoadError(
                file_name, _path(event, f"{base}.netXY"), f"expected an object, got {describe(net)}"
            )
        _points(
            [net],
            f"{base}.netXY",
            event,
            (sheet, row),
            idx,
            "net",
            None,
            None,
            None,
            game_id,
            file_name,
            NET_FACE,
            xy_rows,
            warnings,
        )


def _clock_warning(problem: str, where: str, written: str | None) -> LoadWarning:
    if problem == "clock_blank":
        return LoadWarning(problem, where, "blank clock: time unknown")
    return LoadWarning(problem, where, f"clock {written!r} is not MM:SS: time unknown")


def _player(
    player,
    order,
    event,
    position,
    base,
    idx,
    team,
    game_id,
    file_name,
    frame,
    roster_jerseys,
    seen_players,
    seen_roles,
    player_rows,
    xy_rows,
    warnings,
) -> None:
    path = f"{base}.players[{order - 1}]"
    if not isinstance(player, dict):
        raise LoadError(
            file_name, _path(event, path), f"expected an object, got {describe(player)}"
        )
    try:
        (
            jersey,
            name,
            player_id,
            pos,
            team_written,
            role_written,
            role_num,
            play_d1,
            play_d2,
            play_success,
            pressure,
            pressured_by,
            side_of_puck,
        ) = _texts(player, _PLAYER_TEXTS)
    except _KeyedBadValue as exc:
        located = player if SOURCE_ROW in player else event
        raise LoadError(file_name, _path(located, f"{path}.{exc.key}"), str(exc)) from None

    where = _path(player if SOURCE_ROW in player else event, path)
    normalised = normalise_role(role_written)
    if normalised is None:
        role = role_group = role_number = None
        warnings.append(
            LoadWarning("role_unknown", where, f"role {role_written!r} is not a player role")
        )
    else:
        role, role_group, role_number = normalised
        if role in seen_roles:
            warnings.append(LoadWarning("duplicate_role", where, f"event {idx} names {role} twice"))
        seen_roles.add(role)
    side = team_written if team_written in ("home", "away") else side_from_role(role_group, team)
    if side is None:
        warnings.append(LoadWarning("player_side_unknown", where, f"jersey {jersey}: side unknown"))
    else:
        if (side, jersey) in seen_players:
            warnings.append(
                LoadWarning(
                    "duplicate_player", where, f"event {idx} names {side} jersey {jersey} twice"
                )
            )
        seen_players.add((side, jersey))
        known = roster_jerseys.get(side)
        if known and jersey not in known:
            warnings.append(
                LoadWarning(
                    "unknown_jersey", where, f"{side} jersey {jersey} is not on the game roster"
                )
            )
    if (play_d1 in _ASSIST_FLAGS or play_d2 in _ASSIST_FLAGS) and role != "event_player_1":
        warnings.append(
            LoadWarning(
                "stray_assist",
                where,
                f"assist flag on {role_written or 'a player without role'}, not the event's actor",
            )
        )
    unknown = player.keys() - _PLAYER_KEYS
    extra = {k: player[k] for k in unknown} if unknown else None
    located = player if SOURCE_ROW in player else event
    sheet, row = _where(player, position, "events.players")
    player_rows.append(
        (
            sheet,
            row,
            game_id,
            idx,
            order,
            jersey,
            name,
            player_id,
            pos,
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
            side_of_puck,
            json_text(extra) if extra else None,
        )
    )
    xy = player.get("xy")
    if xy:  # most players have no path: skip the call
        _points(
            xy,
            f"{path}.xy",
            located,
            (sheet, row),
            idx,
            "player",
            order,
            jersey,
            role,
            game_id,
            file_name,
            frame,
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
    file_name,
    frame,
    xy_rows,
    warnings,
) -> None:
    """Rows for a path of points; each point may carry its own source row (xlsx xy sheets)."""
    if points is None:
        return
    if not isinstance(points, list):
        raise LoadError(
            file_name, _path(record, path), f"expected a list of points, got {describe(points)}"
        )
    sheet, row = lineage
    nulls = 0
    for position, point in enumerate(points, start=1):
        if point is None:
            nulls += 1
            continue
        if not isinstance(point, dict):
            raise LoadError(
                file_name,
                _path(record, f"{path}[{position - 1}]"),
                f"expected a point object, got {describe(point)}",
            )
        key = "x"
        try:
            x = number(point.get("x"))
            key = "y"
            y = number(point.get("y"))
            key = "seq"
            seq = whole_number(point.get("seq"), required=False)
        except BadValue as exc:
            raise LoadError(
                file_name, _path(record, f"{path}[{position - 1}].{key}"), str(exc)
            ) from None
        x_c, y_c = centred(frame, x, y)
        xy_rows.append(
            (
                point.get(SOURCE_SHEET, sheet),
                point.get(SOURCE_ROW, row),
                game_id,
                idx,
                kind,
                order,
                jersey,
                role,
                seq if seq is not None else position,
                x,
                y,
                frame,
                x_c,
                y_c,
            )
        )
    if nulls:
        warnings.append(
            LoadWarning(
                "xy_point_null", _path(record, path), f"{nulls} empty point(s) in the path skipped"
            )
        )


def _shift(
    shift, position, game_id, file_name, roster_jerseys, shift_rows, slot_rows, warnings
) -> None:
    base = f"shifts[{position}]"
    if not isinstance(shift, dict):
        raise LoadError(file_name, base, f"expected an object, got {describe(shift)}")
    key = "period"
    try:
        period = whole_number(shift.get("period"), required=True)
        key = "start_time"
        start_clock = shift.get("start_time")
        if start_clock is not None and not isinstance(start_clock, str):
            raise BadValue(f"expected clock text, got {describe(start_clock)}")
        key = "end_time"
        end_clock = shift.get("end_time")
        if end_clock is not None and not isinstance(end_clock, str):
            raise BadValue(f"expected clock text, got {describe(end_clock)}")
        key = "start_type"
        start_type = text(shift.get("start_type"))
        key = "stop_type"
        stop_type = text(shift.get("stop_type"))
        key = "strength"
        strength = text(shift.get("strength"))
        key = "duration"
        duration = number(shift.get("duration"))
        key = "stoppageTime"
        stoppage = number(shift.get("stoppageTime"))
    except BadValue as exc:
        raise LoadError(file_name, _path(shift, f"{base}.{key}"), str(exc)) from None
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
    for side in _SIDES:
        lineup = shift.get(side)
        if lineup is None:
            continue
        if not isinstance(lineup, dict):
            raise LoadError(
                file_name,
                _path(shift, f"{base}.{side}"),
                f"expected an object, got {describe(lineup)}",
            )
        for slot in SLOTS:
            occupant = lineup.get(slot)
            if occupant is None:
                continue
            occupants = occupant if isinstance(occupant, list) else [occupant]
            for slot_order, person in enumerate(occupants, start=1):
                where = f"{base}.{side}.{slot}"
                if not isinstance(person, dict):
                    raise LoadError(
                        file_name,
                        _path(shift, where),
                        f"expected a player object, got {describe(person)}",
                    )
                key = "num"
                try:
                    jersey = text(person.get("num"))
                    key = "name"
                    name = text(person.get("name"))
                    key = "id"
                    player_id = text(person.get("id"))
                    key = "pos"
                    pos = text(person.get("pos"))
                except BadValue as exc:
                    raise LoadError(file_name, _path(shift, f"{where}.{key}"), str(exc)) from None
                if jersey is None and name is None and player_id is None:
                    continue
                known = roster_jerseys.get(side)
                if known and jersey not in known:
                    warnings.append(
                        LoadWarning(
                            "unknown_jersey",
                            _path(shift, where),
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
                        name,
                        player_id,
                        pos,
                    )
                )
                players += 1
    extra = {k: v for k, v in shift.items() if k not in _SHIFT_KEYS}
    shift_rows.append(
        (
            sheet,
            row,
            game_id,
            position,
            period,
            start_clock,
            start_seconds,
            end_clock,
            end_seconds,
            start_type,
            stop_type,
            strength,
            duration,
            stoppage,
            players,
            json_text(extra) if extra else None,
        )
    )


__all__ = ["UNKNOWN_FRAME", "game_header", "parse_tracker_document", "parse_tracker_json"]
