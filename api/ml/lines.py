"""ML endpoints of lines: chemistry of a pair or trio and the lineup optimiser (answers read from
schema ml: ml.mv_player_impact, ml.mv_line_chemistry, ml.mv_player_game_xg for game rosters,
ml.mv_team_ratings for team names, and the registry)."""

from __future__ import annotations

import functools
import itertools
from typing import Annotated, Literal

import numpy as np
from litestar import Controller, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody
from msgspec import Meta, Struct
from psycopg_pool import AsyncConnectionPool
from scipy.optimize import Bounds, LinearConstraint, milp

from api.auth.middleware import requires
from api.errors import bad_request, not_found
from api.ml.service import fetch_sets, read
from api.ml.structs import Insufficient, ModelBlock

NAME = "player_impact"
PlayerId = Annotated[str, Meta(min_length=1, max_length=100)]
TeamId = Annotated[str, Meta(min_length=1, max_length=100)]
Z95 = 1.959964
MAX_TRIOS = 4
MAX_PAIRS = 3


class LineChemistryRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    """Two or three skaters (`player_ids`); `team_id` optional (must exist; chemistry belongs to the
    players, whichever team they played for together)."""

    player_ids: Annotated[list[PlayerId], Meta(min_length=2, max_length=3)]
    team_id: TeamId | None = None


class PlayerImpact(Struct):
    player_id: str
    player_name: str | None
    position: str | None
    toi_seconds: float
    """Even-strength seconds the impacts were trained on (0: no data, his impacts are the model's
    prior, the league average, 0)."""
    xgf60_impact: float
    """His contribution to his team's xG for per 60 on the ice (ridge estimate)."""
    xga60_impact: float
    """His contribution to the opponent's xG per 60 on the ice (negative: he suppresses)."""
    net_xg60_impact: float


class Rates(Struct):
    xgf_pct: float | None
    """xG for / (xG for + xG against), a fraction."""
    gf_pct: float | None
    """Goals for / (goals for + goals against), a fraction; null without goals."""
    xgf_per_60: float
    xga_per_60: float


class Observed(Struct):
    xgf_pct: float | None
    gf_pct: float | None
    xgf: float
    xga: float
    gf: int
    ga: int
    attempts: int
    """Unblocked attempts for and against while together."""


class Differences(Struct):
    xgf_pct: float | None
    gf_pct: float | None


class PredictedPerformance(Struct):
    xgf_pct: float | None
    """The unit's predicted even-strength on-ice xGF% (fraction): expected.xgf_pct plus the
    chemistry estimate (line_chemistry_score); from the impacts only when never together."""
    xgf_pct_interval: list[float] | None
    """Approximate 95 % interval: expected + shrink_weight x (observed - expected +- 1.96 binomial
    standard errors of the observed xGF% over the attempts together); null when never together."""
    gf_pct: float | None
    """Predicted GF%: expected.gf_pct plus the shrunk GF% difference."""
    xg_differential_per_60: float
    """Predicted xG for minus against per 60 on the ice together: expected plus the shrunk
    observed-minus-expected residual."""


class LineChemistry(Struct):
    status: Literal["ok"]
    player_ids: list[str]
    unit_type: Literal["pair", "trio"]
    team_id: str | None
    basis: Literal["together", "individual_impacts_only"]
    """together: the players shared the ice; individual_impacts_only: never together at even
    strength, the prediction is the sum of their impacts against average teammates and opponents."""
    together_seconds: float
    games_together: int
    line_chemistry_score: float | None
    """Chemistry: the unit's observed xGF% together minus what the individual impacts predict for
    the same shifts (teammates and opponents included), shrunk by toi / (toi + prior seconds), as a
    fraction (0.03 = three xGF% points better than expected); null when never together."""
    line_chemistry_interval: list[float] | None
    """Approximate 95 % interval of line_chemistry_score (shrunk, +- 1.96 binomial standard errors
    of the observed xGF%)."""
    shrink_weight: float
    observed: Observed | None
    expected: Rates
    """What the impacts predict: for the shifts together (together) or for the unit with average
    teammates and opponents on neutral ice (individual_impacts_only)."""
    difference: Differences | None
    """observed - expected, unshrunk."""
    shrunk_difference: Differences | None
    predicted_performance: PredictedPerformance
    players: list[PlayerImpact]
    model: ModelBlock


class LineupRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    """A team's registered players (`team_id`) or one side of a game's roster (`game_id`, `side`),
    minus the `unavailable` players."""

    team_id: TeamId | None = None
    game_id: int | None = None
    side: Literal["home", "away"] | None = None
    unavailable: Annotated[list[PlayerId], Meta(max_length=50)] = []


class Unit(Struct):
    unit_type: Literal["forwards", "defence"]
    player_ids: list[str]
    expected_xg_differential_per_60: float
    """Sum of the players' net impacts plus the unit's chemistry: the xG differential per 60 this
    unit adds while on the ice, against an average unit."""
    impacts: float
    chemistry: float
    """The unit's shrunk observed-minus-expected xG differential per 60 together (0 when never
    together)."""
    together_seconds: float


class Lineup(Struct):
    status: Literal["ok"]
    team_id: str
    game_id: int | None
    side: str | None
    roster: list[PlayerImpact]
    unavailable: list[str]
    forward_lines: list[Unit]
    defence_pairs: list[Unit]
    unused: list[str]
    """Roster skaters left out (fewer than a unit's worth at their position)."""
    expected_xg_differential_per_60: float
    """The lineup's expected even-strength xG differential per 60 against an average team:
    the mean value of its forward lines plus the mean value of its defence pairs (each line and
    each pair given equal ice time), the quantity the optimiser maximises (exact, by integer
    programming over every possible unit)."""
    method: str
    model: ModelBlock


IMPACT_COLUMNS = """
    select player_id, player_full_name as player_name, position, team_id,
        toi_seconds::float8 as toi_seconds, xgf60_impact, xga60_impact, net_xg60_impact,
        gf60_impact, ga60_impact
    from ml.mv_player_impact
"""
IMPACTS_SQL = IMPACT_COLUMNS + " where player_id = any(%s)"
CHEMISTRY_SQL = "select * from ml.mv_line_chemistry where unit_key = any(%s)"
# The keys come as one string (separated by the control character US): psycopg quotes a list
# element by element, 0.3 ms for a roster's ~130 units. An id holding US is read as a list.
UNITS_SQL = """
    select unit_key, xg_diff_per60_residual_shrunk::float8, toi_together_s::float8
    from ml.mv_line_chemistry where unit_key = any(string_to_array(%s, chr(31)))
"""
BASE_SQL = """
    select term, value from ml.active_coefficients
    where model_name = %s and term in ('xg:intercept', 'xg:home', 'goals:intercept', 'goals:home')
"""
TEAM_SQL = "select team_id from ml.mv_team_ratings where team_id = %s"
GAME_SQL = "select home_team_id, away_team_id from ml.mv_game_predictions where game_id = %s"
GAME_ROSTER_SQL = """
    select player_id from ml.mv_player_game_xg where game_id = %s and venue = %s
"""
TEAM_IMPACTS_SQL = IMPACT_COLUMNS + " where team_id = %s"
GAME_IMPACTS_SQL = IMPACT_COLUMNS + f" where player_id in ({GAME_ROSTER_SQL})"


def _check_team(rows: list[dict], team_id: str) -> None:
    """404 naming `team_id` unless TEAM_SQL found the team in the ratings view."""
    if not rows:
        raise not_found("team_id", team_id)


async def _units(pool: AsyncConnectionPool, units: list[list[str]]) -> list[dict]:
    """The chemistry rows of these units (those never together have none)."""
    keys = ["-".join(sorted(u)) for u in units]
    if any("\x1f" in k for k in keys):
        query = (CHEMISTRY_SQL, [keys])
    else:
        query = (UNITS_SQL, ["\x1f".join(keys)])
    async with pool.connection() as conn:
        (rows,) = await fetch_sets(conn, query)
    return rows


def _impact(r: dict) -> PlayerImpact:
    return PlayerImpact(
        r["player_id"], r["player_name"], r["position"], r["toi_seconds"],
        r["xgf60_impact"] or 0.0, r["xga60_impact"] or 0.0, r["net_xg60_impact"] or 0.0,
    )  # fmt: skip


def _f(v) -> float | None:
    return None if v is None else float(v)


def _pct(f: float, a: float) -> float | None:
    return f / (f + a) if f + a > 0 else None


class LineService:
    def __init__(self, pool: AsyncConnectionPool):
        self.pool = pool

    async def chemistry(self, req: LineChemistryRequest) -> LineChemistry | Insufficient:
        ids = list(req.player_ids)
        if len(set(ids)) != len(ids):
            raise bad_request("duplicate_player", "player_ids must be distinct", ids, "player_ids")
        model, (team, impacts, units, base) = await read(
            self.pool, NAME, (TEAM_SQL, [req.team_id]), (IMPACTS_SQL, [ids]),
            (CHEMISTRY_SQL, [["-".join(sorted(ids))]]), (BASE_SQL, [NAME]),
        )  # fmt: skip
        if isinstance(model, Insufficient):
            return model
        if req.team_id is not None:
            _check_team(team, req.team_id)
        found = {r["player_id"]: r for r in impacts}
        for p in ids:
            if p not in found:
                raise not_found("player_id", p)
        goalies = [p for p in ids if found[p]["position"] == "G"]
        if goalies:
            raise bad_request(
                "goalie", f"line chemistry is for skaters; {', '.join(goalies)} is a goalie",
                goalies, "player_ids",
            )  # fmt: skip
        unit = units[0] if units else None
        base = {r["term"]: r["value"] for r in base}
        players = [_impact(found[p]) for p in ids]
        unit_type = "pair" if len(ids) == 2 else "trio"
        if unit is None:
            return _never_together(req, ids, unit_type, found, base, players, model)
        toi = float(unit["toi_together_s"])
        w = float(unit["shrink_weight"])
        xgf_pct, exp_xgf_pct = _f(unit["xgf_pct"]), _f(unit["expected_xgf_pct"])
        gf_pct, exp_gf_pct = _f(unit["gf_pct"]), _f(unit["expected_gf_pct"])
        score = _f(unit["xgf_pct_diff_shrunk"])
        se = _f(unit["xgf_pct_se"])
        interval = (
            [w * (xgf_pct - exp_xgf_pct - Z95 * se), w * (xgf_pct - exp_xgf_pct + Z95 * se)]
            if score is not None and se is not None
            else None
        )
        exp_xgf60 = float(unit["expected_xgf"]) / toi * 3600
        exp_xga60 = float(unit["expected_xga"]) / toi * 3600
        predicted_xgf = exp_xgf_pct + (score or 0.0)
        shrunk_gf = _f(unit["gf_pct_diff_shrunk"])
        return LineChemistry(
            status="ok",
            player_ids=ids,
            unit_type=unit_type,
            team_id=req.team_id,
            basis="together",
            together_seconds=toi,
            games_together=int(unit["games"]),
            line_chemistry_score=score,
            line_chemistry_interval=interval,
            shrink_weight=w,
            observed=Observed(
                xgf_pct,
                gf_pct,
                float(unit["xgf"]),
                float(unit["xga"]),
                int(unit["gf"]),
                int(unit["ga"]),
                int(unit["attempts"]),
            ),
            expected=Rates(exp_xgf_pct, exp_gf_pct, exp_xgf60, exp_xga60),
            difference=Differences(_f(unit["xgf_pct_diff"]), _f(unit["gf_pct_diff"])),
            shrunk_difference=Differences(score, shrunk_gf),
            predicted_performance=PredictedPerformance(
                xgf_pct=predicted_xgf,
                xgf_pct_interval=[exp_xgf_pct + x for x in interval] if interval else None,
                gf_pct=(exp_gf_pct + (shrunk_gf or 0.0)) if exp_gf_pct is not None else None,
                xg_differential_per_60=float(unit["expected_xg_diff_per60"])
                + float(unit["xg_diff_per60_residual_shrunk"]),
            ),
            players=players,
            model=model,
        )

    async def lineup(self, req: LineupRequest) -> Lineup | Insufficient:
        if (req.team_id is None) == (req.game_id is None):
            raise bad_request("team_or_game", "give either team_id or game_id (with side)")
        if req.game_id is not None and req.side is None:
            raise bad_request("side_required", "side ('home' or 'away') is required with game_id",
                              field="side")  # fmt: skip
        if req.team_id is not None and req.side is not None:
            raise bad_request("side_without_game", "side is only for a game_id", field="side")
        if req.team_id is not None:
            where = [(TEAM_SQL, [req.team_id]), (TEAM_IMPACTS_SQL, [req.team_id])]
        else:
            side = [req.game_id, req.side]
            where = [(GAME_SQL, [req.game_id]), (GAME_IMPACTS_SQL, side), (GAME_ROSTER_SQL, side)]
        model, (team_or_game, impacts, *game_roster) = await read(self.pool, NAME, *where)
        # A team's roster is its players in the impacts view; a game's may hold players without.
        roster = game_roster[0] if game_roster else impacts
        if isinstance(model, Insufficient):
            return model
        if req.team_id is not None:
            _check_team(team_or_game, req.team_id)
            team_id = req.team_id
        else:
            if not team_or_game:
                raise not_found("game_id", req.game_id)
            team_id = team_or_game[0][f"{req.side}_team_id"]
        roster_ids = sorted(r["player_id"] for r in roster)
        missing = sorted(set(req.unavailable) - set(roster_ids))
        if missing:
            raise bad_request(
                "not_on_roster", f"unavailable player(s) not on the roster: "
                f"{', '.join(missing)}", missing, "unavailable",
            )  # fmt: skip
        found = {r["player_id"]: r for r in impacts}
        available = [p for p in roster_ids if p not in set(req.unavailable) and p in found]
        forwards = [p for p in available if found[p]["position"] == "F"]
        defence = [p for p in available if found[p]["position"] == "D"]
        n_trios, n_pairs = min(len(forwards) // 3, MAX_TRIOS), min(len(defence) // 2, MAX_PAIRS)
        if n_trios == 0 or n_pairs == 0:
            return Insufficient(
                "insufficient_data", NAME,
                "a lineup needs at least 3 available forwards and 2 available defencemen "
                "(positions from dim_player.player_primary_position)",
                {"roster": len(roster_ids), "forwards": len(forwards),
                 "defence": len(defence), "unavailable": len(set(req.unavailable))},
            )  # fmt: skip
        trios = [list(c) for c in itertools.combinations(forwards, 3)]
        pairs = [list(c) for c in itertools.combinations(defence, 2)]
        # The units follow from the roster's positions: a second round trip.
        chem = {r["unit_key"]: r for r in await _units(self.pool, trios + pairs)}
        net = {p: float(found[p]["net_xg60_impact"] or 0.0) for p in available}
        lines = _best_units("forwards", trios, n_trios, net, chem)
        dpairs = _best_units("defence", pairs, n_pairs, net, chem)
        used = {p for u in lines + dpairs for p in u.player_ids}
        value = (
            sum(u.expected_xg_differential_per_60 for u in lines) / n_trios
            + sum(u.expected_xg_differential_per_60 for u in dpairs) / n_pairs
        )
        return Lineup(
            status="ok",
            team_id=team_id,
            game_id=req.game_id,
            side=req.side,
            roster=[_impact(found[p]) for p in roster_ids if p in found],
            unavailable=sorted(set(req.unavailable)),
            forward_lines=lines,
            defence_pairs=dpairs,
            unused=[p for p in available if p not in used],
            expected_xg_differential_per_60=value,
            method=f"integer program (scipy.optimize.milp, HiGHS) over all {len(trios)} forward "
            f"trios and {len(pairs)} defence pairs of the available roster",
            model=model,
        )


def unit_value(players: list[str], net: dict[str, float], chem: dict) -> tuple[float, float, float]:
    """(impacts, chemistry, together seconds) of a unit."""
    row = chem.get("-".join(sorted(players)))
    chemistry = float(row["xg_diff_per60_residual_shrunk"]) if row else 0.0
    return sum(net[p] for p in players), chemistry, float(row["toi_together_s"]) if row else 0.0


def _best_units(kind, candidates: list[list[str]], n: int, net: dict, chem: dict) -> list[Unit]:
    """The n disjoint units of the candidates with the largest total value: an exact 0-1 integer
    program (each player in at most one unit, exactly n units); HiGHS is deterministic."""
    values = [unit_value(u, net, chem) for u in candidates]
    chosen = _solve(tuple(map(tuple, candidates)), tuple(i + ch for i, ch, _ in values), n)
    units = [
        Unit(
            kind,
            candidates[j],
            values[j][0] + values[j][1],
            values[j][0],
            values[j][1],
            values[j][2],
        )
        for j in chosen
    ]
    return sorted(units, key=lambda u: (-u.expected_xg_differential_per_60, u.player_ids))


@functools.lru_cache(maxsize=256)
def _solve(
    candidates: tuple[tuple[str, ...], ...], values: tuple[float, ...], n: int
) -> tuple[int, ...]:
    """The chosen candidates' indexes. A pure function of its arguments, so its answers are kept:
    between two refreshes of the views a roster's inputs, and so its answer, do not change, and
    the two programs of a lineup took 17 ms of its 33 (a 600-game league, one process)."""
    players = sorted({p for u in candidates for p in u})
    a = np.zeros((len(players) + 1, len(candidates)))
    index = {p: i for i, p in enumerate(players)}
    for j, u in enumerate(candidates):
        for p in u:
            a[index[p], j] = 1
    a[-1, :] = 1
    lower = np.r_[np.zeros(len(players)), n]
    upper = np.r_[np.ones(len(players)), n]
    result = milp(-np.array(values), constraints=LinearConstraint(a, lower, upper),
                  integrality=np.ones(len(values)), bounds=Bounds(0, 1))  # fmt: skip
    return tuple(j for j in range(len(candidates)) if result.x[j] > 0.5)


def _never_together(req, ids, unit_type, found, base, players, model) -> LineChemistry:
    half_home = {t: base.get(f"{t}:home", 0.0) / 2 for t in ("xg", "goals")}

    def rate(target: str, side: str) -> float:
        total = sum(float(found[p][f"{side}60_impact"] or 0.0) for p in ids)
        return max(base[f"{target}:intercept"] + half_home[target] + total, 0.0)

    xgf60, xga60 = rate("xg", "xgf"), rate("xg", "xga")
    gf60, ga60 = rate("goals", "gf"), rate("goals", "ga")
    xgf_pct = _pct(xgf60, xga60)
    return LineChemistry(
        status="ok",
        player_ids=ids,
        unit_type=unit_type,
        team_id=req.team_id,
        basis="individual_impacts_only",
        together_seconds=0.0,
        games_together=0,
        line_chemistry_score=None,
        line_chemistry_interval=None,
        shrink_weight=0.0,
        observed=None,
        expected=Rates(xgf_pct, _pct(gf60, ga60), xgf60, xga60),
        difference=None,
        shrunk_difference=None,
        predicted_performance=PredictedPerformance(
            xgf_pct=xgf_pct,
            xgf_pct_interval=None,
            gf_pct=_pct(gf60, ga60),
            xg_differential_per_60=xgf60 - xga60,
        ),
        players=players,
        model=model,
    )


def provide_line_service(state: State) -> LineService:
    return LineService(state.pool)


Lines = NamedDependency[LineService]


class MlLinesController(Controller):
    path = "/api/ml"
    tags = ["ml"]  # noqa: RUF012 (Litestar reads these class attributes)
    dependencies = {"lines": Provide(provide_line_service, sync_to_thread=False)}  # noqa: RUF012
    guards = [requires("read")]  # noqa: RUF012 (Litestar reads these class attributes)

    @post("/predict/line-chemistry", status_code=200)
    async def line_chemistry(
        self, data: JSONBody[LineChemistryRequest], lines: Lines
    ) -> LineChemistry | Insufficient:
        """Chemistry of a pair or trio (`player_ids`, optional `team_id`) from ml.mv_line_chemistry:
        their even-strength on-ice xGF % and GF % together against what their individual impacts
        (model `player_impact`, with the teammates and opponents of the same shifts) predict.
        `line_chemistry_score` is that xGF% difference shrunk by toi / (toi + prior seconds of the
        model's parameters), a fraction, with an approximate 95 % interval;
        `predicted_performance` the unit's predicted xGF %, GF % and xG differential per 60 (expected
        plus the shrunk difference). Players never together at even strength:
        `together_seconds: 0`, `basis: individual_impacts_only`, the prediction from the impacts
        alone and no chemistry score. Unknown player or team: 404; a goalie or a repeated player:
        400; no trained impacts: `insufficient_data`."""
        return await lines.chemistry(data)

    @post("/optimize/lineup", status_code=200)
    async def optimize_lineup(
        self, data: JSONBody[LineupRequest], lines: Lines
    ) -> Lineup | Insufficient:
        """Forward trios and defence pairs that maximise the expected even-strength xG differential
        per 60 (players' net impacts plus unit chemistry, ml.mv_player_impact and
        ml.mv_line_chemistry), from a team's registered players (`team_id`:
        dim_player's current team) or one side of a game's roster (`game_id`, `side`: home |
        away), without the `unavailable` players. Positions from the league's primary position;
        up to 4 trios and 3 pairs (as many as the roster fills). Exact (0-1 integer program) and
        deterministic; each unit's expected value and the lineup's are in the answer. Unknown
        team or game: 404; bad or missing side, an unavailable player not on the roster: 400; too
        few forwards or defencemen: `insufficient_data` with the counts."""
        return await lines.lineup(data)
