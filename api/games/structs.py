"""Request and response bodies of the games API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from msgspec import Struct

from api.runs.structs import Run

TrackingStatus = Literal["tracked", "untracked", "partial", "empty", "not_built"]
Grade = Literal["A", "B", "C", "D", "F"]


class GameSummary(Struct):
    game_id: int
    season_id: str | None
    date: str | None
    home_team_id: str | None
    away_team_id: str | None
    home_team_name: str | None
    away_team_name: str | None
    schedule_type: str | None
    home_goals_official: int | None
    away_goals_official: int | None
    is_scheduled: bool
    has_tracking: bool
    """Tracking rows are loaded in raw (built or not)."""
    tracking_status: str
    """From the last build (fact_game_status); `not_built` when loaded but never built, `untracked` without tracking."""
    grade: str | None
    """Data-quality grade as of the last build."""


class GamePage(Struct):
    games: list[GameSummary]
    next_cursor: str | None


class TrackingFile(Struct):
    file_name: str | None
    source: str
    source_format: str
    version: str | None
    exported_at: datetime | None
    events: int | None
    shifts: int | None
    event_players: int | None
    chosen: bool
    reason: str | None
    seen_at: datetime


class LastLoad(Struct):
    load_id: int
    source: str
    file_name: str | None
    outcome: str
    reason: str | None
    at: datetime
    row_counts: dict


class LastBuild(Struct):
    run_id: int | None
    built_at: datetime
    run_status: str | None
    stale: bool
    """The game's loaded tracking changed after this build: grade and goals describe older data."""


class Goals(Struct):
    home_official: int | None
    away_official: int | None
    home_tracked: int | None
    away_tracked: int | None
    matches: bool | None
    """Tracked equals official for both teams; null when either side is unknown."""


class GameDetail(Struct):
    game_id: int
    schedule: dict | None
    """The raw schedule row as the workbook (or API) wrote it: documented columns plus `extra`."""
    tracking_files: list[TrackingFile]
    tracking_status: str
    grade: str | None
    reasons: list[str]
    last_build: LastBuild | None


class GameStatus(Struct):
    game_id: int
    is_scheduled: bool
    has_tracking: bool
    tracking_status: str
    grade: str | None
    reasons: list[str]
    goals: Goals
    last_load: LastLoad | None
    last_build: LastBuild | None


class ScheduleWrite(Struct):
    game_id: int
    outcome: str
    load_id: int | None
    warnings: int
    schedule: dict


class GameDeleted(Struct):
    game_id: int
    schedule_rows_deleted: int
    tracking_rows_deleted: dict[str, int]


class GradeAfterLoad(Struct):
    grade: str | None
    reasons: list[str]
    built_at: datetime | None
    stale: bool
    note: str


class TrackingUpload(Struct):
    game_id: int
    file_name: str
    outcome: str
    """loaded (first export), replaced, or unchanged (same content as the loaded export)."""
    reason: str
    source_format: str | None
    version: str | None
    events: int | None
    shifts: int | None
    event_players: int | None
    warnings: int | None
    load_id: int | None
    is_scheduled: bool
    grade: GradeAfterLoad
    build: Run | None
