"""Workbooks as a person saves them from a spreadsheet, for the import tests."""

import io

from openpyxl import Workbook


def workbook_content(rows) -> bytes:
    """An .xlsx file whose first sheet holds the rows, the first one the headers."""
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
