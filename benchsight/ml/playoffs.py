"""Playoff odds: a seeded Monte Carlo over the current season's remaining regular-season games.

Each remaining game's score is drawn from the game_outcome model (independent Poisson goals with
the active ratings' expected goals), all simulations at once with numpy. Points as the standings
count them (win 2, tie 1, loss 0; a tie is a level final score). Final standing per simulation:
points, then wins, then goal difference, then a random draw (the league's further tie-breakers
need data the simulation does not have). The top `spots` teams make the playoffs, so in every
simulation exactly `spots` teams are in and the probabilities sum to `spots`.

Clinched: fewer than `spots` other teams can still reach the team's current points. Eliminated:
at least `spots` other teams already have more points than the team can still reach. Both are
exact (no simulation needed) and the simulation agrees with them by construction.

The league's files hold no playoff format; `spots` defaults to half the teams (at least 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from benchsight.ml import ratings

SIMULATIONS = 10_000
RANDOM_SEED = 20_251_202

SEASON_SQL = """
    select season_id from {schema}.dim_schedule
    where game_type = 'Regular' and season_id is not null
    order by game_date desc nulls last, game_id desc limit 1
"""
GAMES_SQL = """
    select game_id, home_team_id, away_team_id, schedule_type,
        home_total_goals::int as home_goals, away_total_goals::int as away_goals
    from {schema}.dim_schedule
    where season_id = %(season)s and game_type = 'Regular'
        and home_team_id is not null and away_team_id is not null
        and (schedule_type = 'Upcoming'
             or (schedule_type = 'Past' and home_total_goals is not null
                 and away_total_goals is not null))
    order by game_id
"""
TEAMS_SQL = "select team_id, team_name from {schema}.dim_team order by team_id"


@dataclass
class Odds:
    table: pd.DataFrame
    spots: int
    simulations: int
    seed: int
    seconds: float


def default_spots(teams: int) -> int:
    return max(1, teams // 2)


def simulate(
    played: pd.DataFrame,
    remaining: pd.DataFrame,
    teams: list[str],
    coef: dict[str, float],
    spots: int | None = None,
    simulations: int = SIMULATIONS,
    seed: int = RANDOM_SEED,
) -> Odds:
    import time

    started = time.perf_counter()
    n = len(teams)
    spots = min(n, spots or default_spots(n))
    index = {t: i for i, t in enumerate(teams)}
    pts0, wins0, gd0, gp = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n, int)
    for h, a, gh, ga in played[
        ["home_team_id", "away_team_id", "home_goals", "away_goals"]
    ].itertuples(index=False):
        i, j = index[h], index[a]
        gp[i] += 1
        gp[j] += 1
        gd0[i] += gh - ga
        gd0[j] += ga - gh
        if gh > ga:
            pts0[i] += 2
            wins0[i] += 1
        elif gh < ga:
            pts0[j] += 2
            wins0[j] += 1
        else:
            pts0[i] += 1
            pts0[j] += 1
    rng = np.random.default_rng(seed)
    hi = remaining["home_team_id"].map(index).to_numpy(int)
    ai = remaining["away_team_id"].map(index).to_numpy(int)
    lam = np.array([ratings.expected_goals(coef, h, a) for h, a in
                    zip(remaining["home_team_id"], remaining["away_team_id"], strict=True)])  # fmt: skip
    lam = lam.reshape(-1, 2)
    gh = rng.poisson(lam[:, 0], size=(simulations, len(hi)))
    ga = rng.poisson(lam[:, 1], size=(simulations, len(hi)))
    home_pts = np.where(gh > ga, 2, np.where(gh == ga, 1, 0))
    away_pts = 2 - home_pts
    home_one = np.zeros((len(hi), n))
    away_one = np.zeros((len(hi), n))
    home_one[np.arange(len(hi)), hi] = 1
    away_one[np.arange(len(hi)), ai] = 1
    points = pts0 + home_pts @ home_one + away_pts @ away_one
    wins = wins0 + (gh > ga) @ home_one + (ga > gh) @ away_one
    gd = gd0 + (gh - ga) @ home_one + (ga - gh) @ away_one
    # One sort key: points, then wins, then goal difference, then random (each term below the
    # previous one's unit).
    key = points * 1e6 + wins * 1e3 + np.clip(gd, -499, 499) + rng.random((simulations, n))
    order = np.argsort(-key, axis=1)
    rank = np.empty_like(order)
    rank[np.arange(simulations)[:, None], order] = np.arange(1, n + 1)
    seed_dist = np.stack([(rank == s).mean(axis=0) for s in range(1, n + 1)], axis=1)
    made = (rank <= spots).mean(axis=0)
    remaining_games = np.bincount(hi, minlength=n) + np.bincount(ai, minlength=n)
    max_pts = pts0 + 2 * remaining_games
    clinched = np.array([(np.delete(max_pts, i) >= pts0[i]).sum() < spots for i in range(n)])
    eliminated = np.array([(np.delete(pts0, i) > max_pts[i]).sum() >= spots for i in range(n)])
    current_key = pts0 * 1e6 + wins0 * 1e3 + gd0
    standing = pd.Series(current_key).rank(ascending=False, method="min").astype(int).to_numpy()
    table = pd.DataFrame(
        {
            "team_id": teams,
            "games_played": gp,
            "games_remaining": remaining_games,
            "current_points": pts0.astype(int),
            "current_standing": standing,
            "playoff_probability": made,
            "expected_points": points.mean(axis=0),
            "seed_distribution": [
                {str(s + 1): round(float(p), 4) for s, p in enumerate(row) if p > 0}
                for row in seed_dist
            ],
            "clinched": clinched,
            "eliminated": eliminated,
        }
    )
    return Odds(table, spots, simulations, seed, time.perf_counter() - started)


def run(conn, schema: str, model_version: int, spots: int | None = None) -> Odds | None:
    """Simulate the current season with the active ratings and replace ml.playoff_odds (in the
    caller's transaction). None when there is no regular season with teams."""
    from psycopg import sql

    def frame(query: str, params: dict | None = None) -> pd.DataFrame:
        with conn.cursor() as cur:
            cur.execute(sql.SQL(query).format(schema=sql.Identifier(schema)), params)
            return pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])

    season = frame(SEASON_SQL)
    if season.empty:
        return None
    season_id = season["season_id"].iloc[0]
    games = frame(GAMES_SQL, {"season": season_id})
    names = frame(TEAMS_SQL).set_index("team_id")["team_name"].to_dict()
    teams = sorted(set(games["home_team_id"]) | set(games["away_team_id"]))
    if len(teams) < 2:
        return None
    coef = {
        t: v
        for t, v in conn.execute(
            "select term, value from ml.active_coefficients where model_name = %s", [ratings.NAME]
        ).fetchall()
    }
    odds = simulate(games[games["schedule_type"] == "Past"],
                    games[games["schedule_type"] == "Upcoming"], teams, coef, spots)  # fmt: skip
    conn.execute("delete from ml.playoff_odds")
    import json

    with conn.cursor() as cur:
        cur.executemany(
            """insert into ml.playoff_odds (season_id, team_id, team_name, spots, simulations,
                random_seed, model_version, games_played, games_remaining, current_points,
                current_standing, playoff_probability, expected_points, seed_distribution,
                clinched, eliminated)
            values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
            [
                (
                    season_id,
                    r.team_id,
                    names.get(r.team_id),
                    odds.spots,
                    odds.simulations,
                    odds.seed,
                    model_version,
                    int(r.games_played),
                    int(r.games_remaining),
                    int(r.current_points),
                    int(r.current_standing),
                    float(r.playoff_probability),
                    float(r.expected_points),
                    json.dumps(r.seed_distribution),
                    bool(r.clinched),
                    bool(r.eliminated),
                )
                for r in odds.table.itertuples()
            ],
        )
    return odds
