"""The official season tables on a generated league, against the generator's truth.json.

The sample's workbook goes through the real workbook loader; the expected numbers are counted
here from truth.json (official scores of every played game, per-player lines of tracked and
untracked games), never from the warehouse.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator

import psycopg
import pytest
from test_warehouse_league import build_selection

from benchsight.sample import generate
from loaders.workbook_load import load_workbook_file

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sample_league(
    db_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[psycopg.Connection, dict]]:
    out = tmp_path_factory.mktemp("sample_league")
    generate(out, teams=6, games=2, seed=3, flaws=0.0, workers=1)
    with psycopg.connect(db_url) as conn:
        outcome = load_workbook_file(conn, out / "BLB_TABLES.xlsx")
        assert not outcome.failed, outcome.reason
    target = tmp_path_factory.mktemp("dbt_target_wb_sample")
    build_selection(db_url, target)
    truth = json.loads((out / "truth.json").read_text())
    with psycopg.connect(db_url, autocommit=True) as conn:
        yield conn, truth


def _played_games(truth: dict) -> dict[int, dict]:
    return {int(k): v for k, v in {**truth["games"], **truth["untracked_games"]}.items()}


def test_standings_follow_the_official_scores(
    sample_league: tuple[psycopg.Connection, dict],
) -> None:
    conn, truth = sample_league
    schedule = {
        game_id: (home, away)
        for game_id, home, away in conn.execute(
            "select game_id, home_team_id, away_team_id from public.dim_schedule"
        )
    }
    expected: dict[str, Counter] = {}
    for game_id, game in _played_games(truth).items():
        home, away = schedule[game_id]
        for team, goals_for, goals_against in (
            (home, game["score"]["home"], game["score"]["away"]),
            (away, game["score"]["away"], game["score"]["home"]),
        ):
            row = expected.setdefault(team, Counter())
            row["gp"] += 1
            row["w"] += goals_for > goals_against
            row["l"] += goals_for < goals_against
            row["t"] += goals_for == goals_against
            row["gf"] += goals_for
            row["ga"] += goals_against
    built = {
        team: Counter(gp=gp, w=wins, l=losses, t=ties, gf=gf, ga=ga, points=points)
        for team, gp, wins, losses, ties, gf, ga, points in conn.execute(
            "select team_id, games_played, wins, losses, ties, goals_for, goals_against, points "
            "from public.fact_standings where game_type = 'All'"
        )
    }
    for row in expected.values():
        row["points"] = 2 * row["w"] + row["t"]
    assert built == expected
    assert len(built) == 6


def test_skater_season_totals_follow_the_player_lines(
    sample_league: tuple[psycopg.Connection, dict],
) -> None:
    conn, truth = sample_league
    # Untracked games' truth lines carry no position: the workbook's own roster says who kept goal.
    goalies = {
        player
        for (player,) in conn.execute(
            "select distinct player_id from raw.blb_fact_gameroster where player_position = 'Goalie'"
        )
    }
    expected: dict[str, Counter] = {}
    for game in _played_games(truth).values():
        for line in game["players"]:
            row = expected.setdefault(line["player_id"], Counter())
            assists = line["a"] if "a" in line else line["a1"] + line["a2"]
            row["gp"] += 1
            row["g"] += line["g"]
            row["a"] += assists
            row["pim"] += line["pim"]
    built = {
        player: Counter(gp=gp, g=g, a=a, pim=pim)
        for player, gp, g, a, pim in conn.execute(
            "select player_id, games_played, goals, assists, pim "
            "from public.fact_player_season_stats_basic where game_type = 'All'"
        )
    }
    skaters = {p: row for p, row in expected.items() if p not in goalies}
    assert built == skaters
    assert sum(row["g"] for row in built.values()) > 0
