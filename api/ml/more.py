"""ML endpoints of goalies, similar players, player value and injury risk (answers read from
schema ml: ml.mv_goalie_projection, ml.mv_similar_players, ml.mv_player_value and the registry)."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, QueryParameter
from msgspec import Meta, Struct
from psycopg_pool import AsyncConnectionPool

from api.auth.middleware import requires
from api.errors import bad_request, not_found
from api.ml.service import read
from api.ml.structs import Insufficient, ModelBlock

INTERVAL = 0.9
Z90 = 1.6448536269514722  # the standard normal's 95th percentile: a central 90 % interval
PlayerId = Annotated[str, Meta(min_length=1, max_length=100)]


# --- goalie-stats -----------------------------------------------------------------------------


class GoalieStatsRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    """A goalie (`player_id`) and optionally the games to project (default: his latest team's
    upcoming games in the season of his latest game)."""

    player_id: PlayerId
    games_remaining: Annotated[int, Meta(ge=0, le=200)] | None = None


class GoaliePrediction(Struct):
    save_pct: float
    """Posterior mean of his true save % on shots on goal (beta-binomial shrinkage by shots)."""
    save_pct_interval: list[float]
    """Central 90 % interval of the posterior Beta(prior_alpha + saves, prior_beta + goals)."""
    gsax_per_game: float | None
    """His GSAx per game shrunk toward 0 with shrink_weight (null without an active xg model)."""
    gsax_per_game_interval: list[float] | None
    """90 % interval of one game's GSAx (normal approximation: the game's attempts, binomial,
    plus the uncertainty of his shrunk rate)."""
    games_remaining: int
    gsax_rest_of_season: float | None
    """gsax_per_game * games_remaining."""
    gsax_rest_of_season_interval: list[float] | None
    saves_per_game: float
    """Expected saves per game: his shots on goal faced per game * projected save %."""


class GoalieStats(Struct):
    status: Literal["ok"]
    player_id: str
    player_name: str | None
    team_id: str | None
    games: int
    shots_against: int
    saves: int
    save_pct: float | None
    """Observed saves / shots on goal over his tracked games (null: no shot on goal faced)."""
    gsax: float | None
    """Observed GSAx (xGA of the unblocked attempts he faced - goals on them)."""
    shrink_weight: float
    """shots / (shots + prior_alpha + prior_beta): the share of his own save % in the projection."""
    league_save_pct: float
    """The prior's mean, prior_alpha / (prior_alpha + prior_beta)."""
    prior_shots: float
    """prior_alpha + prior_beta: the league prior's weight in shots."""
    predicted_stats: GoaliePrediction
    model: ModelBlock


GOALIE_SQL = """
    select player_id, player_name, team_id, games::int, shots_against::int, saves::int,
        save_pct::float8, prior_alpha, prior_beta, posterior_alpha, posterior_beta, projected_save_pct,
        shrink_weight, shots_against_per_game, unblocked_attempts_against::int, xga, gsax,
        projected_gsax_per_game, team_games_remaining::int
    from ml.mv_goalie_projection where player_id = %s
"""


def _interval(centre: float, sd: float) -> list[float]:
    return [round(centre - Z90 * sd, 4), round(centre + Z90 * sd, 4)]


def goalie_prediction(g: dict, games_remaining: int | None) -> GoaliePrediction:
    from scipy.special import betaincinv  # scipy.stats' beta.ppf, without its ~90 us of checks

    lo, hi = (
        betaincinv(g["posterior_alpha"], g["posterior_beta"], q)
        for q in ((1 - INTERVAL) / 2, (1 + INTERVAL) / 2)
    )
    remaining = g["team_games_remaining"] if games_remaining is None else games_remaining
    per_game = rest = per_game_iv = rest_iv = None
    attempts = g["unblocked_attempts_against"]
    if g["gsax"] is not None and attempts:
        q = g["xga"] / attempts  # expected goals per unblocked attempt faced
        w = g["shrink_weight"]
        per_attempt_var = q * (1 - q)
        rate_var = w * per_attempt_var / attempts  # of his shrunk GSAx per attempt
        m1 = attempts / g["games"]

        def sd(games: int) -> float:
            m = m1 * games
            return math.sqrt(m * per_attempt_var + m * m * rate_var)

        per_game = g["projected_gsax_per_game"]
        per_game_iv = _interval(per_game, sd(1))
        rest = per_game * remaining
        rest_iv = _interval(rest, sd(remaining))
    return GoaliePrediction(
        save_pct=round(g["projected_save_pct"], 4),
        save_pct_interval=[round(float(lo), 4), round(float(hi), 4)],
        gsax_per_game=None if per_game is None else round(per_game, 4),
        gsax_per_game_interval=per_game_iv,
        games_remaining=remaining,
        gsax_rest_of_season=None if rest is None else round(rest, 4),
        gsax_rest_of_season_interval=rest_iv,
        saves_per_game=round(g["shots_against_per_game"] * g["projected_save_pct"], 4),
    )


class GoalieService:
    def __init__(self, pool: AsyncConnectionPool):
        self.pool = pool

    async def predict(self, req: GoalieStatsRequest) -> GoalieStats | Insufficient:
        from benchsight.ml import goalie_projection

        model, (rows,) = await read(
            self.pool, goalie_projection.NAME, (GOALIE_SQL, [req.player_id])
        )
        if isinstance(model, Insufficient):
            return model
        if not rows:
            raise not_found("goalie (player_id) with a tracked game", req.player_id)
        g = rows[0]
        kappa = g["prior_alpha"] + g["prior_beta"]
        return GoalieStats(
            status="ok",
            player_id=g["player_id"],
            player_name=g["player_name"],
            team_id=g["team_id"],
            games=g["games"],
            shots_against=int(g["shots_against"]),
            saves=int(g["saves"]),
            save_pct=g["save_pct"],
            gsax=None if g["gsax"] is None else round(g["gsax"], 4),
            shrink_weight=round(g["shrink_weight"], 4),
            league_save_pct=round(g["prior_alpha"] / kappa, 4),
            prior_shots=round(kappa, 2),
            predicted_stats=goalie_prediction(g, req.games_remaining),
            model=model,
        )


# --- similar-players --------------------------------------------------------------------------


class SimilarPlayersRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    """A skater (`player_id`) and how many similar skaters to return (1-10)."""

    player_id: PlayerId
    limit: Annotated[int, Meta(ge=1, le=10)] = 5


class SimilarPlayer(Struct):
    player_id: str
    player_name: str | None
    similarity_score: float
    """1 / (1 + d / sqrt(k)): d the Euclidean distance over the k standardised features of the
    position group, so 1 is an identical profile and 0.5 one that differs by one group standard
    deviation per feature (root mean square)."""
    distance: float
    """Euclidean distance between the two standardised profiles (z-scores within the group)."""
    similar_attributes: list[str]
    """Features whose z-scores differ by less than 0.5 (half a group standard deviation),
    closest first."""
    feature_gaps: dict[str, float]
    """z(similar player) - z(player) for every feature of the group."""


class SimilarPlayers(Struct):
    status: Literal["ok"]
    player_id: str
    position_group: str
    """F or D: skaters are compared with skaters of the position they played most."""
    similar_players: list[SimilarPlayer]
    model: ModelBlock


PLAYER_PARAMS_SQL = """
    select parameters -> 'players' -> %s as player, parameters -> 'min_games' as min_games,
        parameters -> 'min_toi_minutes' as min_toi_minutes
    from ml.model_versions where model_name = %s and is_active
"""
SIMILAR_SQL = """
    select similar_player_id as player_id, similar_player_name as player_name, similarity_score,
        distance, similar_attributes, feature_gaps
    from ml.mv_similar_players where player_id = %s and rank <= %s order by rank
"""
IS_GOALIE_SQL = "select 1 from ml.mv_goalie_projection where player_id = %s"


class SimilarityService:
    def __init__(self, pool: AsyncConnectionPool):
        self.pool = pool

    async def find(self, req: SimilarPlayersRequest) -> SimilarPlayers | Insufficient:
        from benchsight.ml import similar_players

        model, (params, goalie, found) = await read(
            self.pool, similar_players.NAME,
            (PLAYER_PARAMS_SQL, [req.player_id, similar_players.NAME]),
            (IS_GOALIE_SQL, [req.player_id]), (SIMILAR_SQL, [req.player_id, req.limit]),
        )  # fmt: skip
        if isinstance(model, Insufficient):
            return model
        params = params[0]
        player = params["player"]
        if player is None:
            if goalie:
                raise bad_request(
                    "goalie_not_compared",
                    f"{req.player_id} is a goalie: similar players compares skaters only",
                    [req.player_id], "player_id",
                )  # fmt: skip
            raise not_found("skater (player_id) with a tracked game", req.player_id)
        if not player["profiled"]:
            return Insufficient(
                "insufficient_data", similar_players.NAME,
                f"{req.player_id} has too few games or minutes for a profile (at least "
                f"{params['min_games']} games and {params['min_toi_minutes']} minutes on ice, "
                "and a position group of 3 profiled skaters)",
                {"games": player["games"], "toi_minutes": player["toi_minutes"],
                 "min_games": params["min_games"],
                 "min_toi_minutes": params["min_toi_minutes"]},
            )  # fmt: skip
        return SimilarPlayers(
            status="ok",
            player_id=req.player_id,
            position_group=player["group"],
            similar_players=[
                SimilarPlayer(
                    r["player_id"],
                    r["player_name"],
                    round(r["similarity_score"], 4),
                    round(r["distance"], 4),
                    list(r["similar_attributes"]),
                    {k: float(v) for k, v in r["feature_gaps"].items()},
                )
                for r in found
            ],
            model=model,
        )


# --- player-value -----------------------------------------------------------------------------

MAX_COMPARED = 20


class PlayerValue(Struct):
    player_id: str
    player_name: str | None
    position_group: str
    """F, D (the position a skater played most) or G; value is measured within the group."""
    games: int
    game_score_per_game: float
    """Mean game score over his tracked games (the weights of the seeds' game score)."""
    replacement_level: float
    """The group's replacement level: the 20th percentile of its regulars' mean game score."""
    value_per_game: float
    """game_score_per_game - replacement_level."""
    standard_error: float
    """Of value_per_game: the group's pooled game-to-game sd of game score / sqrt(games)."""
    value_interval: list[float]
    """Central 90 % interval of value_per_game (normal, +- 1.645 standard errors)."""
    value_total: float
    """value_per_game * games: game score above replacement over his games."""


class ValueDifference(Struct):
    player_id: str
    difference_to_best: float
    """value_per_game(best) - value_per_game(player)."""
    standard_error: float
    probability_best_is_better: float
    """P(the best player's true value per game exceeds this player's): normal, independent
    estimates."""


class PlayerValueComparison(Struct):
    status: Literal["ok"]
    players: list[PlayerValue]
    """In the order asked."""
    best_player_id: str
    """The highest value_per_game among the players compared."""
    differences: list[ValueDifference]
    replacement_definition: str
    model: ModelBlock


VALUE_SQL = """
    select distinct on (player_id) player_id, player_name, position_group, games::int,
        game_score_per_game, replacement_level, value_per_game, standard_error, value_total
    from ml.mv_player_value where player_id = any(%s)
    order by player_id, games desc
"""
VALUE_DEFINITION_SQL = """
    select metrics ->> 'replacement_level' as definition from ml.model_versions
    where model_name = %s and is_active
"""


def parse_player_ids(player_ids: str | None) -> list[str]:
    ids = list(dict.fromkeys(p.strip() for p in (player_ids or "").split(",") if p.strip()))
    if len(ids) < 2 or len(ids) > MAX_COMPARED:
        raise bad_request(
            "invalid_player_ids",
            f"player_ids must name 2 to {MAX_COMPARED} different players, comma-separated "
            f"(got {len(ids)})",
            ids, "player_ids",
        )  # fmt: skip
    return ids


def _player_value(r: dict) -> PlayerValue:
    return PlayerValue(
        player_id=r["player_id"],
        player_name=r["player_name"],
        position_group=r["position_group"],
        games=r["games"],
        game_score_per_game=round(r["game_score_per_game"], 4),
        replacement_level=round(r["replacement_level"], 4),
        value_per_game=round(r["value_per_game"], 4),
        standard_error=round(r["standard_error"], 4),
        value_interval=_interval(r["value_per_game"], r["standard_error"]),
        value_total=round(r["value_total"], 4),
    )


class ValueService:
    def __init__(self, pool: AsyncConnectionPool):
        self.pool = pool

    async def compare(self, player_ids: list[str]) -> PlayerValueComparison | Insufficient:
        from scipy.special import ndtr  # the normal CDF (scipy.stats' norm.cdf)

        from benchsight.ml import player_value

        model, (rows, definition) = await read(
            self.pool, player_value.NAME, (VALUE_SQL, [player_ids]),
            (VALUE_DEFINITION_SQL, [player_value.NAME]),
        )  # fmt: skip
        if isinstance(model, Insufficient):
            return model
        found = {r["player_id"]: r for r in rows}
        definition = definition[0]["definition"]
        for p in player_ids:
            if p not in found:
                raise not_found("player (player_ids) with a tracked game", p)
        players = [_player_value(found[p]) for p in player_ids]
        best = max(player_ids, key=lambda p: (found[p]["value_per_game"], p))
        b = found[best]
        differences = []
        for p in player_ids:
            if p == best:
                continue
            diff = b["value_per_game"] - found[p]["value_per_game"]
            se = math.hypot(b["standard_error"], found[p]["standard_error"])
            differences.append(
                ValueDifference(p, round(diff, 4), round(se, 4), round(float(ndtr(diff / se)), 4))
            )
        return PlayerValueComparison("ok", players, best, differences, definition, model)


# --- injury-risk ------------------------------------------------------------------------------

INJURY_REASON = (
    "the league's files hold no injury records (no injury, absence-reason or medical field in the "
    "workbook or the tracker files), so an injury risk cannot be estimated; no risk number is given"
)


def injury_refusal() -> Insufficient:
    return Insufficient("insufficient_data", "injury_risk", INJURY_REASON, {"injury_records": 0})


# --- controller -------------------------------------------------------------------------------


def provide_goalie_service(state: State) -> GoalieService:
    return GoalieService(state.pool)


def provide_similarity_service(state: State) -> SimilarityService:
    return SimilarityService(state.pool)


def provide_value_service(state: State) -> ValueService:
    return ValueService(state.pool)


Goalies = NamedDependency[GoalieService]
Values = NamedDependency[ValueService]
Similarity = NamedDependency[SimilarityService]


class MlMoreController(Controller):
    path = "/api/ml"
    tags = ["ml"]  # noqa: RUF012 (Litestar reads these class attributes)
    dependencies = {  # noqa: RUF012 (Litestar reads these class attributes)
        "goalies": Provide(provide_goalie_service, sync_to_thread=False),
        "similarity": Provide(provide_similarity_service, sync_to_thread=False),
        "values": Provide(provide_value_service, sync_to_thread=False),
    }
    guards = [requires("read")]  # noqa: RUF012 (Litestar reads these class attributes)

    @post("/predict/goalie-stats", status_code=200)
    async def goalie_stats(
        self, data: JSONBody[GoalieStatsRequest], goalies: Goalies
    ) -> GoalieStats | Insufficient:
        """A goalie's projected save % and GSAx. Save %: the posterior mean of a beta-binomial
        model (the league's Beta prior fitted on every goalie's saves and shots on goal, updated
        with his own), with its central 90 % interval: the more shots he faced, the closer to his
        own save %. GSAx (from the xG views) per game and for `games_remaining` games (default:
        his team's upcoming games this season), shrunk toward 0 with the same weight, with 90 %
        intervals (normal approximation). Unknown goalie: 404; no trained model:
        `insufficient_data`."""
        return await goalies.predict(data)

    @post("/find/similar-players", status_code=200)
    async def similar_players(
        self, data: JSONBody[SimilarPlayersRequest], similarity: Similarity
    ) -> SimilarPlayers | Insufficient:
        """The `limit` skaters most similar to `player_id`, among skaters of his position group
        (F or D), on standardised per-60 and per-game profiles (scoring, shooting, blocks,
        takeaways, giveaways, entries, passes, on-ice Corsi, ice time, points): the distance,
        a similarity score and the features that make them similar. A goalie: 400 (goalies are
        not compared); unknown player: 404; a skater with too few games or minutes:
        `insufficient_data` with his counts."""
        return await similarity.find(data)

    @get("/compare/player-value")
    async def player_value(
        self,
        values: Values,
        player_ids: Annotated[str | None, QueryParameter(max_length=2000)] = None,
    ) -> PlayerValueComparison | Insufficient:
        """Per-game value of 2 to 20 players (`player_ids=P1,P2,...`): mean game score (the
        seeds' weights) above the replacement level of his position group (F, D, G), defined as
        the 20th percentile of the group's regulars' mean game score (a regular: at least half
        the group's median games). With each value its standard error and 90 % interval, and for
        each player the difference to the best of them with P(the best is truly better).
        Fewer than 2 players: 400 naming player_ids; unknown player: 404 naming the id; no
        trained model: `insufficient_data`."""
        return await values.compare(parse_player_ids(player_ids))

    @get("/assess/injury-risk")
    async def injury_risk(
        self,
        player_id: Annotated[str | None, QueryParameter(max_length=100)] = None,
        season_id: Annotated[str | None, QueryParameter(max_length=100)] = None,
    ) -> Insufficient:
        """Always `insufficient_data`: the league's files hold no injury records, so no injury
        risk number is ever returned (`player_id` and `season_id` are accepted and get the same
        answer)."""
        return injury_refusal()
