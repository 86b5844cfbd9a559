"""Streaming readers for placement files: CSV (and delimited .txt) and XLSX.

``open_rows(path)`` gives the header and an iterator of ``(line, values)``; line numbers are
what a client sees: the header is line 1, the first data row line 2. For CSV a "line" is a
record (a quoted field that spans physical lines still counts as one line); for XLSX it is
the sheet row number. Blank rows are skipped but still counted. Rows are never reshaped to
fit the header: ``validate_row`` rejects a row with a different number of fields
(``wrong_field_count``). XLSX rows are padded to the header with empty cells and trailing
empty cells are dropped, since a sheet has no field separators to count.

A file that cannot be read as a whole (not UTF-8, not CSV/XLSX, empty, no header) raises
:class:`UnreadableFile` before any row is yielded.
"""

from __future__ import annotations

import codecs
import csv
import math
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self

CSV_SUFFIXES: Final = frozenset({".csv", ".txt", ".tsv", ".psv"})
XLSX_SUFFIXES: Final = frozenset({".xlsx", ".xlsm"})
_CHUNK: Final = 1 << 20
_DELIMITERS: Final = (",", "\t", "|", ";")


class UnreadableFile(Exception):
    """The file as a whole cannot be read; ``str(exc)`` says why, for the client."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RowSource:
    """An open placement file: ``header`` and a one-pass iterator ``rows`` of (line, values).

    Use it as a context manager so the file is closed; ``kind`` is ``"csv"`` or ``"xlsx"``.
    """

    def __init__(
        self,
        *,
        kind: str,
        header: list[str],
        rows: Iterator[tuple[int, list[str]]],
        closer: Any,
    ) -> None:
        self.kind = kind
        self.header = header
        self.rows = rows
        self._closer = closer

    def close(self) -> None:
        if self._closer is not None:
            self._closer.close()
            self._closer = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in XLSX_SUFFIXES:
        return "xlsx"
    try:
        with path.open("rb") as fh:
            magic = fh.read(8)
    except OSError as exc:
        raise UnreadableFile(f"{path.name} cannot be opened: {exc.strerror}") from exc
    if magic.startswith(b"PK\x03\x04"):
        return "xlsx"
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(
            f"{path.name} is an old Excel (.xls) workbook; save it as .xlsx or CSV"
        )
    return "csv"


def open_rows(path: Path) -> RowSource:
    """Open a placement file for streaming; raise UnreadableFile if it cannot be read."""
    kind = _kind(path)
    if kind == "xlsx":
        return _open_xlsx(path)
    return _open_csv(path)


# --- CSV ---------------------------------------------------------------------------------


def _check_utf8(path: Path) -> None:
    """Decode the whole file once (fast, in C) so a bad byte is a whole-file error up front."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                if b"\x00" in chunk:
                    raise UnreadableFile(
                        f"{path.name} contains NUL bytes: it is binary or UTF-16, not a "
                        "UTF-8 CSV file"
                    )
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    raise UnreadableFile(
                        f"{path.name} is not UTF-8 text (bad byte at offset "
                        f"{offset + exc.start}); save it as CSV UTF-8"
                    ) from exc
                offset += len(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"{path.name} ends in the middle of a UTF-8 character") from exc
    except OSError as exc:
        raise UnreadableFile(f"{path.name} cannot be read: {exc.strerror}") from exc


def _sniff_delimiter(first_line: str) -> str:
    counts = [(first_line.count(d), -i, d) for i, d in enumerate(_DELIMITERS)]
    best = max(counts)
    return best[2] if best[0] > 0 else ","


def _is_blank(values: list[str]) -> bool:
    return all(not v.strip() for v in values)


def _open_csv(path: Path) -> RowSource:
    _check_utf8(path)
    fh = path.open("r", encoding="utf-8-sig", newline="")
    try:
        first_line = fh.readline()
        if not first_line.strip():
            fh.close()
            raise UnreadableFile(
                f"{path.name} is empty" if not first_line else f"{path.name} has no header row"
            )
        fh.seek(0)  # the utf-8-sig decoder is reset and skips the BOM again
        reader = csv.reader(fh, delimiter=_sniff_delimiter(first_line), strict=False)
        header = next(reader, None)
        if header is None or _is_blank(header):
            raise UnreadableFile(f"{path.name} has no header row")
    except csv.Error as exc:
        fh.close()
        raise UnreadableFile(f"{path.name} is not readable CSV: {exc}") from exc
    except UnreadableFile:
        fh.close()
        raise
    return RowSource(kind="csv", header=header, rows=_csv_rows(reader, path.name), closer=fh)


def _csv_rows(reader: Any, name: str) -> Iterator[tuple[int, list[str]]]:
    line = 1
    try:
        for values in reader:
            line += 1
            if not values or _is_blank(values):
                continue
            yield line, values
    except csv.Error as exc:
        raise UnreadableFile(f"{name} is not readable CSV after line {line}: {exc}") from exc


# --- XLSX --------------------------------------------------------------------------------


def cell_text(value: object) -> str:
    """An XLSX cell as the text a client typed: dates ISO, numbers without float noise."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _open_xlsx(path: Path) -> RowSource:
    from openpyxl import load_workbook

    try:
        fh = path.open("rb")  # a file object: openpyxl would judge a path by its extension
    except OSError as exc:
        raise UnreadableFile(f"{path.name} cannot be opened: {exc.strerror}") from exc
    try:
        workbook = load_workbook(fh, read_only=True, data_only=True)
    except Exception as exc:  # BadZipFile, KeyError, InvalidFileException, ...
        fh.close()
        raise UnreadableFile(f"{path.name} is not a readable XLSX workbook: {exc}") from exc
    closer = _Closing(workbook, fh)
    try:
        if not workbook.worksheets:
            raise UnreadableFile(f"{path.name} has no worksheet")
        sheet: Any = workbook.worksheets[0]
        sheet.reset_dimensions()  # trust the cells, not the stored dimension
        rows = sheet.iter_rows(min_row=1, values_only=True)
        first = next(rows, None)
        if first is None:
            raise UnreadableFile(f"{path.name} is empty")
        header = [cell_text(v) for v in first]
        while header and not header[-1].strip():
            header.pop()
        if not header:
            raise UnreadableFile(f"{path.name} has no header row")
    except UnreadableFile:
        closer.close()
        raise
    except Exception as exc:  # openpyxl raises a wide variety on malformed sheets
        closer.close()
        raise UnreadableFile(f"{path.name} is not a readable XLSX workbook: {exc}") from exc
    return RowSource(
        kind="xlsx", header=header, rows=_xlsx_rows(rows, len(header), path.name), closer=closer
    )


class _Closing:
    """Closes several things in order."""

    def __init__(self, *things: Any) -> None:
        self.things = things

    def close(self) -> None:
        for thing in self.things:
            thing.close()


def _xlsx_rows(
    rows: Iterator[tuple[object, ...]], width: int, name: str
) -> Iterator[tuple[int, list[str]]]:
    line = 1
    try:
        for cells in rows:
            line += 1
            values = [cell_text(v) for v in cells]
            while len(values) > width and not values[-1].strip():
                values.pop()
            if _is_blank(values):
                continue
            if len(values) < width:
                values.extend([""] * (width - len(values)))
            yield line, values
    except Exception as exc:
        raise UnreadableFile(f"{name} is not readable after row {line}: {exc}") from exc


# --- counting ----------------------------------------------------------------------------


def count_rows(path: Path) -> int | None:
    """A cheap estimate of the data rows (blank lines included), for a progress bar."""
    try:
        kind = _kind(path)
    except UnreadableFile:
        return None
    if kind == "xlsx":
        return _count_xlsx(path)
    newlines = 0
    last = b""
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                newlines += chunk.count(b"\n")
                last = chunk[-1:]
    except OSError:
        return None
    lines = newlines + (1 if last and last != b"\n" else 0)
    return max(lines - 1, 0)


def _count_xlsx(path: Path) -> int | None:
    from openpyxl import load_workbook

    try:
        with path.open("rb") as fh:
            workbook = load_workbook(fh, read_only=True, data_only=True)
            try:
                if not workbook.worksheets:
                    return None
                max_row = workbook.worksheets[0].max_row
                return max(max_row - 1, 0) if isinstance(max_row, int) else None
            finally:
                workbook.close()
    except Exception:
        return None


__all__ = ["RowSource", "UnreadableFile", "cell_text", "count_rows", "open_rows"]
