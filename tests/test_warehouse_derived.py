"""The derived marts (pairs, units, period and situation splits, tracked seasons) and the stat
catalogue, built from the real fixture games: checked against numbers computed here from the
tracker JSON (the players' shift intervals, half-open) or against the published game totals they
must add up to."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

import pytest
import test_warehouse_fixtures
from api_checks import rows
from fixture_league import read_game
from test_warehouse_fixtures import (
    BLOCKED,
    MISSED,
    SAVED,
    clock,
    expected_toi,
    jersey_map,
    skater_shifts,
)

from benchsight.config import REPO_ROOT

pytestmark = pytest.mark.slow

# The fixture league built once for this module (the same fixture as test_warehouse_fixtures).
warehouse = test_warehouse_fixtures.warehouse

GAMES_WITH_SHIFTS = [18969, 18981, 19038]


def skater_intervals(game: dict) -> dict[str, dict[str, list[tuple[int, float, float]]]]:
    """Per side, each known skater's shift intervals as (period, start, end) in elapsed seconds
    from the period's start ([start, end): the countdown clock's start is the larger value)."""
    out: dict[str, dict[str, list]] = {"home": defaultdict(list), "away": defaultdict(list)}
    for venue, player_id, period, start, end in skater_shifts(game):
        out[venue][player_id].append((period, -start, -end))
    return out


def overlap(a: list[tuple[int, float, float]], b: list[tuple[int, float, float]]) -> float:
    return sum(
        max(0.0, min(ea, eb) - max(sa, sb)) for pa, sa, ea in a for pb, sb, eb in b if pa == pb
    )


def expected_pair_toi(game: dict, teammates: bool) -> dict[tuple[str, str], float]:
    sides = skater_intervals(game)
    if teammates:
        groups = [(side, side) for side in sides.values()]
    else:
        groups = [(sides["home"], sides["away"]), (sides["away"], sides["home"])]
    toi = {}
    for mine, theirs in groups:
        for a in mine:
            for b in theirs:
                if a != b:
                    seconds = overlap(mine[a], theirs[b])
                    if seconds > 0:
                        toi[(a, b)] = round(seconds, 2)
    return toi


@pytest.mark.parametrize("game_id", GAMES_WITH_SHIFTS)
def test_pair_toi_together_is_the_overlap_of_the_json_shifts(
    warehouse: str, fixtures_dir: Path, game_id: int
) -> None:
    game = read_game(fixtures_dir / "tracker", game_id)
    wowy = rows(
        warehouse,
        "select player_id, teammate_player_id, toi_together_s from fact_wowy where game_id = %s",
        game_id,
    )
    h2h = rows(
        warehouse,
        "select player_id, opponent_player_id, toi_together_s from fact_h2h where game_id = %s",
        game_id,
    )
    assert {(a, b): round(float(t), 2) for a, b, t in wowy} == expected_pair_toi(game, True)
    assert {(a, b): round(float(t), 2) for a, b, t in h2h} == expected_pair_toi(game, False)


@pytest.mark.parametrize("game_id", GAMES_WITH_SHIFTS)
def test_defence_pairs_and_trios_match_the_json_shifts(
    warehouse: str, fixtures_dir: Path, game_id: int
) -> None:
    game = read_game(fixtures_dir / "tracker", game_id)
    ids = jersey_map(game)
    expected: Counter = Counter()
    for shift in game["shifts"]:
        start, end = clock(shift["start_time"]), clock(shift["end_time"])
        if start is None or end is None or start <= end:
            continue
        for venue in ("home", "away"):
            slots = shift[venue] or {}
            for unit_type, names in (("defence", ("D1", "D2")), ("forwards", ("F1", "F2", "F3"))):
                players = {ids.get((venue, str(slots[n]["num"]))) for n in names if slots.get(n)}
                players.discard(None)
                if len(players) == len(names):
                    expected[(venue, unit_type, "-".join(sorted(players)))] += start - end
    got = rows(
        warehouse,
        "select venue, unit_type, unit_key, toi_seconds from fact_line_combos"
        " where game_id = %s and unit_type in ('defence', 'forwards')",
        game_id,
    )
    assert {(v, u, k): round(float(t), 2) for v, u, k, t in got} == {
        k: round(t, 2) for k, t in expected.items()
    }


def test_head_to_head_rows_mirror_each_other(warehouse: str) -> None:
    assert rows(warehouse, "select count(*) from fact_h2h") != [(0,)]
    assert rows(
        warehouse,
        "select count(*) from fact_h2h as h"
        " left join fact_h2h as m on m.game_id = h.game_id and m.player_id = h.opponent_player_id"
        " and m.opponent_player_id = h.player_id"
        " where m.toi_together_s is distinct from h.toi_together_s or m.cf is distinct from h.ca"
        " or m.ca is distinct from h.cf or m.gf is distinct from h.ga or m.sf is distinct from h.sa",
    ) == [(0,)]


def test_with_and_without_add_up_to_the_players_game(warehouse: str) -> None:
    """Together + without = the player's TOI, CF and GF of fact_player_game_stats."""
    assert rows(
        warehouse,
        "select count(*) from fact_wowy as w"
        " inner join fact_player_game_stats as p on p.game_id = w.game_id and p.player_id = w.player_id"
        " where w.toi_together_s + w.toi_without_s <> p.toi_seconds"
        " or w.cf_together + w.cf_without <> p.cf or w.ca_together + w.ca_without <> p.ca"
        " or w.gf_together + w.gf_without <> p.gf_on_ice",
    ) == [(0,)]
    assert rows(warehouse, "select count(distinct game_id) from fact_wowy") == rows(
        warehouse,
        "select count(distinct game_id) from fact_player_game_stats where toi_seconds > 0",
    )


def test_matchups_are_the_units_out_together(warehouse: str) -> None:
    """Each unit's matchup time adds up to at most its own time, and both views agree."""
    assert rows(
        warehouse,
        "select count(*) from fact_matchups as m"
        " left join fact_matchups as o on o.game_id = m.game_id and o.unit_type = m.unit_type"
        " and o.unit_key = m.opponent_unit_key and o.opponent_unit_key = m.unit_key and o.venue <> m.venue"
        " where o.toi_together_s is distinct from m.toi_together_s or o.cf is distinct from m.ca",
    ) == [(0,)]
    assert rows(
        warehouse,
        "select count(*) from (select game_id, venue, unit_type, unit_key, sum(toi_together_s) as t"
        " from fact_matchups group by 1, 2, 3, 4) as m"
        " inner join fact_line_combos as l using (game_id, venue, unit_type, unit_key)"
        " where m.t > l.toi_seconds",
    ) == [(0,)]


def test_every_pair_of_a_five_man_unit_is_a_wowy_pair(warehouse: str) -> None:
    units = rows(
        warehouse, "select game_id, player_ids from fact_line_combos where unit_type = 'five'"
    )
    pairs = {
        (g, a, b)
        for g, a, b in rows(
            warehouse, "select game_id, player_id, teammate_player_id from fact_wowy"
        )
    }
    assert units
    for game_id, players in units:
        for a, b in combinations(players, 2):
            assert (game_id, a, b) in pairs


SPLIT_COLUMNS = [
    "goals",
    "a1",
    "a2",
    "points",
    "sog",
    "attempts",
    "blocks",
    "toi_seconds",
    "cf",
    "ca",
]
SPLIT_COLUMNS += ["ff", "fa", "sf", "sa", "gf_on_ice", "ga_on_ice"]


@pytest.mark.parametrize("split", ["fact_player_period_stats", "fact_player_game_situation_stats"])
def test_a_players_splits_add_up_to_his_game(warehouse: str, split: str) -> None:
    sums = ", ".join(f"sum({c}) as {c}" for c in SPLIT_COLUMNS)
    differ = " or ".join(f"s.{c} is distinct from g.{c}" for c in SPLIT_COLUMNS)
    scope = "" if split == "fact_player_period_stats" else " where g.has_on_ice_data"
    checked, wrong = rows(
        warehouse,
        f"select count(*), count(*) filter (where {differ}) from fact_player_game_stats as g"
        f" left join (select game_id, player_id, {sums} from {split} group by 1, 2) as s"
        f" using (game_id, player_id){scope}",
    )[0]
    assert checked > 0 and wrong == 0


def test_situation_toi_splits_the_json_toi(warehouse: str, fixtures_dir: Path) -> None:
    """The situations of a game hold every second of a skater's TOI computed from the JSON."""
    for game_id in GAMES_WITH_SHIFTS:
        expected = {
            p: round(t, 2)
            for p, t in expected_toi(read_game(fixtures_dir / "tracker", game_id)).items()
        }
        got = rows(
            warehouse,
            "select player_id, sum(toi_seconds) from fact_player_game_situation_stats"
            " where game_id = %s group by player_id having sum(toi_seconds) > 0",
            game_id,
        )
        assert {p: round(float(t), 2) for p, t in got} == expected


@pytest.mark.parametrize(
    ("season_table", "game_table", "key", "columns"),
    [
        (
            "fact_player_season_stats",
            "fact_player_game_stats",
            "player_id",
            ["goals", "points", "sog", "attempts", "toi_seconds", "cf", "ca", "plus_minus"],
        ),
        (
            "fact_goalie_season_stats",
            "fact_goalie_game_stats",
            "player_id",
            ["shots_against", "saves", "goals_against", "toi_seconds"],
        ),
        (
            "fact_team_season_stats",
            "fact_team_game_stats",
            "team_id",
            ["goals_for", "goals_against", "attempts_for", "attempts_against", "sog_for"],
        ),
    ],
)
def test_tracked_season_stats_are_sums_of_game_stats(
    warehouse: str, season_table: str, game_table: str, key: str, columns: list[str]
) -> None:
    """Summed here in Python from the game rows, per season and game type (and All)."""
    games = rows(
        warehouse,
        f"select g.{key}, s.season_id, s.game_type, {', '.join('g.' + c for c in columns)}"
        f" from {game_table} as g inner join dim_schedule as s using (game_id)",
    )
    expected: dict[tuple, list] = {}
    for who, season_id, game_type, *values in games:
        for scope in (game_type, "All"):
            totals = expected.setdefault((who, season_id, scope), [0] * (len(columns) + 1))
            totals[0] += 1
            for i, value in enumerate(values, 1):
                totals[i] += value or 0
    got = rows(
        warehouse,
        f"select {key}, season_id, game_type, games_tracked, {', '.join(columns)} from {season_table}",
    )
    assert expected
    assert {tuple(r[:3]): [float(v or 0) for v in r[3:]] for r in got} == {
        k: [float(v) for v in vs] for k, vs in expected.items()
    }


# Stat marts: every numeric column is a stat the catalogue must list, except these keys.
STAT_MARTS = re.compile(r"fact_(player|goalie|team)_\w*stats\w*")
NOT_STATS = {"game_id", "season", "period", "load_id"}


def published_columns(url: str) -> dict[str, dict[str, str]]:
    """Columns and types of every model the manifest marks public, as built in the database
    (the marts in public, the ML materialized views in ml: pg_attribute, since
    information_schema.columns leaves materialized views out)."""
    manifest = json.loads(
        (
            REPO_ROOT / ".benchsight" / f"dbt-target-{url.rsplit('/', 1)[-1]}" / "manifest.json"
        ).read_text()
    )
    names = {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node.get("access") == "public"
    }
    columns: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows(
        url,
        "select c.relname, a.attname, format_type(a.atttypid, null) from pg_attribute as a"
        " join pg_class as c on c.oid = a.attrelid join pg_namespace as n on n.oid = c.relnamespace"
        " where n.nspname in ('public', 'ml') and c.relkind in ('r', 'p', 'v', 'm')"
        " and a.attnum > 0 and not a.attisdropped",
    ):
        if table in names:
            columns.setdefault(table, {})[column] = data_type
    assert names == set(columns), names - set(columns)
    return columns


def test_the_stat_catalogue_lists_exactly_the_published_stats(warehouse: str) -> None:
    with (REPO_ROOT / "seeds" / "dim_stat.csv").open() as f:
        catalogue = {row["stat"] for row in csv.DictReader(f)}
    columns = published_columns(warehouse)
    published = {c for table in columns.values() for c in table}
    assert sorted(catalogue - published) == []
    stats = {
        c
        for table, cols in columns.items()
        if STAT_MARTS.fullmatch(table)
        for c, data_type in cols.items()
        if data_type in ("integer", "bigint", "numeric", "double precision") and c not in NOT_STATS
    }
    assert sorted(stats - catalogue) == []


def test_suspicious_stats_flag_the_long_shift_rows_of_the_json(
    warehouse: str, fixtures_dir: Path
) -> None:
    """Shift rows with players that last longer than the seed's 300 s, counted from the JSON."""
    with (REPO_ROOT / "seeds" / "metric_thresholds.csv").open() as f:
        limit = next(
            float(r["value"]) for r in csv.DictReader(f) if r["name"] == "max_shift_row_seconds"
        )
    expected = Counter()
    for path in sorted((fixtures_dir / "tracker").glob("*.json")):
        if "earlier" in path.name:
            continue
        game = json.loads(path.read_text())
        for shift in game["shifts"]:
            start, end = clock(shift["start_time"]), clock(shift["end_time"])
            has_players = any(
                who for venue in ("home", "away") for who in (shift[venue] or {}).values()
            )
            if start is not None and end is not None and has_players and start - end > limit:
                expected[game["gameId"]] += 1
    got = rows(
        warehouse,
        "select game_id, count(*) from qa_suspicious_stats where check_name = 'long_shift_row' group by 1",
    )
    assert dict(got) == dict(expected)
    assert rows(warehouse, "select count(*) from qa_suspicious_stats where value <= threshold") == [
        (0,)
    ]


@pytest.mark.parametrize("game_id", [18969, 18981])
def test_sequences_and_plays_cover_the_event_log(
    warehouse: str, fixtures_dir: Path, game_id: int
) -> None:
    """Every event is in exactly one play; each goal ends a sequence (goal events counted here
    from the JSON); team attempts add up by side; plays add up to their sequences."""
    game = read_game(fixtures_dir / "tracker", game_id)
    goals = sum(1 for e in game["events"] if e["type"] == "Goal" and e["detail1"] == "Goal_Scored")
    attempts = Counter()
    for e in game["events"]:
        if (e["type"] == "Shot" and e["detail1"] in SAVED | MISSED | BLOCKED) or (
            e["type"] == "Goal" and e["detail1"] == "Goal_Scored"
        ):
            attempts[e["team"]] += 1
    assert rows(
        warehouse,
        "select count(*) filter (where ending = 'goal'), sum(goals), sum(attempts_home), sum(attempts_away),"
        " sum(events) from fact_sequences where game_id = %s",
        game_id,
    ) == [(goals, goals, attempts["home"], attempts["away"], len(game["events"]))]
    assert rows(
        warehouse,
        "select count(*) from fact_sequences as s inner join (select sequence_id, count(*) as plays,"
        " sum(events) as events, min(start_game_seconds) as start_s from fact_plays group by 1) as p"
        " using (sequence_id) where p.plays <> s.plays or p.events <> s.events"
        " or p.start_s is distinct from s.start_game_seconds",
    ) == [(0,)]
    sequences_in_log, sequences, rush_shots, rush_in_plays = rows(
        warehouse,
        "select (select count(distinct sequence_no) from fact_events where game_id = %s),"
        " (select count(*) from fact_sequences where game_id = %s),"
        " (select count(*) filter (where is_rush) from fact_shots where game_id = %s),"
        " (select sum(rush_attempts) from fact_plays where game_id = %s)",
        *[game_id] * 4,
    )[0]
    assert (sequences, rush_in_plays) == (sequences_in_log, rush_shots)
