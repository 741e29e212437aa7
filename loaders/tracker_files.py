"""A tracker export on disk: its header (game id, export time, sha256) and the parse of its bytes.

No database code here: the parse process of a batch (`loaders.parse_worker`) imports only this
module and the parsers.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import msgspec

from loaders.core import LoadError, ParsedGame, parse_export_time
from loaders.tracker_json import parse_tracker_json


@dataclass
class FileHeader:
    """What file choice needs; the bytes are read again to parse, so a batch holds no files."""

    path: Path
    sha256: str
    game_id: int
    exported_at: datetime | None


class _JsonHeader(msgspec.Struct):
    gameId: int | str | None = None
    game_id: int | str | None = None
    savedAt: str | None = None
    exportDate: str | None = None
    events: msgspec.Raw = msgspec.Raw(b"")  # present or not; never decoded here


class NotATrackerExport(LoadError):
    """JSON with neither a game id nor events (truth.json, settings files): not an export."""


def read_header(path: Path) -> FileHeader:
    """Bytes, sha256, game id and export time of a file. Raises LoadError."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(str(path), "", f"cannot read the file ({exc.strerror})") from None
    sha256 = hashlib.sha256(data).hexdigest()
    if _is_xlsx(path, data):
        from loaders.tracker_xlsx import read_xlsx_header

        game_id, exported = read_xlsx_header(data, path.name)
    else:
        try:
            header = msgspec.json.decode(data, type=_JsonHeader)
        except msgspec.ValidationError as exc:
            raise LoadError(path.name, "", str(exc)) from None
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
            raise LoadError(path.name, "", f"not valid JSON ({exc})") from None
        raw_id = header.gameId if header.gameId is not None else header.game_id
        if raw_id is None and not header.events:
            raise NotATrackerExport(path.name, "", "not a tracker export (no gameId, no events)")
        if raw_id is None:
            raise LoadError(path.name, "$.gameId", "missing required key gameId")
        try:
            game_id = int(raw_id)
        except ValueError:
            raise LoadError(
                path.name, "$.gameId", f"expected a whole number, got {raw_id!r}"
            ) from None
        exported = header.savedAt or header.exportDate
    return FileHeader(path, sha256, game_id, parse_export_time(exported))


def _is_xlsx(path: Path, data: bytes) -> bool:
    return path.suffix.lower() == ".xlsx" or data[:4] == b"PK\x03\x04"


def parse_tracking_file(path: Path, data: bytes) -> ParsedGame:
    """Bytes of a tracker JSON or xlsx export -> ParsedGame (pure). Raises LoadError."""
    if _is_xlsx(path, data):
        from loaders.tracker_xlsx import parse_tracker_xlsx

        return parse_tracker_xlsx(data, path.name)
    return parse_tracker_json(data, path.name)


def parse_file(header: FileHeader) -> ParsedGame:
    """Parse a file whose header was read; it must still hold the same bytes."""
    try:
        data = header.path.read_bytes()
    except OSError as exc:
        raise LoadError(str(header.path), "", f"cannot read the file ({exc.strerror})") from None
    if hashlib.sha256(data).hexdigest() != header.sha256:
        raise LoadError(header.path.name, "", "the file changed while it was being loaded")
    return parse_tracking_file(header.path, data)
