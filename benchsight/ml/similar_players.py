"""Similar players: nearest skaters on standardised per-60 and per-game profiles, by position.

A skater's profile (tracked games, fact_player_game_stats): per 60 minutes of his time on ice
(games with usable shifts) goals, assists, shots on goal, shot attempts, blocks, takeaways,
giveaways, zone entries, passes, on-ice Corsi for and against; per game his time on ice (minutes)
and points. Skaters are compared only within their position group (F or D: the position he played
most); goalies have no profile. A skater needs MIN_GAMES games and MIN_TOI_MIN minutes on ice.
Each feature is standardised within the group (z = (x - group mean) / group sd; a feature
constant in the group is left out of it). The stored coefficients are every eligible skater's z
values (`z|group|player|feature`) and the groups' means and sds; ml.mv_similar_players ranks,
for every skater, the others of his group by Euclidean distance over the z values and keeps the
TOP_K nearest.

Card metric: how often a skater's nearest neighbour shares his position and skill band (the
league's current_skill_rating: 2-3 low, 4 mid, 5-6 high), against chance: a random other skater
(any position) and a random other skater of his position group.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchsight.ml.base import FitResult, InsufficientData

NAME = "similar_players"
DESCRIPTION = (
    "Nearest skaters of the same position group on standardised per-60 and per-game profiles "
    "(Euclidean distance over z-scores); goalies are not compared."
)
MIN_GAMES = 3
MIN_TOI_MIN = 30.0
MIN_GROUP = 3
TOP_K = 10
PER_60 = ("goals", "assists", "sog", "attempts", "blocks", "takeaways", "giveaways",
          "zone_entries", "passes", "cf", "ca")  # fmt: skip
PER_GAME = ("toi_minutes", "points")
FEATURES = tuple(f"{f}_per60" for f in PER_60) + tuple(f"{f}_per_game" for f in PER_GAME)
SPEC = (
    f"similar_players/1 min_games={MIN_GAMES} min_toi={MIN_TOI_MIN} top_k={TOP_K} "
    f"features={FEATURES}"
)

QUERY = """
    select s.player_id, s.game_id, s.position, s.toi_seconds::float8 as toi_seconds,
        s.goals, s.a1 + s.a2 as assists, s.sog, s.attempts, s.blocks, s.takeaways, s.giveaways,
        s.zone_entries, s.passes, s.cf, s.ca, s.goals + s.a1 + s.a2 as points,
        p.current_skill_rating::float8 as skill_rating, d.game_date
    from {schema}.fact_player_game_stats as s
    join {schema}.dim_schedule as d on d.game_id = s.game_id
    left join {schema}.dim_player as p on p.player_id = s.player_id
    order by s.player_id, s.game_id
"""


def skill_band(rating: float | None) -> str | None:
    if rating is None or np.isnan(rating):
        return None
    return "low" if rating <= 3 else "mid" if rating < 5 else "high"


def profiles(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per skater: group, games, toi, skill rating and the raw features."""
    f = frame.copy()
    f["shifts_known"] = f["toi_seconds"].notna()
    tracked = f[f["shifts_known"]]
    per60 = tracked.groupby("player_id")[["toi_seconds", *PER_60]].sum()
    out = pd.DataFrame(index=per60.index.union(f["player_id"].unique()))
    g = f.groupby("player_id")
    # the position he played most (ties: the first alphabetically)
    played = f.groupby(["player_id", "position"]).size().rename("n").reset_index()
    played = played.sort_values(["player_id", "n", "position"], ascending=[True, False, True])
    out["group"] = played.drop_duplicates("player_id").set_index("player_id")["position"]
    out["games"] = g.size()
    out["games_with_toi"] = tracked.groupby("player_id").size().reindex(out.index).fillna(0)
    out["toi_minutes"] = per60["toi_seconds"].reindex(out.index).fillna(0) / 60
    out["skill_rating"] = g["skill_rating"].first()
    hours = out["toi_minutes"] / 60
    for col in PER_60:
        out[f"{col}_per60"] = per60[col].reindex(out.index) / hours.where(hours > 0)
    out["toi_minutes_per_game"] = out["toi_minutes"] / out["games_with_toi"].where(
        out["games_with_toi"] > 0
    )
    out["points_per_game"] = g["points"].sum() / out["games"]
    out["eligible"] = (out["games"] >= MIN_GAMES) & (out["toi_minutes"] >= MIN_TOI_MIN)
    return out


def standardise(prof: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, float]]:
    """z values of the eligible skaters (NaN where a feature is constant in the group) and the
    groups' means and sds as coefficients."""
    eligible = prof[prof["eligible"]]
    z = pd.DataFrame(index=eligible.index, columns=list(FEATURES), dtype=float)
    coef: dict[str, float] = {}
    for group, members in eligible.groupby("group"):
        if len(members) < MIN_GROUP:
            continue
        x = members[list(FEATURES)].astype(float)
        mean, sd = x.mean(), x.std(ddof=0)
        for feat in FEATURES:
            if sd[feat] > 1e-12:
                coef[f"mean|{group}|{feat}"] = float(mean[feat])
                coef[f"sd|{group}|{feat}"] = float(sd[feat])
                z.loc[members.index, feat] = (x[feat] - mean[feat]) / sd[feat]
    z = z.loc[z.notna().any(axis=1)]
    return z, coef


def nearest(z: pd.DataFrame, groups: pd.Series) -> pd.Series:
    """Each skater's nearest other skater of his group (Euclidean over the z values; a feature
    left out of the group counts 0); ties by player id."""
    found = {}
    for _, idx in groups.loc[z.index].groupby(groups.loc[z.index]).groups.items():
        ids = sorted(idx)
        x = z.loc[ids].fillna(0).to_numpy()
        d = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=2))
        np.fill_diagonal(d, np.inf)
        for i, p in enumerate(ids):
            found[p] = ids[int(np.argmin(d[i]))]
    return pd.Series(found)


def band_agreement(prof: pd.DataFrame, nn: pd.Series) -> dict:
    pool = prof.loc[nn.index, ["group"]].assign(
        band=prof.loc[nn.index, "skill_rating"].map(skill_band)
    )
    rated = pool[pool["band"].notna()]
    players = [p for p in rated.index if nn[p] in rated.index]
    if not players:
        return {"rated_players": 0}
    band, group = rated["band"], rated["group"]
    same = float(np.mean([band[p] == band[nn[p]] for p in players]))
    # others (the player himself excluded) sharing his group and band, his group, any group
    cell = rated.groupby(["group", "band"]).size()
    in_group = group.value_counts()
    same_cell = np.array([cell[(group[p], band[p])] - 1 for p in players], dtype=float)
    group_others = np.array([in_group[group[p]] - 1 for p in players], dtype=float)
    chance_any = same_cell / (len(rated) - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        chance_group = np.where(group_others > 0, same_cell / group_others, np.nan)
    return {
        "rated_players": len(players),
        "nn_same_position_and_band_rate": same,
        "chance_same_position_and_band_rate": float(chance_any.mean()),
        "chance_same_band_within_position_rate": float(np.nanmean(chance_group)),
        "bands": "current_skill_rating 2-3 low, 4 mid, 5-6 high",
    }


def fit(frame: pd.DataFrame) -> FitResult:
    prof = profiles(frame)
    counts = {
        "skaters": len(prof),
        "eligible": int(prof["eligible"].sum()),
        "games": int(frame["game_id"].nunique()),
    }
    z, coef = standardise(prof)
    if len(z) < MIN_GROUP:
        raise InsufficientData(
            f"similar players need a position group of at least {MIN_GROUP} skaters with "
            f"{MIN_GAMES}+ games and {MIN_TOI_MIN:.0f}+ minutes on ice",
            counts,
        )
    for player, row in z.iterrows():
        group = prof.at[player, "group"]
        for feat, value in row.items():
            if not np.isnan(value):
                coef[f"z|{group}|{player}|{feat}"] = float(value)
    nn = nearest(z, prof["group"])
    metrics = {
        "evaluation": (
            "nearest neighbour (same position group) of every profiled skater: the share sharing "
            "his skill band, against chance"
        ),
        **band_agreement(prof, nn),
        "profiled_skaters": len(z),
        "groups": {str(g): int(n) for g, n in prof.loc[z.index, "group"].value_counts().items()},
    }
    players = {
        str(p): {"group": r["group"], "games": int(r["games"]),
                 "toi_minutes": round(float(r["toi_minutes"]), 1), "profiled": p in z.index}
        for p, r in prof.iterrows()
    }  # fmt: skip
    return FitResult(
        coefficients=coef,
        metrics=metrics,
        features=list(FEATURES),
        parameters={
            "min_games": MIN_GAMES,
            "min_toi_minutes": MIN_TOI_MIN,
            "top_k": TOP_K,
            "players": players,
        },
        training_rows=len(frame),
        games=counts["games"],
        data_from=frame["game_date"].min(),
        data_to=frame["game_date"].max(),
        notes=DESCRIPTION,
    )
