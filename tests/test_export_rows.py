"""The pieces of long exports: local times of moments as the database gives them back, rows read
without converters, and the streamed sheet's writers (dates, names made safe, any value)."""

import datetime as dt
import io
import zoneinfo
from decimal import Decimal

import pytest
from django.db import connection
from django_scopes import scope
from openpyxl import load_workbook

from baozhang.core.rows import LocalTimes, plain_rows
from baozhang.core.xlsx import WorkbookWriter, neutralise, write_workbook
from baozhang.inspections.models import Finding
from baozhang.inspections.services import FindingInput
from tests.inspection_data import submit

UTC = dt.UTC


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Berlin", "America/New_York"])
def test_local_times_match_exact_conversion_across_a_year_and_clock_changes(zone):
    tz = zoneinfo.ZoneInfo(zone)
    times = LocalTimes(tz)
    moment = dt.datetime(2026, 1, 1)
    checked = 0
    while moment < dt.datetime(2027, 1, 1):
        expected = moment.replace(tzinfo=UTC).astimezone(tz).strftime("%H:%M")
        assert times.hhmm(moment) == expected, moment  # naive UTC, as SQLite gives it
        assert times.hhmm(moment.replace(tzinfo=UTC)) == expected  # aware, as PostgreSQL does
        checked += 1
        moment += dt.timedelta(minutes=37)
    assert checked > 14_000


def test_local_times_in_the_hour_of_a_clock_change():
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    times = LocalTimes(berlin)
    # Clocks went forward on 2026-03-29 at 01:00 UTC, back on 2026-10-25 at 01:00 UTC.
    assert times.hhmm(dt.datetime(2026, 3, 29, 0, 59)) == "01:59"
    assert times.hhmm(dt.datetime(2026, 3, 29, 1, 0)) == "03:00"
    assert times.hhmm(dt.datetime(2026, 10, 25, 0, 30)) == "02:30"
    assert times.hhmm(dt.datetime(2026, 10, 25, 1, 30)) == "02:30"
    # A zone whose offset is not whole hours.
    assert (
        LocalTimes(zoneinfo.ZoneInfo("Asia/Kolkata")).hhmm(dt.datetime(2026, 11, 22, 23, 45))
        == "05:15"
    )


def test_a_sheet_writes_dates_names_and_values_of_any_type():
    buffer = io.BytesIO()
    with WorkbookWriter(buffer) as book:
        sheet = book.sheet("表", ["日期", "名称", "说明", "分值"])
        # Row by row, as a streamed sheet is written.
        sheet.day(1, 0, dt.date(2026, 11, 22))
        sheet.name(1, 1, neutralise("=HYPERLINK(1)"))
        sheet.text(1, 2, "+1 班")
        sheet.number(1, 3, 2.5)
        sheet.day(2, 0, dt.date(2026, 11, 22))  # the day's number is reused
        sheet.name(2, 1, neutralise("5413"))
        sheet.text(2, 2, "门后")
        sheet.day(3, 0, dt.date(2024, 2, 29))
        sheet.row(4, [dt.date(2026, 1, 1), True, Decimal("1.5"), "", None, 3])
        # A moment: its local time (Asia/Shanghai) to the minute.
        sheet.row(5, [dt.datetime(2026, 11, 22, 23, 30, 59, tzinfo=UTC)])
    rows = list(load_workbook(buffer).active.iter_rows(values_only=True))
    assert rows[1] == (dt.datetime(2026, 11, 22), "'=HYPERLINK(1)", "'+1 班", 2.5, None, None)
    assert rows[2] == (dt.datetime(2026, 11, 22), "5413", "门后", None, None, None)
    assert rows[3][0] == dt.datetime(2024, 2, 29)
    assert rows[4] == (dt.datetime(2026, 1, 1), "是", 1.5, None, None, 3)
    assert rows[5][0] == "2026-11-23 07:30"
    assert load_workbook(buffer).active["A2"].number_format == "yyyy-mm-dd"


def test_write_workbook_writes_several_sheets_with_frozen_headers():
    buffer = io.BytesIO()
    write_workbook(buffer, [("一", ["甲"], [["-1"]]), ("二", ["乙", "丙"], [[1, "x"], [2, "y"]])])
    book = load_workbook(buffer)
    assert [sheet.title for sheet in book.worksheets] == ["一", "二"]
    assert [row for row in book["一"].iter_rows(values_only=True)] == [("甲",), ("'-1",)]
    assert list(book["二"].iter_rows(values_only=True))[2] == (2, "y")
    assert book["二"].freeze_panes == "A2"


@pytest.mark.django_db
def test_plain_rows_are_the_querysets_rows_in_order(dorms):
    items = dorms["items"]
    for day in ("2026-11-16", "2026-11-18", "2026-11-20"):
        submit(
            dorms,
            day,
            FindingInput(item_id=items["地面有垃圾"].pk, note="纸屑"),
            FindingInput(item_id=items["被褥叠放"].pk, points=Decimal("2.5")),
        )
    with scope(organisation=dorms["org"]):
        values = Finding.objects.order_by("-observed_at", "-id").values_list(
            "id", "date", "observed_at", "points", "note"
        )
        converted = list(values)
        plain = list(plain_rows(values, size=4))  # more than one chunk
    assert len(plain) == len(converted) == 6
    for (pk, day, moment, points, note), row in zip(converted, plain, strict=True):
        assert row[0] == pk and row[1] == day and row[4] == note
        assert Decimal(str(row[3])) == points
        naive_utc = row[2] if row[2].tzinfo is None else row[2].astimezone(UTC).replace(tzinfo=None)
        assert naive_utc == moment.astimezone(UTC).replace(tzinfo=None)
    assert (plain[0][2].tzinfo is None) == (connection.vendor == "sqlite")
