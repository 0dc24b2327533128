"""Paper check sheets entered in bulk: findings from Excel, all or nothing, from the page and the
console; exported back in the same layout."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from openpyxl import Workbook, load_workbook

from baozhang.core.xlsx import ImportRejected
from baozhang.demo import demo_build
from baozhang.inspections.models import Finding, Inspection
from baozhang.inspections.spreadsheets import findings_import
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


def sheet(rows) -> io.BytesIO:
    book = Workbook()
    for row in [HEADERS, *rows]:
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
    assert list(rows[0]) == HEADERS
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
        ),
        (dt.datetime(2026, 11, 17), "07:30", "5413", "0852", "物品摆放", 3, "桌面杂乱", "刘洋"),
        (dt.datetime(2026, 11, 17), "07:30", "5413", "0852", "地面有垃圾", 2, "门后", "刘洋"),
    ]
    assert sheet_["A2"].number_format == "yyyy-mm-dd"
    # What was exported imports again as the same findings.
    again = io.BytesIO(exported.content)
    again.name = "again.xlsx"
    with scope(organisation=dorms):
        before = sorted(Finding.objects.values_list("date", "unit__code", "kind", "points", "note"))
        Finding.objects.all().delete()
        assert findings_import(organisation=dorms, upload=again, by=None).created == 3
        after = sorted(Finding.objects.values_list("date", "unit__code", "kind", "points", "note"))
    assert after == before


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
