"""Per-player impact on on-ice expected goals and goals: a ridge regression over stints (RAPM-like).

Rows: every even-strength stint (usable shift rows of fact_shifts with as many home as away skaters
and both goalies in, merged per game and on-ice sets: one row per game x home skaters x away
skaters), twice: once for the home side attacking, once for the away side. The target is the
attacking side's rate per 60 minutes, of expected goals (xG of its unblocked attempts in
ml.mv_shot_xg, the attempt's shift by the half-open rule of fact_events) and, in a second fit, of
goals; the weight is the stint's seconds. Columns: an intercept and a home indicator (not
penalised), then for every skater an offence indicator (he is on the attacking side) and a defence
indicator (he is on the defending side). So a skater's
  - `xg:off:<player>` is his contribution to his team's xGF per 60 while he is on the ice and
  - `xg:def:<player>` his contribution to the opponent's xGA... per 60 (negative: he suppresses),
against average teammates and opponents; `goals:off` / `goals:def` the same for goals. Ridge
(normal prior, mean 0) on the player columns: a skater with little ice time stays near 0, the
league average. The penalty of each target is the one of ALPHAS with the lowest duration-weighted
squared error on the held-out games (the latest 20 % by date) when fitted on the others; the card
compares that error with the no-player baseline (the training rows' weighted mean rate, per home /
away attack) and ranks the net impacts (off - def) against the league's skill rating
(dim_player.current_skill_rating: the generator's true skill in a generated league).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sparse
from scipy.stats import spearmanr

from benchsight.ml.base import FitResult, InsufficientData
from benchsight.ml.metrics import split_by_date

NAME = "player_impact"
DESCRIPTION = (
    "Each skater's contribution to his team's on-ice xGF and xGA (and GF / GA) per 60 minutes at "
    "even strength, against average teammates and opponents: a duration-weighted ridge "
    "regression over stints with offence and defence indicators per skater (RAPM-like), the "
    "penalty chosen on held-out games."
)
ALPHAS = (300.0, 1000.0, 3000.0, 10000.0, 30000.0, 100000.0, 300000.0, 1e6, 3e6)
MIN_GAMES = 5
MIN_STINTS = 50
RANK_MIN_SECONDS = 1200.0  # players ranked against the skill rating: at least 20 minutes of stints
# Line chemistry (models/ml/mv_line_chemistry.sql) shrinks a unit's difference from its expected
# xGF% by toi / (toi + this many seconds): one hour together counts half.
CHEMISTRY_PRIOR_SECONDS = 3600.0
TARGETS = ("xg", "goals")
READS_ML_VIEWS = ("mv_shot_xg",)
SPEC = f"player_impact/1 alphas={ALPHAS} chemistry_prior_s={CHEMISTRY_PRIOR_SECONDS}"

QUERY = """
    with sides as (
        select sp.shift_id, sp.venue, string_agg(distinct sp.player_id, ',' order by sp.player_id) as ids
        from {schema}.fact_shift_players as sp
        where not sp.is_goalie and sp.player_id is not null and sp.shift_id is not null
        group by sp.shift_id, sp.venue
    ),

    attempts as (
        select
            e.shift_id,
            sum(x.xg) filter (where x.venue = 'home') as home_xg,
            sum(x.xg) filter (where x.venue = 'away') as away_xg,
            count(*) filter (where x.venue = 'home' and x.is_goal) as home_goals,
            count(*) filter (where x.venue = 'away' and x.is_goal) as away_goals
        from ml.mv_shot_xg as x
        inner join {schema}.fact_events as e on e.event_id = x.event_id
        where e.shift_id is not null
        group by e.shift_id
    ),

    stints as (
        select
            s.game_id,
            d.game_date,
            h.ids as home_ids,
            a.ids as away_ids,
            sum(s.duration_s)::float8 as seconds,
            coalesce(sum(t.home_xg), 0)::float8 as home_xg,
            coalesce(sum(t.away_xg), 0)::float8 as away_xg,
            coalesce(sum(t.home_goals), 0)::float8 as home_goals,
            coalesce(sum(t.away_goals), 0)::float8 as away_goals
        from {schema}.fact_shifts as s
        inner join {schema}.dim_schedule as d on d.game_id = s.game_id
        inner join sides as h on h.shift_id = s.shift_id and h.venue = 'home'
        inner join sides as a on a.shift_id = s.shift_id and a.venue = 'away'
        left join attempts as t on t.shift_id = s.shift_id
        where s.is_usable and s.duration_s > 0 and s.home_skaters = s.away_skaters
            and s.home_goalie_on and s.away_goalie_on
        group by s.game_id, d.game_date, h.ids, a.ids
    )

    select 'stint' as kind, game_id, game_date, home_ids, away_ids, seconds, home_xg, away_xg,
        home_goals, away_goals, null::text as player_id, null::float8 as skill_rating
    from stints
    union all
    select 'player', null, null, null, null, null, null, null, null, null, player_id,
        case when current_skill_rating::text ~ '^\\s*[0-9]+(\\.[0-9]+)?\\s*$'
            then current_skill_rating::text::float8 end
    from {schema}.dim_player
    order by kind desc, game_id, home_ids, away_ids, player_id
"""


def _design(stints: pd.DataFrame, index: dict[str, int]) -> sparse.csr_matrix:
    """Two rows per stint (home attacking, away attacking); columns: intercept, home, offence
    indicators (0..P-1 after the two), defence indicators (P..2P-1 after them)."""
    p = len(index)
    rows, cols = [], []
    for k, (home, away) in enumerate(zip(stints["home_ids"], stints["away_ids"], strict=True)):
        h = [index[x] for x in home.split(",")]
        a = [index[x] for x in away.split(",")]
        for r, attack, defend in ((2 * k, h, a), (2 * k + 1, a, h)):
            rows += [r] * (len(attack) + len(defend))
            cols += [2 + i for i in attack] + [2 + p + i for i in defend]
    n = 2 * len(stints)
    rows += list(range(n)) + list(range(0, n, 2))
    cols += [0] * n + [1] * (n // 2)
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, 2 + 2 * p))


def _targets(stints: pd.DataFrame, target: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-60 rates of the two rows of each stint (home attacking first) and their weights."""
    seconds = stints["seconds"].to_numpy(float)
    counts = np.column_stack([stints[f"home_{target}"], stints[f"away_{target}"]]).ravel()
    weights = np.repeat(seconds, 2)
    return counts / weights * 3600.0, weights


def _solve(x: sparse.csr_matrix, y: np.ndarray, w: np.ndarray, alphas) -> list[np.ndarray]:
    """Weighted ridge with an unpenalised intercept and home term, one solution per alpha."""
    xtw = x.T.multiply(w).tocsr()
    gram = (xtw @ x).toarray()
    rhs = xtw @ y
    out = []
    for alpha in alphas:
        pen = np.full(gram.shape[0], float(alpha))
        pen[:2] = 1e-9
        out.append(np.linalg.solve(gram + np.diag(pen), rhs))
    return out


def _wmse(y: np.ndarray, pred: np.ndarray, w: np.ndarray) -> float:
    return float((w * (y - pred) ** 2).sum() / w.sum())


def _toi(stints: pd.DataFrame) -> dict[str, float]:
    seconds: dict[str, float] = {}
    for home, away, s in zip(
        stints["home_ids"], stints["away_ids"], stints["seconds"], strict=True
    ):
        for p in (*home.split(","), *away.split(",")):
            seconds[p] = seconds.get(p, 0.0) + s
    return seconds


def fit(frame: pd.DataFrame) -> FitResult:
    stints = frame[frame["kind"] == "stint"].reset_index(drop=True)
    players = frame[frame["kind"] == "player"]
    games = stints["game_id"].nunique()
    counts = {"games": int(games), "stints": len(stints)}
    if games < MIN_GAMES or len(stints) < MIN_STINTS:
        raise InsufficientData(
            f"player impacts need at least {MIN_GAMES} games with {MIN_STINTS} even-strength "
            "stints (usable shifts)",
            counts,
        )
    ids = sorted(set(",".join(stints["home_ids"]).split(",")) | set(
        ",".join(stints["away_ids"]).split(",")))  # fmt: skip
    index = {p: i for i, p in enumerate(ids)}
    n_players = len(ids)
    x = _design(stints, index)
    is_train, holdout = split_by_date(stints)
    train_rows = np.repeat(is_train.to_numpy(), 2)
    coef: dict[str, float] = {}
    metrics: dict = {
        "evaluation": (
            "fitted on the earliest 80 % of games by date, scored on the latest 20 % "
            f"({len(holdout)} games): duration-weighted mean squared error of each stint side's "
            "rate per 60; baseline: no players, the training rows' weighted mean rate of a home "
            "and of an away attack"
        ),
        "holdout_games": len(holdout),
    }
    alphas = {}
    for target in TARGETS:
        y, w = _targets(stints, target)
        tr, te = train_rows, ~train_rows
        candidates = _solve(x[tr], y[tr], w[tr], ALPHAS)
        errors = [_wmse(y[te], x[te] @ b, w[te]) for b in candidates]
        best = int(np.argmin(errors))
        home = x[:, 1].toarray().ravel().astype(bool)
        base_home = np.average(y[tr & home], weights=w[tr & home])
        base_away = np.average(y[tr & ~home], weights=w[tr & ~home])
        baseline = np.where(home[te], base_home, base_away)
        metrics[target] = {
            "alpha": ALPHAS[best],
            "holdout_wmse": errors[best],
            "baseline_wmse": _wmse(y[te], baseline, w[te]),
            "holdout_rows": int(te.sum()),
            "alpha_grid_wmse": {str(a): e for a, e in zip(ALPHAS, errors, strict=True)},
        }
        alphas[target] = ALPHAS[best]
        b = _solve(x, y, w, [ALPHAS[best]])[0]
        coef[f"{target}:intercept"] = float(b[0])
        coef[f"{target}:home"] = float(b[1])
        for p, i in index.items():
            coef[f"{target}:off:{p}"] = float(b[2 + i])
            coef[f"{target}:def:{p}"] = float(b[2 + n_players + i])
    toi = _toi(stints)
    for p, s in toi.items():
        coef[f"toi:{p}"] = s
    skill = players.dropna(subset=["skill_rating"]).set_index("player_id")["skill_rating"]
    ranked = [p for p in ids if toi[p] >= RANK_MIN_SECONDS and p in skill.index]
    ranking = {"players": len(ranked), "min_seconds": RANK_MIN_SECONDS}
    if len(ranked) >= 3:
        for target in TARGETS:
            net = [coef[f"{target}:off:{p}"] - coef[f"{target}:def:{p}"] for p in ranked]
            rho = spearmanr(net, skill.loc[ranked].to_numpy()).statistic
            ranking[f"spearman_net_{target}"] = None if np.isnan(rho) else float(rho)
    metrics["skill_rank"] = {
        "what": "Spearman correlation of the net impact (off - def) with "
        "dim_player.current_skill_rating (a generated league: the true skill)",
        **ranking,
    }
    dates = stints["game_date"]
    return FitResult(
        coefficients=coef,
        metrics=metrics,
        features=["home", "offence indicator per skater", "defence indicator per skater"],
        parameters={
            "alpha_xg": alphas["xg"],
            "alpha_goals": alphas["goals"],
            "alphas": list(ALPHAS),
            "players": n_players,
            "stints": len(stints),
            "seconds": float(stints["seconds"].sum()),
            "chemistry_prior_seconds": CHEMISTRY_PRIOR_SECONDS,
        },
        training_rows=2 * len(stints),
        games=int(games),
        data_from=dates.min(),
        data_to=dates.max(),
        notes=DESCRIPTION,
    )
