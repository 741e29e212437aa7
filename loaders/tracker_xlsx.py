"""Tracker Excel exports (`{game_id}_tracking.xlsx`, full v28 and reduced v29) -> ParsedGame.

The sheets are converted to the tracker JSON shape (one event with its players, points and net
point; one shift with its slots) and then go through the same `parse_tracker_document` as JSON
files, so both formats give the same raw rows. What the conversion undoes:

- `events` is long (one row per event x player): rows are grouped by event_index. The tracker
  writes event_index = idx + 1000 (and the same offset in linked/assist indexes); the xy sheets
  use idx + 1.
- Clocks are split into min and sec cells and are joined back to `MM:SS` as written.
- Zones are written Offensive/Defensive/Neutral (o/d/n in JSON).
- There is no event team column in v29 (v28 has only the `team_` helper column, kept as the
  event's team with team_source `hint`). Raw stays what the file says: an event without a written
  team has none, and its players' sides follow from it or stay unknown. The warehouse decides
  every side, for all formats alike, from the players' jerseys, names and roles
  (int_event_sides_inferred); one warning per file says the export writes no team.
- Period lengths per period live in the video_timing sheet.

Columns whose name ends in `_` are input hints and are otherwise ignored.
"""

from __future__ import annotations

from collections.abc import Iterator

from loaders.core import (
    BadValue,
    LoadError,
    LoadWarning,
    ParsedGame,
    flag,
    number,
    text,
    whole_number,
)
from loaders.sheets import Sheet, open_workbook, read_sheet, sheet_names
from loaders.tracker_json import (
    SOURCE_ROW,
    SOURCE_SHEET,
    TEAM_SOURCE,
    parse_tracker_document,
)

EVENT_INDEX_OFFSET = 1000
_REQUIRED_SHEETS = ("metadata", "events", "shifts")
_REQUIRED_COLUMNS = {
    "metadata": ("game_id",),
    "events": (
        "event_index",
        "period",
        "player_role",
        "player_game_number",
        "event_start_min",
        "event_start_sec",
        "event_end_min",
        "event_end_sec",
    ),
    "shifts": ("shift_index", "period"),
    "xy_puck": ("event_index", "xy_slot", "x", "y"),
    "xy_player": ("event_index", "player_number", "player_role", "xy_slot", "x", "y"),
}
_ZONES = {"offensive": "o", "defensive": "d", "neutral": "n"}
_TEAMS = {"h": "home", "a": "away", "home": "home", "away": "away"}
# The parser's per-event and per-player warnings about a missing team, which an export without any
# team column would raise on every row.
_UNWRITTEN_SIDE_CODES = {"event_team_unknown", "player_side_unknown"}
_SLOT_COLUMNS = {
    "F1": "forward_1",
    "F2": "forward_2",
    "F3": "forward_3",
    "D1": "defense_1",
    "D2": "defense_2",
    "G": "goalie",
    "X": "xtra",
}
# Events-sheet columns copied into the JSON shape as they are (text).
_EVENT_TEXT = {
    "detail1": "event_detail",
    "detail2": "event_detail_2",
    "strength": "strength",
    "videoUrl": "video_url",
    "typeCode": "event_type_code",
    "typeId": "event_type_id",
    "detail1Code": "event_detail_code",
    "detail1Id": "event_detail_id",
    "detail2Code": "event_detail_2_code",
    "detail2Id": "event_detail_2_id",
}
_PLAYER_TEXT = {
    "name": "player_name",
    "playD1": "play_detail1",
    "playD2": "play_detail_2",
    "playSuccess": "play_detail_successful",
    "pressure": "pressured_pressurer",
    "sideOfPuck": "side_of_puck",
}


class _Rows:
    """Typed access to a sheet's cells with locations in every error."""

    def __init__(self, sheet: Sheet, file_name: str) -> None:
        self.sheet = sheet
        self.file_name = file_name
        self.positions = {
            name: pos for name, pos in sheet.index().items() if not name.endswith("_")
        }
        self.hints = {name: pos for name, pos in sheet.index().items() if name.endswith("_")}

    def require(self, columns: tuple[str, ...]) -> None:
        for column in columns:
            if column not in self.positions:
                raise LoadError(
                    self.file_name,
                    f"sheet {self.sheet.name}, column {column}",
                    "missing required column",
                )

    def has(self, column: str) -> bool:
        return column in self.positions

    def raw(self, row: list, column: str):
        position = self.positions.get(column)
        if position is None or position >= len(row):
            return None
        return row[position]

    def get(self, row: list, index: int, column: str, convert):
        try:
            return convert(self.raw(row, column))
        except BadValue as exc:
            raise LoadError(self.file_name, self.sheet.where(index, column), str(exc)) from None

    def hint(self, row: list, column: str):
        position = self.hints.get(column)
        return row[position] if position is not None and position < len(row) else None

    def row_number(self, index: int) -> int:
        return self.sheet.first_row + index


def _required_int(value):
    return whole_number(value, required=True)


def _optional_int(value):
    return whole_number(value, required=False)


def _jersey(value) -> str | None:
    """Jerseys arrive as numbers (53.0) or text ('27'); both become '53' / '27'."""
    return text(value.strip() if isinstance(value, str) else value)


def _clock(minutes, seconds) -> str:
    minutes_text, seconds_text = text(minutes) or "", text(seconds) or ""
    if not minutes_text and not seconds_text:
        return ""
    if isinstance(seconds, float) and seconds_text.isdigit():
        seconds_text = seconds_text.zfill(2)
    return f"{minutes_text}:{seconds_text}"


def _unoffset(value: int | None, offset: int) -> int | None:
    return value - offset if value is not None and value >= offset else value


def read_xlsx_header(data: bytes, file_name: str) -> tuple[int, str | None]:
    """(game id, export timestamp text) from the metadata sheet."""
    workbook = open_workbook(data, file_name)
    metadata = _metadata(workbook, sheet_names(workbook), file_name)
    return metadata["game_id"], metadata["export_timestamp"]


def _sheet(workbook, names: dict[str, str], name: str, file_name: str) -> _Rows | None:
    if name not in names:
        if name in _REQUIRED_SHEETS:
            raise LoadError(file_name, f"sheet {name}", "missing required sheet")
        return None
    rows = _Rows(read_sheet(workbook, names[name], file_name), file_name)
    rows.require(_REQUIRED_COLUMNS.get(name, ()))
    return rows


def _metadata(workbook, names: dict[str, str], file_name: str) -> dict:
    sheet = _sheet(workbook, names, "metadata", file_name)
    if not sheet.sheet.rows:
        raise LoadError(file_name, "sheet metadata, row 2", "the metadata row is missing")
    row = sheet.sheet.rows[0]
    return {
        "game_id": sheet.get(row, 0, "game_id", _required_int),
        "home_team": sheet.get(row, 0, "home_team", text),
        "away_team": sheet.get(row, 0, "away_team", text),
        "period_length_minutes": sheet.get(row, 0, "period_length_minutes", number),
        "home_attacks_right_p1": sheet.get(row, 0, "home_attacks_right_p1", flag),
        "export_timestamp": sheet.get(row, 0, "export_timestamp", text),
        "tracker_version": sheet.get(row, 0, "tracker_version", text),
    }


def parse_tracker_xlsx(data: bytes, file_name: str) -> ParsedGame:
    """A tracker xlsx export's bytes -> ParsedGame. Raises LoadError naming sheet/row/column."""
    workbook = open_workbook(data, file_name)
    names = sheet_names(workbook)
    metadata = _metadata(workbook, names, file_name)
    events_sheet = _sheet(workbook, names, "events", file_name)
    if not (events_sheet.has("event_type") or events_sheet.has("type")):
        raise LoadError(file_name, "sheet events, column event_type", "missing required column")
    shifts_sheet = _sheet(workbook, names, "shifts", file_name)
    puck_sheet = _sheet(workbook, names, "xy_puck", file_name)
    player_xy_sheet = _sheet(workbook, names, "xy_player", file_name)
    timing_sheet = _sheet(workbook, names, "video_timing", file_name)

    warnings: list[LoadWarning] = []
    shifts = _shifts(shifts_sheet)
    events = _events(events_sheet, puck_sheet is not None, player_xy_sheet is not None)
    by_idx = {event["idx"]: event for event in events}
    if puck_sheet is not None:
        _puck_points(puck_sheet, by_idx, warnings)
    if player_xy_sheet is not None:
        _player_points(player_xy_sheet, by_idx, warnings)

    document = {
        "gameId": metadata["game_id"],
        "version": metadata["tracker_version"],
        "homeTeam": metadata["home_team"],
        "awayTeam": metadata["away_team"],
        "homeAttacksRightP1": metadata["home_attacks_right_p1"],
        "savedAt": metadata["export_timestamp"],
        "periodLengths": _period_lengths(timing_sheet),
        "events": events,
        "shifts": shifts,
    }
    game = parse_tracker_document(
        document,
        file_name=file_name,
        source_format="xlsx",
        extra_game={"period_length_minutes": metadata["period_length_minutes"]},
    )
    if not any(event["team"] for event in events):
        # One warning for the file instead of one per event and per player.
        game.warnings = [w for w in game.warnings if w.code not in _UNWRITTEN_SIDE_CODES]
        warnings.append(
            LoadWarning(
                "event_team_not_written",
                "sheet events",
                "the export writes no event team: the warehouse infers sides from the players",
            )
        )
    game.warnings[:0] = warnings
    return game


def _shifts(sheet: _Rows) -> list[dict]:
    """Shifts in the JSON shape."""
    shifts = []
    for index, row in enumerate(sheet.sheet.rows):
        shift = {
            SOURCE_SHEET: sheet.sheet.name,
            SOURCE_ROW: sheet.row_number(index),
            "period": sheet.get(row, index, "period", _required_int),
            "start_time": _clock(
                sheet.raw(row, "shift_start_min"), sheet.raw(row, "shift_start_sec")
            ),
            "end_time": _clock(sheet.raw(row, "shift_end_min"), sheet.raw(row, "shift_end_sec")),
            "start_type": sheet.get(row, index, "shift_start_type", text),
            "stop_type": sheet.get(row, index, "shift_stop_type", text),
            "strength": sheet.get(row, index, "strength", text),
            "duration": sheet.get(row, index, "shift_duration", number),
            "stoppageTime": sheet.get(row, index, "stoppage_time", number),
        }
        for side in ("home", "away"):
            lineup: dict[str, object] = {}
            for slot, column in _SLOT_COLUMNS.items():
                value = sheet.raw(row, f"{side}_{column}")
                if isinstance(value, str) and "," in value:
                    jerseys = [part.strip() for part in value.split(",") if part.strip()]
                else:
                    jersey = sheet.get(row, index, f"{side}_{column}", _jersey)
                    jerseys = [jersey] if jersey else []
                if not jerseys:
                    lineup[slot] = None
                elif slot == "X" and len(jerseys) > 1:
                    lineup[slot] = [{"num": j} for j in jerseys]
                else:
                    lineup[slot] = {"num": jerseys[0]}
            shift[side] = lineup
        shifts.append(shift)
    return shifts


def _events(sheet: _Rows, puck_sheet: bool, player_xy_sheet: bool) -> list[dict]:
    """Events in the JSON shape; start/stop XY from the row only when no xy sheet holds paths."""
    rows = sheet.sheet.rows
    indexes = [sheet.get(row, i, "event_index", _required_int) for i, row in enumerate(rows)]
    offset = EVENT_INDEX_OFFSET if indexes and min(indexes) >= EVENT_INDEX_OFFSET else 0
    type_column = "event_type" if sheet.has("event_type") else "type"
    team_column = "team" if sheet.has("team") else None
    events: list[dict] = []
    current: dict | None = None
    for index, (row, event_index) in enumerate(zip(rows, indexes, strict=True)):
        if current is None or event_index - offset != current["idx"]:
            current = _event(
                sheet, row, index, event_index - offset, offset, type_column, team_column
            )
            if not puck_sheet:
                current["puckXY"] = _row_points(
                    sheet, row, index, "puck_x_start", "puck_y_start", "puck_x_stop", "puck_y_stop"
                )
            events.append(current)
        role = sheet.get(row, index, "player_role", text)
        if role is None:
            continue
        player = {
            SOURCE_SHEET: sheet.sheet.name,
            SOURCE_ROW: sheet.row_number(index),
            "num": sheet.get(row, index, "player_game_number", _jersey),
            "role": role,
            "xy": [],
        }
        for key, column in _PLAYER_TEXT.items():
            player[key] = sheet.get(row, index, column, text)
        if not player_xy_sheet:
            player["xy"] = _row_points(
                sheet,
                row,
                index,
                "player_x_start",
                "player_y_start",
                "player_x_stop",
                "player_y_stop",
            )
        current["players"].append(player)
    return events


def _event(
    sheet: _Rows,
    row: list,
    index: int,
    idx: int,
    offset: int,
    type_column: str,
    team_column: str | None,
) -> dict:
    zone = sheet.get(row, index, "event_team_zone", text)
    event = {
        SOURCE_SHEET: sheet.sheet.name,
        SOURCE_ROW: sheet.row_number(index),
        "idx": idx,
        "period": sheet.get(row, index, "period", _required_int),
        "type": sheet.get(row, index, type_column, text),
        "zone": _ZONES.get((zone or "").lower(), zone),
        "success": sheet.get(row, index, "event_successful", text),
        "start_time": _clock(sheet.raw(row, "event_start_min"), sheet.raw(row, "event_start_sec")),
        "end_time": _clock(sheet.raw(row, "event_end_min"), sheet.raw(row, "event_end_sec")),
        "linkedEventIdx": _unoffset(
            sheet.get(row, index, "linked_event_index", _optional_int), offset
        ),
        "assistToGoalIdx": _unoffset(
            sheet.get(row, index, "assist_to_goal_index", _optional_int), offset
        ),
        "sequenceIdx": sheet.get(row, index, "sequence_index", _optional_int),
        "playIdx": sheet.get(row, index, "play_index", _optional_int),
        "isHighlight": sheet.get(row, index, "is_highlight", flag),
        "players": [],
        "puckXY": [],
        "netXY": None,
    }
    for key, column in _EVENT_TEXT.items():
        event[key] = sheet.get(row, index, column, text)
    net_x, net_y = sheet.get(row, index, "net_x", number), sheet.get(row, index, "net_y", number)
    if net_x is not None or net_y is not None:
        event["netXY"] = {
            "x": net_x,
            "y": net_y,
            SOURCE_SHEET: sheet.sheet.name,
            SOURCE_ROW: sheet.row_number(index),
        }
    if team_column:
        written = sheet.get(row, index, team_column, text)
        event["team"] = _TEAMS.get((written or "").lower(), written)
        event[TEAM_SOURCE] = "file" if event["team"] else None
    else:
        event["team"] = _TEAMS.get(str(sheet.hint(row, "team_") or "").lower())
        event[TEAM_SOURCE] = "hint" if event["team"] else None
    return event


def _row_points(sheet: _Rows, row: list, index: int, x1: str, y1: str, x2: str, y2: str) -> list:
    """Start/stop points from the events sheet: used only when no xy sheet exists."""
    points = []
    for seq, (x_col, y_col) in enumerate(((x1, y1), (x2, y2)), start=1):
        x, y = sheet.get(row, index, x_col, number), sheet.get(row, index, y_col, number)
        if x is not None or y is not None:
            points.append({"x": x, "y": y, "seq": seq})
    return points


def _located_points(
    sheet: _Rows, by_idx: dict[int, dict], warnings: list[LoadWarning]
) -> Iterator[tuple[int, list, dict, dict]]:
    """(index, row, event, point) for each row of an xy sheet; a row whose event the events
    sheet does not hold is a warning, and skipped."""
    for index, row in enumerate(sheet.sheet.rows):
        idx = sheet.get(row, index, "event_index", _required_int) - 1
        event = by_idx.get(idx)
        point = _sheet_point(sheet, row, index)
        if event is None:
            warnings.append(
                LoadWarning(
                    "xy_without_event", sheet.sheet.where(index), f"no event {idx} for this point"
                )
            )
            continue
        yield index, row, event, point


def _puck_points(sheet: _Rows, by_idx: dict[int, dict], warnings: list[LoadWarning]) -> None:
    for _, _, event, point in _located_points(sheet, by_idx, warnings):
        event["puckXY"].append(point)


def _player_points(sheet: _Rows, by_idx: dict[int, dict], warnings: list[LoadWarning]) -> None:
    for index, row, event, point in _located_points(sheet, by_idx, warnings):
        role = sheet.get(row, index, "player_role", text)
        if role == "net":
            event["netXY"] = point
            continue
        jersey = sheet.get(row, index, "player_number", _jersey)
        owner = next(
            (p for p in event["players"] if p["num"] == jersey and p["role"] == role), None
        )
        if owner is None:
            warnings.append(
                LoadWarning(
                    "xy_without_player",
                    sheet.sheet.where(index),
                    f"event {event['idx']} has no {role} with jersey {jersey} for this point",
                )
            )
            continue
        owner["xy"].append(point)


def _sheet_point(sheet: _Rows, row: list, index: int) -> dict:
    return {
        "x": sheet.get(row, index, "x", number),
        "y": sheet.get(row, index, "y", number),
        "seq": sheet.get(row, index, "xy_slot", _optional_int),
        SOURCE_SHEET: sheet.sheet.name,
        SOURCE_ROW: sheet.row_number(index),
    }


def _period_lengths(sheet: _Rows | None) -> dict | None:
    """{"1": 21, "2": 18, "3": 18, "OT": 5} from video_timing's Period Lengths rows."""
    if sheet is None or not (sheet.has("category") and sheet.has("setting") and sheet.has("value")):
        return None
    lengths = {}
    for row in sheet.sheet.rows:
        if str(sheet.raw(row, "category")).strip().lower() != "period lengths":
            continue
        setting = str(sheet.raw(row, "setting"))
        value = sheet.raw(row, "value")
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            continue
        words = setting.replace("(minutes)", "").split()
        key = words[-1] if words and words[0].lower() == "period" else words[0] if words else ""
        if key:
            lengths[key] = int(value) if float(value).is_integer() else value
    return lengths or None
