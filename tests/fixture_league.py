"""A league workbook for the real fixture games, built at test time from the files themselves.

The fixtures are real tracker exports without their league workbook; the official finals come
from inputs.md (18969 4-3, 18981 2-1, 18977 4-2, home-away; the others are not known). Teams and
players are taken from the exports' own rosters, so every number a test computes from the JSON
can be compared with what the warehouse builds.
"""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import xlsxwriter

from loaders.tables import WORKBOOK_SHEETS
from loaders.workbook_load import load_workbook_file

SEASON_ID = "N20252026F"
OFFICIAL_FINALS = {18969: (4, 3), 18981: (2, 1), 18977: (4, 2)}
GAME_DATES = {
    18965: "2025-08-31",
    18969: "2025-09-07",
    18977: "2025-09-21",
    18981: "2025-09-28",
    19038: "2025-10-12",
}
GAME_FILES = {
    18965: "18965_no_shifts.json",
    18969: "18969.json",
    18977: "18977_empty.json",
    18981: "18981.json",
    19038: "19038_partial.json",
}
POSITIONS = {"F": "Forward", "D": "Defense", "G": "Goalie"}


def read_game(tracker_dir: Path, game_id: int) -> dict:
    return json.loads((tracker_dir / GAME_FILES[game_id]).read_text())


def build_fixture_workbook(tracker_dir: Path, out: Path) -> Path:
    games = {game_id: read_game(tracker_dir, game_id) for game_id in GAME_FILES}
    team_names = sorted({g[side] for g in games.values() for side in ("homeTeam", "awayTeam")})
    team_ids = {name: f"N{10001 + i}" for i, name in enumerate(team_names)}

    players: dict[str, dict] = {}
    roster_rows = []
    for game_id, game in games.items():
        for venue, opponent in (("home", "away"), ("away", "home")):
            team = game[f"{venue}Team"]
            for entry in game["rosters"][venue]:
                players.setdefault(entry["id"], entry)
                roster_rows.append(
                    {
                        "game_id": game_id,
                        "team_venue": venue.capitalize(),
                        "team_name": team,
                        "opp_team_name": game[f"{opponent}Team"],
                        "player_game_number": entry["num"],
                        "player_position": POSITIONS.get(entry.get("pos") or "F", "Forward"),
                        "games_played": 1,
                        "team_id": team_ids[team],
                        "opp_team_id": team_ids[game[f"{opponent}Team"]],
                        "player_full_name": entry["name"],
                        "player_id": entry["id"],
                        "date": GAME_DATES[game_id],
                        "season": 20252026,
                    }
                )

    schedule_rows = []
    for game_id, game in games.items():
        home_goals, away_goals = OFFICIAL_FINALS.get(game_id, (None, None))
        schedule_rows.append(
            {
                "game_id": game_id,
                "season": 20252026,
                "season_id": SEASON_ID,
                "date": GAME_DATES[game_id],
                "home_team_name": game["homeTeam"],
                "away_team_name": game["awayTeam"],
                "home_team_id": team_ids[game["homeTeam"]],
                "away_team_id": team_ids[game["awayTeam"]],
                "game_type": "Regular",
                "period_length": 18,
                "ot_period_length": 5,
                "schedule_type": "Past",
                "home_total_goals": home_goals,
                "away_total_goals": away_goals,
            }
        )

    rows_by_sheet = {
        "dim_league": [{"league_id": "N", "league": "NORAD"}],
        "dim_season": [
            {
                "season_id": SEASON_ID,
                "season": 20252026,
                "session": "F",
                "league_id": "N",
                "league": "NORAD",
                "start_date": "2025-08-31",
                "season_display": "2025-26 Fall",
            }
        ],
        "dim_team": [
            {
                "team_name": name,
                "team_id": team_id,
                "norad_team": "Y",
                "league_id": "N",
                "league": "NORAD",
            }
            for name, team_id in team_ids.items()
        ],
        "dim_player": [
            {
                "player_full_name": p["name"],
                "player_first_name": p["name"].split()[0],
                "player_last_name": p["name"].split()[-1],
                "player_id": pid,
                "player_primary_position": POSITIONS.get(p.get("pos") or "F", "Forward"),
            }
            for pid, p in sorted(players.items())
        ],
        "dim_schedule": schedule_rows,
        "fact_gameroster": roster_rows,
    }

    workbook = xlsxwriter.Workbook(str(out))
    for spec in WORKBOOK_SHEETS:
        sheet = workbook.add_worksheet(spec.name)
        sheet.write_row(0, 0, spec.columns)
        for r, row in enumerate(rows_by_sheet.get(spec.name, []), start=1):
            sheet.write_row(r, 0, [row.get(column) for column in spec.columns])
    workbook.close()
    return out


def excel_source(
    db_url: str, fixtures_dir: Path, root: Path, files: tuple[str, ...]
) -> tuple[Path, Path, Path]:
    """What `source: excel` reloads, under `root`: the fixture workbook (loaded into `db_url`)
    and a tracker folder linking `files`. Returns (state folder, workbook, tracker folder)."""
    state = root / "state"
    state.mkdir()
    workbook = build_fixture_workbook(fixtures_dir / "tracker", root / "BLB_TABLES.xlsx")
    with psycopg.connect(db_url, autocommit=True) as conn:
        assert not load_workbook_file(conn, workbook).failed
    tracker_dir = root / "tracker"
    tracker_dir.mkdir()
    for name in files:
        (tracker_dir / name).symlink_to(fixtures_dir / "tracker" / name)
    return state, workbook, tracker_dir
