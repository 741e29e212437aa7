"""Player value: game score per game above a replacement level taken from the league.

Game score per tracked game is the marts' (fact_player_game_stats / fact_goalie_game_stats
`game_score`, the weights of seeds/game_score_weights.csv: 0.75 G + 0.7 A1 + 0.55 A2 + 0.075 SOG
+ ... for skaters, -0.75 GA + 0.1 saves for goalies). Players are grouped by position: F, D
(the position a skater played most) and G.

Replacement level of a group: the REPLACEMENT_PERCENTILE-th percentile (linear interpolation) of
the regulars' mean game score, a regular being a player with at least REGULAR_SHARE of the
group's median games played (and MIN_REGULAR_GAMES). Value per game = his mean game score - his
group's replacement level; its standard error = the group's pooled game-to-game sd of game score
(within players) / sqrt(his games): with few games, his own sd would be too noisy to use.

Card metrics: per group the replacement level, regulars, pooled sd; and the Spearman rank
correlation of the regulars' mean game score with the league's current_skill_rating (where the
workbook has it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from benchsight.ml.base import FitResult, InsufficientData

NAME = "player_value"
DESCRIPTION = (
    "Game score per game above replacement: the replacement level of a position group (F, D, G) "
    "is the 20th percentile of its regulars' mean game score; standard error from the group's "
    "pooled game-to-game spread."
)
REPLACEMENT_PERCENTILE = 20
REGULAR_SHARE = 0.5
MIN_REGULAR_GAMES = 2
MIN_REGULARS = 3
SPEC = (
    f"player_value/1 percentile={REPLACEMENT_PERCENTILE} regular_share={REGULAR_SHARE} "
    f"min_regular_games={MIN_REGULAR_GAMES}"
)

QUERY = """
    with skaters as (
        select player_id, mode() within group (order by position) as position_group
        from {schema}.fact_player_game_stats
        group by player_id
    )
    select s.game_id, d.game_date, s.player_id, k.position_group,
        s.game_score::float8 as game_score, p.current_skill_rating::float8 as skill_rating
    from {schema}.fact_player_game_stats as s
    join skaters as k on k.player_id = s.player_id
    join {schema}.dim_schedule as d on d.game_id = s.game_id
    left join {schema}.dim_player as p on p.player_id = s.player_id
    union all
    select g.game_id, d.game_date, g.player_id, 'G', g.game_score::float8,
        p.current_skill_rating::float8
    from {schema}.fact_goalie_game_stats as g
    join {schema}.dim_schedule as d on d.game_id = g.game_id
    left join {schema}.dim_player as p on p.player_id = g.player_id
    order by 1, 3
"""


def player_table(frame: pd.DataFrame) -> pd.DataFrame:
    g = frame.groupby(["position_group", "player_id"])
    out = g["game_score"].agg(games="size", mean="mean").reset_index()
    out["skill_rating"] = g["skill_rating"].first().to_numpy()
    return out


def group_levels(players: pd.DataFrame, frame: pd.DataFrame) -> dict[str, dict]:
    levels = {}
    for group, members in players.groupby("position_group"):
        threshold = max(MIN_REGULAR_GAMES, REGULAR_SHARE * float(members["games"].median()))
        regulars = members[members["games"] >= threshold]
        rows = frame[frame["position_group"] == group]
        dev = rows["game_score"] - rows.groupby("player_id")["game_score"].transform("mean")
        dof = len(rows) - rows["player_id"].nunique()
        if len(regulars) < MIN_REGULARS or dof < 1:
            continue
        rated = regulars.dropna(subset=["skill_rating"])
        rho = (
            float(spearmanr(rated["mean"], rated["skill_rating"]).statistic)
            if len(rated) >= 3 and rated["skill_rating"].nunique() > 1
            else None
        )
        levels[str(group)] = {
            "replacement": float(np.percentile(regulars["mean"], REPLACEMENT_PERCENTILE)),
            "pooled_sd": float(np.sqrt((dev**2).sum() / dof)),
            "regulars": len(regulars),
            "regular_min_games": threshold,
            "players": len(members),
            "spearman_mean_game_score_vs_skill_rating": rho,
        }
    return levels


def fit(frame: pd.DataFrame) -> FitResult:
    players = player_table(frame)
    counts = {"players": len(players), "games": int(frame["game_id"].nunique()),
              "rows": len(frame)}  # fmt: skip
    levels = group_levels(players, frame)
    if not levels:
        raise InsufficientData(
            f"a replacement level needs a position group with at least {MIN_REGULARS} regulars "
            f"({MIN_REGULAR_GAMES}+ games and half the group's median games)",
            counts,
        )
    coef = {}
    for group, lv in levels.items():
        coef[f"replacement|{group}"] = lv["replacement"]
        coef[f"pooled_sd|{group}"] = lv["pooled_sd"]
    return FitResult(
        coefficients=coef,
        metrics={
            "replacement_level": (
                f"the {REPLACEMENT_PERCENTILE}th percentile of the regulars' mean game score in "
                f"the position group; regular: at least {REGULAR_SHARE:.0%} of the group's median "
                f"games (and {MIN_REGULAR_GAMES}+)"
            ),
            "groups": levels,
        },
        features=["game_score"],
        parameters={
            "replacement_percentile": REPLACEMENT_PERCENTILE,
            "regular_share": REGULAR_SHARE,
            "min_regular_games": MIN_REGULAR_GAMES,
        },
        training_rows=len(frame),
        games=counts["games"],
        data_from=frame["game_date"].min(),
        data_to=frame["game_date"].max(),
        notes=DESCRIPTION,
    )
