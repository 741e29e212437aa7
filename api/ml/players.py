"""ML endpoints of skaters: projections, next game, breakouts and the next goal scorer (answers
read from schema ml: ml.mv_player_projections, ml.mv_player_next_game, ml.mv_player_breakouts,
ml.mv_player_next_goal and the registry)."""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Literal

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, QueryParameter
from msgspec import Meta, Struct
from psycopg_pool import AsyncConnectionPool

from api.auth.middleware import requires
from api.errors import bad_request, not_found
from api.ml.service import block, model_queries, read
from api.ml.structs import Insufficient, ModelBlock

PlayerId = Annotated[str, Meta(min_length=1, max_length=100)]
STATS = ("goals", "assists", "points", "sog")


class PlayerStatsRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    """A skater (`player_id`); optionally the games to project (default: his team's upcoming games
    of the current season: that of the latest tracked game) and the season (only the current
    season is projected)."""

    player_id: PlayerId
    games_remaining: Annotated[int, Meta(ge=0, le=200)] | None = None
    season_id: Annotated[str, Meta(min_length=1, max_length=100)] | None = None


class PredictedStats(Struct):
    goals: float
    assists: float
    points: float
    sog: float


class StatProjection(Struct):
    per_game: float
    """Posterior mean of his rate per game, (alpha + count) / (beta + games)."""
    per_game_interval: list[float]
    """Central credible interval (interval_level) of the rate per game (posterior gamma)."""
    per_60: float | None
    """Posterior mean per 60 minutes of TOI (null when none of his games has usable shifts)."""
    per_60_interval: list[float] | None
    share: float | None
    """Posterior mean of his count per team goal while he was on the ice (sog: per team shot on
    goal while he was on): his part of the on-ice production, free of his team's level (null
    without usable shifts)."""
    share_index: float | None
    """share / his position's mean share (1 = average for his position): the projected scoring
    rate free of his team's and his position's level, the one that ranks skill."""
    rest_of_season: float
    """Expected count over games_remaining: per_game x games_remaining."""
    rest_of_season_interval: list[float]
    """Central predictive interval (interval_level) of the count over games_remaining (negative
    binomial: the rate's gamma posterior mixed with Poisson game counts)."""


class PlayerStats(Struct):
    status: Literal["ok"]
    player_id: str
    player_name: str | None
    position: str
    team_id: str | None
    season_id: str
    games_played: int
    toi_hours: float
    games_remaining: int
    games_remaining_source: Literal["schedule", "request"]
    predicted_stats: PredictedStats
    """Expected goals, assists, points and shots on goal over games_remaining."""
    projections: dict[str, StatProjection]
    """Per stat (goals, assists, points, sog): rates, intervals and the rest-of-season count."""
    interval_level: float
    model: ModelBlock


class PlayerNextGameRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    player_id: PlayerId


class PlayerNextGame(Struct):
    status: Literal["ok"]
    player_id: str
    player_name: str | None
    team_id: str
    game_id: int
    game_date: date | None
    opponent_id: str
    opponent_name: str | None
    is_home: bool
    opponent_factor: float
    """Multiplier of his rates for this opponent and venue relative to the average context of his
    games: exp(home x is_home - opponent defence - his average of the same)."""
    predicted_stats: PredictedStats
    """Expected goals, assists, points and shots on goal in the game (rate x factor)."""
    p_at_least_one: PredictedStats
    """P(at least one) of each stat in the game, from the negative-binomial predictive."""
    intervals: dict[str, list[int]]
    """Central predictive interval (interval_level) of each stat's count in the game."""
    interval_level: float
    model: ModelBlock
    ratings_model: ModelBlock
    """The game_outcome version whose ratings gave the opponent factor."""


class BreakoutPlayer(Struct):
    player_id: str
    player_name: str | None
    position: str
    team_id: str | None
    breakout_score: float
    """z-score of his points in the last recent_games against the predictive of his projection
    from his earlier games: (recent points - expected) / predictive sd; listed when >= z_threshold."""
    improvement_pct: float
    """100 x (recent points per game / projected points per game - 1)."""
    recent_games: int
    recent_points: int
    expected_recent_points: float
    projected_points_per_game: float
    games: int
    z_threshold: float
    min_games: int
    model: ModelBlock


class NextGoalRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    """A game; optionally the skaters on the ice now (both lists, skaters' player ids)."""

    game_id: int
    home_on_ice: Annotated[list[PlayerId], Meta(min_length=1, max_length=6)] | None = None
    away_on_ice: Annotated[list[PlayerId], Meta(min_length=1, max_length=6)] | None = None


class ScorerProbability(Struct):
    player_id: str
    player_name: str | None
    team_id: str
    side: Literal["home", "away"]
    probability: float
    """P(he scores the next goal, before the horizon ends)."""
    goals_per_60: float
    """His shrunk goals per 60 minutes of TOI (player_projection)."""
    expected_minutes: float
    """Minutes he is expected to play within the horizon."""


class NextGoalScorer(Struct):
    status: Literal["ok"]
    game_id: int
    horizon: Literal["game", "shift"]
    """game: from the start of the game to its end (each skater his mean TOI per game); shift:
    the current on-ice skaters over one mean shift (the lists given)."""
    horizon_seconds: float | None
    """The shift horizon (the league's mean shift length), null for the whole game."""
    players: list[ScorerProbability]
    no_goal_probability: float
    """P(no goal before the horizon ends) = exp(-sum of the players' expected goals)."""
    model: ModelBlock


PROJECTION_SQL = "select * from ml.mv_player_projections where player_id = %s"
NEXT_GAME_SQL = "select * from ml.mv_player_next_game where player_id = %s"
BREAKOUTS_SQL = """
    select * from ml.mv_player_breakouts where is_breakout
    order by z_score desc, player_id limit %s
"""
BREAKOUT_COUNTS_SQL = """
    select (select count(*) from ml.mv_player_breakouts) as eligible,
        (select count(*) from ml.mv_player_projections where games > 0 and position <> 'G')
            as skaters,
        (select max(games) from ml.mv_player_projections) as max_games
"""
NEXT_GOAL_SQL = """
    select player_id, player_name, team_id, side, goals_per_60, expected_toi_hours, intensity
    from ml.mv_player_next_goal where game_id = %s order by side desc, player_id
"""
ON_ICE_SQL = """
    select player_id, player_name, team_id, position, goals_per_60
    from ml.mv_player_projections where player_id = any(%s)
"""
GAME_SQL = """
    select home_team_id, away_team_id from ml.mv_game_predictions where game_id = %s
"""


def _interval(shape: float, rate: float, games: float, level: float) -> dict:
    from benchsight.ml.player_projection import interval

    return interval(shape, rate, games, level)


def _projection(rows: list[dict], player_id: str, name: str):
    """The skater's row of PROJECTION_SQL; 404, or the refusal for a goalie."""
    if not rows:
        raise not_found("player", player_id)
    p = rows[0]
    if p["position"] == "G":
        return Insufficient("insufficient_data", name, f"{player_id} is a goalie: the projections "
                            "cover skaters (see /api/ml/predict/goalie-stats)", {"games": 0})  # fmt: skip
    return p


SETTINGS_SQL = """
    select (parameters ->> 'min_player_games')::int as min_games,
        (parameters ->> 'interval_level')::float8 as level,
        parameters ->> 'season_id' as season_id,
        (parameters ->> 'mean_shift_seconds')::float8 as mean_shift_seconds
    from ml.model_versions where model_name = %s and is_active
"""


class PlayerService:
    def __init__(self, pool: AsyncConnectionPool):
        self.pool = pool

    async def stats(self, req: PlayerStatsRequest) -> PlayerStats | Insufficient:
        from benchsight.ml.player_projection import NAME

        model, (rows, settings) = await read(
            self.pool, NAME, (PROJECTION_SQL, [req.player_id]), (SETTINGS_SQL, [NAME])
        )
        if isinstance(model, Insufficient):
            return model
        p = _projection(rows, req.player_id, NAME)
        if isinstance(p, Insufficient):
            return p
        min_games, level = settings[0]["min_games"], settings[0]["level"]
        if req.season_id is not None and req.season_id != p["season_id"]:
            raise not_found("projected season", req.season_id)
        if p["games"] < min_games:
            return Insufficient(
                "insufficient_data", NAME,
                f"{req.player_id} played {p['games']} tracked games; "
                f"a projection needs at least {min_games}",
                {"games": p["games"], "min_games": min_games},
            )  # fmt: skip
        remaining = req.games_remaining if req.games_remaining is not None else p["games_remaining"]
        projections = {}
        for stat in STATS:
            g = _interval(p[f"{stat}_shape"], p[f"{stat}_rate"], remaining, level)
            has_toi = p["games_with_toi"] > 0
            h = (
                _interval(p[f"{stat}_60_shape"], p[f"{stat}_60_rate"], 0, level)
                if has_toi
                else None
            )
            projections[stat] = StatProjection(
                per_game=round(g["per_game"], 4),
                per_game_interval=[round(g["per_game_low"], 4), round(g["per_game_high"], 4)],
                per_60=round(h["per_game"], 4) if h else None,
                per_60_interval=[round(h["per_game_low"], 4), round(h["per_game_high"], 4)]
                if h
                else None,
                share=round(p[f"{stat}_share"], 4) if has_toi else None,
                share_index=round(p[f"{stat}_share_index"], 4) if has_toi else None,
                rest_of_season=round(g["total"], 4),
                rest_of_season_interval=[g["total_low"], g["total_high"]],
            )
        return PlayerStats(
            status="ok",
            player_id=p["player_id"],
            player_name=p["player_name"],
            position=p["position"],
            team_id=p["team_id"],
            season_id=p["season_id"],
            games_played=p["games"],
            toi_hours=float(p["toi_hours"]),
            games_remaining=remaining,
            games_remaining_source="request" if req.games_remaining is not None else "schedule",
            predicted_stats=PredictedStats(*(projections[s].rest_of_season for s in STATS)),
            projections=projections,
            interval_level=level,
            model=model,
        )

    async def next_game(self, req: PlayerNextGameRequest) -> PlayerNextGame | Insufficient:
        from benchsight.ml import ratings
        from benchsight.ml.player_projection import NAME

        model, (rows, ratings_active, ratings_attempts, settings, games) = await read(
            self.pool, NAME, (PROJECTION_SQL, [req.player_id]), *model_queries(ratings.NAME),
            (SETTINGS_SQL, [NAME]), (NEXT_GAME_SQL, [req.player_id]),
        )  # fmt: skip
        if isinstance(model, Insufficient):
            return model
        p = _projection(rows, req.player_id, NAME)
        if isinstance(p, Insufficient):
            return p
        ratings_model = block(ratings.NAME, ratings_active, ratings_attempts)
        if isinstance(ratings_model, Insufficient):
            return ratings_model
        g = games[0] if games else None
        min_games, level = settings[0]["min_games"], settings[0]["level"]
        if p["games"] < min_games:
            return Insufficient(
                "insufficient_data", NAME,
                f"{req.player_id} played {p['games']} tracked games; "
                f"a projection needs at least {min_games}",
                {"games": p["games"], "min_games": min_games},
            )  # fmt: skip
        if g is None:
            return Insufficient(
                "insufficient_data", NAME,
                f"{req.player_id}'s team {p['team_id']} has no upcoming game in season "
                f"{p['season_id']}",
                {"games_remaining": p["games_remaining"] or 0},
            )  # fmt: skip
        intervals = {}
        for stat in STATS:
            i = _interval(g[f"{stat}_shape"], g[f"{stat}_rate"], 1, level)
            intervals[stat] = [int(i["total_low"]), int(i["total_high"])]
        return PlayerNextGame(
            status="ok",
            player_id=g["player_id"],
            player_name=g["player_name"],
            team_id=g["team_id"],
            game_id=g["game_id"],
            game_date=g["game_date"],
            opponent_id=g["opponent_id"],
            opponent_name=g["opponent_name"],
            is_home=g["is_home"],
            opponent_factor=round(g["factor"], 4),
            predicted_stats=PredictedStats(*(round(g[f"{s}_expected"], 4) for s in STATS)),
            p_at_least_one=PredictedStats(*(round(g[f"{s}_p_at_least_one"], 4) for s in STATS)),
            intervals=intervals,
            interval_level=level,
            model=model,
            ratings_model=ratings_model,
        )

    async def breakouts(
        self, season_id: str | None, limit: int
    ) -> list[BreakoutPlayer] | Insufficient:
        from benchsight.ml.player_projection import NAME

        model, (settings, counts, found) = await read(
            self.pool, NAME, (SETTINGS_SQL, [NAME]), (BREAKOUT_COUNTS_SQL, None),
            (BREAKOUTS_SQL, [limit]),
        )  # fmt: skip
        if isinstance(model, Insufficient):
            return model
        if season_id is not None and season_id != settings[0]["season_id"]:
            raise not_found("projected season", season_id)
        counts = counts[0]
        if not counts["eligible"]:
            return Insufficient(
                "insufficient_data", NAME,
                "no skater has enough tracked games for a recent-form test "
                "(a minimum of 6 games: the last 4 against a projection from the earlier ones)",
                {"skaters": counts["skaters"], "max_games": counts["max_games"] or 0,
                 "min_games": 6},
            )  # fmt: skip
        return [
            BreakoutPlayer(
                player_id=r["player_id"],
                player_name=r["player_name"],
                position=r["position"],
                team_id=r["team_id"],
                breakout_score=round(r["z_score"], 4),
                improvement_pct=round(r["improvement_pct"], 2),
                recent_games=r["recent_games"],
                recent_points=r["recent_points"],
                expected_recent_points=round(r["expected_recent_points"], 4),
                projected_points_per_game=round(r["projected_points_per_game"], 4),
                games=r["games"],
                z_threshold=r["z_threshold"],
                min_games=r["min_games"],
                model=model,
            )
            for r in found
        ]

    async def next_goal(self, req: NextGoalRequest) -> NextGoalScorer | Insufficient:
        from benchsight.ml.player_projection import NAME

        if (req.home_on_ice is None) != (req.away_on_ice is None):
            missing = "away_on_ice" if req.away_on_ice is None else "home_on_ice"
            raise bad_request("missing_fields", "give both home_on_ice and away_on_ice, or neither",
                              [], missing)  # fmt: skip
        model, (roster, games, settings, home, away) = await read(
            self.pool, NAME, (NEXT_GOAL_SQL, [req.game_id]), (GAME_SQL, [req.game_id]),
            (SETTINGS_SQL, [NAME]), (ON_ICE_SQL, [req.home_on_ice or []]),
            (ON_ICE_SQL, [req.away_on_ice or []]),
        )  # fmt: skip
        if isinstance(model, Insufficient):
            return model
        game = games[0] if games else None
        if not roster:
            if game is None:
                raise not_found("game", req.game_id)
            return Insufficient(
                "insufficient_data", NAME,
                f"game {req.game_id} is not in the projection's season or no skater of its "
                "teams has a projection",
                {"skaters": 0},
            )  # fmt: skip
        if req.home_on_ice is None:
            rows = [{**r, "hours": float(r["expected_toi_hours"])} for r in roster]
            horizon, seconds = "game", None
        else:
            seconds = settings[0]["mean_shift_seconds"]
            rows = _on_ice(req, roster, game, seconds, {"home": home, "away": away})
            horizon = "shift"
        if seconds is None and horizon == "shift":
            return Insufficient("insufficient_data", NAME, "no shift lengths in the training "
                                "games (no usable shifts)", {"shifts": 0})  # fmt: skip
        lam = [float(r["goals_per_60"]) * r["hours"] for r in rows]
        total = sum(lam)
        p_none = math.exp(-total)
        players = [
            ScorerProbability(
                player_id=r["player_id"],
                player_name=r["player_name"],
                team_id=r["team_id"],
                side=r["side"],
                probability=(x / total) * (1 - p_none) if total > 0 else 0.0,
                goals_per_60=round(float(r["goals_per_60"]), 4),
                expected_minutes=round(r["hours"] * 60, 2),
            )
            for r, x in zip(rows, lam, strict=True)
        ]
        players.sort(key=lambda s: (-s.probability, s.player_id))
        return NextGoalScorer(
            status="ok",
            game_id=req.game_id,
            horizon=horizon,
            horizon_seconds=seconds,
            players=players,
            no_goal_probability=p_none,
            model=model,
        )


def _on_ice(req: NextGoalRequest, roster, game, seconds, found_rows: dict) -> list[dict]:
    """The listed skaters (rows of ON_ICE_SQL per side) over one mean shift; 400/404."""
    sides = {"home": req.home_on_ice or [], "away": req.away_on_ice or []}
    both = set(sides["home"]) & set(sides["away"])
    if both:
        raise bad_request("invalid_state", "a player is on the ice for both sides",
                          sorted(both), "away_on_ice")  # fmt: skip
    teams = {r["side"]: r["team_id"] for r in roster}
    if game is not None:
        teams = {"home": game["home_team_id"], "away": game["away_team_id"]}
    out = []
    for side, ids in sides.items():
        if len(set(ids)) != len(ids):
            raise bad_request("invalid_state", "a player is listed twice", ids, f"{side}_on_ice")
        found = {r["player_id"]: r for r in found_rows[side]}
        for pid in ids:
            r = found.get(pid)
            if r is None:
                raise not_found(f"player ({side}_on_ice)", pid)
            if r["position"] == "G":
                raise bad_request("invalid_state", f"{pid} is a goalie: list skaters only",
                                  [pid], f"{side}_on_ice")  # fmt: skip
            out.append({**r, "team_id": teams.get(side) or r["team_id"], "side": side,
                        "hours": (seconds or 0) / 3600})  # fmt: skip
    return out


def provide_player_service(state: State) -> PlayerService:
    return PlayerService(state.pool)


Players = NamedDependency[PlayerService]


class MlPlayersController(Controller):
    path = "/api/ml"
    tags = ["ml"]  # noqa: RUF012 (Litestar reads these class attributes)
    dependencies = {"players": Provide(provide_player_service, sync_to_thread=False)}  # noqa: RUF012
    guards = [requires("read")]  # noqa: RUF012 (Litestar reads these class attributes)

    @post("/predict/player-stats", status_code=200)
    async def player_stats(
        self, data: JSONBody[PlayerStatsRequest], players: Players
    ) -> PlayerStats | Insufficient:
        """A skater's projected goals, assists, points and shots on goal per game, per 60 minutes
        and over the rest of the season (`games_remaining`, default his team's upcoming games),
        from empirical-Bayes shrinkage of his season's rates toward his position's mean
        (gamma-Poisson, model player_projection). `predicted_stats` are the expected counts over
        games_remaining; every rate carries a central credible interval and every count a
        predictive interval at `interval_level` (0.9: 90 % of outcomes fall inside under the
        model). Unknown player: 404; a goalie or fewer than 3 games: `insufficient_data` with the
        counts."""
        return await players.stats(data)

    @post("/predict/player-next-game", status_code=200)
    async def player_next_game(
        self, data: JSONBody[PlayerNextGameRequest], players: Players
    ) -> PlayerNextGame | Insufficient:
        """A skater's expected goals, assists, points and shots on goal in his team's next
        scheduled game: his shrunk rates times the opponent / venue factor from the active team
        ratings (game_outcome), with P(at least one) and a predictive interval of each count.
        Unknown player: 404; too few games or no upcoming game: `insufficient_data`."""
        return await players.next_game(data)

    @get("/detect/breakout-players")
    async def breakout_players(
        self,
        players: Players,
        season_id: Annotated[str | None, QueryParameter(max_length=100)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 10,
    ) -> list[BreakoutPlayer] | Insufficient:
        """Skaters whose points in their last 4 games exceed the projection from their earlier
        games by z >= 2 (z = (recent points - expected) / predictive sd, negative binomial),
        among skaters with at least 6 tracked games; highest `breakout_score`
        (the z) first, at most `limit`. An empty list: nobody qualifies. No skater with 6 games:
        `insufficient_data`. A season other than the projection's: 404."""
        return await players.breakouts(season_id, limit)

    @post("/predict/next-goal-scorer", status_code=200)
    async def next_goal_scorer(
        self, data: JSONBody[NextGoalRequest], players: Players
    ) -> NextGoalScorer | Insufficient:
        """P(each skater scores the next goal) and P(no goal before the horizon ends); they sum
        to 1. Without on-ice lists: the whole game from the start, over the game's skaters (who
        dressed for a tracked game, else the teams' skaters), each scoring at his shrunk goals per
        60 for his mean TOI per game. With `home_on_ice` and `away_on_ice`: those skaters over one
        mean shift. Goals are independent Poisson processes: P(i first) = (x_i / X)(1 - e^-X),
        P(none) = e^-X, x_i his expected goals in the horizon. Unknown game or player: 404."""
        return await players.next_goal(data)
