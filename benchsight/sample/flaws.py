"""Inject the tracking mistakes real files carry, and say exactly where each one is.

The truth is computed before this runs, so truth.json keeps what really happened; each entry
returned here tells QA what it must report for the file as written.
"""

from __future__ import annotations

import random

from benchsight.sample.game import Event, EvPlayer, GameSim, ShiftRow
from benchsight.sample.league import Player, ScheduledGame

UNKNOWN_PLAYER = Player("", "", "", "F", 0, 0, "")


def _entry(game: ScheduledGame, kind: str, path: str, description: str, **where) -> dict:
    return {
        "game_id": game.game_id,
        "kind": kind,
        "file": path,
        "description": description,
        **where,
    }


def _possession_events(events: list[Event], period: int | None = None) -> list[Event]:
    return [
        ev for ev in events
        if ev.type == "Possession" and ev.players and (period is None or ev.period == period)
    ]  # fmt: skip


def apply_flaws(
    game: ScheduledGame, sim: GameSim, rng: random.Random, path: str
) -> tuple[list[Event], list[ShiftRow], list[dict]]:
    """The events and shift rows to write for `game`, with its flaw (if any) applied."""
    events, shifts = sim.events, sim.shifts
    kind = game.flaw
    if kind is None:
        return events, shifts, []
    if kind == "blank_clock":
        ev = rng.choice(_possession_events(events, 2))
        ev.start = ev.end = None
        return events, shifts, [_entry(game, kind, path, "an event with blank start_time and end_time",
                                       event_idx=ev.idx, value="")]  # fmt: skip
    if kind == "fractional_clock":
        i = next(i for i, r in enumerate(shifts) if r.period == 1 and r.stop_type == "Period End")
        row = shifts[i]
        row.end = row.end - 0.01
        return events, shifts, [_entry(game, kind, path, "a shift ending at '00:0.01' (fractional seconds)",
                                       shift_index=i, value="00:0.01", toi_effect_s=-0.01)]  # fmt: skip
    if kind == "seconds_missing_clock":
        ev = next(ev for ev in events if ev.type == "Faceoff" and ev.period == 2)
        ev.start = "18:"
        return events, shifts, [_entry(game, kind, path, "an event whose start_time has no seconds ('18:')",
                                       event_idx=ev.idx, value="18:")]  # fmt: skip
    if kind == "unknown_jersey":
        ev = rng.choice(_possession_events(events))
        p = ev.players[0]
        used = {e.jersey for e in sim.rosters[p.side]}
        jersey = next(str(n) for n in (0, 1, 99, 100) if str(n) not in used)
        ev.players[0] = EvPlayer(
            p.side, UNKNOWN_PLAYER, jersey, p.kind, p.n, side_of_puck=p.side_of_puck
        )
        return events, shifts, [_entry(game, kind, path, "a jersey that is not on the team's game roster",
                                       event_idx=ev.idx, team=p.side, jersey=jersey,
                                       true_player_id=p.player.player_id)]  # fmt: skip
    if kind == "duplicate_player":
        ev = rng.choice(
            [
                e
                for e in _possession_events(events)
                if sum(p.kind == "event" for p in e.players) == 1
            ]
        )
        p = ev.players[0]
        ev.players.insert(
            1, EvPlayer(p.side, p.player, p.jersey, "event", 2, side_of_puck=p.side_of_puck)
        )
        return events, shifts, [_entry(game, kind, path, "the same player twice in one event",
                                       event_idx=ev.idx, player_id=p.player.player_id, jersey=p.jersey)]  # fmt: skip
    if kind == "extra_assist_flag":
        return events, shifts, _extra_assist(game, sim, path)
    if kind == "missing_goal":
        missed = [g for g in sim.goals if g.idx is None]
        return events, shifts, [
            _entry(game, kind, path, "a goal on the official score sheet with no Goal event in the file",
                   team=g.team, period=g.period, t=g.t, scorer=g.scorer.player_id, shot_event_idx=g.shot_idx)
            for g in missed
        ]  # fmt: skip
    if kind == "no_shifts":
        return events, shifts[:1], [_entry(game, kind, path, "events complete but only one shift row",
                                           shifts_written=1)]  # fmt: skip
    if kind == "partial_game":
        kept = [ev for ev in events if ev.period == 1]
        kept_rows = [r for r in shifts if r.period == 1 and r.end is not None]
        return kept, kept_rows, [_entry(game, kind, path, "only the first period was tracked",
                                        periods_tracked=[1], events_written=len(kept))]  # fmt: skip
    if kind == "empty_template":
        return [], [], [_entry(game, kind, path, "a template: rosters only, no events, no shifts")]
    raise ValueError(f"unknown flaw kind {kind!r}")


def _extra_assist(game: ScheduledGame, sim: GameSim, path: str) -> list[dict]:
    """Flag one more completed pass of the scoring team before a goal as AssistPrimary."""
    for goal in sim.goals:
        if goal.idx is None:
            continue
        goal_ev = sim.events[goal.idx]
        for ev in reversed(sim.events[: goal.shot_idx]):
            if ev.period != goal_ev.period or ev.type in ("Faceoff", "Stoppage"):
                break
            if (ev.type == "Pass" and ev.team == goal.team and ev.d1 == "Pass_Completed"
                    and ev.assist_goal is None and ev.players):  # fmt: skip
                ev.players[0].d1 = "AssistPrimary"
                ev.assist_goal = goal.idx
                return [_entry(game, "extra_assist_flag", path, "an AssistPrimary flag on a pass that was not the assist",
                               event_idx=ev.idx, goal_event_idx=goal.idx, jersey=ev.players[0].jersey)]  # fmt: skip
    return []
