"""A workbook read row by row in memory that does not grow with its rows: its shared strings on
disk, each row let go once read, and the number of rows of its first sheet counted without
reading them (docs/performance.md, "Large imports").

openpyxl's read-only mode streams a sheet's rows, but first reads the workbook's whole table of
shared strings into a list (a 100,000-row sheet whose notes all differ keeps 100,000 strings, about
15 MB, for as long as the sheet is read), and keeps every row it has read in its XML tree, emptied
but attached (about 100 bytes a row). Here the table is written to a temporary file as it is
parsed and a cell's string read back by its index, and each row is taken out of the tree once its
cells are read.

The usual cells (a shared string, a number that is not a date) are read here, as plain pairs of
value and type, without the work openpyxl does for each read-only cell; any other cell is read by
openpyxl. It relies on openpyxl's reader: ``ExcelReader`` (``read``, ``read_strings``,
``package``, ``archive``, ``wb``, ``shared_strings``), ``read_string_table``'s treatment of a
string (``Text.from_tree(node).content`` without ``x005F_``), ``WorkSheetParser`` (its arguments,
``parse_row``, ``parse_cell``, ``row_counter``, ``col_counter``, ``shared_strings``,
``date_formats``), ``_cast_number``, a read-only sheet's ``_worksheet_path`` and
``_shared_strings`` and the way its ``_get_row`` places cells, and its workbook's ``_archive``,
``epoch``, ``_date_formats`` and ``_timedelta_formats``; tests/test_large_imports.py reads
workbooks both ways and compares.
"""

from __future__ import annotations

import os
import re
import struct
import tempfile
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import NamedTuple

from openpyxl.cell.text import Text
from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader
from openpyxl.utils.cell import column_index_from_string
from openpyxl.worksheet._reader import (
    DATA_TAG,
    ROW_TAG,
    VALUE_TAG,
    WorkSheetParser,
    _cast_number,
)
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

_STRING_TAG = "{%s}si" % SHEET_MAIN_NS  # noqa: UP031 - openpyxl's own spelling
_TEXT_TAG = "{%s}t" % SHEET_MAIN_NS  # noqa: UP031
_OFFSET = struct.Struct("<Q")
_BOUNDS = struct.Struct("<QQ")  # where a string starts and where the next one does
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
_DIGITS = "0123456789"
_RECENT = 1024  # strings read back recently (codes, names and items repeat row after row)


class SharedStringsOnDisk(Sequence):
    """The table of shared strings in two unnamed temporary files: the strings one after the
    other in UTF-8, and where each one starts (8 bytes per string). Nothing is left behind, even if
    the process is killed: the files have no name."""

    def __init__(self, source):
        self._texts = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._starts = tempfile.TemporaryFile()  # noqa: SIM115
        self._count = 0
        position, table = 0, None
        for event, node in iterparse(source, events=("start", "end")):
            if event == "start":
                table = node if table is None else table  # <sst>, holding every <si>
            elif node.tag == _STRING_TAG:
                if len(node) == 1 and node[0].tag == _TEXT_TAG:  # plain text, as Text reads it
                    content = node[0].text or ""
                else:
                    content = Text.from_tree(node).content
                text = content.replace("x005F_", "").encode()
                table.remove(node)
                node.clear()
                self._starts.write(_OFFSET.pack(position))
                self._texts.write(text)
                position += len(text)
                self._count += 1
        self._starts.write(_OFFSET.pack(position))
        self._texts.flush()
        self._starts.flush()
        self.get = lru_cache(maxsize=_RECENT)(self._read)

    def _read(self, index: int) -> str:
        start, end = _BOUNDS.unpack(
            os.pread(self._starts.fileno(), _BOUNDS.size, index * _OFFSET.size)
        )
        return os.pread(self._texts.fileno(), end - start, start).decode()

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.get(each) for each in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError("shared string index out of range")
        return self.get(index)

    def close(self) -> None:
        self._texts.close()
        self._starts.close()


class _LeanReader(ExcelReader):
    def read_strings(self):
        part = self.package.find(SHARED_STRINGS)
        if part is not None:
            with self.archive.open(part.PartName[1:]) as source:
                self.shared_strings = SharedStringsOnDisk(source)


def workbook_open_lean(source):
    """The workbook read-only, formulas kept as formulas, its shared strings on disk; close it
    with ``workbook_close_lean``. Raises what openpyxl's ``load_workbook`` raises."""
    reader = _LeanReader(source, read_only=True, data_only=False)
    try:
        reader.read()
    except BaseException:
        _strings_close(reader.shared_strings)
        reader.archive.close()
        raise
    workbook = reader.wb
    workbook._baozhang_strings = reader.shared_strings  # closed with the workbook
    return workbook


def workbook_close_lean(workbook) -> None:
    workbook.close()
    _strings_close(getattr(workbook, "_baozhang_strings", None))


def _strings_close(strings) -> None:
    if isinstance(strings, SharedStringsOnDisk):
        strings.close()


def sheet_rows_count(sheet) -> int:
    """How many rows a read-only sheet's XML holds (empty ones included), counted in its text
    without parsing it, whatever its <dimension> says."""
    count, tail = 0, b""
    with sheet.parent._archive.open(sheet._worksheet_path) as source:
        while chunk := source.read(1 << 16):
            text = tail + chunk
            # A tag cut by the chunk's end is counted with the next chunk, never twice: the kept
            # tail is shorter than the shortest tag that could match in it.
            tail = text[-64:]
            count += _matches(text) - _matches(tail)
    return count + _matches(tail)


def _matches(text: bytes) -> int:
    return sum(1 for _match in _ROW_TAG.finditer(text))


class LeanCell(NamedTuple):
    """A cell as the import reads it: what openpyxl's read-only cell gives as ``value`` and
    ``data_type``."""

    value: object
    data_type: str


_EMPTY = LeanCell(None, "n")


class _LeanSheetParser(WorkSheetParser):
    """openpyxl's parser of a sheet's rows, each row taken out of the tree once read, its cells
    as ``LeanCell``: the usual cell (a shared string, a number that is not a date, a formula's
    text) read here, every other one by openpyxl's ``parse_cell``."""

    def parse(self):
        rows = None
        for event, element in iterparse(self.source, events=("start", "end")):
            if event == "start":
                if element.tag == DATA_TAG:
                    rows = element
            elif element.tag == ROW_TAG:
                row = self.lean_row(element)
                if rows is not None:
                    rows.remove(element)
                element.clear()
                yield row

    def lean_row(self, element) -> tuple[int, list[tuple[int, LeanCell]]]:
        """The row's number and its cells with their columns, as ``parse_row`` reads them."""
        number = element.get("r")
        if number is None or not number.isdigit():
            number, cells = self.parse_row(element)  # its own numbering and dimensions
            return number, [
                (cell["column"], LeanCell(cell["value"], cell["data_type"])) for cell in cells
            ]
        self.row_counter, self.col_counter = int(number), 0
        strings, dates = self.shared_strings, self.date_formats
        count = len(strings)
        string = strings.get if isinstance(strings, SharedStringsOnDisk) else strings.__getitem__
        cells = []
        for cell in element:
            coordinate = cell.get("r")
            kind = cell.get("t", "n")
            text = cell[0].text if len(cell) == 1 and cell[0].tag == VALUE_TAG else None
            if coordinate is None or not text or kind not in ("s", "n", "str"):
                parsed = self.parse_cell(cell)
                cells.append((parsed["column"], LeanCell(parsed["value"], parsed["data_type"])))
                continue
            column = column_index_from_string(coordinate.rstrip(_DIGITS))
            self.col_counter = column
            if kind == "s":
                index = int(text)
                value = string(index) if 0 <= index < count else strings[index]
                cells.append((column, LeanCell(value, "s")))
            elif kind == "str":
                cells.append((column, LeanCell(text, "s")))
            elif int(cell.get("s", 0)) in dates:
                parsed = self.parse_cell(cell)  # a date
                cells.append((column, LeanCell(parsed["value"], parsed["data_type"])))
            else:
                cells.append((column, LeanCell(_cast_number(text), "n")))
        return self.row_counter, cells


def sheet_cells(sheet) -> Iterator[tuple[LeanCell, ...]]:
    """The rows of a read-only sheet as ``iter_rows()`` gives them after ``reset_dimensions()``
    (every row, an empty tuple for a row the file leaves out), each cell a ``LeanCell``, in flat
    memory."""
    workbook = sheet.parent
    with workbook._archive.open(sheet._worksheet_path) as source:
        parser = _LeanSheetParser(
            source,
            sheet._shared_strings,
            data_only=False,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        expected = 1
        for number, cells in parser.parse():
            for _missing in range(expected, number):
                yield ()
            expected = number + 1
            yield _row(cells)


def _row(cells: list[tuple[int, LeanCell]]) -> tuple[LeanCell, ...]:
    """The row's cells in their columns from the first to the last cell's, an empty one where
    the file has none, as a read-only sheet's ``_get_row`` places them."""
    if not cells:
        return ()
    width = cells[-1][0]
    row = [_EMPTY] * width
    for column, cell in cells:
        if 1 <= column <= width:
            row[column - 1] = cell
    return tuple(row)
