"""Reading spreadsheets safely: bounded .xlsx archives and CSV, every cell with its address.

A workbook is untrusted input. Before openpyxl sees it, :func:`check_xlsx` opens the zip archive
itself and refuses, with a message a person can act on:

- a damaged or truncated archive (``BadZipFile``, a CRC error, a member that ends early);
- a password-protected (encrypted) member;
- too many members, or a member (or all of them together) that is larger than the limits once
  decompressed: the sizes are checked as declared AND while decompressing, so a zip bomb that
  lies about its sizes is stopped after :data:`MAX_MEMBER_BYTES`;
- any DTD (``<!DOCTYPE`` or ``<!ENTITY``): Office files never need one, and entities are how XML
  bombs and external-entity reads work;
- a worksheet whose declared dimension (``<dimension ref="A1:XFD1048576"/>``) is larger than
  :data:`MAX_ROWS` x :data:`MAX_COLUMNS`.

Then openpyxl reads in read-only mode with the declared dimensions reset and the rows and columns
bounded, so a stray cell at ``XFD1048576`` cannot make it allocate a million empty rows. Formula
cells are kept as formulas (``data_only=False``) so the importer can report them at their address.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

from ..errors import InputError

#: Largest spreadsheet file read (compressed .xlsx or CSV bytes).
MAX_BYTES = 20 * 1024 * 1024
#: Largest decompressed size of one member of a .xlsx archive, and of all of them together.
MAX_MEMBER_BYTES = 40 * 1024 * 1024
MAX_TOTAL_BYTES = 80 * 1024 * 1024
MAX_MEMBERS = 1_000
#: Rows and columns read from a sheet (a plan has 44 entries per state; 10,000 rows are plenty).
MAX_ROWS = 10_000
MAX_COLUMNS = 200

_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?"')
_CHUNK = 1 << 16


@dataclass(frozen=True)
class RawCell:
    """One cell as read: its value (str, number, date, bool), address and whether a formula."""

    value: object
    ref: str
    formula: bool = False

    @property
    def text(self) -> str:
        if self.value is None:
            return ""
        return str(self.value)


@dataclass
class Table:
    """A sheet: its name (``None`` for CSV) and its rows; ``rows[i]`` is row ``i + 1``."""

    sheet: str | None
    rows: list[list[RawCell]] = field(default_factory=list)


def column_letter(index: int) -> str:
    """``1`` -> ``A``, ``28`` -> ``AB``."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_index(letters: str) -> int:
    value = 0
    for char in letters:
        value = value * 26 + (ord(char) - 64)
    return value


def _damaged(label: str) -> InputError:
    return InputError(
        "not a readable .xlsx workbook: the file is damaged or incomplete (a .xlsx file is a "
        "zip archive and this one does not open); save it again from Excel or LibreOffice",
        label,
    )


def check_xlsx(data: bytes, label: str) -> None:
    """Refuse a workbook that is damaged, encrypted, a zip bomb, holds a DTD or is too large."""
    if len(data) > MAX_BYTES:
        raise InputError(f"file too large ({len(data):,} bytes; limit {MAX_BYTES:,})", label)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(
            "this is an old binary Excel file (.xls) or a password-protected workbook; save it "
            "as an Excel Workbook (.xlsx) without a password",
            label,
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise _damaged(label) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise InputError(f"the workbook has too many parts ({len(infos)})", label)
        names = {info.filename for info in infos}
        if "xl/workbook.xml" not in names:
            raise InputError(
                "not an Excel workbook (no xl/workbook.xml inside): save the file as .xlsx", label
            )
        declared = sum(info.file_size for info in infos)
        if declared > MAX_TOTAL_BYTES:
            raise InputError(_bomb(declared), label)
        total = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise InputError(
                    "the workbook is password-protected; save it without a password", label
                )
            if info.file_size > MAX_MEMBER_BYTES:
                raise InputError(_bomb(info.file_size, info.filename), label)
            total += _scan_member(archive, info, label)
            if total > MAX_TOTAL_BYTES:
                raise InputError(_bomb(total), label)


def _bomb(size: int, member: str | None = None) -> str:
    what = f"its part {member}" if member else "its parts"
    return (
        f"the workbook is too large once unpacked ({what}: {size:,}+ bytes; limit "
        f"{MAX_MEMBER_BYTES if member else MAX_TOTAL_BYTES:,}); a real action plan is far smaller"
    )


def _scan_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str) -> int:
    """Decompress one member in chunks: its real size, no DTD, a bounded sheet dimension."""
    size = 0
    tail = b""
    head = b""
    try:
        with archive.open(info) as stream:
            while True:
                chunk = stream.read(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_MEMBER_BYTES:
                    raise InputError(_bomb(size, info.filename), label)
                if _DTD.search(tail + chunk):
                    raise InputError(
                        f"the workbook part {info.filename} contains a DTD (<!DOCTYPE> or "
                        "<!ENTITY>), which Excel files never need; it was refused for safety",
                        label,
                    )
                if len(head) < 8192:
                    head += chunk[: 8192 - len(head)]
                tail = chunk[-16:]
    except InputError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError):
        raise _damaged(label) from None
    except Exception:  # zlib.error and friends: a corrupted stream
        raise _damaged(label) from None
    if info.filename.startswith("xl/worksheets/"):
        _check_dimension(head, info.filename, label)
    return size


def _check_dimension(head: bytes, member: str, label: str) -> None:
    match = _DIMENSION.search(head)
    if match is None:
        return
    first_col, first_row, last_col, last_row = match.groups()
    col = last_col or first_col
    row = last_row or first_row
    columns = _column_index(col.decode()) if col else 1
    rows = int(row) if row else 1
    if rows > MAX_ROWS + 1 or columns > MAX_COLUMNS:
        raise InputError(
            f"the sheet {member.rsplit('/', 1)[-1]} declares {rows:,} rows x {columns:,} columns "
            f"(limit {MAX_ROWS:,} rows x {MAX_COLUMNS} columns); delete the unused rows and "
            "columns and save again",
            label,
        )


def read_xlsx(data: bytes, label: str) -> dict[str, Table]:
    """Every worksheet of a checked workbook, bounded in rows and columns, keyed by name."""
    check_xlsx(data, label)
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InputError(
            f"not a readable .xlsx workbook ({type(exc).__name__}); save it again from Excel "
            "or LibreOffice",
            label,
        ) from None
    tables: dict[str, Table] = {}
    try:
        for sheet in book.worksheets:
            table = Table(sheet.title)
            if hasattr(sheet, "reset_dimensions"):
                sheet.reset_dimensions()  # never trust the declared size
            for index, row in enumerate(
                sheet.iter_rows(min_row=1, max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS), start=1
            ):
                cells = []
                for position, cell in enumerate(row, start=1):
                    value = getattr(cell, "value", None)
                    formula = getattr(cell, "data_type", None) == "f"
                    cells.append(RawCell(value, f"{column_letter(position)}{index}", formula))
                table.rows.append(cells)
            tables[sheet.title] = table
    except InputError:
        raise
    except Exception as exc:
        raise InputError(
            f"not a readable .xlsx workbook ({type(exc).__name__}); save it again from Excel "
            "or LibreOffice",
            label,
        ) from None
    finally:
        book.close()
    return tables


def read_csv(data: bytes, label: str) -> dict[str, Table]:
    """A CSV file (UTF-8, comma or semicolon separated) as one table without a sheet name."""
    if len(data) > MAX_BYTES:
        raise InputError(f"file too large ({len(data):,} bytes; limit {MAX_BYTES:,})", label)
    if b"\x00" in data:
        raise InputError("not a text CSV file (it holds NUL bytes)", label)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            "not a UTF-8 CSV file; save it as 'CSV UTF-8 (comma delimited)'", label, line=line
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    table = Table(None)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for index, row in enumerate(reader, start=1):
            if index > MAX_ROWS + 1:
                raise InputError(f"too many rows (limit {MAX_ROWS:,})", label)
            table.rows.append(
                [
                    _csv_cell(value, f"{column_letter(position)}{index}")
                    for position, value in enumerate(row[:MAX_COLUMNS], start=1)
                ]
            )
    except csv.Error as exc:
        raise InputError(f"not a readable CSV file ({exc})", label) from None
    return {"": table}


_NEUTRALISED = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: str, ref: str) -> RawCell:
    if value.startswith("'") and value[1:2] in _NEUTRALISED and value[1:2]:
        return RawCell(value[1:], ref)  # written by `plan export` (neutralised), read back as is
    return RawCell(value, ref, formula=value.startswith("="))


def read_spreadsheet(data: bytes, name: str) -> dict[str, Table]:
    """The tables of a ``.xlsx`` or ``.csv`` file, chosen by its name and checked by content."""
    lower = name.lower()
    if lower.endswith((".xlsx", ".xlsm")) or data.startswith(b"PK\x03\x04"):
        if lower.endswith(".csv"):
            raise InputError("this .csv file is really an Excel workbook: rename it .xlsx", name)
        return read_xlsx(data, name)
    if lower.endswith(".xls"):
        raise InputError("old .xls files are not read: save the workbook as .xlsx", name)
    if lower.endswith(".csv") or not lower:
        return read_csv(data, name)
    raise InputError("expected a .xlsx or .csv spreadsheet", name)


SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".csv")


def is_spreadsheet(name: str) -> bool:
    return name.lower().endswith(SPREADSHEET_SUFFIXES)


__all__ = [
    "MAX_BYTES",
    "MAX_COLUMNS",
    "MAX_ROWS",
    "SPREADSHEET_SUFFIXES",
    "RawCell",
    "Table",
    "check_xlsx",
    "column_letter",
    "is_spreadsheet",
    "read_csv",
    "read_spreadsheet",
    "read_xlsx",
]
