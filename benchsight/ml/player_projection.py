"""Player projections: empirical-Bayes (gamma-Poisson) shrinkage of every skater's scoring rates.

For each stat (goals, assists, points, shots on goal), each position (F, D) and each exposure
basis (per game; per 60 minutes of TOI; and per on-ice event of his team, the "share": points per
team goal while he was on the ice, SOG per team shot on goal while he was on), a skater's count over his games is Poisson with mean
exposure x rate, and the true rates of a position are Gamma(alpha, beta) (shape, rate). The prior
(alpha, beta) is fitted by maximum marginal likelihood (the negative binomial of the counts,
type-II maximum likelihood, started from the method-of-moments estimate; alpha is bounded to
[0.05, 10,000]: a large alpha means the position's skaters hardly differ beyond Poisson noise).
A skater's posterior is Gamma(alpha + count, beta + exposure): the projected rate is its mean
(alpha + count) / (beta + exposure), pulled toward the position mean alpha / beta by beta games
(or hours). Exposure: games played (tracked games), or TOI hours in games with usable shifts.

Goals, assists and points borrow strength from shots: their prior mean is not the position's but
follows the skater's shot index z (his posterior SOG rate on the same basis over his position's
prior mean SOG rate): rate ~ Gamma(beta m, beta), m = exp(log_scale + slope ln z), the three
parameters per stat, basis and position by maximum marginal likelihood (`fit_covariate_prior`).
Points are rare (a few per ten games) and noisy; shots on goal are four times as frequent and
carry the same skill, so a skater's expected scoring leans on his shooting until his own points
are many. On benchmarks/bench_ml.py's generated 600-game season, the first half's projections
rank the true skills at Spearman 0.861 per on-ice team goal (0.529 with the position's prior
alone) and 0.665 per 60 minutes (0.558), and the second half's points per game MAE is 0.0521
(0.0615).

Intervals: the rate's 90 % credible interval from the posterior gamma; a count over g games from
the posterior predictive, negative binomial (shape alpha + count, success probability
(beta + exposure) / (beta + exposure + g)), its 5th and 95th percentiles (see `interval`).

The rates pool every tracked game of the league's files, all seasons alike (a skater's skill is
taken as constant across seasons: the generator's is; a real league's drift is not modelled).
The rest of the season is the current season's (that of the latest tracked game) upcoming games.

Evaluation: the tracked games split in two halves by date; the prior and posteriors fitted on
the first half predict each skater's points per game in the second half (skaters who played in
both), MAE weighted by second-half games, against the skater's first-half average and the league
mean (every skater's first-half points per game); and the rank agreement (Spearman) of the
projected points per 60, per game and per on-ice goal (share) with the league's skill rating
(dim_player.current_skill_rating). The share removes his team's level (a strong team's skaters
score more per 60 whatever their own skill), and the share index (his share over his position's
prior mean share) removes the position's level too: it is the scoring rate that ranks skill.
Next goal scorer: each held-out goal (second half) against the dressed skaters of its game, the
probability that a skater scored it = his goals-per-60 rate x his expected TOI over the sum over
both rosters (`next_goal_shares`), reliability table over those (goal, skater) rows.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betainc, gammaincinv, gammaln, ndtri
from scipy.stats import spearmanr

from benchsight.ml.base import FitResult, InsufficientData
from benchsight.ml.metrics import reliability_table

NAME = "player_projection"
DESCRIPTION = (
    "Skaters' goals, assists, points and shots on goal per game and per 60 minutes, shrunk "
    "toward their position's mean by an empirical-Bayes gamma-Poisson prior fitted by maximum "
    "marginal likelihood; intervals from the posterior gamma and the negative-binomial predictive."
)
STATS = ("goals", "assists", "points", "sog")
POSITIONS = ("F", "D")
BASES = ("game", "60", "share")
# Their priors follow the skater's shot rate (shot_index): in a rec league's few games, points are
# rare and noisy, shots four times as frequent; see fit_covariate_prior.
COVARIATE_STATS = ("goals", "assists", "points")
# The exposure of the "share" basis: his team's goals while he was on the ice (goals, assists,
# points) or its shots on goal (sog): his share of the on-ice production, free of his team's level.
SHARE_EXPOSURE = {"goals": "gf_on_ice", "assists": "gf_on_ice", "points": "gf_on_ice", "sog": "sf"}
LEVEL = 0.9
ALPHA_BOUNDS = (0.05, 10_000.0)
MIN_SKATERS = 4  # per position, to fit its prior
MIN_GAMES = 10
MIN_PLAYER_GAMES = 3  # a skater's projection needs this many games (the API refuses below it)
SPEC = f"player_projection/4 level={LEVEL} alpha_bounds={ALPHA_BOUNDS} min_skaters={MIN_SKATERS}"

QUERY = """
    select p.game_id, s.game_date, s.season_id, p.player_id, p.team_id,
        case when p.position = 'D' then 'D' else 'F' end as position,
        p.goals::int as goals, (p.a1 + p.a2)::int as assists,
        (p.goals + p.a1 + p.a2)::int as points, p.sog::int as sog,
        p.toi_seconds::float8 as toi_seconds, p.shifts::int as shifts,
        p.gf_on_ice::float8 as gf_on_ice, p.sf::float8 as sf,
        d.current_skill_rating::float8 as skill_rating
    from {schema}.fact_player_game_stats as p
    inner join {schema}.dim_schedule as s on s.game_id = p.game_id
    left join {schema}.dim_player as d on d.player_id = p.player_id
    where p.player_id is not null and coalesce(p.position, 'F') <> 'G'
    order by s.game_date, p.game_id, p.player_id
"""


def _neg_loglik(log_ab: np.ndarray, x: np.ndarray, n: np.ndarray) -> float:
    a, b = np.exp(log_ab)
    ll = gammaln(a + x) - gammaln(a) + a * np.log(b) - (a + x) * np.log(b + n)
    return -float(ll.sum())


def fit_prior(x: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    """Gamma(alpha, beta) prior of the rates from counts x over exposures n (n > 0): maximum
    marginal likelihood, started from the method of moments."""
    m = x.sum() / n.sum()
    if m <= 0:  # nobody scored: the rate is at the bound of what the data says
        return ALPHA_BOUNDS[0], ALPHA_BOUNDS[0] / 1e-3
    r = x / n
    k = len(x)
    between = (n * (r - m) ** 2).sum() - (k - 1) * m
    denom = n.sum() - (n**2).sum() / n.sum()
    v = between / denom if denom > 0 else 0.0
    a0 = float(np.clip(m * m / v, *ALPHA_BOUNDS)) if v > 0 else ALPHA_BOUNDS[1] / 10
    start = np.log([a0, a0 / m])
    bounds = [(np.log(ALPHA_BOUNDS[0]), np.log(ALPHA_BOUNDS[1])), (None, None)]
    res = minimize(_neg_loglik, start, args=(x, n), method="L-BFGS-B", bounds=bounds)
    a, b = np.exp(res.x)
    return float(a), float(b)


def fit_covariate_prior(x: np.ndarray, n: np.ndarray, z: np.ndarray) -> tuple[float, float, float]:
    """A gamma prior whose mean follows a covariate: rate_i ~ Gamma(beta m_i, beta) with
    m_i = exp(log_scale + slope z_i), by maximum marginal likelihood (negative binomial),
    started from the plain prior (slope 0). Returns (log_scale, slope, beta); the mean prior
    shape beta x mean(m) is bounded like alpha (ALPHA_BOUNDS)."""
    a0, b0 = fit_prior(x, n)
    m = x.sum() / n.sum()
    if m <= 0:
        return float(np.log(a0 / b0)), 0.0, b0

    def nll(p: np.ndarray) -> float:
        log_scale, slope, log_beta = p
        beta = np.exp(log_beta)
        a = beta * np.exp(log_scale + slope * z)
        return -float((gammaln(a + x) - gammaln(a) + a * np.log(beta / (beta + n))
                       - x * np.log(beta + n)).sum())  # fmt: skip

    bounds = [(None, None), (-5.0, 5.0),
              (np.log(ALPHA_BOUNDS[0] / m), np.log(ALPHA_BOUNDS[1] / m))]  # fmt: skip
    start = np.array([np.log(a0 / b0), 0.0, np.clip(np.log(b0), bounds[2][0], bounds[2][1])])
    # L-BFGS-B with finite-difference gradients can stop on a flat ridge short of the maximum
    # (on one machine's floating point it left the defencemen's slope 0.02 from it): tight
    # tolerances, and restarts from where it stopped until a restart gains nothing.
    best, best_nll = start, nll(start)
    for _ in range(5):
        res = minimize(nll, best, method="L-BFGS-B", bounds=bounds,
                       options={"ftol": 1e-14, "gtol": 1e-10, "maxiter": 2000})  # fmt: skip
        if not res.fun < best_nll - 1e-9:
            break
        best, best_nll = res.x, float(res.fun)
    return float(best[0]), float(best[1]), float(np.exp(best[2]))


def player_totals(frame: pd.DataFrame) -> pd.DataFrame:
    """Per skater: position (his most frequent), games, TOI hours (games with usable shifts) and
    the counts over all games and over games with TOI."""
    f = frame.assign(has_toi=frame["toi_seconds"].notna())
    grp = f.groupby("player_id")
    out = pd.DataFrame({"position": grp["position"].agg(lambda s: s.mode().iloc[0]),
                        "games": grp.size(),
                        "toi_hours": grp["toi_seconds"].sum(min_count=1).fillna(0) / 3600})  # fmt: skip
    for stat in STATS:
        out[stat] = grp[stat].sum()
        out[f"{stat}_toi"] = f[f["has_toi"]].groupby("player_id")[stat].sum()
    for col in ("gf_on_ice", "sf"):
        out[col] = f[f["has_toi"]].groupby("player_id")[col].sum()
    return out.fillna(0)


def fit_priors(totals: pd.DataFrame) -> dict[str, float]:
    """The coefficients: prior:<stat>:<basis>:<position>:alpha / :beta (the position's plain
    prior), and for goals, assists and points the covariate prior on the skater's shot rate,
    cov:<stat>:<basis>:<position>:log_scale / :slope / :beta (see `prior_shape_rate`)."""
    coef = {}
    for pos in POSITIONS:
        t = totals[totals["position"] == pos]
        for stat in STATS:
            for basis in BASES:
                x, n = _count_exposure(t, stat, basis)
                keep = n.to_numpy() > 0
                if keep.sum() < MIN_SKATERS:
                    continue
                a, b = fit_prior(x.to_numpy(float)[keep], n.to_numpy(float)[keep])
                coef[f"prior:{stat}:{basis}:{pos}:alpha"] = a
                coef[f"prior:{stat}:{basis}:{pos}:beta"] = b
    for pos in POSITIONS:
        t = totals[totals["position"] == pos]
        for basis in BASES:
            if f"prior:sog:{basis}:{pos}:alpha" not in coef:
                continue
            z = np.log(shot_index(t, coef, basis)).to_numpy(float)
            for stat in COVARIATE_STATS:
                if f"prior:{stat}:{basis}:{pos}:alpha" not in coef:
                    continue
                x, n = _count_exposure(t, stat, basis)
                keep = n.to_numpy() > 0
                fitted = fit_covariate_prior(x.to_numpy(float)[keep], n.to_numpy(float)[keep],
                                             z[keep])  # fmt: skip
                for name, value in zip(("log_scale", "slope", "beta"), fitted, strict=True):
                    coef[f"cov:{stat}:{basis}:{pos}:{name}"] = value
    return coef


def shot_index(totals: pd.DataFrame, coef: dict, basis: str) -> pd.Series:
    """Each skater's shot rate on `basis` (his shrunk SOG rate) over his position's mean: the
    covariate of the scoring priors (1 for a skater without exposure on the basis)."""
    a = totals["position"].map(lambda p: coef.get(f"prior:sog:{basis}:{p}:alpha", np.nan))
    b = totals["position"].map(lambda p: coef.get(f"prior:sog:{basis}:{p}:beta", np.nan))
    x, n = _count_exposure(totals, "sog", basis)
    return ((a + x) / (b + n)) / (a / b)


def prior_shape_rate(
    totals: pd.DataFrame, coef: dict, stat: str, basis: str
) -> tuple[pd.Series, pd.Series]:
    """Each skater's prior (shape, rate). Goals, assists and points: beta x exp(log_scale +
    slope x ln(shot index)) and beta, the covariate prior (a skater who shoots more is expected
    to score more, before his own points are counted); SOG, or a position without the covariate
    fit: the position's plain alpha and beta."""
    pos = totals["position"]
    alpha = pos.map(lambda p: coef.get(f"prior:{stat}:{basis}:{p}:alpha", np.nan))
    beta = pos.map(lambda p: coef.get(f"prior:{stat}:{basis}:{p}:beta", np.nan))
    if stat in COVARIATE_STATS:
        cov = {k: pos.map(lambda p, k=k: coef.get(f"cov:{stat}:{basis}:{p}:{k}", np.nan))
               for k in ("log_scale", "slope", "beta")}  # fmt: skip
        z = np.log(shot_index(totals, coef, basis))
        has = cov["beta"].notna()
        alpha = alpha.where(~has, cov["beta"] * np.exp(cov["log_scale"] + cov["slope"] * z))
        beta = beta.where(~has, cov["beta"])
    return alpha, beta


def posterior_means(totals: pd.DataFrame, coef: dict, stat: str, basis: str) -> pd.Series:
    """(shape + count) / (rate + exposure) per skater, from his prior (`prior_shape_rate`; NaN
    when his position has no prior)."""
    a, b = prior_shape_rate(totals, coef, stat, basis)
    x, n = _count_exposure(totals, stat, basis)
    return (a + x) / (b + n)


def _count_exposure(t: pd.DataFrame, stat: str, basis: str) -> tuple[pd.Series, pd.Series]:
    if basis == "game":
        return t[stat], t["games"]
    if basis == "60":
        return t[f"{stat}_toi"], t["toi_hours"]
    return t[f"{stat}_toi"], t[SHARE_EXPOSURE[stat]]


def interval(shape: float, rate: float, games: float, level: float = LEVEL) -> dict:
    """The projection over `games` games of a skater whose rate is Gamma(shape, rate): the
    expected count, the rate's central credible interval per game, and the count's central
    predictive interval (negative binomial).

    The quantiles are scipy.stats' gamma.ppf and nbinom.ppf, computed with the special functions
    they use (one call each instead of scipy.stats' argument handling, ~90 us a quantile): this
    runs per request in the API."""
    lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
    out = {
        "per_game": shape / rate,
        "per_game_low": float(gammaincinv(shape, lo)) * (1 / rate),
        "per_game_high": float(gammaincinv(shape, hi)) * (1 / rate),
        "total": shape / rate * games,
    }
    if games > 0:
        p = rate / (rate + games)
        out["total_low"] = _nbinom_quantile(lo, shape, p)
        out["total_high"] = _nbinom_quantile(hi, shape, p)
    else:
        out["total_low"] = out["total_high"] = 0.0
    return out


def _nbinom_quantile(q: float, n: float, p: float) -> float:
    """The smallest k >= 0 with P(K <= k) >= q for K ~ NB(n, p) (scipy's nbinom.ppf): a walk
    from the normal approximation over the exact CDF, I_p(n, k + 1)."""
    mean = n * (1 - p) / p
    k = max(0, math.floor(mean + float(ndtri(q)) * math.sqrt(mean / p)))
    while betainc(n, k + 1, p) < q:
        k += 1
    while k > 0 and betainc(n, k, p) >= q:
        k -= 1
    return float(k)


def next_goal_shares(goal_rate_60: np.ndarray, toi_hours: np.ndarray) -> np.ndarray:
    """Each skater's scoring intensity over the horizon: rate per hour x expected hours."""
    return goal_rate_60 * toi_hours


def _spearman(a: pd.Series, b: pd.Series) -> float | None:
    ok = a.notna() & b.notna()
    if ok.sum() < 3 or a[ok].nunique() < 2 or b[ok].nunique() < 2:
        return None
    return float(spearmanr(a[ok], b[ok]).statistic)


def evaluate(frame: pd.DataFrame) -> dict:
    """First half of the season's games (by date) against the second; see the module doc."""
    games = frame[["game_id", "game_date"]].drop_duplicates("game_id")
    games = games.sort_values(["game_date", "game_id"])
    first = set(games["game_id"].iloc[: len(games) // 2])
    train, test = frame[frame["game_id"].isin(first)], frame[~frame["game_id"].isin(first)]
    tt = player_totals(train)
    coef = fit_priors(tt)
    proj = posterior_means(tt, coef, "points", "game")
    later = test.groupby("player_id").agg(points=("points", "sum"), games=("game_id", "nunique"))
    both = later.join(tt[["points", "games"]].add_suffix("_first"), how="inner")
    both = both.assign(projected=proj.reindex(both.index)).dropna(subset=["projected"])
    actual = both["points"] / both["games"]
    w = both["games"]
    league_mean = float(tt["points"].sum() / tt["games"].sum())

    def mae(pred) -> float:
        return float((np.abs(pred - actual) * w).sum() / w.sum())

    rate60 = posterior_means(tt, coef, "points", "60")
    share = posterior_means(tt, coef, "points", "share")
    share_index = share / tt["position"].map(
        lambda p: coef[f"prior:points:share:{p}:alpha"] / coef[f"prior:points:share:{p}:beta"]
    )
    skill = train.groupby("player_id")["skill_rating"].first()
    # Next-goal shares on the held-out goals: every skater who dressed, his first-half goals per
    # 60 x his first-half mean TOI (unknown skaters get their position's prior mean rate and the
    # position's mean TOI), one row per (goal, skater) of the game.
    g60 = posterior_means(tt, coef, "goals", "60")
    toi_game = (tt["toi_hours"] / tt["games"]).where(tt["toi_hours"] > 0)
    pos_prior = {p: coef.get(f"prior:goals:60:{p}:alpha", np.nan)
                 / coef.get(f"prior:goals:60:{p}:beta", np.nan) for p in POSITIONS}  # fmt: skip
    pos_toi = train.groupby("position")["toi_seconds"].mean() / 3600
    t = test[["game_id", "player_id", "position", "goals"]].copy()
    t["rate"] = t["player_id"].map(g60).fillna(t["position"].map(pos_prior))
    t["hours"] = t["player_id"].map(toi_game).fillna(t["position"].map(pos_toi))
    t = t.dropna(subset=["rate", "hours"])
    t["lam"] = next_goal_shares(t["rate"].to_numpy(), t["hours"].to_numpy())
    total = t.groupby("game_id")["lam"].transform("sum")
    t["p"] = t["lam"] / total
    t["game_goals"] = t.groupby("game_id")["goals"].transform("sum")
    reps = t["game_goals"].to_numpy(int)
    p_rows = np.repeat(t["p"].to_numpy(), reps)
    # y: 1 for as many of a skater's rows as he scored goals in the game.
    y_rows = np.concatenate([np.r_[np.ones(g), np.zeros(n - g)] for g, n in
                             zip(t["goals"].to_numpy(int), reps, strict=True)]) if len(t) else np.array([])  # fmt: skip
    dressed = t.groupby("game_id")["player_id"].transform("size").to_numpy()
    uniform = np.repeat(1.0 / dressed, reps)
    per_game_lam = t.groupby("game_id")["lam"].sum()
    per_game_goals = t.groupby("game_id")["goals"].sum()
    nll = float(-np.log(np.clip(p_rows[y_rows == 1], 1e-12, 1)).mean()) if y_rows.sum() else None
    nll_uniform = float(-np.log(uniform[y_rows == 1]).mean()) if y_rows.sum() else None
    return {
        "evaluation": (
            "prior and posteriors fitted on the first half of the tracked games by date "
            f"({len(first)} games), scored on the second ({len(games) - len(first)} games): "
            "points per game of each skater who played in both halves, MAE weighted by his "
            "second-half games; baselines: his first-half points per game, and the league mean "
            "(all skaters' first-half points per game)"
        ),
        "train_games": len(first),
        "test_games": len(games) - len(first),
        "skaters": len(both),
        "points_per_game_mae": {
            "projection": mae(both["projected"]),
            "season_to_date_average": mae(both["points_first"] / both["games_first"]),
            "league_mean": mae(pd.Series(league_mean, index=both.index)),
        },
        "spearman_points_per_60_vs_skill_rating": _spearman(rate60, skill.reindex(rate60.index)),
        "spearman_points_per_game_vs_skill_rating": _spearman(proj, skill.reindex(proj.index)),
        "spearman_points_share_vs_skill_rating": _spearman(share, skill.reindex(share.index)),
        "spearman_points_share_index_vs_skill_rating": _spearman(
            share_index, skill.reindex(share_index.index)
        ),
        "next_goal_scorer": {
            "evaluation": (
                "each second-half goal against every skater who dressed in its game: P(skater "
                "scored it) = his first-half goals per 60 (shrunk) x his first-half mean TOI per "
                "game, over the sum of both rosters; log-loss per goal against a uniform pick of "
                "the dressed skaters; P(no goal in a game) = exp(-sum) against the observed share"
            ),
            "goals": int(y_rows.sum()),
            "rows": len(y_rows),
            "log_loss": nll,
            "log_loss_uniform": nll_uniform,
            "reliability": reliability_table(y_rows, p_rows) if len(y_rows) else [],
            "p_no_goal_mean": float(np.exp(-per_game_lam).mean()) if len(per_game_lam) else None,
            "observed_no_goal_share": float((per_game_goals == 0).mean())
            if len(per_game_goals)
            else None,
        },
    }


def fit(frame: pd.DataFrame) -> FitResult:
    skaters = frame.groupby("position")["player_id"].nunique()
    games = frame["game_id"].nunique()
    counts = {"games": int(games), "rows": len(frame),
              **{f"skaters_{p}": int(skaters.get(p, 0)) for p in POSITIONS}}  # fmt: skip
    if games < MIN_GAMES or min(skaters.get(p, 0) for p in POSITIONS) < MIN_SKATERS:
        raise InsufficientData(
            f"player projections need at least {MIN_GAMES} tracked games and "
            f"{MIN_SKATERS} skaters of each position (F, D)",
            counts,
        )
    totals = player_totals(frame)
    coef = fit_priors(totals)
    shifts = frame["shifts"].sum()
    mean_shift_s = float(frame["toi_seconds"].sum() / shifts) if shifts else None
    metrics = evaluate(frame)
    prior_means = {
        f"{stat}:{basis}:{pos}": coef[f"prior:{stat}:{basis}:{pos}:alpha"]
        / coef[f"prior:{stat}:{basis}:{pos}:beta"]
        for stat in STATS for basis in BASES for pos in POSITIONS
        if f"prior:{stat}:{basis}:{pos}:alpha" in coef
    }  # fmt: skip
    return FitResult(
        coefficients=coef,
        metrics=metrics,
        features=[f"{s}:{b}" for s in STATS for b in BASES],
        parameters={
            "season_id": str(frame["season_id"].iloc[-1]),
            "prior": "gamma(alpha, beta) per stat, basis (game, 60, share) and position, by "
            "maximum marginal likelihood (negative binomial), method-of-moments start; for "
            "goals, assists and points the prior mean follows the skater's shot index (his "
            "shrunk SOG rate over his position's mean): Gamma(beta exp(log_scale + slope "
            "ln index), beta), by maximum marginal likelihood (coefficients cov:*)",
            "interval_level": LEVEL,
            "min_player_games": MIN_PLAYER_GAMES,
            "prior_means": prior_means,
            "mean_shift_seconds": mean_shift_s,
            "skaters": len(totals),
        },
        training_rows=len(frame),
        games=int(games),
        data_from=frame["game_date"].min(),
        data_to=frame["game_date"].max(),
        notes=DESCRIPTION,
    )
