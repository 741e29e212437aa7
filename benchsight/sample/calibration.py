"""Measure tracker JSON files the same way for real fixtures and generated games.

    python -m benchsight.sample.calibration --real ../shared/fixtures/tracker --generated DIR

prints the side-by-side calibration table (min / mean / max per complete game). A game counts as
complete for event figures when it has more than 1,000 events, and for shift figures when it also
has more than 10 shift rows (a real file with one shift row exists).
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections import Counter
from pathlib import Path

COMPLETE_EVENTS = 1000
COMPLETE_SHIFTS = 10
TYPE_SHARES = (
    "Possession", "Pass", "Zone_Entry_Exit", "Turnover", "Shot", "Save", "Faceoff", "Stoppage",
    "DeadIce", "Rebound", "Play",
)  # fmt: skip
EVENT_METRICS = (
    "events", "players_per_event", "goals", "shot_attempts", "saves", "faceoffs", "stoppages",
    "penalties", "zone_entries", "turnovers",
)  # fmt: skip
SHIFT_METRICS = ("shift_rows", "shift_seconds_mean", "shift_seconds_median", "shift_rows_not_5v5")


def _seconds(clock: str) -> float | None:
    minutes, sep, seconds = clock.partition(":")
    if not sep or not minutes or not seconds:
        return None
    try:
        return int(minutes) * 60 + float(seconds)
    except ValueError:
        return None


def measure(document: dict) -> dict[str, float]:
    """Figures for one tracker JSON document (either version)."""
    events = document.get("events") or []
    shifts = document.get("shifts") or []
    types = Counter(e.get("type") for e in events)
    n = len(events)
    out: dict[str, float] = {
        "events": n,
        "players_per_event": sum(len(e.get("players") or []) for e in events) / n if n else 0.0,
        "goals": sum(
            1 for e in events if e.get("type") == "Goal" and e.get("detail1") == "Goal_Scored"
        ),
        "shot_attempts": types["Shot"],
        "saves": types["Save"],
        "faceoffs": types["Faceoff"],
        "stoppages": types["Stoppage"],
        "penalties": types["Penalty"],
        "zone_entries": sum(
            1 for e in events if str(e.get("detail1", "")).startswith("Zone_Entry")
        ),
        "turnovers": types["Turnover"],
    }
    for t in TYPE_SHARES:
        out[f"share_{t}"] = types[t] / n if n else 0.0
    durations = []
    not_even = 0
    for s in shifts:
        start, end = _seconds(s.get("start_time") or ""), _seconds(s.get("end_time") or "")
        if start is None or end is None:
            continue
        durations.append(start - end)
        if s.get("strength") != "5v5":
            not_even += 1
    out["shift_rows"] = len(shifts)
    out["shift_seconds_mean"] = statistics.mean(durations) if durations else 0.0
    out["shift_seconds_median"] = statistics.median(durations) if durations else 0.0
    out["shift_rows_not_5v5"] = not_even
    return out


def complete_measures(paths: list[Path]) -> tuple[list[dict], list[dict]]:
    """(figures of games complete in events, figures of games complete in events and shifts).

    A file is measured once per game: later exports of the same game (savedAt) win."""
    newest: dict[int, tuple[str, dict]] = {}
    for path in paths:
        try:
            document = json.loads(path.read_bytes())
        except (ValueError, OSError):
            continue
        if not isinstance(document, dict) or "gameId" not in document:
            continue
        saved = str(document.get("savedAt") or "")
        game = document["gameId"]
        if game not in newest or saved > newest[game][0]:
            newest[game] = (saved, document)
    by_events, by_shifts = [], []
    for _, document in newest.values():
        figures = measure(document)
        if figures["events"] > COMPLETE_EVENTS:
            by_events.append(figures)
            if figures["shift_rows"] > COMPLETE_SHIFTS:
                by_shifts.append(figures)
    return by_events, by_shifts


def summary(measures: list[dict], metric: str) -> tuple[float, float, float] | None:
    values = [m[metric] for m in measures]
    if not values:
        return None
    return min(values), statistics.mean(values), max(values)


def table(real: tuple[list[dict], list[dict]], generated: tuple[list[dict], list[dict]]) -> str:
    def fmt(triple: tuple[float, float, float] | None, share: bool) -> str:
        if triple is None:
            return f"{'-':>26}"
        if share:
            return "".join(f"{v:>9.3f}" for v in triple)
        return "".join(f"{v:>9.1f}" if v != int(v) else f"{int(v):>9d}" for v in triple)

    lines = [
        f"{'metric (per complete game)':<30}{'real min':>9}{'mean':>9}{'max':>9}  |"
        f"{'gen min':>9}{'mean':>9}{'max':>9}",
        f"{'games measured (events/shifts)':<30}{len(real[0]):>18}/{len(real[1]):<8}  |"
        f"{len(generated[0]):>18}/{len(generated[1]):<8}",
    ]
    rows = (
        [(m, 0) for m in EVENT_METRICS]
        + [(f"share_{t}", 0) for t in TYPE_SHARES]
        + [(m, 1) for m in SHIFT_METRICS]
    )
    for metric, which in rows:
        share = metric.startswith("share_") or metric == "players_per_event"
        lines.append(
            f"{metric:<30}{fmt(summary(real[which], metric), share)}  |{fmt(summary(generated[which], metric), share)}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Calibration table: real tracker files vs a generated sample"
    )
    parser.add_argument("--real", required=True, help="folder of real tracker JSON files")
    parser.add_argument("--generated", required=True, help="a generated sample folder")
    args = parser.parse_args(argv)
    real = complete_measures(sorted(Path(args.real).rglob("*.json")))
    generated = complete_measures(sorted(Path(args.generated).rglob("benchsight_game_*.json")))
    print(table(real, generated))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
