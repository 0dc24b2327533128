"""Reading and writing Excel workbooks safely.

Reading: size limit, real .xlsx check, header check, no formulas, clear row/column errors.
Writing: a streamed XlsxWriter workbook whose text cells can never be taken for formulas.
"""

import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import xlsxwriter
from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException


@dataclass(frozen=True)
class Column:
    header: str  # the Chinese header in the workbook
    key: str
    required: bool = False
    kind: str = "text"  # text, date, int, decimal, bool
    note: str = ""  # what the column holds, for docs and the template's second sheet


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
    """The workbook was not imported; nothing was stored. ``errors`` says why, row by row."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


@dataclass
class SheetRow:
    number: int  # the row number as Excel shows it
    values: dict[str, object] = field(default_factory=dict)
    # Cell errors (bad date, formula …); a row with errors is only returned with keep_invalid.
    errors: list[RowError] = field(default_factory=list)


NEUTRALISE = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(NEUTRALISE):
        return "'" + value
    return value


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    return str(value).strip()


def _parse(column: Column, raw, errors: list[RowError], row_number: int):
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


def read_sheet(upload, columns: list[Column], *, keep_invalid: bool = False) -> list[SheetRow]:
    """Rows of the first worksheet as values keyed by column key; raises ImportRejected.

    With keep_invalid, rows whose cells cannot be read are returned with their ``errors`` instead
    of rejecting the file at once, so that the caller can report them together with the errors it
    finds itself (an unknown unit in row 2 and a bad date in row 3 in one message).
    """
    data = upload.read() if hasattr(upload, "read") else bytes(upload)
    if len(data) == 0:
        raise ImportRejected([RowError(None, None, _("The file is empty."))])
    limit = settings.IMPORT_MAX_BYTES
    if len(data) > limit:
        raise ImportRejected(
            [
                RowError(
                    None,
                    None,
                    _("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)},
                )
            ]
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ImportRejected(
            [RowError(None, None, _("The file is not an Excel workbook (.xlsx)."))]
        ) from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows()
        header_cells = next(rows, None)
        headers = [_cell_text(cell.value) for cell in header_cells] if header_cells else []
        positions = _check_headers(headers, columns)
        result = []
        for cells in rows:
            row_number = cells[0].row if cells else 0
            if all(cell.value is None or _cell_text(cell.value) == "" for cell in cells):
                continue
            sheet_row = SheetRow(row_number)
            errors = sheet_row.errors
            for column in columns:
                index = positions.get(column.key)
                cell = cells[index] if index is not None and index < len(cells) else None
                if cell is not None and (
                    cell.data_type == "f" or _cell_text(cell.value).startswith("=")
                ):
                    errors.append(
                        RowError(
                            row_number,
                            column.header,
                            _("formulas are not allowed; enter the value itself"),
                        )
                    )
                    continue
                sheet_row.values[column.key] = _parse(
                    column, cell.value if cell is not None else None, errors, row_number
                )
            result.append(sheet_row)
    finally:
        workbook.close()
    errors = [error for row in result for error in row.errors]
    if errors and not keep_invalid:
        raise ImportRejected(errors)
    if not result:
        raise ImportRejected(
            [RowError(None, None, _("The workbook has no data rows under the headers."))]
        )
    return result


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


def write_workbook(
    target,
    sheets: Iterable[tuple[str, list[str], Iterable[Iterable[object]]]],
) -> None:
    """Write sheets (name, headers, rows) to a path or binary file, streaming rows to disk."""
    workbook = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "in_memory": False,
        },
    )
    header_format = workbook.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for name, headers, rows in sheets:
        worksheet = workbook.add_worksheet(name[:31])
        for col, header in enumerate(headers):
            worksheet.write_string(0, col, header, header_format)
            worksheet.set_column(col, col, max(10, len(header) * 2 + 2))
        writers = _cell_writers(worksheet, date_format)
        for row_index, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                if value is None:
                    continue
                writer = writers.get(type(value))
                if writer is None:
                    _write_cell(worksheet, row_index, col, value, date_format)
                else:
                    writer(row_index, col, value)
        worksheet.freeze_panes(1, 0)
    workbook.close()


FORMULA_STARTS = frozenset(NEUTRALISE)


def _cell_writers(worksheet, date_format) -> dict[type, Callable]:
    """One writer per exact type of value, so that a long export does not test every cell's
    type in turn; other types go through _write_cell."""
    write_string, write_number = worksheet.write_string, worksheet.write_number

    def text(row: int, col: int, value: str) -> None:
        write_string(row, col, "'" + value if value[:1] in FORMULA_STARTS else value)

    def decimal(row: int, col: int, value: Decimal) -> None:
        write_number(row, col, float(value))

    def day(row: int, col: int, value: dt.date) -> None:
        worksheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), date_format)

    def boolean(row: int, col: int, value: bool) -> None:
        write_string(row, col, "是" if value else "否")

    return {
        str: text,
        int: write_number,
        float: write_number,
        Decimal: decimal,
        dt.date: day,
        bool: boolean,
    }


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
