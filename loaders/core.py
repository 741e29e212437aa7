"""What every parser shares: errors and warnings with a location, value coercion, clocks, roles.

Parsers are pure: they turn bytes into `ParsedGame` / `ParsedWorkbook` values and raise
`LoadError` for anything that must reject the whole file. Soft quirks become `LoadWarning`s and
the rows still load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache

import msgspec


class LoadError(Exception):
    """A structural problem that rejects a whole file (or posted batch); nothing of it is written.

    `where` names the place: a JSON path (`events[12].period`) or a sheet location
    (`sheet events, row 14, column period`).
    """

    def __init__(self, file: str, where: str, message: str) -> None:
        self.file = file
        self.where = where
        self.message = message
        super().__init__(f"{file}: {where}: {message}" if where else f"{file}: {message}")

    def __reduce__(self):
        # Rebuilt from its three parts when it crosses a process boundary (parse worker).
        return type(self), (self.file, self.where, self.message)


@dataclass(frozen=True, slots=True)
class LoadWarning:
    """A soft quirk that was loaded as written; QA publishes these from raw.load_warnings."""

    code: str
    location: str
    message: str
    table_name: str | None = None


@dataclass
class ParsedGame:
    """A tracker export turned into rows for every per-game raw table.

    `rows[table]` holds tuples of (sheet, row_number, *data columns of that table) in the column
    order of `loaders.tables.TRACKER_TABLES[table]` (a game from the parse process of a batch
    holds the same rows formatted for COPY: `loaders.store.CopyText`, which has a length too).
    """

    game_id: int
    source_format: str
    version: str | None
    exported_at: datetime | None
    rows: dict[str, list[tuple]]
    warnings: list[LoadWarning] = field(default_factory=list)

    @property
    def event_count(self) -> int:
        return len(self.rows["tracker_events"])

    @property
    def shift_count(self) -> int:
        return len(self.rows["tracker_shifts"])

    @property
    def event_player_count(self) -> int:
        return len(self.rows["tracker_event_players"])


# ----------------------------------------------------------------------------------- coercion
_SHORT = 40


def describe(value: object) -> str:
    """A value for an error message: its type and a short preview."""
    if isinstance(value, str):
        preview = value if len(value) <= _SHORT else value[:_SHORT] + "..."
        return f"text {preview!r}"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"number {value!r}"
    return {"dict": "an object", "list": "a list"}.get(type(value).__name__, type(value).__name__)


class BadValue(ValueError):
    """Raised by coercers; the parser turns it into a LoadError with the location."""


def whole_number(value: object, *, required: bool) -> int | None:
    """int from int, integral float (Excel) or digit text; blank -> None unless required."""
    if value is None or value == "":
        if required:
            raise BadValue(f"expected a whole number, got {describe(value)}")
        return None
    if isinstance(value, bool):
        raise BadValue(f"expected a whole number, got {describe(value)}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.lstrip("-").isdigit():
            return int(stripped)
        try:
            as_float = float(stripped)
        except ValueError:
            as_float = None
        if as_float is not None and as_float.is_integer():
            return int(as_float)
    raise BadValue(f"expected a whole number, got {describe(value)}")


def number(value: object) -> float | None:
    """A coordinate or duration: int/float; blank -> None; anything else is an error."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadValue(f"expected a number, got {describe(value)}")
    return value


def text(value: object) -> str | None:
    """Text as written; blank -> None; numbers without a trailing .0; booleans true/false."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value != "" else None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time(0) else value.date().isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    raise BadValue(f"expected text, got {describe(value)}")


def flag(value: object) -> bool | None:
    """Booleans written as true/false, 1/0 (Excel) or text."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "yes", "no"):
        return value.strip().lower() in ("true", "1", "yes")
    raise BadValue(f"expected true or false, got {describe(value)}")


def json_text(value: object) -> str | None:
    """A nested value as JSON text for a jsonb column; None stays null."""
    if value is None:
        return None
    return msgspec.json.encode(value).decode()


# ------------------------------------------------------------------------------------- clocks
_CLOCK = re.compile(r"^\s*(\d{1,3}):(\d{1,2}(?:\.\d+)?)\s*$")


@lru_cache(maxsize=8192)
def clock_seconds(written: str | None) -> tuple[float | None, str | None]:
    """Seconds on a countdown clock (`MM:SS`, `M:SS`, `00:0.01`) and the problem, if any.

    Returns (seconds, None) when usable, (None, 'clock_blank') for a blank value and
    (None, 'clock_unparsed') for anything else (`18:`, `ab:cd`): never an error.
    """
    if written is None or written.strip() == "":
        return None, "clock_blank"
    match = _CLOCK.match(written)
    if not match:
        return None, "clock_unparsed"
    seconds = float(match.group(2))
    if seconds >= 60:
        return None, "clock_unparsed"
    total = int(match.group(1)) * 60 + seconds
    return (int(total) if total.is_integer() else round(total, 3)), None


# -------------------------------------------------------------------------------------- roles
_ROLE = re.compile(r"^(event|opp)(?:_team)?_player_(\d+)$")


@lru_cache(maxsize=256)
def normalise_role(written: str | None) -> tuple[str, str, int] | None:
    """`event_team_player_2` / `event_player_2` -> ('event_player_2', 'event', 2); else None."""
    if not written:
        return None
    match = _ROLE.match(written.strip())
    if not match:
        return None
    group, number_ = match.group(1), int(match.group(2))
    return f"{group}_player_{number_}", group, number_


def other_side(side: str | None) -> str | None:
    return {"home": "away", "away": "home"}.get(side or "")


def side_from_role(role_group: str | None, event_team: str | None) -> str | None:
    """Event players belong to the event team, opponents to the other side."""
    if event_team not in ("home", "away") or role_group is None:
        return None
    return event_team if role_group == "event" else other_side(event_team)


# -------------------------------------------------------------------------------------- frames
RINK_CORNER = "rink_corner"
RINK_CENTRE = "rink_centre"
NET_FACE = "net_face"
UNKNOWN_FRAME = "unknown"


def frame_from_points(points: list[tuple[float | None, float | None]]) -> str:
    """Tell the rink frame from the coordinates when the version does not say it."""
    xs = [x for x, _ in points if x is not None]
    ys = [y for _, y in points if y is not None]
    if any(v < 0 for v in xs) or any(v < 0 for v in ys):
        return RINK_CENTRE
    if any(v > 100 for v in xs) or any(v > 42.5 for v in ys):
        return RINK_CORNER
    return UNKNOWN_FRAME


def centred(frame: str, x: float | None, y: float | None) -> tuple[float | None, float | None]:
    if x is None or y is None:
        return None, None
    if frame == RINK_CENTRE:
        return x, y
    if frame == RINK_CORNER:
        return round(x - 100, 4), round(y - 42.5, 4)
    return None, None


def parse_export_time(written: str | None) -> datetime | None:
    """savedAt / exportDate / export_timestamp (ISO 8601, `Z` allowed) -> aware datetime."""
    if not written:
        return None
    try:
        return datetime.fromisoformat(written.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
