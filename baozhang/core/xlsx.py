"""Reading and writing Excel workbooks safely.

Reading: size limits (of the file, and of what its parts unpack to, checked before anything is
unpacked), real .xlsx check, header check, every row whatever range the file records, no formulas,
clear row/column errors; row by row, as the sheet streams from the file.
Writing: a streamed XlsxWriter workbook whose text cells can never be taken for formulas; the
apostrophe that ensures it is the one thing reading takes off again.
"""

import datetime as dt
import io
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import xlsxwriter
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from baozhang.core.lean_workbook import (
    sheet_cells,
    sheet_rows_count,
    workbook_close_lean,
    workbook_open_lean,
)


@dataclass(frozen=True)
class Column:
    header: str  # the Chinese header in the workbook
    key: str
    required: bool = False
    kind: str = "text"  # text, date, int, decimal, bool
    note: str = ""  # what the column holds, for docs and the template's second sheet


# The column by which an export names each record that has no code of its own, so that importing
# the export again updates the records instead of adding them a second time.
RECORD_ID = Column(
    "系统编号",
    "id",
    kind="int",
    note="系统给每条记录的编号，导出时填写；新增的行留空，请勿改动",
)


@dataclass
class RowError:
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row and self.column:
            return _("Row %(row)s, column “%(column)s”: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        if self.row:
            return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}
        return self.message


class ImportRejected(Exception):
    """The workbook was not imported; nothing was stored. ``errors`` says why, row by row: all of
    the problems, or the first of ``total`` when a large import kept only those."""

    def __init__(self, errors: list[RowError], *, total: int | None = None):
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors
        self.total = len(errors) if total is None else total


@dataclass
class SheetRow:
    number: int  # the row number as Excel shows it
    values: dict[str, object] = field(default_factory=dict)
    # Cell errors (bad date, formula …); a row with errors is only returned with keep_invalid.
    errors: list[RowError] = field(default_factory=list)


NEUTRALISE = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe.

    So does text that is only apostrophes before such a character ("'+86"), so that
    ``unneutralise`` gives back exactly the text that was written, whatever it was."""
    if isinstance(value, str) and value.lstrip("'").startswith(NEUTRALISE):
        return "'" + value
    return value


def unneutralise(text: str) -> str:
    """The text ``neutralise`` was given: the one apostrophe it added removed, nothing else."""
    if text.startswith("'") and text.lstrip("'").startswith(NEUTRALISE):
        return text[1:]
    return text


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    return str(value).strip()


def _iso_date(text: str) -> dt.date | None:
    """The usual YYYY-MM-DD without strptime's cost; None for anything else (strptime says)."""
    if len(text) == 10 and text[4] == "-" and text[7] == "-" and text.isascii():
        digits = text[:4] + text[5:7] + text[8:]
        if digits.isdigit():
            try:
                return dt.date(int(text[:4]), int(text[5:7]), int(text[8:]))
            except ValueError:
                return None
    return None


def _parse(column: Column, raw, errors: list[RowError], row_number: int):
    if isinstance(raw, str):
        raw = unneutralise(raw)
    text = _cell_text(raw)
    if text == "":
        if column.required:
            errors.append(RowError(row_number, column.header, _("a value is required")))
        return None
    if column.kind == "date":
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        day = _iso_date(text)
        if day is not None:
            return day
        for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"):
            try:
                return dt.datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        errors.append(
            RowError(
                row_number,
                column.header,
                _("“%(value)s” is not a date like 2026-09-01") % {"value": text},
            )
        )
        return None
    if column.kind == "decimal":
        try:
            value = Decimal(text.lstrip("+").replace("−", "-"))
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            errors.append(
                RowError(
                    row_number,
                    column.header,
                    _("“%(value)s” is not a number") % {"value": text},
                )
            )
            return None
        return value
    if column.kind == "int":
        try:
            return int(text)
        except ValueError:
            errors.append(
                RowError(
                    row_number,
                    column.header,
                    _("“%(value)s” is not a whole number") % {"value": text},
                )
            )
            return None
    if column.kind == "bool":
        truthy = {"是", "1", "true", "yes", "y", "启用", "有效"}
        falsy = {"否", "0", "false", "no", "n", "停用", "无效"}
        if text.lower() in truthy:
            return True
        if text.lower() in falsy:
            return False
        errors.append(
            RowError(row_number, column.header, _("“%(value)s” must be 是 or 否") % {"value": text})
        )
        return None
    return text


# The parts of a genuine workbook: a few dozen (sheets, styles, shared strings, pictures), each
# stored or deflated, none encrypted (a workbook with a password is not a zip at all).
MAX_PARTS = 1000
PLAIN_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
ENCRYPTED = 0x1
CONTENT_TYPES = "[Content_Types].xml"
MB = 1024 * 1024


# What zipfile raises for a part whose data is cut short, corrupt or not as long as declared.
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError)


def _damaged() -> ImportRejected:
    return ImportRejected(
        [RowError(None, None, _("The workbook is damaged; save it again and retry."))]
    )


def _not_a_workbook() -> ImportRejected:
    return ImportRejected([RowError(None, None, _("The file is not an Excel workbook (.xlsx)."))])


def read_sheet(upload, columns: list[Column], *, keep_invalid: bool = False) -> list[SheetRow]:
    """Rows of the first worksheet as values keyed by column key; raises ImportRejected.

    With keep_invalid, rows whose cells cannot be read are returned with their ``errors`` instead
    of rejecting the file at once, so that the caller can report them together with the errors it
    finds itself (an unknown unit in row 2 and a bad date in row 3 in one message).
    """
    result = list(sheet_rows(upload, columns))
    errors = [error for row in result for error in row.errors]
    if errors and not keep_invalid:
        raise ImportRejected(errors)
    if not result:
        raise ImportRejected(
            [RowError(None, None, _("The workbook has no data rows under the headers."))]
        )
    return result


def sheet_rows(
    upload, columns: list[Column], *, counted: Callable[[int], None] | None = None
) -> Iterator[SheetRow]:
    """Each non-empty row of the first worksheet, with its cell errors, read as the sheet streams
    from the file (one row in memory at a time, the shared strings on disk: the memory it takes
    does not grow with the rows; core/lean_workbook.py), every row whatever the sheet's recorded
    dimension says. ``upload`` is a file, bytes or a path; ``counted`` is told how many rows
    there are under the headers (empty ones included) before the first is read.

    The file is checked before anything is parsed: its size, that it is a workbook, and what its
    parts unpack to (``workbook_checked``). A file that cannot be read raises ImportRejected, also
    halfway through (a damaged part): the caller stores nothing before the last row is read."""
    source = workbook_checked(upload)
    try:
        workbook = workbook_open_lean(source)
    except DAMAGED:
        raise _damaged() from None
    except (InvalidFileException, KeyError, OSError, ValueError, TypeError, SyntaxError):
        raise _not_a_workbook() from None  # a zip, but not of a workbook's parts
    try:
        if not workbook.worksheets:
            raise _not_a_workbook()
        sheet = workbook.worksheets[0]
        # Not iter_rows(): read_only stops at the <dimension> the file declares, which any program
        # may get wrong, and keeps every row read.
        rows = sheet_cells(sheet)
        if counted is not None:
            counted(max(sheet_rows_count(sheet) - 1, 0))
        header_cells = next(rows, None)
        headers = [_cell_text(cell.value) for cell in header_cells] if header_cells else []
        positions = _check_headers(headers, columns)
        placed = [(column, positions.get(column.key)) for column in columns]
        # Rows come in order, an empty tuple for a row the file leaves out; an empty cell has no
        # row number of its own.
        for row_number, cells in enumerate(rows, start=2):
            row = _sheet_row(row_number, cells, placed)
            if row is not None:
                yield row
    except (*DAMAGED, SyntaxError, KeyError, ValueError):
        # A part that is missing, is not XML, or whose data does not match the sizes and checksum
        # the zip declares: only seen while the sheet is read.
        raise _damaged() from None
    finally:
        workbook_close_lean(workbook)


def _sheet_row(row_number: int, cells, placed: list[tuple[Column, int | None]]) -> SheetRow | None:
    """One row's values by column key, with its cell errors; None for an empty row. ``placed``:
    each column with its cell's position in the row, if the sheet has it.

    Only text can be empty or start with "=" once read as _cell_text reads it (a number, a date or
    a truth value never does); a text column's text is what _parse makes of it."""
    if all(
        cell.value is None or (isinstance(cell.value, str) and not cell.value.strip())
        for cell in cells
    ):
        return None
    sheet_row = SheetRow(row_number)
    errors, values, width = sheet_row.errors, sheet_row.values, len(cells)
    for column, index in placed:
        cell = cells[index] if index is not None and index < width else None
        value = None if cell is None else cell.value
        if cell is not None and (
            cell.data_type == "f" or (isinstance(value, str) and value.strip().startswith("="))
        ):
            errors.append(
                RowError(
                    row_number,
                    column.header,
                    _("formulas are not allowed; enter the value itself"),
                )
            )
            continue
        if column.kind == "text" and isinstance(value, str):
            text = unneutralise(value).strip()
            if text:
                values[column.key] = text
                continue
        values[column.key] = _parse(column, value, errors, row_number)
    return sheet_row


def workbook_checked(upload) -> io.BytesIO | Path:
    """The upload as openpyxl reads it (its bytes, or the file of a path), once it is known to be
    an .xlsx workbook whose parts unpack to no more than the limits (docs/formats.md); raises
    ImportRejected before anything is unpacked.

    The sizes are those the zip's directory declares: zipfile never gives more than the declared
    size of a part, and fails a part whose data does not match it (sheet_rows reports that as a
    damaged workbook), so the declared sizes bound what reading the workbook can unpack."""
    source = _upload_source(upload)
    try:
        with zipfile.ZipFile(source) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _not_a_workbook() from None
    if (
        len(parts) > MAX_PARTS
        or CONTENT_TYPES not in {part.filename for part in parts}
        or any(part.compress_type not in PLAIN_COMPRESSION for part in parts)
        or any(part.flag_bits & ENCRYPTED for part in parts)
    ):
        raise _not_a_workbook()
    largest = max(parts, key=lambda part: part.file_size)
    if largest.file_size > settings.IMPORT_MAX_PART_BYTES:
        message = _(
            "A part of the workbook (%(part)s) unpacks to %(size)s MB, more than the %(limit)s MB "
            "an import reads of one part. Split it into smaller workbooks."
        ) % {
            "part": largest.filename,
            "size": _megabytes(largest.file_size, over=settings.IMPORT_MAX_PART_BYTES),
            "limit": _megabytes(settings.IMPORT_MAX_PART_BYTES),
        }
        raise ImportRejected([RowError(None, None, message)])
    total = sum(part.file_size for part in parts)
    if total > settings.IMPORT_MAX_UNPACKED_BYTES:
        message = _(
            "The workbook unpacks to %(size)s MB, more than the %(limit)s MB an import reads. "
            "Split it into smaller workbooks."
        ) % {
            "size": _megabytes(total, over=settings.IMPORT_MAX_UNPACKED_BYTES),
            "limit": _megabytes(settings.IMPORT_MAX_UNPACKED_BYTES),
        }
        raise ImportRejected([RowError(None, None, message)])
    if isinstance(source, io.BytesIO):
        source.seek(0)
    return source


def _megabytes(size: int, *, over: int = 0) -> str:
    """The size in MB, with as many decimals as it takes to read as more than ``over`` bytes."""
    for decimals in range(4):
        text = f"{size / MB:.{decimals}f}"
        if float(text) * MB > over:
            return text
    return text


def _upload_source(upload) -> io.BytesIO | Path:
    """The file's bytes, read no further than one byte past the size limit; or the file of a path,
    not read yet."""
    limit = settings.IMPORT_MAX_BYTES
    if isinstance(upload, str | Path):
        path = Path(upload)
        size = path.stat().st_size
    else:
        data = upload.read(limit + 1) if hasattr(upload, "read") else bytes(upload)
        size = len(data)
    if size == 0:
        raise ImportRejected([RowError(None, None, _("The file is empty."))])
    if size > limit:
        raise ImportRejected(
            [
                RowError(
                    None,
                    None,
                    _("The file is larger than %(mb)s MB.") % {"mb": limit // MB},
                )
            ]
        )
    return path if isinstance(upload, str | Path) else io.BytesIO(data)


def _check_headers(headers: list[str], columns: list[Column]) -> dict[str, int]:
    known = {column.header: column for column in columns}
    positions: dict[str, int] = {}
    errors = []
    for index, header in enumerate(headers):
        if not header:
            continue
        column = known.get(header)
        if column is None:
            errors.append(
                RowError(
                    1,
                    header,
                    _("unknown column; the columns are: %(columns)s")
                    % {"columns": "、".join(known)},
                )
            )
        elif column.key in positions:
            errors.append(RowError(1, header, _("the column appears twice")))
        else:
            positions[column.key] = index
    for column in columns:
        if column.required and column.key not in positions:
            errors.append(RowError(1, column.header, _("the required column is missing")))
    if errors:
        raise ImportRejected(errors)
    return positions


WRITE_OPTIONS = {
    "constant_memory": True,  # rows go to disk as they are written
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "in_memory": False,
}
EXCEL_EPOCH = dt.date(1899, 12, 30)  # day 0 of Excel's 1900 date system, as XlsxWriter counts


class Sheet:
    """A worksheet written row by row (a row once left is on disk), with one writer per kind of
    cell.

    Long exports whose columns are known call the writers directly (``text``, ``name``,
    ``number``, ``day``) instead of testing each value's type; ``row`` writes values of any type.
    Text can never be taken for a formula: ``text`` neutralises each value, ``name`` writes text
    made safe once by ``neutralise`` (names looked up for many rows). A moment is written as its
    local date and time to the minute."""

    def __init__(self, workbook: "WorkbookWriter", name: str, headers: list[str]):
        self.worksheet = worksheet = workbook.workbook.add_worksheet(name[:31])
        for col, header in enumerate(headers):
            worksheet.write_string(0, col, header, workbook.header_format)
            worksheet.set_column(col, col, max(10, len(header) * 2 + 2))
        worksheet.freeze_panes(1, 0)
        self.date_format = workbook.date_format
        self.number = worksheet.write_number
        self.name = worksheet.write_string
        self._writers = {
            str: self.text,
            int: self.number,
            float: self.number,
            Decimal: self.decimal,
            dt.date: self.day,
            dt.datetime: self.moment,
            bool: self.boolean,
        }

    def text(self, row: int, col: int, value: str) -> None:
        """Text; an empty text leaves the cell empty."""
        if value:
            self.name(row, col, neutralise(value))

    def decimal(self, row: int, col: int, value: Decimal) -> None:
        self.number(row, col, float(value))

    def boolean(self, row: int, col: int, value: bool) -> None:
        self.name(row, col, "是" if value else "否")

    def day(self, row: int, col: int, value: dt.date) -> None:
        """A date, as Excel's day number in the date format."""
        self.number(row, col, (value - EXCEL_EPOCH).days, self.date_format)

    def moment(self, row: int, col: int, value: dt.datetime) -> None:
        """A moment, as its local “YYYY-MM-DD HH:MM”."""
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        self.name(row, col, local.strftime("%Y-%m-%d %H:%M"))

    def row(self, row: int, values: Iterable[object]) -> None:
        """Values of any type; None leaves the cell empty."""
        writers, worksheet, date_format = self._writers, self.worksheet, self.date_format
        for col, value in enumerate(values):
            if value is None:
                continue
            writer = writers.get(type(value))
            if writer is None:
                _write_cell(worksheet, row, col, value, date_format)
            else:
                writer(row, col, value)


class WorkbookWriter:
    """A streamed workbook: ``with WorkbookWriter(target) as book: sheet = book.sheet(...)``.

    The target is a path or a binary file; rows go to a temporary file as they are written, so
    a long export holds one row in memory, not the workbook."""

    def __init__(self, target):
        self.workbook = xlsxwriter.Workbook(target, WRITE_OPTIONS)
        self.header_format = self.workbook.add_format(
            {"bold": True, "bg_color": "#DCE6F1", "border": 1}
        )
        self.date_format = self.workbook.add_format({"num_format": "yyyy-mm-dd"})

    def sheet(self, name: str, headers: list[str]) -> Sheet:
        return Sheet(self, name, headers)

    def __enter__(self) -> "WorkbookWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.workbook.close()


def write_workbook(
    target,
    sheets: Iterable[tuple[str, list[str], Iterable[Iterable[object]]]],
) -> None:
    """Write sheets (name, headers, rows of values of any type) to a path or binary file,
    streaming rows to disk."""
    with WorkbookWriter(target) as book:
        for name, headers, rows in sheets:
            sheet = book.sheet(name, headers)
            for row_index, row in enumerate(rows, start=1):
                sheet.row(row_index, row)


def _write_cell(worksheet, row: int, col: int, value, date_format) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        worksheet.write_string(row, col, "是" if value else "否")
    elif isinstance(value, int | float):
        worksheet.write_number(row, col, value)
    elif isinstance(value, Decimal):
        worksheet.write_number(
            row, col, int(value) if value == value.to_integral() else float(value)
        )
    elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        worksheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), date_format)
    else:
        worksheet.write_string(row, col, neutralise(str(value)))


def column_letter(index: int) -> str:
    return get_column_letter(index + 1)


RowBuilder = Callable[[object], list[object]]


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def wants_workbook(request) -> bool:
    """A list page asked for as a workbook (?format=xlsx)."""
    return request.GET.get("format") == "xlsx"


def workbook_response(filename: str, sheet: str, headers: list[str], rows: Iterable):
    """A list page as a workbook download: the same rows the page lists, all pages of them,
    written to a temporary file row by row."""
    import tempfile

    from django.http import FileResponse

    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write_workbook(handle, [(sheet, headers, rows)])
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_TYPE)
