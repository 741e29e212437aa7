"""Render a simulated game in the exact shapes the real tracker writes.

- tracker JSON 23.8: corner-origin XY (0..200 x 0..85), roles event_player_N / opp_player_N,
  success true / null / "", integer jerseys in events and shifts.
- tracker JSON 25.0: centre-origin XY, roles event_team_player_N / opp_team_player_N, success
  "s" / "u" / "", 25.0's extra keys (game_id, typeCode/typeId, detail codes, linkedEventChain...).
- `{game_id}_tracking.xlsx`: see `tracker_xlsx`.

Key order, value types and the clock format (`MM:SS` remaining, `00:0.01`, blanks) follow the
fixture files; the shape tests compare key sets with them.
"""

from __future__ import annotations

import datetime as dt
import random

import msgspec

from benchsight.sample.game import SLOTS, Event, GameSim, ShiftRow
from benchsight.sample.vocab import DETAIL_1_IDS, DETAIL_2_IDS, EVENT_TYPE_IDS

PENALTY_LENGTHS = {"minor": 3, "major": 6, "misconduct": 10}
VIDEO_TIME_TYPES = frozenset({"Intermission", "Timeout"})
ZONE_X_RANGES = {"o": (30.0, 95.0), "n": (-24.0, 24.0), "d": (-95.0, -30.0)}  # attacking frame


_CLOCK_TEXT: dict[int, list[str]] = {}


def clock(length: int, elapsed: float | str | None) -> str:
    """Countdown clock text: `MM:SS` remaining; fractions as the tracker writes them (`00:0.01`);
    None is a blank clock; a string is written as it is (a broken value such as `18:`)."""
    if type(elapsed) is int and 0 <= elapsed <= length:
        table = _CLOCK_TEXT.get(length)
        if table is None:
            table = _CLOCK_TEXT[length] = [
                f"{(length - e) // 60:02d}:{(length - e) % 60:02d}" for e in range(length + 1)
            ]
        return table[elapsed]
    if elapsed is None:
        return ""
    if isinstance(elapsed, str):
        return elapsed
    remaining = length - elapsed
    if remaining != int(remaining):
        minutes = int(remaining // 60)
        return f"{minutes:02d}:{round(remaining - minutes * 60, 2):g}"
    remaining = int(remaining)
    return f"{remaining // 60:02d}:{remaining % 60:02d}"


def iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def strength(row: ShiftRow) -> str:
    if row.end is None:
        return "0v0"
    home = sum(1 for s, p in row.home.items() if p is not None and s != "G")
    away = sum(1 for s, p in row.away.items() if p is not None and s != "G")
    return f"{home}v{away}"


def _duration(row: ShiftRow) -> int | None:
    if row.end is None or row.start is None:
        return None
    return round(row.end - row.start)


class GameDocument:
    """Everything the writers need about one game, with per-game presentation choices."""

    def __init__(self, game_id: int, home: str, away: str, home_color: str, away_color: str,
                 sim: GameSim, exported: dt.datetime, seed: int):  # fmt: skip
        self.game_id = game_id
        self.home = home
        self.away = away
        self.home_color = home_color
        self.away_color = away_color
        self.sim = sim
        self.events = sim.events
        self.shifts = sim.shifts
        self.exported = exported
        self.rng = random.Random(seed)
        # Some games use the older `-` separators in detail2 (`Shot-Wrist`), as real files do.
        self.hyphen_details = self.rng.random() < 0.2

    def length(self, period: int) -> int:
        return self.sim.period_lengths.get(period, 18 * 60)

    def rosters(self) -> dict:
        out = {}
        for side in ("home", "away"):
            out[side] = [
                {
                    "id": e.player.player_id,
                    "num": e.jersey,
                    "name": e.player.full_name,
                    "pos": e.player.position,
                    "rating": None,
                }
                for e in self.sim.rosters[side]
            ]
        return out

    def detail2(self, value: str) -> str:
        return value.replace("_", "-", 1) if self.hyphen_details and value else value

    def header(self, version: str) -> dict:
        return {
            "exportDate": iso(self.exported),
            "version": version,
            "gameId": self.game_id,
            "homeTeam": self.home,
            "awayTeam": self.away,
            "homeColor": self.home_color,
            "awayColor": self.away_color,
            "homeLogo": None,
            "awayLogo": None,
        }

    def footer(self) -> dict:
        lengths = self.sim.period_lengths
        offsets = {
            "1": 0,
            "2": lengths.get(1, 1080) + 72,
            "3": lengths.get(1, 1080) + lengths.get(2, 1080) + 150,
        }
        timing = {"videoStartOffset": 0, "intermission1": 900, "intermission2": 900, "timeouts": [],
                  "youtubeUrl": "", "periodOffsets": {**offsets, "OT": None},
                  "gameStart": {"period": 1, "time": clock(self.length(1), 0)}, "intermission3": 300}  # fmt: skip
        return {
            "videos": [],
            "videoTiming": timing,
            "periodLengths": {
                "1": lengths.get(1, 1080) // 60,
                "2": 18,
                "3": 18,
                "OT": lengths.get(4, 300) // 60,
            },
            "penaltyLengths": dict(PENALTY_LENGTHS),
            "homeAttacksRightP1": self.sim.home_attacks_right_p1,
        }

    def attacks_right(self, team: str, period: int) -> bool:
        home_right = self.sim.home_attacks_right_p1 == (period % 2 == 1)
        return home_right if team == "home" else not home_right

    def synthetic_xy(self, ev: Event) -> tuple[float, float]:
        """A plausible puck spot for an event without a recorded one (25.0 tracks XY everywhere)."""
        low, high = ZONE_X_RANGES.get(ev.zone, (0.0, 0.0))
        x, y = self.rng.uniform(low, high), self.rng.uniform(-40, 40)
        return (x, y) if self.attacks_right(ev.team, ev.period) else (-x, -y)


# -- JSON -----------------------------------------------------------------------------------


def _xy238(points: list, with_seq: bool = True) -> list:
    if with_seq:
        return [
            {"x": round(x + 100, 1), "y": round(y + 42.5, 1), "seq": i + 1}
            for i, (x, y) in enumerate(points)
        ]
    return [{"x": round(x + 100, 1), "y": round(y + 42.5, 1)} for x, y in points]


def _xy250(points: list) -> list:
    return [{"x": round(x, 2), "y": round(y, 2), "seq": i + 1} for i, (x, y) in enumerate(points)]


ROLES_238 = {(k, n): f"{k}_player_{n}" for k in ("event", "opp") for n in range(1, 8)}
ROLES_250 = {(k, n): f"{k}_team_player_{n}" for k in ("event", "opp") for n in range(1, 8)}
SUCCESS_238 = {"s": True, "": "", "u": None, None: None}


def _event_238(doc: GameDocument, ev: Event) -> dict:
    length = doc.length(ev.period)
    # Written as plain literals: this runs for every event of every game and sets the pace.
    players = [
        {
            "num": int(p.jersey), "name": p.player.full_name, "team": p.side,
            "role": ROLES_238[p.kind, p.n], "roleNum": 1, "playD1": p.d1, "playD2": p.d2,
            "playSuccess": p.success, "pressure": p.pressure, "sideOfPuck": p.side_of_puck,
            "xy": _xy238(p.xy) if p.xy else [],
        }
        for p in ev.players
    ]  # fmt: skip
    d2 = ev.d2.replace("_", "-", 1) if doc.hyphen_details and ev.d2 else ev.d2
    if ev.type in VIDEO_TIME_TYPES:
        start, end = event_clock(ev, length, ev.start), event_clock(ev, length, ev.end)
    else:
        start, end = clock(length, ev.start), clock(length, ev.end)
    return {
        "idx": ev.idx, "period": ev.period, "type": ev.type, "team": ev.team, "zone": ev.zone,
        "success": SUCCESS_238[ev.success], "detail1": ev.d1, "detail2": d2,
        "start_time": start, "end_time": end,
        "strength": "5v5", "linkedEventIdx": None, "assistToGoalIdx": ev.assist_goal,
        "sequenceIdx": None, "playIdx": None, "players": players,
        "puckXY": _xy238(ev.puck, with_seq=False) if ev.puck else [], "netXY": None,
        "isHighlight": ev.highlight,
    }  # fmt: skip


def event_clock(ev: Event, length: int, value) -> str:
    if ev.type in VIDEO_TIME_TYPES and not isinstance(value, str) and value is not None:
        # The tracker writes intermissions and timeouts with a running video time, not the clock.
        return (
            f"{30 + (ev.idx % 29):02d}:{(ev.idx * 7 + (0 if value == ev.start else 50)) % 60:02d}"
        )
    return clock(length, value)


def _event_250(doc: GameDocument, ev: Event) -> dict:
    length = doc.length(ev.period)
    xy_points = ev.puck or ([doc.synthetic_xy(ev)] if ev.players else [])
    players = []
    for p in ev.players:
        pxy = p.xy or (
            [(xy_points[0][0] + doc.rng.uniform(-6, 6), xy_points[0][1] + doc.rng.uniform(-6, 6))]
            if xy_points
            else []
        )
        players.append({
            "id": p.player.player_id, "num": p.jersey, "name": p.player.full_name,
            "pos": p.player.position, "rating": None, "team": p.side,
            "role": ROLES_250[p.kind, p.n], "roleNum": p.n, "xy": _xy250(pxy),
            "playD1": p.d1, "playD2": p.d2, "playSuccess": p.success, "pressure": p.pressure,
            "sideOfPuck": p.side_of_puck,
        })  # fmt: skip
    d2 = doc.detail2(ev.d2)
    # 25.0 names the shot of a goal Shot_OnNetGoal.
    d1 = "Shot_OnNetGoal" if ev.d1 == "Shot_Goal" else ev.d1
    out = {
        "idx": ev.idx, "game_id": doc.game_id, "period": ev.period,
        "start_time": event_clock(ev, length, ev.start), "end_time": event_clock(ev, length, ev.end),
        "team": ev.team, "type": ev.type, "typeCode": ev.type, "typeId": EVENT_TYPE_IDS.get(ev.type, ""),
        "detail1": d1, "detail1Code": d1, "detail1Id": DETAIL_1_IDS.get(d1, ""),
        "detail2": d2, "detail2Code": d2, "detail2Id": DETAIL_2_IDS.get(ev.d2, ""),
        "zone": ev.zone, "success": ev.success or "", "strength": "5v5",
        "linkedEventIdx": ev.linked, "linkedEventChain": [ev.linked] if ev.linked is not None else [],
        "isHighlight": ev.highlight, "adjustedVideoTime": event_clock(ev, length, ev.start),
        "puckXY": _xy250(xy_points), "netXY": _net_xy(doc, ev), "players": players,
    }  # fmt: skip
    if ev.assist_goal is not None:
        out["assistToGoalIdx"] = ev.assist_goal
    return out


def _net_xy(doc: GameDocument, ev: Event) -> dict | None:
    if ev.type != "Shot" or ev.d1 not in (
        "Shot_OnNetSaved",
        "Shot_Goal",
        "Shot_DeflectedOnNetSaved",
    ):
        return None
    return {"x": round(doc.rng.uniform(2, 70), 2), "y": round(doc.rng.uniform(2, 46), 2)}


def _slot_238(p, side_jerseys: dict) -> dict | None:
    if p is None:
        return None
    return {"num": int(side_jerseys[p.player_id]), "name": p.full_name}


def _slot_250(p, side_jerseys: dict) -> dict | None:
    if p is None:
        return None
    return {
        "id": p.player_id,
        "num": side_jerseys[p.player_id],
        "name": p.full_name,
        "pos": p.position,
        "rating": None,
    }


def _shift_json(doc: GameDocument, i: int, row: ShiftRow, version: str, jerseys: dict) -> dict:
    length = doc.length(row.period)
    slot = _slot_250 if version == "25.0" else _slot_238
    home = {s: slot(row.home[s], jerseys["home"]) for s in SLOTS}
    away = {s: slot(row.away[s], jerseys["away"]) for s in SLOTS}
    start, end = clock(length, row.start), clock(length, row.end)
    if version == "25.0":
        return {"idx": i, "game_id": doc.game_id, "period": row.period, "start_time": start, "end_time": end,
                "start_type": row.start_type, "stop_type": row.stop_type, "strength": strength(row),
                "home": home, "away": away, "stoppageTime": row.stoppage, "duration": _duration(row) or 0}  # fmt: skip
    return {"period": row.period, "start_time": start, "end_time": end, "start_type": row.start_type,
            "stop_type": row.stop_type, "strength": strength(row), "duration": _duration(row),
            "stoppageTime": row.stoppage, "home": home, "away": away}  # fmt: skip


def render_json(doc: GameDocument, version: str, events: list[Event] | None = None,
                shifts: list[ShiftRow] | None = None, saved: dt.datetime | None = None) -> bytes:  # fmt: skip
    """The tracker JSON of one game; `events`/`shifts` override the game's (partial or older
    exports), `saved` the export moment."""
    events = doc.events if events is None else events
    shifts = doc.shifts if shifts is None else shifts
    saved = saved or doc.exported
    jerseys = {
        side: {e.player.player_id: e.jersey for e in doc.sim.rosters[side]}
        for side in ("home", "away")
    }
    render_event = _event_250 if version == "25.0" else _event_238
    data = {**doc.header(version), "exportDate": iso(saved)}
    data["rosters"] = doc.rosters()
    data["events"] = [render_event(doc, ev) for ev in events]
    data["shifts"] = [_shift_json(doc, i, row, version, jerseys) for i, row in enumerate(shifts)]
    data["evtIdx"] = len(events)
    data["shiftIdx"] = len(shifts)
    footer = doc.footer()
    data["videos"] = footer["videos"]
    data["videoTiming"] = footer["videoTiming"]
    if version == "25.0":
        data["highlightVideos"] = []
    data["periodLengths"] = footer["periodLengths"]
    data["penaltyLengths"] = footer["penaltyLengths"]
    data["homeAttacksRightP1"] = footer["homeAttacksRightP1"]
    if version == "25.0":
        data["autoSettings"] = {}
        data["customRules"] = []
        data["customLinkingRules"] = []
    data["customChainPresets"] = []
    data["linePresets"] = {}
    if version == "25.0":
        data["eventMacros"] = []
    data["currentPeriod"] = events[-1].period if events else 1
    data["currentTeam"] = "home"
    data["slots"] = {side: dict.fromkeys(SLOTS) for side in ("home", "away")}
    data["savedAt"] = iso(saved - dt.timedelta(milliseconds=13))
    # msgspec writes the same compact bytes as json.dumps(separators=(",", ":")), 8x faster.
    return msgspec.json.encode(data)
