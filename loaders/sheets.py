"""Reading Excel sheets with python-calamine: a header row, data rows and their sheet row numbers."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from python_calamine import CalamineError, CalamineWorkbook

from loaders.core import LoadError


@dataclass
class Sheet:
    """A sheet's first row as column names and the rows under it.

    `columns` are the names as written, stripped; `first_row` is the spreadsheet row number
    (1-based, as Excel shows it) of `rows[0]`.
    """

    name: str
    columns: list[str]
    rows: list[list]
    first_row: int

    def index(self) -> dict[str, int]:
        """Lower-cased column name -> position (first occurrence wins)."""
        positions: dict[str, int] = {}
        for position, column in enumerate(self.columns):
            positions.setdefault(column.lower(), position)
        return positions

    def where(self, position: int, column: str | None = None) -> str:
        """Location text of a data row (and column) for messages."""
        row = self.first_row + position
        return f"sheet {self.name}, row {row}" + (f", column {column}" if column else "")


# An .xlsx is a zip of XML parts. Its central directory declares every part's sizes, so a zip
# bomb (a few KB that expand to gigabytes) is refused from those numbers before anything is
# expanded. Real workbooks and tracker exports expand to a few MB at ratios of 5-30.
MAX_EXPANDED_BYTES = 256 * 1024 * 1024
MAX_RATIO = 200
RATIO_FROM_BYTES = 1024 * 1024  # small parts may compress further (an empty sheet): ignored


def check_container(data: bytes, file_name: str) -> None:
    """Refuse a zip whose declared expansion is too large or too compressed (LoadError)."""
    if not data.startswith(b"PK"):
        return  # not a zip (an .xls, or not a workbook at all: calamine says which)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise LoadError(file_name, "", f"not a readable Excel workbook ({exc})") from None
    expanded = sum(part.file_size for part in parts)
    if expanded > MAX_EXPANDED_BYTES:
        raise LoadError(
            file_name,
            "",
            f"refused: its parts would expand to {expanded} bytes"
            f" (at most {MAX_EXPANDED_BYTES} are read)",
        )
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > RATIO_FROM_BYTES and ratio > MAX_RATIO:
            raise LoadError(
                file_name,
                part.filename,
                f"refused: compressed {ratio:.0f} to 1 (at most {MAX_RATIO} to 1), a zip bomb",
            )


def open_workbook(data: bytes, file_name: str) -> CalamineWorkbook:
    check_container(data, file_name)
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (CalamineError, Exception) as exc:
        raise LoadError(file_name, "", f"not a readable Excel workbook ({exc})") from None


def sheet_names(workbook: CalamineWorkbook) -> dict[str, str]:
    """Lower-cased sheet name -> the name as written."""
    return {name.strip().lower(): name for name in workbook.sheet_names}


def read_sheet(workbook: CalamineWorkbook, name: str, file_name: str) -> Sheet:
    try:
        sheet = workbook.get_sheet_by_name(name)
        values = sheet.to_python(skip_empty_area=False)
    except Exception as exc:
        raise LoadError(file_name, f"sheet {name}", f"cannot be read ({exc})") from None
    while values and all(v == "" for v in values[-1]):
        values.pop()
    if not values:
        return Sheet(name.strip(), [], [], 2)
    header = [str(v).strip() if v is not None else "" for v in values[0]]
    return Sheet(name.strip(), header, values[1:], 2)
