"""Seconds two skaters of a team were on the ice together, counted from a tracker JSON's shifts.

The tests' own count, independent of the warehouse: each shift row puts its players on the ice
for the half-open interval [start, end) in elapsed seconds of its period (countdown clock turned
into elapsed time with the file's period lengths); a player's intervals are merged, and a pair's
time together is the length of the intersection of the two players' intervals. Goalies (slot G)
are not skaters; rows with an unreadable clock are left out. Players are (side, jersey).
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

SKATER_SLOTS = ("F1", "F2", "F3", "D1", "D2", "X")
DEFAULT_MINUTES = {"1": 18, "2": 18, "3": 18, "OT": 5}

Player = tuple[str, str]  # (side, jersey)
Interval = tuple[int, float, float]  # (period, start, end)


def _remaining(clock: str | None) -> float | None:
    try:
        minutes, seconds = str(clock).split(":")
        return int(minutes) * 60 + float(seconds)
    except ValueError:
        return None


def _period(written) -> int:
    """Period number; overtime (4) may be written `OT`, and a number may be written as text."""
    return 4 if str(written).upper() == "OT" else int(written)


def _period_seconds(document: dict, period: int) -> float:
    lengths = {**DEFAULT_MINUTES, **(document.get("periodLengths") or {})}
    return float(lengths["OT" if period == 4 else str(period)]) * 60


def _occupants(value) -> list[dict]:
    if not value:
        return []
    return value if isinstance(value, list) else [value]


def skater_intervals(document: dict) -> dict[Player, list[Interval]]:
    """Each skater's merged on-ice intervals, by period."""
    raw: dict[Player, list[Interval]] = defaultdict(list)
    for shift in document["shifts"]:
        start_left, end_left = _remaining(shift["start_time"]), _remaining(shift["end_time"])
        if start_left is None or end_left is None:
            continue
        period = _period(shift["period"])
        length = _period_seconds(document, period)
        start, end = length - start_left, length - end_left
        if end <= start:
            continue
        for side in ("home", "away"):
            for slot in SKATER_SLOTS:
                for occupant in _occupants((shift.get(side) or {}).get(slot)):
                    raw[(side, str(occupant["num"]))].append((period, start, end))
    merged: dict[Player, list[Interval]] = {}
    for player, intervals in raw.items():
        out: list[list] = []
        for period, start, end in sorted(intervals):
            if out and out[-1][0] == period and start <= out[-1][2]:
                out[-1][2] = max(out[-1][2], end)
            else:
                out.append([period, start, end])
        merged[player] = [tuple(i) for i in out]
    return merged


def pair_seconds(document: dict) -> dict[tuple[Player, Player], float]:
    """Time together of every two skaters of one side that shared the ice (a < b)."""
    intervals = skater_intervals(document)
    together: dict[tuple[Player, Player], float] = {}
    for a, b in combinations(sorted(intervals), 2):
        if a[0] != b[0]:
            continue
        seconds = sum(
            max(0.0, min(end_a, end_b) - max(start_a, start_b))
            for period_a, start_a, end_a in intervals[a]
            for period_b, start_b, end_b in intervals[b]
            if period_a == period_b
        )
        if seconds > 0:
            together[(a, b)] = seconds
    return together


def player_seconds(document: dict) -> dict[Player, float]:
    """Each skater's time on ice, from the same merged intervals."""
    return {p: sum(e - s for _, s, e in ivs) for p, ivs in skater_intervals(document).items()}
