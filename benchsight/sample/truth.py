"""The right answers for one simulated game, by the definitions in docs/metrics.md.

Computed from the simulation itself (what really happened), before any flaw is written into the
files: goals, assists, shots and faceoffs from the true events; time on ice, plus/minus and the
strength timeline from the true shift rows with half-open intervals (a goal at second t belongs
to the rows with start < t <= end). Skater pairs come from the same rows: who was on the ice
together at every second of the simulation, not from what the files say.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

from benchsight.sample.game import GOAL_MODEL, GameSim, ShiftRow
from benchsight.sample.writers import clock

DEFINITIONS = {
    "time": "elapsed seconds in the period (period length minus the countdown clock)",
    "sog": "saved shots + goals (Goal_Scored events); a goal's Shot_Goal is not counted twice",
    "attempts": "sog + missed (Shot_Missed, Shot_MissedPost, Shot_HitPost, Shot_Deflected) + blocked",
    "blocks": "opp_player_1 of a Shot_Blocked event",
    "toi_s": "sum of end - start over the shift rows a player is on (goalies included)",
    "plus_minus": (
        "skaters on the ice (rows with start < t <= end) get +1/-1 for goals whose situation "
        "from the scoring team's view is ev, sh, en_for or en_against; pp goals do not count"
    ),
    "situation": (
        "from the scoring/shooting team's view: en_for when the defending net is empty, en_against "
        "when its own net is empty, else ev / pp / sh by skater counts"
    ),
    "p_goal": "the generator's logistic goal model (goal_model), per attempt; blocked attempts keep "
    "the probability they would have had unblocked",
    "on_ice": (
        "on_ice_cf/ca (attempts), sf/sa (shots on goal), gf/ga (goals) for and against while the "
        "skater is on the ice (rows with start < t <= end), all situations; goalies stay 0"
    ),
    "skater_pairs": (
        "per team, every two skaters (not in the goalie slot) that were on the ice together: "
        "toi_together_s = seconds both were on (sum of end - start over the shift rows holding both, "
        "the half-open overlap of their shifts); on_ice_gf/ga = goals for/against the pair's team "
        "while both were on (rows with start < t <= end), all situations; player_id_a < player_id_b; "
        "pairs never on the ice together are left out (0 s)"
    ),
}


def _skaters(slots: dict) -> list:
    return [p for s, p in slots.items() if p is not None and s != "G"]


def _row_at(rows: list[ShiftRow], period: int, t: float) -> ShiftRow | None:
    for row in rows:
        if row.period == period and row.end is not None and row.start < t <= row.end:
            return row
    return None


def strength_timeline(rows: list[ShiftRow]) -> list[dict]:
    """Maximal stretches of constant (skaters, goalie in net) per side."""
    out: list[dict] = []
    for row in rows:
        if row.end is None:
            continue
        state = (
            len(_skaters(row.home)), len(_skaters(row.away)),
            row.home["G"] is not None, row.away["G"] is not None,
        )  # fmt: skip
        last = out[-1] if out else None
        if (
            last
            and last["period"] == row.period
            and last["end"] == row.start
            and last["_state"] == state
        ):
            last["end"] = row.end
            continue
        out.append({"period": row.period, "start": row.start, "end": row.end, "_state": state})
    for seg in out:
        hs, as_, hg, ag = seg.pop("_state")
        seg.update({
            "home_skaters": hs, "away_skaters": as_, "home_goalie": hg, "away_goalie": ag,
            "label_home": f"{hs}v{as_}", "home_en": not hg, "away_en": not ag,
        })  # fmt: skip
    return out


def skater_pairs(sim: GameSim) -> list[dict]:
    """Per team, each pair of skaters that shared the ice: seconds together and goals for/against."""
    pairs: dict[tuple[str, str, str], dict] = {}

    def pairs_on(row: ShiftRow, side: str):
        skaters = sorted(p.player_id for p in _skaters(getattr(row, side)))
        for a, b in combinations(skaters, 2):
            yield pairs.setdefault(
                (side, a, b),
                {"team": side, "player_id_a": a, "player_id_b": b, "toi_together_s": 0,
                 "on_ice_gf": 0, "on_ice_ga": 0},
            )  # fmt: skip

    for row in sim.shifts:
        if row.end is None:
            continue
        for side in ("home", "away"):
            for pair in pairs_on(row, side):
                pair["toi_together_s"] += row.end - row.start
    for g in sim.goals:
        row = _row_at(sim.shifts, g.period, g.t)
        if row is None:
            continue
        for side in ("home", "away"):
            for pair in pairs_on(row, side):
                pair["on_ice_gf" if side == g.team else "on_ice_ga"] += 1
    return [pairs[key] for key in sorted(pairs)]


def game_truth(game_id: int, sim: GameSim, flaw_entries: list[dict]) -> dict:
    players: dict[str, dict] = {}
    for side in ("home", "away"):
        for e in sim.rosters[side]:
            players[e.player.player_id] = {
                "player_id": e.player.player_id, "team": side, "jersey": e.jersey,
                "name": e.player.full_name, "position": e.player.position, "sub": e.sub,
                "g": 0, "a1": 0, "a2": 0, "pts": 0, "sog": 0, "attempts": 0, "missed": 0,
                "blocked_attempts": 0, "blocks": 0, "fow": 0, "fol": 0, "toi_s": 0,
                "plus_minus": 0, "pim": 0, "on_ice_cf": 0, "on_ice_ca": 0, "on_ice_sf": 0,
                "on_ice_sa": 0, "on_ice_gf": 0, "on_ice_ga": 0,
            }  # fmt: skip
    team = {side: {"goals": 0, "sog": 0, "attempts": 0, "missed": 0, "blocked": 0, "fow": 0, "pim": 0,
                   "goals_by_period": defaultdict(int)} for side in ("home", "away")}  # fmt: skip

    for g in sim.goals:
        players[g.scorer.player_id]["g"] += 1
        if g.a1:
            players[g.a1.player_id]["a1"] += 1
        if g.a2:
            players[g.a2.player_id]["a2"] += 1
        team[g.team]["goals"] += 1
        team[g.team]["goals_by_period"][g.period] += 1
        if g.situation != "pp":
            row = _row_at(sim.shifts, g.period, g.t)
            if row is not None:
                for_slots, against_slots = (
                    (row.home, row.away) if g.team == "home" else (row.away, row.home)
                )
                for p in _skaters(for_slots):
                    players[p.player_id]["plus_minus"] += 1
                for p in _skaters(against_slots):
                    players[p.player_id]["plus_minus"] -= 1
    for s in sim.shots:
        rec = players[s.shooter.player_id]
        rec["attempts"] += 1
        team[s.team]["attempts"] += 1
        if s.outcome in ("goal", "saved"):
            rec["sog"] += 1
            team[s.team]["sog"] += 1
        elif s.outcome == "missed":
            rec["missed"] += 1
            team[s.team]["missed"] += 1
        else:
            rec["blocked_attempts"] += 1
            team[s.team]["blocked"] += 1
            players[s.blocker.player_id]["blocks"] += 1
    for _, win_side, winner, loser in sim.faceoffs:
        players[winner.player_id]["fow"] += 1
        players[loser.player_id]["fol"] += 1
        team[win_side]["fow"] += 1
    for pen in sim.penalties:
        players[pen.player.player_id]["pim"] += pen.minutes
        team[pen.team]["pim"] += pen.minutes
    for row in sim.shifts:
        if row.end is None:
            continue
        for slots in (row.home, row.away):
            for p in slots.values():
                if p is not None:
                    players[p.player_id]["toi_s"] += row.end - row.start
    for s in sim.shots:
        row = _row_at(sim.shifts, s.period, s.t)
        if row is None:
            continue
        for_slots, against_slots = (
            (row.home, row.away) if s.team == "home" else (row.away, row.home)
        )
        on_goal = s.outcome in ("goal", "saved")
        for slots, side in ((for_slots, "f"), (against_slots, "a")):
            for p in _skaters(slots):
                rec = players[p.player_id]
                rec[f"on_ice_c{side}"] += 1
                rec[f"on_ice_s{side}"] += on_goal
                rec[f"on_ice_g{side}"] += s.outcome == "goal"
    for rec in players.values():
        rec["pts"] = rec["g"] + rec["a1"] + rec["a2"]

    last_period = max(sim.period_lengths)
    return {
        "game_id": game_id,
        "periods": last_period,
        "home_attacks_right_p1": sim.home_attacks_right_p1,
        "score": {side: team[side]["goals"] for side in ("home", "away")},
        "teams": {
            side: {
                **{k: v for k, v in team[side].items() if k != "goals_by_period"},
                "goals_by_period": {
                    str(p): team[side]["goals_by_period"].get(p, 0)
                    for p in range(1, last_period + 1)
                },
            }
            for side in ("home", "away")
        },
        "players": sorted(players.values(), key=lambda r: (r["team"], int(r["jersey"]))),
        "goals": [
            {
                "goal_event_idx": g.idx,
                "shot_event_idx": g.shot_idx,
                "period": g.period,
                "t": g.t,
                "clock": clock(sim.period_lengths[g.period], g.t),
                "team": g.team,
                "scorer": g.scorer.player_id,
                "a1": g.a1.player_id if g.a1 else None,
                "a2": g.a2.player_id if g.a2 else None,
                "situation": g.situation,
                "empty_net": g.empty_net,
            }
            for g in sim.goals
        ],
        "shots": [
            {
                "event_idx": s.idx,
                "period": s.period,
                "t": s.t,
                "team": s.team,
                "shooter": s.shooter.player_id,
                "x": s.x,
                "y": s.y,
                "distance": round(s.distance, 3),
                "angle": round(s.angle, 3),
                "shot_type": s.shot_type,
                "rebound": s.rebound,
                "rush": s.rush,
                "situation": s.situation,
                "empty_net": s.empty_net,
                "p_goal": round(s.p_goal, 6),
                "outcome": s.outcome,
                "blocker": s.blocker.player_id if s.blocker else None,
            }
            for s in sim.shots
        ],
        "penalties": [
            {
                "event_idx": p.idx,
                "period": p.period,
                "t": p.t,
                "team": p.team,
                "player": p.player.player_id,
                "minutes": p.minutes,
                "infraction": p.infraction,
            }
            for p in sim.penalties
        ],
        "strength_timeline": strength_timeline(sim.shifts),
        "skater_pairs": skater_pairs(sim),
        "flaws": flaw_entries,
    }


def goal_model_card() -> dict:
    return {
        "form": "p = 1 / (1 + exp(-(intercept + sum(coefficient * feature))))",
        "features": {
            "distance_ft": "from the shot point (attacking frame) to the net at (89, 0)",
            "angle_deg": "off the centre line, atan2(|y|, 89 - x)",
            "shot_type": "detail2 of the Shot event, normalised (Shot_Wrist ...)",
            "rebound": "an attempt by the same team within the previous 3 s, no stoppage between",
            "rush": "a controlled entry by the same team within the previous 7 s, no stoppage between",
            "power_play": "shooting team has more skaters, both goalies in",
            "empty_net": "defending net empty",
        },
        "coefficients": GOAL_MODEL,
    }
