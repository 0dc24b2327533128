"""Paper check sheets entered in bulk: findings from Excel, all or nothing, from the page and the
console; exported back in the same layout."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from openpyxl import Workbook, load_workbook

from baozhang.core.periods import period_parse
from baozhang.core.xlsx import ImportRejected
from baozhang.demo import demo_build
from baozhang.inspections.imports import findings_import
from baozhang.inspections.models import Finding, Inspection
from baozhang.inspections.selectors import unit_standings
from baozhang.inspections.spreadsheets import findings_export
from baozhang.standards.services import ItemInput
from tests.console import console
from tests.factories import (
    AreaTypeFactory,
    LocationFactory,
    PersonFactory,
    SiteFactory,
    UnitFactory,
)
from tests.inspection_data import class_takes_over, dorm_standard

pytestmark = pytest.mark.django_db
HEADERS = ["日期", "时间", "位置", "责任单位", "检查项", "分值", "说明", "检查人"]


@pytest.fixture
def dorms(college):
    with scopes_disabled():
        dorm = AreaTypeFactory(organisation=college, code="dorm", name="宿舍")
        site = SiteFactory(organisation=college)
        room = LocationFactory(organisation=college, site=site, code="5413", area_type=dorm)
        first = UnitFactory(organisation=college, code="0852")
        second = UnitFactory(organisation=college, code="1151")
        PersonFactory(organisation=college, name="刘洋")
    class_takes_over(college, room, first, second)
    dorm_standard(
        college,
        dorm,
        ItemInput("地面", "地面有垃圾", "deduction", Decimal(2)),
        ItemInput("内务", "物品摆放", "scored", Decimal(5)),
        name="宿舍标准",
    )
    return college


def sheet(rows, headers=HEADERS) -> io.BytesIO:
    book = Workbook()
    for row in [headers, *rows]:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "findings.xlsx"
    return buffer


GOOD = [
    ["2026-11-17", "07:30", "5413", None, "地面有垃圾", None, "门后", "刘洋"],
    ["2026-11-17", "07:30", "5413", None, "物品摆放", 3, "桌面杂乱", "刘洋"],
    ["2026-11-20", "13:30", "5413", None, None, None, "亮点：窗台一尘不染", None],
]


def test_findings_are_imported_as_checks_and_attributed_by_date(dorms):
    with scope(organisation=dorms):
        result = findings_import(organisation=dorms, upload=sheet(GOOD), by=None)
        assert result.created == 3
        assert Inspection.objects.count() == 2
        rows = Finding.objects.order_by("date", "id").values_list("unit__code", "kind", "points")
        assert list(rows) == [
            ("0852", "deduction", Decimal(2)),
            ("0852", "scored", Decimal(3)),
            ("1151", "highlight", Decimal(0)),
        ]


def test_a_row_with_only_place_and_date_is_a_check_that_found_nothing(dorms):
    """As a paper sheet's "合格" line: the check counts, for the unit that held the place."""
    clean = [
        ["2026-11-10", "07:30", "5413", None, None, None, None, "刘洋"],
        ["2026-11-20", None, "5413", None, None, None, None, None],
    ]
    with scope(organisation=dorms):
        result = findings_import(organisation=dorms, upload=sheet(clean), by=None)
        assert result.created == 2
        assert Inspection.objects.count() == 2 and not Finding.objects.exists()
        week = unit_standings(organisation=dorms, period=period_parse("2026-W46"))
        assert [(row.unit.code, row.score, row.checks) for row in week.ranked] == [
            ("0852", Decimal("100.0"), 1)
        ]
        # W47: the room passed to 1151 on the 19th; its check on the 20th counts for 1151, and
        # 0852, whose days in the room saw no check, is listed apart.
        week = unit_standings(organisation=dorms, period=period_parse("2026-W47"))
        assert [row.unit.code for row in week.ranked] == ["1151"]
        assert [row.unit.code for row in week.unchecked] == ["0852"]


def test_one_bad_row_stores_nothing_and_every_problem_is_named(dorms):
    bad = [
        *GOOD,
        ["2026-11-18", "7点半", "5413", None, "地面有垃圾", None, "", ""],
        ["2026-11-18", "08:00", "9999", None, "地面有垃圾", None, "", ""],
        ["2026-11-18", "08:00", "5413", "0852", "没有这一项", None, "", ""],
        ["2026-11-18", "08:00", "5413", None, "物品摆放", 9, "", ""],
        ["十一月", "08:00", "5413", None, "地面有垃圾", None, "", "张三"],
    ]
    with scope(organisation=dorms), pytest.raises(ImportRejected) as rejected:
        findings_import(organisation=dorms, upload=sheet(bad), by=None)
    named = {(error.row, error.column) for error in rejected.value.errors}
    assert named == {(5, "时间"), (6, "位置"), (7, "检查项"), (8, "分值"), (9, "日期")}
    assert "第 7 行，“检查项”列" in str(rejected.value)
    with scopes_disabled():
        assert not Finding.objects.exists() and not Inspection.objects.exists()


def test_page_import_and_export_round_trip(alice_client, dorms):
    response = alice_client.post(
        reverse("inspections:findings-import", args=["college"]), {"file": sheet(GOOD)}
    )
    assert response.status_code == 302
    exported = alice_client.get(
        reverse("inspections:findings-export", args=["college"]), {"period": "2026-11"}
    )
    sheet_ = load_workbook(io.BytesIO(exported.content)).active
    rows = list(sheet_.iter_rows(values_only=True))
    assert list(rows[0]) == [*HEADERS, "系统编号"]
    with scopes_disabled():
        numbers = list(Finding.objects.order_by("-observed_at", "-id").values_list("id", flat=True))
    # Newest first; dates are dates, times local, the unit the one holding the room that day.
    assert rows[1:] == [
        (
            dt.datetime(2026, 11, 20),
            "13:30",
            "5413",
            "1151",
            None,
            None,
            "亮点：窗台一尘不染",
            None,
            numbers[0],
        ),
        (
            dt.datetime(2026, 11, 17),
            "07:30",
            "5413",
            "0852",
            "物品摆放",
            3,
            "桌面杂乱",
            "刘洋",
            numbers[1],
        ),
        (
            dt.datetime(2026, 11, 17),
            "07:30",
            "5413",
            "0852",
            "地面有垃圾",
            2,
            "门后",
            "刘洋",
            numbers[2],
        ),
    ]
    assert sheet_["A2"].number_format == "yyyy-mm-dd"
    fields = ("date", "unit__code", "kind", "points", "note")
    with scope(organisation=dorms):
        before = sorted(Finding.objects.values_list(*fields))
        # What was exported, imported again, names the same findings: nothing new.
        result = findings_import(organisation=dorms, upload=named(exported.content), by=None)
        assert (result.created, result.updated) == (0, 3)
        assert sorted(Finding.objects.values_list(*fields)) == before
        # Without its 系统编号 column (a file from before), it records the findings anew.
        Finding.objects.all().delete()
        Inspection.objects.all().delete()
        old = load_workbook(io.BytesIO(exported.content))
        old.active.delete_cols(9)
        buffer = io.BytesIO()
        old.save(buffer)
        result = findings_import(organisation=dorms, upload=named(buffer.getvalue()), by=None)
        assert (result.created, result.updated) == (3, 0)
        assert sorted(Finding.objects.values_list(*fields)) == before


def named(content: bytes) -> io.BytesIO:
    upload = io.BytesIO(content)
    upload.name = "again.xlsx"
    return upload


def test_console_import_of_findings(tmp_path):
    demo_build(history_days=0)
    path = tmp_path / "findings.xlsx"
    path.write_bytes(
        sheet(
            [["2026-11-17", "07:30", "5413", None, "地面有垃圾、纸屑", None, "门后", None]]
        ).read()
    )
    done = console("import", "findings", str(path), "--org", "college")
    assert "新增 1 条" in done.stdout
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(sheet([["2026-11-17", "07:30", "0000", None, None, 2, "", None]]).read())
    refused = console("import", "findings", str(bad), "--org", "college", check_code=1)
    assert "第 2 行，“位置”列" in refused.stderr


def test_formats_doc_lists_every_findings_and_standard_column():
    from pathlib import Path

    from baozhang.inspections.spreadsheets import COLUMNS as FINDING_COLUMNS
    from baozhang.standards.spreadsheets import COLUMNS as STANDARD_COLUMNS

    text = (Path(__file__).resolve().parents[1] / "docs" / "formats.md").read_text("utf-8")
    for column in [*FINDING_COLUMNS, *STANDARD_COLUMNS]:
        assert f"| {column.header} |" in text, column.header


def exported_findings(organisation) -> Workbook:
    buffer = io.BytesIO()
    with scope(organisation=organisation):
        findings_export(organisation=organisation, target=buffer)
    return load_workbook(buffer)


def saved(book: Workbook) -> io.BytesIO:
    buffer = io.BytesIO()
    book.save(buffer)
    return named(buffer.getvalue())


def row_of(book: Workbook, note: str) -> int:
    return next(cell.row for cell in book.active["G"] if cell.value == note)


def test_a_numbered_row_corrects_its_finding_and_scores_the_check_again(dorms):
    with scope(organisation=dorms):
        findings_import(organisation=dorms, upload=sheet(GOOD), by=None)
        scored = Finding.objects.get(item__text="物品摆放")
        check_score = scored.inspection.score
    book = exported_findings(dorms)
    row = row_of(book, "桌面杂乱")
    book.active[f"F{row}"] = 1
    book.active[f"G{row}"] = "桌面稍乱"
    with scope(organisation=dorms):
        result = findings_import(organisation=dorms, upload=saved(book), by=None)
        assert (result.created, result.updated) == (0, 3)
        assert Finding.objects.count() == 3 and Inspection.objects.count() == 2
        scored.refresh_from_db()
        assert (scored.points, scored.note) == (Decimal(1), "桌面稍乱")
        assert scored.inspection.score == check_score + 2
        assert [entry.note for entry in scored.history.order_by("history_id")] == [
            "桌面杂乱",
            "桌面稍乱",
        ]


@pytest.mark.parametrize(
    ("column", "value", "named_column"),
    [("A", "2026-11-18", "日期"), ("B", "08:00", "时间"), ("H", None, "检查人")],
)
def test_a_numbered_row_cannot_move_its_finding_to_another_check(
    dorms, column, value, named_column
):
    with scope(organisation=dorms):
        findings_import(organisation=dorms, upload=sheet(GOOD), by=None)
        before = sorted(Finding.objects.values_list("id", "date", "observed_at", "points", "note"))
    book = exported_findings(dorms)
    row = row_of(book, "门后")
    book.active[f"{column}{row}"] = value
    book.active[f"G{row_of(book, '桌面杂乱')}"] = "改了也不存"
    with scope(organisation=dorms), pytest.raises(ImportRejected) as rejected:
        findings_import(organisation=dorms, upload=saved(book), by=None)
    [error] = rejected.value.errors
    assert (error.row, error.column) == (row, named_column)
    assert "系统编号" in error.message
    with scope(organisation=dorms):
        after = sorted(Finding.objects.values_list("id", "date", "observed_at", "points", "note"))
    assert after == before


def test_a_highlight_keeps_its_kind_and_takes_no_points(dorms):
    with scope(organisation=dorms):
        findings_import(organisation=dorms, upload=sheet(GOOD), by=None)
    book = exported_findings(dorms)
    row = row_of(book, "亮点：窗台一尘不染")
    book.active[f"F{row}"] = 2
    with scope(organisation=dorms), pytest.raises(ImportRejected) as rejected:
        findings_import(organisation=dorms, upload=saved(book), by=None)
    [error] = rejected.value.errors
    assert (error.row, error.column) == (row, "分值") and "亮点" in error.message
    book.active[f"F{row}"] = None
    book.active[f"G{row}"] = "亮点：窗台和桌面一尘不染"
    with scope(organisation=dorms):
        assert findings_import(organisation=dorms, upload=saved(book), by=None).updated == 3
        highlight = Finding.objects.get(kind="highlight")
        assert (highlight.note, highlight.points) == ("亮点：窗台和桌面一尘不染", Decimal(0))


def numbered(rows) -> io.BytesIO:
    return sheet(rows, headers=[*HEADERS, "系统编号"])


def test_an_unknown_finding_number_is_refused(dorms):
    with scope(organisation=dorms), pytest.raises(ImportRejected) as rejected:
        findings_import(organisation=dorms, upload=numbered([[*GOOD[0], 999999]]), by=None)
    [error] = rejected.value.errors
    assert (error.row, error.column) == (2, "系统编号") and "999999" in error.message
    with scopes_disabled():
        assert not Finding.objects.exists()
