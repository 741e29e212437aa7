"""The workbook half of the warehouse: a small hand-made league through real dbt and Postgres.

The league (two seasons, three league teams and one outside team) is written straight into the
raw.blb_* tables the way the workbook loader writes them: text cells, some typed the awkward
ways real sheets hold them (`18004.0`, `2.0`, dates with a time part, `y`). The expected
numbers below are worked out by hand from the schedule and roster lines in this file.

Current season N20252026F, official games (home-away):
    18001 2025-09-07 Regular  N1 4-3 N2
    18002 2025-09-14 Regular  N2 2-2 N3
    18003 2025-09-21 Regular  N3 1-5 N1
    18004 2025-09-28 Regular  N1 0-2 N2   (first written 0-3; a later row of the sheet says 0-2)
    18005 2025-10-05 Playoffs N1 3-1 N3
    18006 Upcoming, 18007 PPD: not played, never counted.
Previous season N20242025F: 17001 2024-10-01 Regular N1 1-0 N2.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from dbt_harness import run_dbt
from psycopg import sql

pytestmark = pytest.mark.slow

CURRENT = "N20252026F"
PREVIOUS = "N20242025F"

MY_SEEDS = [
    "dim_game_result",
    "dim_period",
    "dim_strength",
    "dim_situation",
    "dim_venue",
    "dim_zone",
    "dim_position",
    "dim_player_role",
    "dim_shot_type",
    "dim_takeaway_type",
    "dim_stoppage_type",
    "dim_shift_start_type",
    "dim_shift_stop_type",
    "dim_danger_level",
    "dim_game_state",
    "dim_time_bucket",
    "dim_stat",
]
SELECTION = [
    "path:models/staging/blb",
    "path:models/intermediate/league",
    "path:models/marts/league",
    *MY_SEEDS,
]


def _games() -> list[dict]:
    # Start times typed three ways: 24-hour text, 12-hour text, an Excel day fraction.
    start_times = {"18001": "19:30:00", "18002": "7:30 PM", "18003": "0.8125"}

    def game(game_id, season_id, date, game_type, home, away, hg, ag, schedule_type="Past"):
        season = season_id[1:9]
        return {
            "game_id": game_id,
            "season": season,
            "season_id": season_id,
            "date": date,
            "game_time": start_times.get(game_id, "19:30"),
            "game_type": game_type,
            "schedule_type": schedule_type,
            "home_team_id": home,
            "away_team_id": away,
            "home_total_goals": hg,
            "away_total_goals": ag,
            "period_length": "18",
            "ot_period_length": "5",
        }

    return [
        game("17001", PREVIOUS, "2024-10-01", "Regular", "N1", "N2", "1", "0"),
        game("18001", CURRENT, "2025-09-07", "Regular", "N1", "N2", "4", "3"),
        game("18002", CURRENT, "2025-09-14 00:00:00", "regular", "N2", "N3", "2", "2"),
        game("18003", CURRENT, "2025-09-21", "Regular", "N3", "N1", "1.0", "5"),
        game("18004", CURRENT, "2025-09-28", "Regular", "N1", "N2", "0", "3"),
        game("18005", CURRENT, "2025-10-05", "Playoffs", "N1", "N3", "3", "1"),
        game("18006", CURRENT, "2025-10-12", "Regular", "N2", "N1", None, None, "Upcoming"),
        game("18007", CURRENT, "2025-10-19", "Regular", "N3", "N2", None, None, "PPD"),
        # The admin corrected 18004 further down the sheet: this later row wins.
        game("18004.0", CURRENT, "2025-09-28T00:00:00", "Regular", "N1", "N2", "0", "2.0"),
    ]


def _line(
    game_id,
    player_id,
    team_id,
    venue,
    position,
    goals="0",
    assists="0",
    pim="0",
    goals_against=None,
    shutouts=None,
    sub=None,
    date=None,
):
    return {
        "game_id": game_id,
        "player_id": player_id,
        "team_id": team_id,
        "team_venue": venue,
        "player_position": position,
        "goals": goals,
        "assist": assists,
        "pim": pim,
        "goals_against": goals_against,
        "shutouts": shutouts,
        "games_played": "1",
        "sub": sub,
        "date": date,
        "player_game_number": "7.0" if player_id == "P101" else "12",
    }


def _rosters() -> list[dict]:
    return [
        _line("17001", "P101", "N1", "Home", "Forward", goals="1"),
        _line("17001", "P103", "N1", "Home", "Goalie", goals_against="0", shutouts="1"),
        _line("17001", "P203", "N2", "Away", "Goalie", goals_against="1"),
        # The sheet credits N2 with a goal in a game it lost 1-0: a workbook error to report.
        _line("17001", "P201", "N2", "Away", "Forward", goals="1"),
        # An earlier version of the line, corrected below (3 goals, not 2).
        _line("18001", "P101", "N1", "Home", "Forward", goals="2", assists="1"),
        _line("18001", "P102", "N1", "Home", "Defense", goals="1", assists="2", pim="2"),
        _line("18001", "P103", "N1", "Home", "Goalie", goals_against="3"),
        _line("18001", "P201", "N2", "Away", "F", goals="2"),
        _line("18001", "P202", "N2", "Away", "Forward", goals="1", assists="1"),
        _line("18001", "P203", "N2", "Away", "Goalie", goals_against="4"),
        _line("18001", "P101", "N1", "Home", "Forward", goals="3.0", assists="1"),
        _line("18004", "P101", "N1", "Home", "Forward"),
        _line("18004", "P102", "N1", "Home", "Defense", pim="4"),
        _line("18004", "P103", "N1", "Home", "Goalie", goals_against="2"),
        _line("18004", "P201", "N2", "Away", "Forward", goals="1", assists="1"),
        _line("18004", "P202", "N2", "Away", "Forward", goals="1", sub="Y"),
        _line("18004", "P203", "N2", "Away", "Goalie", goals_against="0", shutouts="1"),
        _line("18005", "P101", "N1", "Home", "Forward", goals="1", assists="1"),
        _line("18005", "P102", "N1", "Home", "Defense", goals="2"),
        _line("18005", "P103", "N1", "Home", "Goalie", goals_against="1"),
        _line("18005", "P301", "N3", "Away", "Forward", goals="1", date="2025-02-30"),
        _line("18005", "P303", "N3", "Away", "Goalie", goals_against="3", date="45935"),
    ]


PLAYERS = {
    "P101": "Ada Arrow",
    "P102": "Bo Blue",
    "P103": "Cy Crease",
    "P201": "Di Dash",
    "P202": "Ed Edge",
    "P203": "Flo Flash",
    "P301": "Gus Gale",
    "P303": "Hal Hold",
}


def _workbook() -> dict[str, list[dict]]:
    return {
        "blb_dim_league": [{"league_id": "N", "league": "NORAD"}],
        "blb_dim_season": [
            {
                "season_id": PREVIOUS,
                "season": "20242025",
                "league_id": "N",
                "start_date": "2024-09-01 00:00:00",
                "norad": "Y",
            },
            {
                "season_id": CURRENT,
                "season": "20252026.0",
                "league_id": "N",
                "start_date": "9/1/2025",
                "norad": "y",
            },
        ],
        "blb_dim_team": [
            {"team_id": "N1", "team_name": "Aces", "norad_team": "Y"},
            {"team_id": "N2", "team_name": "Blades", "norad_team": "Y"},
            {"team_id": "N3", "team_name": "Comets", "norad_team": " Y "},
            {"team_id": "X9", "team_name": "Outsiders", "norad_team": "N"},
        ],
        "blb_dim_player": [
            {
                "player_id": pid,
                "player_full_name": name,
                "current_skill_rating": "4.0",
                "birth_year": "1990.0",
            }
            for pid, name in PLAYERS.items()
        ],
        "blb_dim_schedule": _games(),
        "blb_fact_gameroster": _rosters(),
        "blb_fact_registration": [
            {
                "player_season_registration_id": "R1",
                "player_id": "P101",
                "season_id": CURRENT,
                "email": "ada@example.org",
                "age": "35",
                "restricted": "N",
            },
        ],
        "blb_fact_draft": [
            {
                "player_draft_id": "D1",
                "player_id": "P101",
                "team_id": "N1",
                "round": "1.0",
                "season_id": CURRENT,
            },
        ],
        "blb_fact_leadership": [
            {"player_id": "P101", "team_id": "N1", "season_id": CURRENT, "leadership": "C"},
        ],
    }


def _insert(conn: psycopg.Connection, table: str, rows: list[dict], load_id: int) -> None:
    for row_number, row in enumerate(rows, start=2):
        columns = ["load_id", "source", "sheet", "row_number", *row]
        values = [load_id, "file", table[4:], row_number, *row.values()]
        conn.execute(
            sql.SQL("insert into {} ({}) values ({})").format(
                sql.Identifier("raw", table),
                sql.SQL(", ").join(map(sql.Identifier, columns)),
                sql.SQL(", ").join(sql.Placeholder() * len(values)),
            ),
            values,
        )


def _new_load(conn: psycopg.Connection, kind: str, source: str) -> int:
    return conn.execute(
        "insert into raw.loads (kind, source, outcome) values (%s, %s, 'loaded') returning load_id",
        [kind, source],
    ).fetchone()[0]


def load_league(url: str) -> None:
    with psycopg.connect(url) as conn:
        load_id = _new_load(conn, "workbook", "file")
        for table, rows in _workbook().items():
            _insert(conn, table, rows, load_id)
        # A later load through the API renames a player: a later load beats a later sheet row.
        api_load = _new_load(conn, "workbook_rows", "api")
        _insert(
            conn,
            "blb_dim_player",
            [{"player_id": "P102", "player_full_name": "Bo Bluer"}],
            api_load,
        )


def build_selection(db_url: str, target: Path) -> None:
    """`dbt build` of the league tables (SELECTION) into `target`; it must succeed."""
    result = run_dbt(
        db_url,
        "build",
        "--indirect-selection",
        "cautious",
        "--select",
        *SELECTION,
        target_path=target,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


@pytest.fixture(scope="module")
def build_results(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple]:
    """Load the league and build it once; node name -> (status, failures) of the build."""
    load_league(db_url)
    target = tmp_path_factory.mktemp("dbt_target_wb")
    build_selection(db_url, target)
    run_results = json.loads((target / "run_results.json").read_text())
    return {
        r["unique_id"].split(".")[-1]: (r["status"], r["failures"]) for r in run_results["results"]
    }


@pytest.fixture(scope="module")
def league(db_url: str, build_results: dict[str, tuple]) -> Iterator[psycopg.Connection]:
    with psycopg.connect(db_url, autocommit=True) as conn:
        yield conn


def _rows(conn: psycopg.Connection, query: str, *params) -> list[tuple]:
    return conn.execute(query, params).fetchall()


def test_standings_by_hand(league: psycopg.Connection) -> None:
    rows = _rows(
        league,
        """select team_id, game_type, games_played, wins, losses, ties, points, goals_for,
                  goals_against, goal_diff, streak, last_5, standing_rank
           from public.fact_standings where season_id = %s order by game_type, standing_rank""",
        CURRENT,
    )
    assert rows == [
        ("N1", "All", 4, 3, 1, 0, 6, 12, 7, 5, "W1", "3-1-0", 1),
        ("N2", "All", 3, 1, 1, 1, 3, 7, 6, 1, "W1", "1-1-1", 2),
        ("N3", "All", 3, 0, 2, 1, 1, 4, 10, -6, "L2", "0-2-1", 3),
        ("N1", "Playoffs", 1, 1, 0, 0, 2, 3, 1, 2, "W1", "1-0-0", 1),
        ("N3", "Playoffs", 1, 0, 1, 0, 0, 1, 3, -2, "L1", "0-1-0", 2),
        ("N1", "Regular", 3, 2, 1, 0, 4, 9, 6, 3, "L1", "2-1-0", 1),
        ("N2", "Regular", 3, 1, 1, 1, 3, 7, 6, 1, "W1", "1-1-1", 2),
        ("N3", "Regular", 2, 0, 1, 1, 1, 3, 7, -4, "L1", "0-1-1", 3),
    ]
    previous = _rows(
        league,
        "select team_id, wins, losses, points from public.fact_standings "
        "where season_id = %s and game_type = 'All' order by team_id",
        PREVIOUS,
    )
    assert previous == [("N1", 1, 0, 2), ("N2", 0, 1, 0)]


def test_current_standings_view_shows_latest_season(league: psycopg.Connection) -> None:
    rows = _rows(
        league,
        "select distinct season_id from public.v_standings_current",
    )
    assert rows == [(CURRENT,)]


def test_player_season_stats_by_hand_with_all_rows(league: psycopg.Connection) -> None:
    rows = _rows(
        league,
        """select player_id, game_type, games_played, goals, assists, points, pim, team_id
           from public.fact_player_season_stats_basic
           where season_id = %s and player_id in ('P101', 'P102', 'P202')
           order by player_id, game_type""",
        CURRENT,
    )
    assert rows == [
        ("P101", "All", 3, 4, 2, 6, 0, "N1"),
        ("P101", "Playoffs", 1, 1, 1, 2, 0, "N1"),
        ("P101", "Regular", 2, 3, 1, 4, 0, "N1"),
        ("P102", "All", 3, 3, 2, 5, 6, "N1"),
        ("P102", "Playoffs", 1, 2, 0, 2, 0, "N1"),
        ("P102", "Regular", 2, 1, 2, 3, 6, "N1"),
        ("P202", "All", 2, 2, 1, 3, 0, "N2"),
        ("P202", "Regular", 2, 2, 1, 3, 0, "N2"),
    ]
    # Goalies are not skaters: no goalie in the skater table.
    assert _rows(
        league,
        "select count(*) from public.fact_player_season_stats_basic where player_id = 'P103'",
    ) == [(0,)]


def test_goalie_and_team_season_stats_by_hand(league: psycopg.Connection) -> None:
    goalies = _rows(
        league,
        """select player_id, game_type, games_played, wins, losses, ties, goals_against, gaa,
                  shutouts
           from public.fact_goalie_season_stats_basic where season_id = %s
           order by player_id, game_type""",
        CURRENT,
    )
    assert [(r[0], r[1], r[2], r[3], r[4], r[5], r[6], float(r[7]), r[8]) for r in goalies] == [
        ("P103", "All", 3, 2, 1, 0, 6, 2.0, 0),
        ("P103", "Playoffs", 1, 1, 0, 0, 1, 1.0, 0),
        ("P103", "Regular", 2, 1, 1, 0, 5, 2.5, 0),
        ("P203", "All", 2, 1, 1, 0, 4, 2.0, 1),
        ("P203", "Regular", 2, 1, 1, 0, 4, 2.0, 1),
        ("P303", "All", 1, 0, 1, 0, 3, 3.0, 0),
        ("P303", "Playoffs", 1, 0, 1, 0, 3, 3.0, 0),
    ]
    teams = _rows(
        league,
        """select game_type, games_played, wins, points, goals_for, goals_against, roster_goals,
                  assists, pim, players_used
           from public.fact_team_season_stats_basic where season_id = %s and team_id = 'N1'
           order by game_type""",
        CURRENT,
    )
    # Roster lines exist for 18001, 18004 and 18005 only: 7 of N1's 12 goals (18003 has none).
    assert teams == [
        ("All", 4, 3, 6, 12, 7, 7, 4, 6, 3),
        ("Playoffs", 1, 1, 2, 3, 1, 3, 1, 0, 3),
        ("Regular", 3, 2, 4, 9, 6, 4, 3, 6, 3),
    ]


def test_leaderboards_rank_the_current_season(league: psycopg.Connection) -> None:
    points = _rows(
        league,
        "select rank, player_id, points from public.v_leaderboard_points order by rank, player_id",
    )
    assert points == [
        (1, "P101", 6),
        (2, "P102", 5),
        (3, "P201", 4),
        (4, "P202", 3),
        (5, "P301", 1),
    ]
    goals = _rows(
        league, "select rank, player_id from public.v_leaderboard_goals order by rank, player_id"
    )
    assert goals[:3] == [(1, "P101"), (2, "P102"), (2, "P201")]
    gaa = _rows(
        league,
        "select rank, player_id from public.v_leaderboard_goalie_gaa order by rank, player_id",
    )
    assert gaa == [(1, "P103"), (1, "P203"), (3, "P303")]
    wins = _rows(
        league,
        "select rank, player_id, wins from public.v_leaderboard_goalie_wins order by rank, player_id",
    )
    assert wins == [(1, "P103", 2), (2, "P203", 1), (3, "P303", 0)]


def test_dedup_keeps_the_latest_row_and_load(league: psycopg.Connection) -> None:
    assert _rows(
        league,
        "select home_total_goals, away_total_goals, game_date from public.dim_schedule "
        "where game_id = 18004",
    ) == [(0, 2, datetime.date(2025, 9, 28))]
    assert _rows(
        league,
        "select goals, assists, points, player_game_number from public.fact_gameroster "
        "where game_id = 18001 and player_id = 'P101'",
    ) == [(3, 1, 4, "7")]
    assert _rows(
        league, "select player_full_name from public.dim_player where player_id = 'P102'"
    ) == [("Bo Bluer",)]
    assert _rows(league, "select count(*) from public.dim_schedule") == [(8,)]


def test_workbook_quirks_are_typed(league: psycopg.Connection) -> None:
    assert _rows(league, "select team_id from public.dim_team order by team_id") == [
        ("N1",),
        ("N2",),
        ("N3",),
    ]
    assert _rows(
        league, "select season_id, season, is_current from public.dim_season order by season_id"
    ) == [(PREVIOUS, 20242025, False), (CURRENT, 20252026, True)]
    assert _rows(league, "select game_type from public.dim_schedule where game_id = 18002") == [
        ("Regular",)
    ]
    assert _rows(league, "select round from public.fact_draft") == [(1,)]
    assert _rows(
        league, "select distinct game_time from public.dim_schedule where game_id < 18004"
    ) == [(datetime.time(19, 30),)]
    assert _rows(
        league, "select start_date from public.dim_season where season_id = %s", CURRENT
    ) == [(datetime.date(2025, 9, 1),)]
    # A day February does not have is no date (the schedule's date fills in); an Excel serial
    # day number is one.
    assert _rows(
        league,
        "select player_id, game_date from public.fact_gameroster where game_id = 18005 "
        "and player_id in ('P301', 'P303') order by player_id",
    ) == [("P301", datetime.date(2025, 10, 5)), ("P303", datetime.date(2025, 10, 5))]
    assert _rows(
        league,
        "select count(*) from staging.stg_blb__game_rosters "
        "where game_id = 18005 and player_id = 'P301' and game_date is null",
    ) == [(1,)]


def test_registrations_publish_no_email(league: psycopg.Connection) -> None:
    columns = {
        r[0]
        for r in _rows(
            league,
            "select column_name from information_schema.columns "
            "where table_name in ('fact_registration', 'stg_blb__registrations')",
        )
    }
    assert "player_id" in columns
    assert "email" not in columns
    assert _rows(league, "select player_id, age from public.fact_registration") == [("P101", 35)]


def test_workbook_goal_mismatch_is_reported_not_fatal(build_results: dict[str, tuple]) -> None:
    assert build_results["assert_official_goals_match_schedule"] == ("warn", 1)
    assert build_results["assert_season_tables_add_up"] == ("pass", 0)
