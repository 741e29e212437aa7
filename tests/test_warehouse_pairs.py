"""Pairs, units and splits built from the real fixture games, checked against numbers computed
here from the tracker JSON (the players' shift intervals, half-open) or against the published
game totals they must add up to."""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

import pytest
import test_warehouse_fixtures
from api_checks import rows
from fixture_league import read_game
from test_warehouse_fixtures import clock, jersey_map

pytestmark = pytest.mark.slow

# The fixture league built once for this module (the same fixture as test_warehouse_fixtures).
warehouse = test_warehouse_fixtures.warehouse

GAMES_WITH_SHIFTS = [18969, 18981, 19038]


def skater_intervals(game: dict) -> dict[str, dict[str, list[tuple[int, float, float]]]]:
    """Per side, each known skater's shift intervals as (period, start, end) in elapsed seconds
    from the period's start ([start, end): the countdown clock's start is the larger value)."""
    ids = jersey_map(game)
    out: dict[str, dict[str, list]] = {"home": defaultdict(list), "away": defaultdict(list)}
    for shift in game["shifts"]:
        start, end = clock(shift["start_time"]), clock(shift["end_time"])
        if start is None or end is None or start <= end:
            continue
        for venue in ("home", "away"):
            for slot, who in (shift[venue] or {}).items():
                if who and slot != "G" and (venue, str(who["num"])) in ids:
                    out[venue][ids[(venue, str(who["num"]))]].append(
                        (shift["period"], -start, -end)
                    )
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
