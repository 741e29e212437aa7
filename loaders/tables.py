"""Column lists of the raw tables, in COPY order; the migrations create exactly these columns.

Every data table starts with lineage columns (`loaded_at` is left to its default, the
transaction's start time): workbook tables and `tracker_games` with `LINEAGE`, the other per-game
tracker tables with `ROW_LINEAGE` (their file's lineage is the game's, one `load_id` away).
Workbook tables then hold the documented columns of their sheet as text, plus `extra` (jsonb)
for columns the league added that are not documented.
"""

from __future__ import annotations

LINEAGE = ("load_id", "source", "file_name", "file_sha256", "sheet", "row_number")
ROW_LINEAGE = ("load_id", "sheet", "row_number")

TRACKER_TABLES: dict[str, tuple[str, ...]] = {
    "tracker_games": (
        "game_id",
        "source_format",
        "version",
        "home_team",
        "away_team",
        "home_color",
        "away_color",
        "period_lengths",
        "penalty_lengths",
        "period_length_minutes",
        "home_attacks_right_p1",
        "export_date",
        "saved_at",
        "exported_at",
        "xy_frame",
        "event_count",
        "shift_count",
        "event_player_count",
        "flags",
        "extra",
    ),
    "tracker_rosters": (
        "game_id",
        "side",
        "roster_order",
        "player_id",
        "jersey",
        "player_name",
        "position",
        "rating",
    ),
    "tracker_events": (
        "game_id",
        "event_idx",
        "period",
        "event_type",
        "team",
        "team_source",
        "zone",
        "success",
        "detail1",
        "detail2",
        "start_clock",
        "start_seconds",
        "end_clock",
        "end_seconds",
        "strength",
        "linked_event_idx",
        "assist_to_goal_idx",
        "sequence_idx",
        "play_idx",
        "is_highlight",
        "type_code",
        "type_id",
        "detail1_code",
        "detail1_id",
        "detail2_code",
        "detail2_id",
        "linked_event_chain",
        "video_url",
        "player_count",
        "extra",
    ),
    "tracker_event_players": (
        "game_id",
        "event_idx",
        "player_order",
        "jersey",
        "player_name",
        "player_id",
        "position",
        "team_written",
        "side",
        "role_written",
        "role",
        "role_group",
        "role_number",
        "role_num_written",
        "play_d1",
        "play_d2",
        "play_success",
        "pressure",
        "pressured_by",
        "side_of_puck",
        "extra",
    ),
    "tracker_xy_points": (
        "game_id",
        "event_idx",
        "kind",
        "player_order",
        "jersey",
        "role",
        "seq",
        "x",
        "y",
        "frame",
        "x_centred",
        "y_centred",
    ),
    "tracker_shifts": (
        "game_id",
        "shift_idx",
        "period",
        "start_clock",
        "start_seconds",
        "end_clock",
        "end_seconds",
        "start_type",
        "stop_type",
        "strength",
        "duration",
        "stoppage_time",
        "player_count",
        "extra",
    ),
    "tracker_shift_slots": (
        "game_id",
        "shift_idx",
        "side",
        "slot",
        "slot_order",
        "jersey",
        "player_name",
        "player_id",
        "position",
    ),
}
"""Per-game tables: one load replaces all rows of a game in every one of them."""

GAME_TABLES = (*TRACKER_TABLES, "load_warnings", "tracking_files")
"""Every raw table with rows of a game: its tracker rows, its load warnings, its files seen."""


_NOT_TEXT: dict[str, dict[str, str]] = {
    "tracker_rosters": {"roster_order": "int"},
    "tracker_events": {
        "event_idx": "int",
        "period": "int",
        "start_seconds": "number",
        "end_seconds": "number",
        "linked_event_idx": "int",
        "assist_to_goal_idx": "int",
        "sequence_idx": "int",
        "play_idx": "int",
        "is_highlight": "bool",
        "player_count": "int",
    },
    "tracker_event_players": {"event_idx": "int", "player_order": "int", "role_number": "int"},
    "tracker_xy_points": {
        "event_idx": "int",
        "player_order": "int",
        "seq": "int",
        "x": "float",
        "y": "float",
        "x_centred": "float",
        "y_centred": "float",
    },
    "tracker_shifts": {
        "shift_idx": "int",
        "period": "int",
        "start_seconds": "number",
        "end_seconds": "number",
        "duration": "number",
        "stoppage_time": "number",
        "player_count": "int",
    },
    "tracker_shift_slots": {"shift_idx": "int", "slot_order": "int"},
}
ROW_KINDS: dict[str, tuple[str, ...]] = {
    table: (
        "str",
        "int",
        *(kinds.get(column, "int" if column == "game_id" else "str") for column in columns),
    )
    for table, columns in TRACKER_TABLES.items()
    if (kinds := _NOT_TEXT.get(table)) is not None
}
"""What the parsers put in each value of a row (sheet, row_number, *columns) of a tracker table:
`str` (text, and JSON text for jsonb), `int`, `float`, `bool`, or `number` (an int, or a float
for a fraction). `loaders.store` formats rows for COPY by these (tracker_games: value by value).
"""


def tracker_lineage(table: str) -> tuple[str, ...]:
    """The lineage columns a tracker table starts with: the whole file lineage on the game's
    row, the load and the row's place in the file on every other row."""
    return LINEAGE if table == "tracker_games" else ROW_LINEAGE


WARNING_COLUMNS = (
    "load_id",
    "source",
    "file_name",
    "file_sha256",
    "game_id",
    "table_name",
    "location",
    "code",
    "message",
)


class SheetSpec:
    """A documented workbook sheet: its columns, key and accepted alternative column names."""

    def __init__(
        self,
        name: str,
        key: tuple[str, ...],
        columns: tuple[str, ...],
        aliases: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.key = key
        self.columns = columns
        self.aliases = aliases or {}

    @property
    def table(self) -> str:
        return f"blb_{self.name}"

    def column(self, name: str) -> str | None:
        """The documented column `name` spells (its own name or a documented alias), or None."""
        return name if name in self.columns else self.aliases.get(name)


def _period_goals(venue: str) -> tuple[str, ...]:
    return tuple(f"{venue}_team_period{p}_goals" for p in ("1", "2", "3", "ot"))


def _record(venue: str) -> tuple[str, ...]:
    return tuple(f"{venue}_team_{s}" for s in ("seeding", "w", "l", "t", "pts"))


_DETAIL = (
    "category",
    "description",
    "is_shot_on_goal",
    "is_goal",
    "is_miss",
    "is_block",
    "danger_potential",
)
_PLAY = ("play_category", "skill_level", "description")

WORKBOOK_SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec("dim_league", ("league_id",), ("league_id", "league")),
    SheetSpec(
        "dim_season",
        ("season_id",),
        (
            "season_id",
            "season",
            "session",
            "norad",
            "csah",
            "league_id",
            "league",
            "start_date",
            "season_display",
        ),
    ),
    SheetSpec(
        "dim_team",
        ("team_id",),
        (
            "team_name",
            "team_id",
            "norad_team",
            "league_id",
            "league",
            "long_team_name",
            "team_cd",
            "team_color1",
            "team_color2",
            "team_color3",
            "team_color4",
            "team_logo",
            "team_url",
        ),
    ),
    SheetSpec(
        "dim_player",
        ("player_id",),
        (
            "player_first_name",
            "player_last_name",
            "player_full_name",
            "player_id",
            "player_primary_position",
            "current_skill_rating",
            "birth_year",
            "player_gender",
            "highest_beer_league",
            "player_rating_ly",
            "player_leadership",
            "player_norad",
            "player_norad_current_team",
            "player_norad_current_team_id",
            "other_url",
            "player_url",
            "player_image",
        ),
        # The API seed reference's staging example names them without the prefix.
        aliases={"first_name": "player_first_name", "last_name": "player_last_name"},
    ),
    SheetSpec(
        "dim_schedule",
        ("game_id",),
        (
            "game_id",
            "season",
            "season_id",
            "game_url",
            "date",
            "game_time",
            "home_team_name",
            "away_team_name",
            "home_team_id",
            "away_team_id",
            "head_to_head_id",
            "game_type",
            "playoff_round",
            "last_period_type",
            "period_length",
            "ot_period_length",
            "shootout_rounds",
            "schedule_type",
            "include",
            "home_total_goals",
            "away_total_goals",
            *_period_goals("home"),
            *_period_goals("away"),
            *_record("home"),
            *_record("away"),
        ),
    ),
    SheetSpec(
        "fact_gameroster",
        ("game_id", "player_id"),
        (
            "game_id",
            "team_venue",
            "team_name",
            "opp_team_name",
            "player_game_number",
            "player_position",
            "games_played",
            "goals",
            "assist",
            "goals_against",
            "pim",
            "shutouts",
            "team_id",
            "opp_team_id",
            "player_full_name",
            "player_id",
            "date",
            "season",
            "sub",
            "current_team",
        ),
    ),
    SheetSpec(
        "fact_registration",
        ("player_season_registration_id",),
        (
            "player_season_registration_id",
            "player_full_name",
            "player_id",
            "season_id",
            "season",
            "restricted",
            "email",
            "position",
            "norad_experience",
            "caf",
            "highest_beer_league_played",
            "skill_rating",
            "age",
            "referred_by",
            "notes",
            "sub_yn",
            "drafted_team_name",
            "drafted_team_id",
        ),
    ),
    SheetSpec(
        "fact_draft",
        ("player_draft_id",),
        (
            "player_draft_id",
            "team_id",
            "skill_rating",
            "round",
            "player_full_name",
            "player_id",
            "team_name",
            "restricted",
            "overall_draft_round",
            "overall_draft_position",
            "unrestricted_draft_position",
            "season",
            "season_id",
            "league",
        ),
    ),
    SheetSpec(
        "fact_leadership",
        ("player_id", "team_id", "season_id"),
        (
            "player_full_name",
            "player_id",
            "leadership",
            "skill_rating",
            "team_name",
            "team_id",
            "season",
            "season_id",
        ),
    ),
    SheetSpec(
        "dim_playerurlref", ("n_player_url",), ("n_player_url", "player_full_name", "n_player_id_2")
    ),
    SheetSpec(
        "dim_randomnames",
        ("random_full_name",),
        ("random_full_name", "random_first_name", "random_last_name", "gender", "name_used"),
    ),
    SheetSpec(
        "dim_event_type",
        ("event_type_id",),
        (
            "event_type_id",
            "event_type_code",
            "event_type_name",
            "event_category",
            "description",
            "is_corsi",
            "is_fenwick",
        ),
    ),
    SheetSpec(
        "dim_event_detail",
        ("event_detail_id",),
        ("event_detail_id", "event_detail_code", "event_detail_name", "event_type", *_DETAIL),
    ),
    SheetSpec(
        "dim_event_detail_2",
        ("event_detail_2_id",),
        (
            "event_detail_2_id",
            "event_detail_2_code",
            "event_detail_2_name",
            "event_type",
            *_DETAIL,
            "event_type_macro",
        ),
        aliases={f"event_detail_{s}": f"event_detail_2_{s}" for s in ("id", "code", "name")},
    ),
    SheetSpec(
        "dim_play_detail",
        ("play_detail_id",),
        ("play_detail_id", "play_detail_code", "play_detail_name", *_PLAY),
    ),
    SheetSpec(
        "dim_play_detail_2",
        ("play_detail_2_id",),
        ("play_detail_2_id", "play_detail_2_code", "play_detail_2_name", *_PLAY),
        aliases={f"play_detail_{s}": f"play_detail_2_{s}" for s in ("id", "code", "name")},
    ),
)
SHEETS_BY_NAME = {spec.name: spec for spec in WORKBOOK_SHEETS}


def workbook_columns(spec: SheetSpec) -> tuple[str, ...]:
    """COPY column order of a workbook table: lineage, documented columns, extra."""
    return (*LINEAGE, *spec.columns, "extra")


# Which game ids the league knows: the workbook's schedule or a tracked game. Both tables may be
# missing on a fresh database, so the query is assembled from the ones that exist (ask
# `RAW_GAME_SOURCES` first). The API and `benchsight build --games` both check game ids with it.
RAW_GAME_SOURCES = (
    "select to_regclass('raw.blb_dim_schedule') is not null,"
    " to_regclass('raw.tracker_games') is not null"
)


def known_games_query(
    sources: tuple[bool, bool], wanted: list[int] | None
) -> tuple[str, list[list[str] | None]] | None:
    """(query, parameters) of the known game ids among `wanted` (None: every game), given
    `RAW_GAME_SOURCES`' answer; None when neither table exists."""
    has_schedule, has_tracking = sources
    parts = []
    if has_schedule:
        parts.append("select game_id::text from raw.blb_dim_schedule")
    if has_tracking:
        parts.append("select game_id::text from raw.tracker_games")
    if not parts:
        return None
    texts = None if wanted is None else [str(g) for g in wanted]
    return (
        f"select distinct game_id::int from ({' union '.join(parts)}) g"
        " where game_id ~ '^[0-9]{1,9}$' and (%s::text[] is null or game_id = any(%s::text[]))",
        [texts, texts],
    )
