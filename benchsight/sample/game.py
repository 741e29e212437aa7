"""Simulate one game as a tracker would record it: events, shift rows and what really happened.

The simulation works in a neutral form (elapsed seconds, roles as 'event'/'opp', success as
's'/'u'/''); `writers` renders it in each export format. Play is a possession chain: the team
with the puck moves it out of its zone, through the neutral zone and into the attacking zone,
where it cycles, shoots or loses the puck. The clock runs during stoppages (recreational league
running time), so dead ice takes clock time, as in the real files.

Shot outcomes come from a known logistic goal model (`goal_probability`), written per shot into
truth.json so a fitted xG model can be checked against it.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from benchsight.sample.league import OT_MINUTES, PERIOD_MINUTES, Player, RosterEntry

SIDES = ("home", "away")
SLOTS = ("F1", "F2", "F3", "D1", "D2", "G", "X")
PRESSURED_TYPES = frozenset({"Possession", "Pass", "Zone_Entry_Exit", "Turnover", "Shot"})
MINOR_S = 3 * 60  # the league's minor is 3 minutes (penaltyLengths.minor)
MAJOR_S = 6 * 60
# Per unit of strength difference (league.TEAM_STRENGTH_SD), the change of the chance that an
# attacking-zone action is a shot: a stronger team shoots more and concedes fewer attempts.
STRENGTH_SHOT_SHARE = 0.15

# The generator's goal model: logit(p) = intercept + sum(coefficient * feature), per unblocked
# attempt. Distances in feet from the attacked net at (89, 0), angles in degrees off the centre line.
GOAL_MODEL = {
    "intercept": -2.05,
    "distance_ft": -0.0316,
    "angle_deg": -0.0081,
    "rebound": 0.413,
    "rush": 0.25,
    "power_play": 0.409,
    "empty_net": 4.29,
    "shot_type": {
        "Shot_Wrist": 0.0,
        "Shot_Snap": 0.05,
        "Shot_Slap": -0.1,
        "Shot_OneTime": 0.2,
        "Shot_Backhand": -0.25,
        "Shot_Tip": 0.3,
        "Shot_WrapAround": -0.4,
        "Shot_Poke": -0.3,
    },
}
SHOT_TYPES = (
    ("Shot_Wrist", 62), ("Shot_Backhand", 8), ("Shot_OneTime", 6), ("Shot_Tip", 6),
    ("Shot_Snap", 4), ("Shot_Slap", 4), ("Shot_WrapAround", 3), ("Shot_Poke", 2),
)  # fmt: skip


def goal_probability(
    distance: float, angle: float, shot_type: str, rebound: bool, rush: bool, pp: bool, en: bool
) -> float:
    m = GOAL_MODEL
    z = (
        m["intercept"]
        + m["distance_ft"] * distance
        + m["angle_deg"] * angle
        + m["shot_type"].get(shot_type, 0.0)
        + m["rebound"] * rebound
        + m["rush"] * rush
        + m["power_play"] * pp
        + m["empty_net"] * en
    )
    return 1.0 / (1.0 + math.exp(-z))


def shot_geometry(x: float, y: float) -> tuple[float, float]:
    """Distance (ft) and angle (degrees off the centre line) of a point to the net at (89, 0)."""
    dx = 89.0 - x
    distance = math.hypot(dx, y)
    angle = math.degrees(math.atan2(abs(y), dx)) if distance else 0.0
    return distance, angle


@dataclass(slots=True)
class EvPlayer:
    side: str
    player: Player
    jersey: str
    kind: str  # event / opp
    n: int
    d1: str = ""
    d2: str = ""
    success: str = ""
    pressure: object = ""
    side_of_puck: str = ""
    xy: list = field(default_factory=list)


@dataclass(slots=True)
class Event:
    idx: int
    period: int
    start: int | None  # elapsed seconds in the period; None = blank clock
    end: int | None
    type: str
    team: str
    zone: str
    d1: str = ""
    d2: str = ""
    success: str | None = None  # 's' / 'u' / '' / None (not set)
    players: list[EvPlayer] = field(default_factory=list)
    puck: list = field(default_factory=list)  # rink-centred (x, y) points
    linked: int | None = None
    assist_goal: int | None = None
    highlight: bool = False


@dataclass(slots=True)
class ShiftRow:
    period: int
    start: float | None
    end: float | None
    start_type: str
    stop_type: str
    home: dict
    away: dict
    stoppage: int = 0


@dataclass(slots=True)
class ShotRec:
    idx: int
    period: int
    t: int
    team: str
    shooter: Player
    x: float  # attacking frame: attacked net at (89, 0)
    y: float
    distance: float
    angle: float
    shot_type: str
    rebound: bool
    rush: bool
    situation: str
    empty_net: bool
    p_goal: float
    outcome: str  # goal / saved / missed / blocked
    blocker: Player | None = None
    goalie: Player | None = None


@dataclass(slots=True)
class GoalRec:
    idx: int | None  # the Goal event, None when the tracker missed it
    shot_idx: int
    period: int
    t: int
    team: str
    scorer: Player
    a1: Player | None
    a2: Player | None
    situation: str
    empty_net: bool


@dataclass(slots=True)
class PenaltyRec:
    idx: int
    period: int
    t: int
    team: str
    player: Player
    minutes: int
    infraction: str


@dataclass
class GameSim:
    period_lengths: dict[int, int]  # seconds
    home_attacks_right_p1: bool
    rosters: dict[str, list[RosterEntry]]
    events: list[Event]
    shifts: list[ShiftRow]
    shots: list[ShotRec]
    goals: list[GoalRec]
    penalties: list[PenaltyRec]
    faceoffs: list[tuple[int, str, Player, Player]]  # idx, winner side, winner, loser


class _Side:
    def __init__(self, name: str, roster: list[RosterEntry]):
        self.name = name
        self.jersey = {e.player.player_id: e.jersey for e in roster}
        self.forwards = [e.player for e in roster if e.player.position == "F"]
        self.defence = [e.player for e in roster if e.player.position == "D"]
        self.goalie = next(e.player for e in roster if e.player.position == "G")
        self.f_ptr = 0
        self.d_ptr = 0
        self.slots: dict[str, Player | None] = dict.fromkeys(SLOTS)
        self._skaters: list[Player] = []  # the slots' skaters, kept in step with every change
        self.penalties: list[tuple[int, bool, Player]] = []  # (release game second, minor, player)
        self.pulled = False
        self.f_since = 0
        self.d_since = 0
        self.f_next = 0
        self.d_next = 0
        # A staggered line change: the new forwards still on the bench, and when they come on.
        self.incoming: list[Player] = []
        self.incoming_at = 0
        self.incoming_line: set[str] = set()

    def swap_in(self, players: list[Player], new_line: set[str]) -> None:
        """Put `players` on for forwards who are not part of `new_line` (one-by-one changes)."""
        on_ice = {q.player_id for q in self.slots.values() if q is not None}
        for p in players:
            if p.player_id in on_ice:
                continue
            for slot in ("F1", "F2", "F3", "X"):
                current = self.slots[slot]
                if current is not None and current.player_id not in new_line:
                    self.slots[slot] = p
                    self._skaters = self._skaters_in_slots()
                    break

    def boxed(self) -> set[str]:
        return {p.player_id for _, _, p in self.penalties}

    def _skaters_in_slots(self) -> list[Player]:
        return [p for s, p in self.slots.items() if p is not None and s != "G"]

    def skaters(self) -> list[Player]:
        return self._skaters

    def on_ice(self) -> list[Player]:
        return [p for p in self.slots.values() if p is not None]

    def skater_count(self) -> int:
        return len(self._skaters)

    def has_goalie(self) -> bool:
        return self.slots["G"] is not None

    def _take(self, pool: list[Player], ptr_name: str, k: int, exclude: set[str]) -> list[Player]:
        chosen: list[Player] = []
        if not pool:
            return chosen
        ptr = getattr(self, ptr_name)
        for _ in range(len(pool)):
            p = pool[ptr % len(pool)]
            ptr += 1
            if p.player_id not in exclude:
                chosen.append(p)
                exclude.add(p.player_id)
                if len(chosen) == k:
                    break
        setattr(self, ptr_name, ptr % len(pool))
        return chosen

    def set_lineup(self, skaters: int, new_f: bool, new_d: bool) -> None:
        """Fill the slots for `skaters` skaters (plus an extra attacker if the goalie is pulled)."""
        self.incoming = []
        if skaters >= 5:
            f_slots, d_slots = ["F1", "F2", "F3"], ["D1", "D2"]
        elif skaters == 4:
            f_slots, d_slots = ["F1", "F2"], ["D1", "D2"]
        else:
            f_slots, d_slots = ["F1"], ["D1", "D2"]
        need_f = len(f_slots) + (1 if self.pulled else 0)
        boxed = self.boxed()
        cur_f = [self.slots[s] for s in ("F1", "F2", "F3", "X") if self.slots[s] is not None]
        cur_d = [self.slots[s] for s in ("D1", "D2") if self.slots[s] is not None]
        exclude = set(boxed)
        if new_d:
            exclude |= {p.player_id for p in cur_d}
            ds = self._take(self.defence, "d_ptr", len(d_slots), exclude)
        else:
            ds = [p for p in cur_d if p.player_id not in boxed][: len(d_slots)]
            exclude |= {p.player_id for p in ds}
            ds += self._take(self.defence, "d_ptr", len(d_slots) - len(ds), exclude)
        if new_f:
            exclude |= {p.player_id for p in cur_f}
            fs = self._take(self.forwards, "f_ptr", need_f, exclude)
        else:
            fs = [p for p in cur_f if p.player_id not in exclude][:need_f]
            exclude |= {p.player_id for p in fs}
            fs += self._take(self.forwards, "f_ptr", need_f - len(fs), exclude)
        # A short bench: forwards fill in on defence and the other way round.
        while len(ds) < len(d_slots):
            extra = self._take(self.forwards, "f_ptr", 1, exclude)
            if not extra:
                break
            ds += extra
        while len(fs) < need_f:
            extra = self._take(self.defence, "d_ptr", 1, exclude)
            if not extra:
                break
            fs += extra
        slots: dict[str, Player | None] = dict.fromkeys(SLOTS)
        for s, p in zip(f_slots, fs, strict=False):
            slots[s] = p
        if self.pulled and len(fs) > len(f_slots):
            slots["X"] = fs[len(f_slots)]
        for s, p in zip(d_slots, ds, strict=False):
            slots[s] = p
        slots["G"] = None if self.pulled else self.goalie
        self.slots = slots
        self._skaters = self._skaters_in_slots()


def _weighted(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    total = sum(w for _, w in table)
    r = rng.random() * total
    for value, w in table:
        r -= w
        if r < 0:
            return value
    return table[-1][0]


class _Sim:
    """One game's simulation state. Times are elapsed seconds in the current period (`t`)."""

    def __init__(self, rosters: dict[str, list[RosterEntry]], rng: random.Random, flaw: str | None):
        self.strength = {"home": 0.0, "away": 0.0}  # true team strengths by side
        self.rng = rng
        self.flaw = flaw
        self.rosters = rosters
        self.sides = {s: _Side(s, rosters[s]) for s in SIDES}
        self.events: list[Event] = []
        self.rows: list[ShiftRow] = []
        self.shots: list[ShotRec] = []
        self.goals: list[GoalRec] = []
        self.penalties: list[PenaltyRec] = []
        self.faceoffs: list[tuple[int, str, Player, Player]] = []
        self.score = dict.fromkeys(SIDES, 0)
        self.period = 1
        self.offset = 0  # game seconds before this period
        self.length = PERIOD_MINUTES * 60
        self.t = 0
        self.row_start = 0
        self.row_start_type = "GameStart"
        self.row_stoppage = 0
        self.pos = "home"
        self.zone = "n"
        self.carrier: Player | None = None
        self.passes: list[tuple[int, Player, Player]] = []  # this possession's completed passes
        self.last_attempt = dict.fromkeys(SIDES, -99)
        self.last_entry = dict.fromkeys(SIDES, -99)
        self.home_attacks_right_p1 = rng.random() < 0.5
        self.pull_at = rng.randint(50, 110)
        self.missing_goal_done = False
        self.game_over = False  # an overtime goal ends the game
        self.timeout_taken = False
        self.first_period_minutes = PERIOD_MINUTES
        self.period_lengths: dict[int, int] = {}

    # -- helpers ---------------------------------------------------------------------------
    @staticmethod
    def other(side: str) -> str:
        return "away" if side == "home" else "home"

    @staticmethod
    def flip(zone: str) -> str:
        return {"o": "d", "d": "o", "n": "n"}[zone]

    def gt(self) -> int:
        return self.offset + self.t

    def ep(self, side: str, p: Player, kind: str, n: int, **kw) -> EvPlayer:
        """One player's entry on an event: role `kind`_player_`n` (event / opp)."""
        sop = kw.pop("side_of_puck", "Offensive" if kind == "event" else "Defensive")
        return EvPlayer(
            side, p, self.sides[side].jersey[p.player_id], kind, n, side_of_puck=sop, **kw
        )

    def emit(self, type_: str, team: str, zone: str, d1: str = "", d2: str = "", success=None,
             players: list[EvPlayer] | None = None, dur: int = 0, puck: list | None = None) -> Event:  # fmt: skip
        """Append an event at the current time; defenders on it are often marked as pressure."""
        start = min(self.t, self.length)
        ev = Event(len(self.events), self.period, start, min(start + dur, self.length), type_, team,
                   zone, d1, d2, success, players or [], puck or [])  # fmt: skip
        if (
            type_ in PRESSURED_TYPES
            and len(ev.players) > 1
            and ev.players[-1].kind == "opp"
            and self.rng.random() < 0.55
        ):
            ev.players[0].pressure = 1
            ev.players[-1].pressure = 1
        self.events.append(ev)
        return ev

    def advance(self, dt: int) -> None:
        self.t += dt

    def gap(self) -> None:
        self.t += self.rng.choice((0, 0, 1, 1, 1, 2, 2, 3))

    def skater(self, side: str, exclude: Player | None = None, prefer: str | None = None) -> Player:
        pool = [p for p in self.sides[side].skaters() if p is not exclude]
        if prefer:
            preferred = [p for p in pool if p.position == prefer]
            if preferred and self.rng.random() < 0.75:
                pool = preferred
        if not pool:
            pool = self.sides[side].on_ice()
        # Better players touch the puck more.
        r = self.rng.random() * sum(p.rating + 1 for p in pool)
        for p in pool:
            r -= p.rating + 1
            if r < 0:
                return p
        return pool[-1]

    def ensure_carrier(self) -> Player:
        if self.carrier is None or self.carrier not in self.sides[self.pos].skaters():
            self.carrier = self.skater(self.pos)
        return self.carrier

    def situation(self, side: str) -> tuple[str, bool, bool]:
        """(situation, power play, defending net empty) from `side`'s view."""
        me, them = self.sides[side], self.sides[self.other(side)]
        en = not them.has_goalie()
        if en:
            return "en_for", False, True
        if not me.has_goalie():
            return "en_against", False, False
        a, b = me.skater_count(), them.skater_count()
        if a == b:
            return "ev", False, False
        return ("pp", True, False) if a > b else ("sh", False, False)

    def to_rink(self, side: str, x: float, y: float) -> tuple[float, float]:
        """Attacking-frame point of `side` to the rink-centred frame (home attacks right in P1
        when home_attacks_right_p1; teams change ends every period)."""
        home_right = self.home_attacks_right_p1 == (self.period % 2 == 1)
        right = home_right if side == "home" else not home_right
        return (x, y) if right else (-x, -y)

    # -- shift rows ------------------------------------------------------------------------
    def cut(self, stop_type: str, next_start_type: str) -> None:
        """Close the current shift row at now and open the next one."""
        t = min(self.t, self.length)
        if t > self.row_start:
            self.rows.append(
                ShiftRow(
                    self.period,
                    self.row_start,
                    t,
                    self.row_start_type,
                    stop_type,
                    dict(self.sides["home"].slots),
                    dict(self.sides["away"].slots),
                    self.row_stoppage,
                )
            )
            self.row_start = t
            self.row_stoppage = 0
            self.row_start_type = next_start_type
        else:
            self.row_start_type = (
                next_start_type if self.row_start_type == "OnTheFly" else self.row_start_type
            )

    def target_skaters(self, side: str) -> int:
        mine = len(self.sides[side].penalties)
        if self.period == 4:
            # Overtime is 3 on 3; a penalty gives the other team a fourth skater instead.
            theirs = len(self.sides[self.other(side)].penalties)
            return min(5, 3 + max(0, theirs - mine))
        return max(3, 5 - mine)

    def relineup(self, side: str, new_f: bool, new_d: bool) -> None:
        s = self.sides[side]
        s.set_lineup(self.target_skaters(side), new_f, new_d)
        now = self.gt()
        rng = self.rng
        if new_f:
            s.f_since = now
            s.f_next = now + rng.randint(75, 135)
        if new_d:
            s.d_since = now
            s.d_next = now + rng.randint(90, 160)

    def on_the_fly(self) -> None:
        now = self.gt()
        rows_before, start_before = len(self.rows), self.row_start
        for side in SIDES:
            s = self.sides[side]
            released = [pen for pen in s.penalties if pen[0] <= now]
            pull = self.should_pull(side)
            change_f = now >= s.f_next
            change_d = now >= s.d_next
            if s.incoming and now >= s.incoming_at and not (released or pull or change_d):
                # The rest of a staggered change comes on.
                self.cut("", "OnTheFly")
                s.swap_in(s.incoming, s.incoming_line)
                s.incoming = []
                continue
            if change_f and not (released or pull or change_d) and self.rng.random() < 0.8:
                self.staggered_change(side)
                continue
            if released or pull or change_f or change_d:
                s.incoming = []
                self.cut("", "OnTheFly")
                for pen in released:
                    s.penalties.remove(pen)
                if pull:
                    s.pulled = True
                self.relineup(side, change_f, change_d)
        if len(self.rows) != rows_before or self.row_start != start_before:
            # Play goes on a second later, so no event shares the second of a line change and
            # every event's strength is the one of the row it belongs to (start < t <= end).
            self.advance(1)

    def staggered_change(self, side: str) -> None:
        """Forwards change one or two at a time, as they do on the fly, giving short rows."""
        s = self.sides[side]
        rng = self.rng
        on = [s.slots[slot] for slot in ("F1", "F2", "F3", "X") if s.slots[slot] is not None]
        exclude = s.boxed() | {p.player_id for p in on}
        new_line = s._take(s.forwards, "f_ptr", len(on), exclude)
        if not new_line:
            s.f_next = self.gt() + rng.randint(75, 135)
            return
        first = rng.choice((1, 1, 2))
        self.cut("", "OnTheFly")
        s.swap_in(new_line[:first], {p.player_id for p in new_line})
        s.incoming = new_line[first:]
        s.incoming_line = {p.player_id for p in new_line}
        s.incoming_at = self.gt() + rng.randint(2, 9)
        s.f_since = self.gt()
        s.f_next = self.gt() + rng.randint(75, 135)

    def should_pull(self, side: str) -> bool:
        s = self.sides[side]
        deficit = self.score[self.other(side)] - self.score[side]
        return (
            not s.pulled
            and self.period == 3
            and 1 <= deficit <= 2
            and self.length - self.t <= self.pull_at
        )

    # -- whistles --------------------------------------------------------------------------
    def stoppage(self, d2: str, stop_type: str, faceoff_team_zone: tuple[str, str], kind: str,
                 carrier_side: str | None = None, start_type: str = "OtherFaceoff") -> None:  # fmt: skip
        """Whistle, dead ice, line changes, faceoff. `faceoff_team_zone` = (side, zone from that
        side's view) of the faceoff spot."""
        side = carrier_side or self.pos
        carrier = self.carrier if self.carrier in self.sides[side].on_ice() else self.skater(side)
        pl = [self.ep(side, carrier, "event", 1, side_of_puck="")]
        zone = self.zone if side == self.pos else self.flip(self.zone)
        self.emit("Stoppage", side, zone, "Stoppage_Play", d2, None, pl)
        if self.t >= self.length:
            return
        dead = self.rng.randint(14, 32)
        self.emit(
            "DeadIce",
            side,
            zone,
            "",
            "",
            None,
            [self.ep(side, carrier, "event", 1, side_of_puck="")],
            dur=dead,
        )
        if self.period == 3 and not self.timeout_taken and self.rng.random() < 0.04:
            # One team calls its timeout during a late whistle (a few games have one).
            self.timeout_taken = True
            caller = self.rng.choice(SIDES)
            goalie = self.sides[caller].goalie
            self.emit("Timeout", caller, "n", "", "", None, [self.ep(caller, goalie, "event", 1)])
        self.cut(stop_type, start_type)
        self.row_stoppage = min(dead, self.length - self.t)
        self.advance(dead)
        if self.t >= self.length:
            return
        now = self.gt()
        for s_name in SIDES:
            s = self.sides[s_name]
            s.penalties = [pen for pen in s.penalties if pen[0] > now]
            s.incoming = []
            if s.pulled and not self.should_keep_pulled(s_name):
                s.pulled = False
            if self.should_pull(s_name):
                s.pulled = True
            change_f = now - s.f_since >= 25 and self.rng.random() < 0.8
            change_d = now - s.d_since >= 30 and self.rng.random() < 0.65
            self.relineup(s_name, change_f, change_d)
        self.faceoff(faceoff_team_zone[0], faceoff_team_zone[1], kind)

    def should_keep_pulled(self, side: str) -> bool:
        deficit = self.score[self.other(side)] - self.score[side]
        return self.period == 3 and 1 <= deficit <= 2

    def faceoff(self, spot_side: str, spot_zone: str, kind: str) -> None:
        rng = self.rng
        win = rng.choice(SIDES)
        lose = self.other(win)
        zone = spot_zone if win == spot_side else self.flip(spot_zone)
        winner = self.skater(win, prefer="F")
        loser = self.skater(lose, prefer="F")
        pl = [self.ep(win, winner, "event", 1)]
        receiver = winner
        if rng.random() < 0.6:
            receiver = self.skater(win, exclude=winner, prefer="D")
            pl.append(self.ep(win, receiver, "event", 2))
        pl.append(self.ep(lose, loser, "opp", 1))
        ev = self.emit("Faceoff", win, zone, kind, "", None, pl)
        self.faceoffs.append((ev.idx, win, winner, loser))
        self.pos, self.zone, self.carrier = win, zone, receiver
        self.passes = []
        self.last_attempt = dict.fromkeys(SIDES, -99)
        self.last_entry = dict.fromkeys(SIDES, -99)
        # Play resumes a second or more after the draw, so nothing else shares the faceoff's
        # second (a goal at 18:00 would belong to no shift under the half-open rule).
        self.advance(self.rng.choice((1, 1, 2, 2, 3)))

    def change_possession(self, zone_for_new: str, carrier: Player | None = None) -> None:
        self.pos = self.other(self.pos)
        self.zone = zone_for_new
        self.carrier = carrier or self.skater(self.pos)
        self.passes = []

    # -- play ------------------------------------------------------------------------------
    def possession_event(self, d1: str, play_detail: str = "") -> None:
        rng = self.rng
        c = self.ensure_carrier()
        pl = [
            self.ep(
                self.pos,
                c,
                "event",
                1,
                d1=play_detail,
                success=rng.choice(("", "", "s", "u")) if play_detail else "",
            )
        ]
        if rng.random() < 0.55:
            pl.append(self.ep(self.other(self.pos), self.skater(self.other(self.pos)), "opp", 1,
                              d1=rng.choice(("", "", "StickCheck", "PokeCheck", "ManOnMan"))))  # fmt: skip
        if rng.random() < 0.06:
            pl.insert(1, self.ep(self.pos, self.skater(self.pos, exclude=c), "event", 2))
        success = True if d1 and rng.random() < 0.4 else None
        self.emit(
            "Possession",
            self.pos,
            self.zone,
            d1,
            "",
            "s" if success else None,
            pl,
            dur=rng.choice((0, 1, 2, 2, 2, 3, 3, 4, 5)),
        )
        self.advance(self.events[-1].end - self.events[-1].start)

    def pass_attempt(self, d2: str | None = None, breakout: bool = False) -> bool:
        rng = self.rng
        c = self.ensure_carrier()
        receiver = self.skater(self.pos, exclude=c)
        d2 = d2 or _weighted(rng, (("Pass_Forehand", 60), ("Pass_Backhand", 14), ("Pass_Rim/Wrap", 7),
                                   ("Pass_Stretch", 5), ("Pass_Bank", 5), ("Pass_Drop", 4), ("Pass_Lob", 1),
                                   ("Pass_OneTouch", 1)))  # fmt: skip
        p_success = 0.62 + 0.03 * (c.rating - 4)
        r = rng.random()
        pd1 = (
            ("Breakout" if rng.random() < 0.5 else "")
            if breakout
            else ("SecondTouch" if rng.random() < 0.15 else "")
        )
        opp_side = self.other(self.pos)
        opp = self.skater(opp_side) if rng.random() < 0.62 else None
        players = [self.ep(self.pos, c, "event", 1, d1=pd1, success="s" if pd1 and r < p_success else ("u" if pd1 else "")),
                   self.ep(self.pos, receiver, "event", 2)]  # fmt: skip
        if r < p_success:
            if opp:
                players.append(
                    self.ep(opp_side, opp, "opp", 1, d1=rng.choice(("", "", "InShotPassLane")))
                )
            ev = self.emit(
                "Pass",
                self.pos,
                self.zone,
                "Pass_Completed",
                d2,
                "s" if rng.random() < 0.6 else None,
                players,
            )
            self.passes.append((ev.idx, c, receiver))
            self.carrier = receiver
            return True
        outcome = _weighted(
            rng, (("Pass_Missed", 60), ("Pass_Intercepted", 16), ("Pass_Deflected", 24))
        )
        if outcome == "Pass_Missed" and rng.random() < 0.3:
            d2 = "Pass_ReceiverMissed"
            players[1].d1, players[1].success = "ReceiverMissed", "u"
        interceptor = opp or self.skater(opp_side)
        if outcome != "Pass_Missed" or opp:
            players.append(self.ep(opp_side, interceptor, "opp", 1,
                                   d1="PassDeflected" if outcome == "Pass_Deflected" else ("PassIntercepted" if outcome == "Pass_Intercepted" else "")))  # fmt: skip
        self.emit("Pass", self.pos, self.zone, outcome, d2, None, players)
        if rng.random() < 0.35:
            give = {"Pass_Missed": "Giveaway_PassMissed", "Pass_Intercepted": "Giveaway_PassIntercepted",
                    "Pass_Deflected": "Giveaway_PassBlocked"}[outcome]  # fmt: skip
            tp = [self.ep(self.pos, c, "event", 1)]
            if rng.random() < 0.5:
                tp.append(self.ep(opp_side, interceptor, "opp", 1))
            self.emit("Turnover", self.pos, self.zone, "Turnover_Giveaway", give, None, tp)
        if outcome == "Pass_Deflected" and rng.random() < 0.4:
            self.carrier = c
            return False
        self.change_possession(self.flip(self.zone), interceptor)
        self.gap()
        self.recover("RecoveryRetreivalPass")
        return False

    def recover(self, pd1: str) -> None:
        """The team now holding the puck picks it up (a Possession retrieval/recovery event)."""
        rng = self.rng
        d1 = _weighted(rng, (("Possession_PuckRetrieval", 30), ("Possession_PuckRecovery", 20), ("", 28),
                             ("PuckRetrieval", 12), ("PuckRecovery", 8), ("Possession_Regroup", 2)))  # fmt: skip
        self.possession_event(d1, pd1 if rng.random() < 0.6 else "")

    def turnover_takeaway(self) -> None:
        rng = self.rng
        taker_side = self.other(self.pos)
        taker = self.skater(taker_side)
        loser = self.ensure_carrier()
        pl = [
            self.ep(taker_side, taker, "event", 1, side_of_puck="Defensive"),
            self.ep(self.pos, loser, "opp", 1, side_of_puck="Offensive"),
        ]
        d2 = _weighted(
            rng,
            (
                ("Takeaway_PokeCheck", 50),
                ("Takeaway_BattleWon", 30),
                ("Play_PokeCheck", 12),
                ("", 8),
            ),
        )
        self.emit(
            "Turnover",
            taker_side,
            self.flip(self.zone),
            "Turnover_Takeaway",
            d2,
            "s" if rng.random() < 0.3 else None,
            pl,
        )
        self.change_possession(self.flip(self.zone), taker)
        self.gap()

    def giveaway(self, d2: str) -> None:
        c = self.ensure_carrier()
        pl = [self.ep(self.pos, c, "event", 1)]
        if self.rng.random() < 0.35:
            pl.append(self.ep(self.other(self.pos), self.skater(self.other(self.pos)), "opp", 1))
        self.emit("Turnover", self.pos, self.zone, "Turnover_Giveaway", d2, None, pl)

    def play_event(self) -> None:
        rng = self.rng
        if rng.random() < 0.75:
            side = self.other(self.pos)
            d2 = _weighted(
                rng,
                (
                    ("Play_PokeCheck", 45),
                    ("Play_SeperateFromPuck", 20),
                    ("Play_AttemptedClear", 8),
                    ("", 27),
                ),
            )
            pl = [self.ep(side, self.skater(side), "event", 1, side_of_puck="Defensive"),
                  self.ep(self.pos, self.ensure_carrier(), "opp", 1, side_of_puck="Offensive")]  # fmt: skip
            self.emit(
                "Play",
                side,
                self.flip(self.zone),
                "Play_Defensive",
                d2,
                "s" if rng.random() < 0.7 else None,
                pl,
            )
        else:
            d2 = _weighted(
                rng,
                (("Play_Deke", 40), ("Play_DumpChase", 25), ("Play_Dump/RimInZone", 20), ("", 15)),
            )
            pl = [self.ep(self.pos, self.ensure_carrier(), "event", 1)]
            if rng.random() < 0.6:
                pl.append(
                    self.ep(self.other(self.pos), self.skater(self.other(self.pos)), "opp", 1)
                )
            self.emit(
                "Play",
                self.pos,
                self.zone,
                "Play_Offensive",
                d2,
                "s" if rng.random() < 0.7 else None,
                pl,
            )
        self.gap()

    def loose_puck(self) -> None:
        rng = self.rng
        a, b = self.ensure_carrier(), self.skater(self.other(self.pos))
        won = rng.random() < 0.5
        pl = [self.ep(self.pos, a, "event", 1, d1="LoosePuckBattleWon" if won else "LoosePuckBattleLost"),
              self.ep(self.pos, self.skater(self.pos, exclude=a), "event", 2),
              self.ep(self.other(self.pos), b, "opp", 1, d1="LoosePuckBattleLost" if won else "LoosePuckBattleWon")]  # fmt: skip
        self.emit(
            "LoosePuck",
            self.pos,
            self.zone,
            "LoosePuck_Battle",
            "",
            None,
            pl,
            dur=rng.randint(1, 3),
        )
        self.advance(self.events[-1].end - self.events[-1].start)
        if not won:
            self.change_possession(self.flip(self.zone), b)

    def step(self) -> None:
        """One action of the team with the puck, by zone."""
        rng = self.rng
        r = rng.random()
        if self.zone == "d":
            self.step_defensive_zone(r)
        elif self.zone == "n":
            self.step_neutral_zone(r)
        else:
            self.step_offensive_zone(r)
        if rng.random() < 0.014:
            self.loose_puck()

    def step_defensive_zone(self, r: float) -> None:
        rng = self.rng
        opp_en = not self.sides[self.other(self.pos)].has_goalie()
        if opp_en and r < 0.12:
            self.shot(long_range=True)
            return
        if r < 0.31:
            self.possession_event("" if rng.random() < 0.6 else "Possession_PuckRetrieval")
            self.gap()
        elif r < 0.72:
            if self.pass_attempt(breakout=True) and rng.random() < 0.45:
                pl = [
                    self.ep(self.pos, self.passes[-1][1], "event", 1),
                    self.ep(self.pos, self.passes[-1][2], "event", 2),
                ]
                self.emit(
                    "Zone_Entry_Exit",
                    self.pos,
                    "d",
                    "Zone_Exit",
                    "ZoneExit_Pass",
                    "s" if rng.random() < 0.6 else None,
                    pl,
                )
                self.zone = "n"
            self.gap()
        elif r < 0.86:
            c = self.ensure_carrier()
            pl = [self.ep(self.pos, c, "event", 1)]
            if rng.random() < 0.5:
                pl.append(
                    self.ep(self.other(self.pos), self.skater(self.other(self.pos)), "opp", 1)
                )
            if rng.random() < 0.82:
                d2 = _weighted(
                    rng,
                    (
                        ("ZoneExit_Carried", 60),
                        ("ZoneExit_Rush", 20),
                        ("ZoneExit_Chip", 12),
                        ("ZoneExit_Lob", 3),
                        ("ZoneExit_Other", 5),
                    ),
                )
                self.emit(
                    "Zone_Entry_Exit",
                    self.pos,
                    "d",
                    "Zone_Exit",
                    d2,
                    "s" if rng.random() < 0.6 else None,
                    pl,
                    dur=rng.choice((0, 1, 1, 2)),
                )
                self.advance(self.events[-1].end - self.events[-1].start)
                self.zone = "n"
            else:
                self.emit("Zone_Entry_Exit", self.pos, "d", _weighted(rng, (("Zone_Exit_Failed", 6), ("Zone_ExitFailed", 3))),
                          "ZoneExit_PassMiss/Misplay", None, pl)  # fmt: skip
                self.turnover_takeaway()
            self.gap()
        else:
            # Clear the zone: the other team retrieves it, sometimes an icing.
            c = self.ensure_carrier()
            self.emit(
                "Zone_Entry_Exit",
                self.pos,
                "d",
                "Zone_Exit",
                "ZoneExit_Clear",
                None,
                [self.ep(self.pos, c, "event", 1)],
            )
            if rng.random() < 0.6:
                # The clear crosses the far blue line: the tracker logs an entry for it too.
                self.emit(
                    "Zone_Entry_Exit",
                    self.pos,
                    "o",
                    "Zone_Entry",
                    "ZoneEntry_FromExitClear",
                    "s" if rng.random() < 0.5 else None,
                    [self.ep(self.pos, c, "event", 1)],
                )
            self.giveaway(
                "Giveaway_ZoneClear/Dump"
                if rng.random() < 0.6
                else "Giveaway_AttemptedZoneClear/Dump"
            )
            if rng.random() < 0.2:
                self.gap()
                iced = self.pos
                self.stoppage(
                    "Stoppage_Icing",
                    f"{iced.capitalize()} Icing",
                    (iced, "d"),
                    "Faceoff_AfterStoppage" if rng.random() < 0.4 else "Faceoff",
                )
                return
            self.change_possession("d")
            self.gap()
            self.recover("RecoveryRetreivalDumpIn")

    def step_neutral_zone(self, r: float) -> None:
        rng = self.rng
        opp_en = not self.sides[self.other(self.pos)].has_goalie()
        if opp_en and r < 0.1:
            self.shot(long_range=True)
            return
        if r < 0.18:
            self.possession_event("")
            self.gap()
        elif r < 0.38:
            self.pass_attempt()
            self.gap()
        elif r < 0.97:
            c = self.ensure_carrier()
            kind = rng.random()
            opp_side = self.other(self.pos)
            pl = [self.ep(self.pos, c, "event", 1)]
            if rng.random() < 0.7:
                pl.append(self.ep(opp_side, self.skater(opp_side, prefer="D"), "opp", 1))
            if kind < 0.55:
                if rng.random() < 0.82:
                    d2 = "ZoneEntry_Carried" if rng.random() < 0.75 else "ZoneEntry_Rush"
                    self.last_entry[self.pos] = self.gt()
                    self.emit(
                        "Zone_Entry_Exit",
                        self.pos,
                        "o",
                        "Zone_Entry",
                        d2,
                        "s" if rng.random() < 0.6 else None,
                        pl,
                        dur=rng.choice((0, 1, 2, 3)),
                    )
                    self.advance(self.events[-1].end - self.events[-1].start)
                    self.zone = "o"
                else:
                    self.emit(
                        "Zone_Entry_Exit",
                        self.pos,
                        "n",
                        _weighted(rng, (("Zone_Entry_Failed", 7), ("Zone_Entryfailed", 1))),
                        "ZoneEntry_PassMiss/Misplay",
                        None,
                        pl,
                    )
                    self.turnover_takeaway()
            elif kind < 0.88:
                d2 = "ZoneEntry_DumpIn" if rng.random() < 0.8 else "ZoneEntry_Chip"
                self.emit("Zone_Entry_Exit", self.pos, "n", "Zone_Entry", d2, None, pl)
                self.giveaway(
                    "Giveaway_DumpInZone" if rng.random() < 0.35 else "Giveaway_ZoneClear/Dump"
                )
                self.gap()
                if rng.random() < 0.35:
                    self.zone = "o"
                    self.carrier = self.skater(self.pos)
                    self.recover("RecoveryRetreivalDumpIn")
                else:
                    self.change_possession("d")
                    self.recover("RecoveryRetreivalDumpIn")
            else:
                if self.pass_attempt(d2="Pass_Stretch" if rng.random() < 0.3 else None):
                    p = self.passes[-1]
                    self.emit("Zone_Entry_Exit", self.pos, "o", "Zone_Entry", "ZoneEntry_Pass", "s" if rng.random() < 0.6 else None,
                              [self.ep(self.pos, p[1], "event", 1), self.ep(self.pos, p[2], "event", 2)])  # fmt: skip
                    self.zone = "o"
                    self.last_entry[self.pos] = self.gt()
            self.gap()
        else:
            if rng.random() < 0.6:
                self.stoppage(
                    "Stoppage_Offsides",
                    f"{self.pos.capitalize()} Offside",
                    (self.pos, "n"),
                    "Faceoff_AfterStoppage",
                )
            else:
                self.giveaway("Giveaway_Misplayed")
                self.change_possession("n")
                self.gap()

    def step_offensive_zone(self, r: float) -> None:
        rng = self.rng
        me, them = self.pos, self.other(self.pos)
        extra_skaters = self.sides[me].skater_count() - self.sides[them].skater_count()
        stronger_by = self.strength[me] - self.strength[them]
        shoot = 0.34 + 0.04 * extra_skaters + STRENGTH_SHOT_SHARE * stronger_by
        if r < shoot:
            self.shot()
        elif r < shoot + 0.18:
            self.possession_event("" if rng.random() < 0.7 else "Possession_PuckRecovery")
            self.gap()
        elif r < shoot + 0.47:
            self.pass_attempt()
            self.gap()
        elif r < shoot + 0.55:
            self.turnover_takeaway()
        elif r < shoot + 0.61:
            self.play_event()
        elif r < shoot + 0.68:
            c = self.ensure_carrier()
            ok = rng.random() < 0.85
            d1 = (
                "Zone_Keepin"
                if ok
                else _weighted(rng, (("Zone_Keepin_Failed", 1), ("Zone_KeepinFailed", 1)))
            )
            self.emit("Zone_Entry_Exit", self.pos, "o", d1, "Zone_KeepIn" if ok else "", "s" if ok and rng.random() < 0.5 else None,
                      [self.ep(self.pos, c, "event", 1, d1="ZoneKeepin" if rng.random() < 0.4 else "")])  # fmt: skip
            if not ok:
                self.change_possession("n")
            self.gap()
        elif r < shoot + 0.74:
            self.giveaway(
                _weighted(
                    rng,
                    (
                        ("Giveaway_Misplayed", 40),
                        ("Giveaway_PassMissed", 30),
                        ("Giveaway_BattleLost", 10),
                        ("Giveaway_Other", 5),
                        ("Giveaway_DumpInZone", 15),
                    ),
                )
            )
            self.change_possession("d")
            self.gap()
            self.recover("RecoveryRetreivalTurnover")
        elif r < shoot + 0.755:
            self.stoppage(
                "Stoppage_PuckOutofPlay",
                "Puck Out of Play",
                (self.pos, "o"),
                "Faceoff_AfterStoppage" if rng.random() < 0.5 else "Faceoff",
            )
        else:
            # Back out to the neutral zone, or a defensive-zone exit by the other team.
            c = self.ensure_carrier()
            other = self.other(self.pos)
            ex = self.skater(other)
            self.emit("Zone_Entry_Exit", other, "d", "Zone_Exit", _weighted(rng, (("ZoneExit_Clear", 40), ("ZoneExit_CausedTurnover", 20), ("ZoneExit_OppTeam", 15), ("ZoneExit_Carried", 25))),
                      "s" if rng.random() < 0.5 else None, [self.ep(other, ex, "event", 1), self.ep(self.pos, c, "opp", 1)])  # fmt: skip
            self.change_possession("n", ex)
            self.gap()

    # -- shots and goals -------------------------------------------------------------------
    def shot(self, long_range: bool = False) -> None:
        if self.t >= self.length:
            return  # the horn went: no attempt after the period's end
        rng = self.rng
        side, opp_side = self.pos, self.other(self.pos)
        them = self.sides[opp_side]
        shooter = self.ensure_carrier()
        now = self.gt()
        rebound = now - self.last_attempt[side] <= 3
        rush = now - self.last_entry[side] <= 7
        if long_range:
            x, y = round(rng.uniform(-70.0, 10.0), 1), round(rng.uniform(-30.0, 30.0), 1)
        elif rebound:
            x, y = round(rng.uniform(72.0, 86.0), 1), round(rng.gauss(0, 6.0), 1)
        else:
            spot = rng.random()
            if spot < 0.35:
                x, y = round(rng.uniform(69.0, 84.0), 1), round(rng.gauss(0, 7.0), 1)
            elif spot < 0.75:
                x, y = round(rng.uniform(55.0, 75.0), 1), round(rng.uniform(-26.0, 26.0), 1)
            else:
                x, y = round(rng.uniform(27.0, 55.0), 1), round(rng.uniform(-38.0, 38.0), 1)
        y = max(-42.0, min(42.0, y))
        distance, angle = shot_geometry(x, y)
        shot_type = "Shot_Tip" if rebound and rng.random() < 0.3 else _weighted(rng, SHOT_TYPES)
        situation, pp, en = self.situation(side)
        p_goal = goal_probability(distance, angle, shot_type, rebound, rush, pp, en)
        goalie = them.slots["G"]
        blocked = not en and rng.random() < (0.1 if rebound else 0.24)
        if blocked:
            outcome = "blocked"
        elif rng.random() < p_goal:
            outcome = "goal"
        elif en or rng.random() < 0.29:
            outcome = "missed"
        else:
            outcome = "saved"
        self.last_attempt[side] = now
        zone = self.zone
        rx, ry = self.to_rink(side, x, y)
        net_x, net_y = self.to_rink(side, 89.0, 0.0)
        shooter_ep = self.ep(side, shooter, "event", 1, xy=[(rx, ry)])
        pl = [shooter_ep]
        if self.passes and self.passes[-1][2] is shooter and rng.random() < 0.3:
            shooter_ep.d1 = "SecondTouch"
        blocker = None
        if outcome == "blocked":
            blocker = self.skater(opp_side, prefer="D")
            pl.append(self.ep(opp_side, blocker, "opp", 1, d1="BlockedShot", success="s"))
            d1 = "Shot_Blocked"
        else:
            if goalie is not None:
                pl.append(self.ep(opp_side, goalie, "opp", 1))
            if rng.random() < 0.3:
                pl.append(
                    self.ep(
                        opp_side,
                        self.skater(opp_side),
                        "opp",
                        len(pl),
                        d1=rng.choice(("InShotPassLane", "StickCheck", "")),
                    )
                )
            if outcome == "goal":
                d1 = "Shot_Goal"
            elif outcome == "missed":
                d1 = _weighted(
                    rng,
                    (
                        ("Shot_Missed", 85),
                        ("Shot_Deflected", 10),
                        ("Shot_HitPost", 2),
                        ("Shot_MissedPost", 3),
                    ),
                )
            else:
                d1 = "Shot_OnNetSaved" if rng.random() < 0.985 else "Shot_DeflectedOnNetSaved"
        if rng.random() < 0.12:
            pl.insert(
                1,
                self.ep(
                    side,
                    self.skater(side, exclude=shooter),
                    "event",
                    2,
                    d1=rng.choice(("FrontofNet", "Screen", "CrashNet")),
                ),
            )
        success = {"goal": "s", "saved": "s", "missed": None, "blocked": None}[outcome]
        if outcome == "blocked":
            # Stopped a few feet out, on the way to the net.
            stop = (rx + (net_x - rx) * 0.15, ry + (net_y - ry) * 0.15)
        else:
            stop = (net_x, net_y if outcome != "missed" else ry * 0.3)
        puck = [(rx, ry), stop]
        shot_ev = self.emit("Shot", side, zone, d1, shot_type, success, pl, puck=puck)
        shot_ev.highlight = outcome == "goal"
        rec = ShotRec(shot_ev.idx, self.period, shot_ev.start, side, shooter, x, y, distance, angle, shot_type,
                      rebound, rush, situation, en, p_goal, outcome, blocker, goalie)  # fmt: skip
        self.shots.append(rec)
        if outcome == "goal":
            self.goal(shot_ev, rec)
        elif outcome == "blocked":
            if rng.random() < 0.6:
                self.emit("Turnover", side, zone, "Turnover_Giveaway", "Giveaway_ShotBlocked", None,
                          [self.ep(side, shooter, "event", 1), self.ep(opp_side, blocker, "opp", 1)])  # fmt: skip
            self.gap()
            if rng.random() < 0.55:
                self.change_possession("d", blocker)
            self.recover("RecoveryRetreivalShot")
        elif outcome == "missed":
            if rng.random() < 0.3:
                self.emit(
                    "Turnover",
                    side,
                    zone,
                    "Turnover_Giveaway",
                    "Giveaway_ShotMissed",
                    None,
                    [self.ep(side, shooter, "event", 1)],
                )
            self.gap()
            if rng.random() < 0.55:
                self.change_possession("d")
            else:
                self.carrier = self.skater(side)
            self.recover("RecoveryRetreivalShot")
        else:
            self.save(shot_ev, shooter, goalie)

    def save(self, shot_ev: Event, shooter: Player, goalie: Player) -> None:
        rng = self.rng
        side, opp_side = self.pos, self.other(self.pos)
        kind = _weighted(rng, (("Save_Rebound", 66), ("Save_Freeze", 31), ("Save_Played", 3)))
        d2 = _weighted(rng, (("Save_Butterfly", 20), ("Save_Chest", 20), ("Save_Glove", 10), ("Save_LeftPad", 10),
                             ("Save_RightPad", 16), ("Save_Stick", 5), ("Save_Blocker", 3), ("", 16)))  # fmt: skip
        pl = [
            self.ep(opp_side, goalie, "event", 1, side_of_puck="Defensive"),
            self.ep(side, shooter, "opp", 1, side_of_puck="Offensive"),
        ]
        ev = self.emit("Save", opp_side, self.flip(self.zone), kind, d2, None, pl)
        ev.linked = shot_ev.idx
        if kind == "Save_Freeze":
            self.gap()
            self.stoppage("Stoppage_GoalieStoppage", f"{opp_side.capitalize()} Goalie Stopped (after {side.capitalize()} SOG)",
                          (side, "o"), "Faceoff_AfterStoppage" if rng.random() < 0.5 else "Faceoff", carrier_side=opp_side)  # fmt: skip
            return
        team_recovers = rng.random() < 0.42
        d1 = "Rebound_OppTeamRecovered" if team_recovers else "Rebound_TeamRecovered"
        if team_recovers and rng.random() < 0.15:
            d1 = "Rebound_ShotGenerated"
        self.emit(
            "Rebound",
            opp_side,
            self.flip(self.zone),
            d1,
            "",
            None,
            [self.ep(opp_side, goalie, "event", 1, side_of_puck="Offensive")],
        )
        self.gap()
        if team_recovers:
            self.carrier = self.skater(side)
            if rng.random() < 0.5:
                self.shot()
            else:
                self.recover("RecoveryRetreivalRebound")
        else:
            self.change_possession("d")
            self.recover("RecoveryRetreivalRebound")

    def goal(self, shot_ev: Event, rec: ShotRec) -> None:
        rng = self.rng
        side, opp_side = self.pos, self.other(self.pos)
        scorer = rec.shooter
        a1 = a2 = None
        a1_ev = a2_ev = None
        chain = [p for p in self.passes if p[1] is not scorer or p[2] is not scorer]
        if chain and chain[-1][2] is scorer and chain[-1][1] is not scorer:
            a1_ev, a1 = chain[-1][0], chain[-1][1]
            if len(chain) > 1 and chain[-2][2] is a1 and chain[-2][1] not in (scorer, a1):
                a2_ev, a2 = chain[-2][0], chain[-2][1]
        # The tracker misses the game's first goal (only a 0-0 game escapes this flaw).
        missed_by_tracker = self.flaw == "missing_goal" and not self.missing_goal_done
        goal_idx = None
        if not missed_by_tracker:
            pl = [self.ep(side, scorer, "event", 1)]
            if rec.goalie is not None:
                pl.append(self.ep(opp_side, rec.goalie, "opp", 1))
            d2 = "Goal_" + rec.shot_type.split("_", 1)[1]
            gev = self.emit(
                "Goal",
                side,
                self.zone,
                "Goal_Scored",
                d2,
                "s" if rng.random() < 0.6 else "",
                pl,
                puck=list(shot_ev.puck),
            )
            gev.highlight = True
            goal_idx = gev.idx
            for ev_idx, flag in ((a1_ev, "AssistPrimary"), (a2_ev, "AssistSecondary")):
                if ev_idx is None:
                    continue
                ev = self.events[ev_idx]
                ev.players[0].d1 = flag
                ev.assist_goal = goal_idx
                ev.success = ""
        else:
            self.missing_goal_done = True
        self.goals.append(
            GoalRec(
                goal_idx,
                shot_ev.idx,
                self.period,
                shot_ev.start,
                side,
                scorer,
                a1,
                a2,
                rec.situation,
                rec.empty_net,
            )
        )
        self.score[side] += 1
        # A power-play goal ends the earliest minor of the short-handed team.
        if rec.situation == "pp":
            minors = [pen for pen in self.sides[opp_side].penalties if pen[1]]
            if minors:
                self.sides[opp_side].penalties.remove(min(minors, key=lambda pen: pen[0]))
        self.carrier = scorer
        if self.period == 4:
            self.emit(
                "Stoppage",
                side,
                self.zone,
                "Stoppage_Play",
                "Stoppage_Goal",
                None,
                [self.ep(side, scorer, "event", 1, side_of_puck="")],
            )
            self.game_over = True
            return
        self.stoppage(
            "Stoppage_Goal",
            f"{side.capitalize()} Goal",
            (side, "n"),
            "Faceoff_AfterGoal",
            start_type="FaceoffAfterGoal",
        )

    # -- penalties -------------------------------------------------------------------------
    def penalty(self) -> None:
        rng = self.rng
        offender_side = self.other(self.pos)
        offended = self.pos
        offender = self.skater(offender_side)
        drawn = self.ensure_carrier()
        infraction = _weighted(rng, (("Penalty_Tripping", 35), ("Penalty_Hooking", 25), ("Penalty_Roughing", 12),
                                     ("Penalty_Slashing", 10), ("Penalty_Interference", 10), ("Penalty_Holding", 8)))  # fmt: skip
        major = rng.random() < 0.05
        if rng.random() < 0.45:
            self.emit("Penalty_Delayed", offender_side, self.flip(self.zone), "", "", None,
                      [self.ep(offender_side, offender, "event", 1), self.ep(offended, drawn, "opp", 1)])  # fmt: skip
            if self.sides[offended].has_goalie():
                self.cut("", "DelayedPenalty")
                self.sides[offended].pulled = True
                self.sides[offended].set_lineup(self.target_skaters(offended), False, False)
            self.advance(rng.randint(3, 9))
            self.sides[offended].pulled = False
        if self.t >= self.length:
            return
        pl = [self.ep(offender_side, offender, "event", 1)]
        if rng.random() < 0.5:
            pl.append(self.ep(offended, drawn, "opp", 1))
        ev = self.emit("Penalty", offender_side, "n" if rng.random() < 0.5 else self.flip(self.zone),
                       "Penalty_Major" if major else "Penalty_Minor", infraction, None, pl)  # fmt: skip
        minutes = 6 if major else 3
        self.penalties.append(
            PenaltyRec(ev.idx, self.period, ev.start, offender_side, offender, minutes, infraction)
        )
        release = self.gt() + (MAJOR_S if major else MINOR_S)
        self.sides[offender_side].penalties.append((release, not major, offender))
        self.stoppage("Stoppage_Penalty", f"{offender_side.capitalize()} Penalty", (offender_side, "d"), "Faceoff_AfterPenalty",
                      carrier_side=offender_side, start_type="FaceoffAfterPenalty")  # fmt: skip

    # -- periods ---------------------------------------------------------------------------
    def run(self) -> None:
        rng = self.rng
        # A game has about 1,000 play steps: this gives about 3 penalties a game, as the fixtures.
        penalty_chance = rng.uniform(2.5, 6.0) / 1000
        period = 1
        while True:
            self.period = period
            minutes = {1: self.first_period_minutes, 4: OT_MINUTES}.get(period, PERIOD_MINUTES)
            self.length = minutes * 60
            self.period_lengths[period] = self.length
            self.t = 0
            self.row_start = 0
            self.row_stoppage = 0
            self.row_start_type = "GameStart" if period == 1 else "PeriodStart"
            for s in SIDES:
                self.sides[s].pulled = False
                self.relineup(s, True, True)
            if period > 1:
                self.emit("Intermission", rng.choice(SIDES), "n", "", "", None, [])
            else:
                self.emit("GameStart", rng.choice(SIDES), "n", "", "", None, [])
            self.faceoff("home", "n", "Faceoff_GameStart" if period == 1 else "Faceoff_PeriodStart")
            while self.t < self.length and not self.game_over:
                self.on_the_fly()
                if (
                    period < 4
                    and rng.random() < penalty_chance
                    and not self.sides[self.other(self.pos)].penalties
                ):
                    self.penalty()
                    continue
                self.step()
            if self.game_over:
                self.t = min(self.t, self.length)
                self.cut("GameEnd", "")
                self.emit("GameEnd", "home", "n")
                break
            self.t = self.length
            last = period >= 3 and (period == 4 or self.score["home"] != self.score["away"])
            self.emit("Stoppage", self.pos, "n", "Stoppage_GameEnd" if last else "Stoppage_PeriodEnd",
                      "" if last else "Stoppage_PeriodEnd", None, [])  # fmt: skip
            self.cut("GameEnd" if last else "Period End", "")
            if last:
                self.emit("GameEnd", "home", "n")
                break
            self.rows.append(
                ShiftRow(
                    period,
                    self.length,
                    None,
                    "Intermission",
                    "",
                    dict.fromkeys(SLOTS),
                    dict.fromkeys(SLOTS),
                )
            )
            self.offset += self.length
            period += 1


def simulate_game(
    rosters: dict[str, list[RosterEntry]],
    seed: int,
    flaw: str | None = None,
    first_period_minutes: int = PERIOD_MINUTES,
    strengths: dict[str, float] | None = None,
) -> GameSim:
    """Play one game. `first_period_minutes` other than 18 mimics a tracker whose first period
    was set longer (a real game has a 21-minute first period); `strengths` are the two teams'
    true strengths by side (default even)."""
    sim = _Sim(rosters, random.Random(seed), flaw)
    sim.strength = dict(strengths or {"home": 0.0, "away": 0.0})
    sim.first_period_minutes = first_period_minutes
    sim.run()
    return GameSim(
        period_lengths=sim.period_lengths,
        home_attacks_right_p1=sim.home_attacks_right_p1,
        rosters=rosters,
        events=sim.events,
        shifts=sim.rows,
        shots=sim.shots,
        goals=sim.goals,
        penalties=sim.penalties,
        faceoffs=sim.faceoffs,
    )
