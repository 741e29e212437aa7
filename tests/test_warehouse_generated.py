"""The warehouse built from a generated league recovers the generator's truth.

The sample generator writes down the right answers (truth.json): every clean game's box score
must come back exactly, and every injected flaw must be reported by QA.
"""

from __future__ import annotations

import json

import psycopg
import pytest
from api_checks import rows
from dbt_harness import run_dbt

from benchsight.sample import generate
from benchsight.sample.league import FLAW_KINDS, build_league
from loaders.tracking import load_tracking_paths
from loaders.workbook_load import load_workbook_file

pytestmark = pytest.mark.slow

# 16 tracked games, one flaw per flawed game, every kind before any repeats: about 10 flawed.
LEAGUE = {"teams": 4, "games": 16, "flaws": 0.625}
SKATER_STATS = {
    "g": "goals",
    "a1": "a1",
    "a2": "a2",
    "sog": "sog",
    "attempts": "attempts",
    "missed": "missed_shots",
    "blocked_attempts": "shots_blocked_against",
    "blocks": "blocks",
    "fow": "fo_wins",
    "fol": "fo_losses",
    "toi_s": "toi_seconds",
    "plus_minus": "plus_minus",
    "pim": "pim",
}
TEAM_STATS = {
    "goals": "goals_for",
    "sog": "sog_for",
    "attempts": "attempts_for",
    "fow": "fo_wins",
    "pim": "pim",
}


@pytest.fixture(scope="module")
def league(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    out = tmp_path_factory.mktemp("league")
    generate(out, seed=seed_with_every_flaw(), **LEAGUE)
    truth = json.loads((out / "truth.json").read_text())
    with psycopg.connect(db_url) as conn:
        assert not load_workbook_file(conn, out / "BLB_TABLES.xlsx").failed
        outcomes = load_tracking_paths(conn, [out / "tracker"])
        assert not [o for o in outcomes if o.failed], [o.reason for o in outcomes if o.failed]
    done = run_dbt(db_url, "build")
    assert done.returncode == 0, done.stdout[-4000:]
    return db_url, truth


def seed_with_every_flaw() -> int:
    """The first seed whose league carries every flaw kind (games whose goal was dropped can
    come out unflawed when the game had no goal to drop)."""
    for seed in range(1, 100):
        league = build_league(seed=seed, **LEAGUE)
        if {g.flaw for g in league.tracked_games()} >= set(FLAW_KINDS):
            return seed
    raise AssertionError("no seed below 100 gives every flaw kind")


def clean_games(truth: dict) -> list[str]:
    flawed = {str(f["game_id"]) for f in truth["flaws"]}
    return [game_id for game_id in truth["games"] if game_id not in flawed]


def test_the_league_has_clean_games_and_every_flaw_kind(league: tuple[str, dict]) -> None:
    _, truth = league
    assert len(clean_games(truth)) >= 4
    assert {f["kind"] for f in truth["flaws"]} == set(truth["generator"]["flaw_kinds"])


def test_clean_games_recover_every_player_number(league: tuple[str, dict]) -> None:
    db_url, truth = league
    columns = ", ".join(SKATER_STATS.values())
    for game_id in clean_games(truth):
        built = {
            r[0]: r[1:]
            for r in rows(
                db_url,
                f"select player_id, {columns} from fact_player_game_stats where game_id = %s",
                int(game_id),
            )
        }
        skaters = [p for p in truth["games"][game_id]["players"] if p["position"] != "G"]
        assert set(built) == {p["player_id"] for p in skaters}, game_id
        for player in skaters:
            got = dict(zip(SKATER_STATS, built[player["player_id"]], strict=True))
            want = {key: player[key] for key in SKATER_STATS}
            got["toi_s"] = round(float(got["toi_s"]))
            got["pim"] = int(got["pim"])
            assert got == want, (game_id, player["player_id"])


def test_clean_games_recover_team_and_goalie_numbers(league: tuple[str, dict]) -> None:
    db_url, truth = league
    for game_id in clean_games(truth):
        game = truth["games"][game_id]
        for venue, want in game["teams"].items():
            got = rows(
                db_url,
                f"select {', '.join(TEAM_STATS.values())} from fact_team_game_stats where game_id = %s and venue = %s",
                int(game_id),
                venue,
            )[0]
            assert dict(zip(TEAM_STATS, [int(v) for v in got], strict=True)) == {
                k: want[k] for k in TEAM_STATS
            }
        for goalie in (p for p in game["players"] if p["position"] == "G"):
            (toi,) = rows(
                db_url,
                "select toi_seconds from fact_goalie_game_stats where game_id = %s and player_id = %s",
                int(game_id),
                goalie["player_id"],
            )[0]
            assert round(float(toi)) == goalie["toi_s"]


def test_every_injected_flaw_is_reported(league: tuple[str, dict]) -> None:
    db_url, truth = league
    quality = {
        r[0]: r[1:]
        for r in rows(
            db_url,
            "select game_id, grade, reasons, untimed_events, duplicate_player_events, unknown_jerseys,"
            " has_usable_shifts, periods_tracked, has_events from qa_game_quality",
        )
    }
    for flaw in truth["flaws"]:
        game_id, kind = flaw["game_id"], flaw["kind"]
        grade, reasons, untimed, duplicates, unknown, usable, periods, has_events = quality[game_id]
        where = (game_id, kind)
        if kind in ("blank_clock", "seconds_missing_clock"):
            assert untimed >= 1 and grade == "B", where
        elif kind == "fractional_clock":
            # A fraction is a clean value: parsed (not a warning), so the shift keeps its 0.01 s.
            (end_clock, end_elapsed, period_end) = rows(
                db_url,
                "select s.end_clock, s.end_elapsed_s, s.end_elapsed_s + 0.01 from fact_shifts as s"
                " where s.game_id = %s and s.shift_idx = %s",
                game_id,
                flaw["shift_index"],
            )[0]
            assert end_clock == flaw["value"] and float(end_elapsed) == float(period_end) - 0.01, (
                where
            )
            assert float(period_end) in (1080.0, 300.0), where
        elif kind == "duplicate_player":
            assert duplicates >= 1, where
        elif kind == "unknown_jersey":
            assert unknown >= 1, where
            assert (
                rows(db_url, "select count(*) from qa_unknown_jerseys where game_id = %s", game_id)[
                    0
                ][0]
                >= 1
            )
        elif kind == "extra_assist_flag":
            assert (
                rows(
                    db_url, "select count(*) from qa_assist_anomalies where game_id = %s", game_id
                )[0][0]
                >= 1
            ), where
        elif kind == "missing_goal":
            assert grade == "C", where
            assert "tracked goals differ from the official score" in reasons, where
        elif kind == "no_shifts":
            assert not usable and grade == "D", where
        elif kind == "partial_game":
            assert periods < 3 and grade == "D", where
        elif kind == "empty_template":
            assert not has_events and grade == "F", where
        else:
            pytest.fail(f"flaw kind {kind} has no QA check")
    clean = {int(g) for g in clean_games(truth)}
    assert {game_id: quality[game_id][0] for game_id in clean} == dict.fromkeys(clean, "A")


def test_clean_games_recover_the_skater_pairs(league: tuple[str, dict]) -> None:
    """truth.json's skater_pairs (from the simulation): TOI together and on-ice goals per pair."""
    url, truth = league
    got = {
        (str(game_id), venue, a, b): (float(toi), gf, ga)
        for game_id, venue, a, b, toi, gf, ga in rows(
            url,
            "select w.game_id, p.venue, w.player_id, w.teammate_player_id, w.toi_together_s,"
            " w.gf_together, w.ga_together from fact_wowy as w"
            " inner join fact_player_game_stats as p using (game_id, player_id)"
            " where w.player_id < w.teammate_player_id",
        )
    }
    checked = 0
    for game_id in clean_games(truth):
        expected = {
            (game_id, p["team"], p["player_id_a"], p["player_id_b"]): (
                float(p["toi_together_s"]),
                p["on_ice_gf"],
                p["on_ice_ga"],
            )
            for p in truth["games"][game_id]["skater_pairs"]
        }
        assert {k: v for k, v in got.items() if k[0] == game_id} == expected
        checked += len(expected)
    assert checked > 0
