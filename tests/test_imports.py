"""Excel imports are all or nothing, and say exactly which row and column is wrong."""

import io

import pytest
from django.test import override_settings
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from openpyxl import Workbook, load_workbook

from baozhang.core.xlsx import ImportRejected
from baozhang.orgs.models import Assignment, Location, Person, Unit
from baozhang.orgs.services import person_save
from baozhang.orgs.spreadsheets import COLUMNS, export_workbook, import_workbook
from tests.factories import AreaTypeFactory, LocationFactory, SiteFactory, UnitFactory

pytestmark = pytest.mark.django_db


def workbook_bytes(rows, formula_cell=None) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if formula_cell:
        sheet[formula_cell] = "=1+1"
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "upload.xlsx"
    return buffer


@pytest.fixture
def campus(college):
    SiteFactory(organisation=college, code="main", name="主校区")
    AreaTypeFactory(organisation=college, code="dorm", name="宿舍")
    return college


def run_import(organisation, kind, upload):
    with scope(organisation=organisation):
        return import_workbook(organisation=organisation, kind=kind, upload=upload, by=None)


def location_count():
    with scopes_disabled():
        return Location.objects.count()


HEADERS = ["编码", "名称", "院区/校区", "上级编码", "类型", "区域类型"]


def test_good_workbook_imports_tree_with_parents_after_children(campus):
    rows = [
        HEADERS,
        ["5413", "宿舍5413", "main", "SS5-4F", "房间", "宿舍"],
        ["SS5-4F", "5号楼4层", "主校区", "SS5", "楼层", None],
        ["SS5", "学生宿舍5号楼", "main", None, "楼栋", None],
    ]
    result = run_import(campus, "locations", workbook_bytes(rows))
    assert (result.created, result.updated) == (3, 0)
    with scopes_disabled():
        room = Location.objects.get(code="5413")
        assert room.parent.code == "SS5-4F" and room.parent.parent.code == "SS5"
        assert room.area_type.name == "宿舍" and room.depth == 2


def test_one_bad_row_stores_nothing_and_names_row_and_column(campus):
    rows = [
        HEADERS,
        ["5411", "宿舍5411", "main", None, "房间", "宿舍"],
        ["5412", "宿舍5412", "main", None, "房间", "不存在的类型"],
    ]
    with pytest.raises(ImportRejected) as rejected:
        run_import(campus, "locations", workbook_bytes(rows))
    [error] = rejected.value.errors
    assert (error.row, error.column) == (3, "区域类型")
    assert "不存在的类型" in error.message
    assert "第 3 行" in str(error) and "区域类型" in str(error)
    assert location_count() == 0


def test_reimport_updates_existing_codes(campus):
    run_import(
        campus, "locations", workbook_bytes([HEADERS, ["A101", "教室", "main", None, "房间", None]])
    )
    result = run_import(
        campus,
        "locations",
        workbook_bytes([HEADERS, ["A101", "多媒体教室", "main", None, "房间", None]]),
    )
    assert (result.created, result.updated) == (0, 1)
    with scopes_disabled():
        assert Location.objects.get(code="A101").name == "多媒体教室"


@pytest.mark.parametrize(
    ("upload", "expected"),
    [
        (io.BytesIO(b""), "空"),
        (io.BytesIO(b"code,name\n1,2\n"), "不是 Excel"),
        (io.BytesIO(b"PK\x03\x04 broken zip"), "不是 Excel"),
    ],
    ids=["empty", "csv", "broken-zip"],
)
def test_unreadable_files_are_rejected_clearly(campus, upload, expected):
    with pytest.raises(ImportRejected) as rejected:
        run_import(campus, "locations", upload)
    assert expected in str(rejected.value)
    assert location_count() == 0


def test_wrong_headers_are_named(campus):
    with pytest.raises(ImportRejected) as rejected:
        run_import(
            campus, "locations", workbook_bytes([["code", "名称", "院区/校区"], ["1", "x", "main"]])
        )
    text = str(rejected.value)
    assert "code" in text and "编码" in text
    assert location_count() == 0


def test_headers_only_is_no_data(campus):
    with pytest.raises(ImportRejected) as rejected:
        run_import(campus, "locations", workbook_bytes([HEADERS]))
    assert "没有数据行" in str(rejected.value)


def test_duplicate_codes_in_file_name_both_rows(campus):
    rows = [HEADERS, ["A1", "一", "main", None, None, None], ["A1", "二", "main", None, None, None]]
    with pytest.raises(ImportRejected) as rejected:
        run_import(campus, "locations", workbook_bytes(rows))
    [error] = rejected.value.errors
    assert error.row == 3 and error.column == "编码" and "第 2 行" in error.message
    assert location_count() == 0


def test_unknown_parent_is_named(campus):
    rows = [HEADERS, ["5413", "宿舍", "main", "NOPE", None, None]]
    with pytest.raises(ImportRejected) as rejected:
        run_import(campus, "locations", workbook_bytes(rows))
    [error] = rejected.value.errors
    assert (error.row, error.column) == (2, "上级编码") and "NOPE" in error.message
    assert location_count() == 0


def test_parent_loop_is_refused(campus):
    rows = [HEADERS, ["X", "甲", "main", "Y", None, None], ["Y", "乙", "main", "X", None, None]]
    with pytest.raises(ImportRejected):
        run_import(campus, "locations", workbook_bytes(rows))
    assert location_count() == 0


def test_formula_cells_are_refused(campus):
    rows = [HEADERS, ["A1", "一", "main", None, None, None]]
    with pytest.raises(ImportRejected) as rejected:
        run_import(campus, "locations", workbook_bytes(rows, formula_cell="B2"))
    [error] = rejected.value.errors
    assert (error.row, error.column) == (2, "名称") and "公式" in error.message
    assert location_count() == 0


def test_file_over_the_limit_is_refused_before_parsing(campus):
    big = io.BytesIO(b"PK" + b"\0" * (20 * 1024 * 1024))
    with pytest.raises(ImportRejected) as rejected:
        run_import(campus, "locations", big)
    assert "MB" in str(rejected.value)
    assert location_count() == 0


def test_responsibilities_and_people_import(campus):
    LocationFactory(organisation=campus, code="5413")
    UnitFactory(organisation=campus, code="0852", name="0852班")
    run_import(
        campus,
        "responsibilities",
        workbook_bytes(
            [
                ["位置编码", "单位编码", "开始日期", "结束日期"],
                ["5413", "0852", "2026-09-01", "2027-01-20"],
            ]
        ),
    )
    run_import(
        campus,
        "people",
        workbook_bytes(
            [
                ["姓名", "登录名", "角色", "单位编码", "初始密码"],
                ["吴老师", "wu", "单位负责人、检查员", "0852", "s3cret-pass-9"],
            ]
        ),
    )
    with scopes_disabled():
        assert Assignment.objects.get().unit.code == "0852"
        person = Person.objects.get(name="吴老师")
        assert person.user.check_password("s3cret-pass-9")
        assert sorted(person.memberships.values_list("role", "unit__code")) == [
            ("inspector", None),
            ("unit_head", "0852"),
        ]


def test_bad_date_and_unknown_unit_are_both_reported(campus):
    LocationFactory(organisation=campus, code="5413")
    with pytest.raises(ImportRejected) as rejected:
        run_import(
            campus,
            "responsibilities",
            workbook_bytes(
                [
                    ["位置编码", "单位编码", "开始日期"],
                    ["5413", "9999", "2026-09-01"],
                    ["5413", "0852", "九月一日"],
                ]
            ),
        )
    errors = {(error.row, error.column) for error in rejected.value.errors}
    assert errors == {(2, "单位编码"), (3, "开始日期")}
    with scopes_disabled():
        assert Assignment.objects.count() == 0


def test_export_neutralises_formula_like_text_and_reimports(campus):
    UnitFactory(organisation=campus, code="U1", name='=HYPERLINK("http://x")')
    UnitFactory(organisation=campus, code="U2", name="+1 班")
    buffer = io.BytesIO()
    with scope(organisation=campus):
        export_workbook(organisation=campus, kind="units", target=buffer)
    buffer.seek(0)
    sheet = load_workbook(buffer).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(column.header for column in COLUMNS["units"])
    names = {row[0]: row[1] for row in rows[1:]}
    assert names == {"U1": '\'=HYPERLINK("http://x")', "U2": "'+1 班"}
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_import_page_shows_errors_and_changes_nothing(alice_client, campus):
    url = reverse("orgs:import", kwargs={"org": campus.slug})
    bad = workbook_bytes(
        [HEADERS, ["A1", "一", "main", None, None, None], ["A2", "", "main", None, None, None]]
    )
    response = alice_client.post(url, {"kind": "locations", "file": bad})
    body = response.content.decode()
    assert (
        response.status_code == 200
        and "没有导入任何数据" in body
        and "第 3 行" in body
        and "名称" in body
    )
    assert location_count() == 0
    good = workbook_bytes(
        [HEADERS, ["A1", "一", "main", None, None, None], ["A2", "二", "main", None, None, None]]
    )
    assert alice_client.post(url, {"kind": "locations", "file": good}).status_code == 302
    assert location_count() == 2


def test_template_download_has_the_documented_headers(alice_client, campus):
    for kind, columns in COLUMNS.items():
        response = alice_client.get(
            reverse("orgs:import-template", kwargs={"org": campus.slug, "kind": kind})
        )
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert [cell.value for cell in sheet[1]] == [column.header for column in columns]


@override_settings(LANGUAGE_CODE="en")
def test_errors_follow_the_users_language(client, campus, alice):
    alice.language = "en"
    alice.save()
    client.force_login(alice)
    url = reverse("orgs:import", kwargs={"org": campus.slug})
    response = client.post(
        url,
        {"kind": "units", "file": workbook_bytes([["编码", "名称", "类型"], ["U1", "x", "火箭"]])},
    )
    assert (
        "Row 2" in response.content.decode() and "Nothing was imported" in response.content.decode()
    )
    with scopes_disabled():
        assert Unit.objects.count() == 0


def test_formats_doc_lists_every_column_of_every_kind():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "formats.md").read_text(encoding="utf-8")
    for kind, columns in COLUMNS.items():
        section = text.split(f"`baozhang import {kind} FILE --org S`")[1].split("\n## ")[0]
        for column in columns:
            assert f"| {column.header} |" in section, (
                f"docs/formats.md lacks {kind} column {column.header}"
            )


def people_export(organisation) -> list[list]:
    buffer = io.BytesIO()
    with scope(organisation=organisation):
        export_workbook(organisation=organisation, kind="people", target=buffer)
    return [list(row) for row in load_workbook(buffer).active.iter_rows(values_only=True)]


def test_people_without_a_login_are_updated_not_added_again(campus):
    with scope(organisation=campus):
        for name, phone in [
            ("=王五", "+86 13800000005"),
            ("+赵六", "13800000006"),
            ("-钱七", ""),
            ("@孙八", ""),
            ("李雷", "13800000001"),
            ("李雷", "13800000002"),
        ]:
            person_save(
                person=Person(organisation=campus, name=name, phone=phone),
                roles=["viewer"],
                unit_id=None,
                by=None,
            )
        before = sorted(Person.objects.values_list("id", "name", "phone"))
    rows = people_export(campus)
    assert rows[0][-1] == "系统编号"
    result = run_import(campus, "people", workbook_bytes(rows))
    assert (result.created, result.updated) == (0, 6)
    with scope(organisation=campus):
        assert sorted(Person.objects.values_list("id", "name", "phone")) == before


def test_a_number_names_that_person_even_when_the_name_changes(campus):
    with scope(organisation=campus):
        person = person_save(
            person=Person(organisation=campus, name="李雷"), roles=[], unit_id=None, by=None
        )
    rows = people_export(campus)
    rows[1][0] = "李雷雷"
    assert run_import(campus, "people", workbook_bytes(rows)).updated == 1
    with scope(organisation=campus):
        assert list(Person.objects.values_list("id", "name")) == [(person.pk, "李雷雷")]


def test_a_file_without_numbers_still_updates_a_person_without_a_login_by_name(campus):
    with scope(organisation=campus):
        person_save(
            person=Person(organisation=campus, name="李雷"), roles=[], unit_id=None, by=None
        )
    result = run_import(
        campus, "people", workbook_bytes([["姓名", "手机"], ["李雷", "13800000001"]])
    )
    assert (result.created, result.updated) == (0, 1)
    with scope(organisation=campus):
        assert list(Person.objects.values_list("name", "phone")) == [("李雷", "13800000001")]


def test_namesakes_without_a_number_are_refused_not_guessed(campus):
    with scope(organisation=campus):
        for _ in range(2):
            person_save(
                person=Person(organisation=campus, name="李雷"), roles=[], unit_id=None, by=None
            )
    with pytest.raises(ImportRejected) as rejected:
        run_import(campus, "people", workbook_bytes([["姓名", "手机"], ["李雷", "13800000001"]]))
    [error] = rejected.value.errors
    assert (error.row, error.column) == (2, "姓名") and "系统编号" in error.message
    with scope(organisation=campus):
        assert set(Person.objects.values_list("phone", flat=True)) == {""}


def test_a_number_of_another_organisation_is_refused_and_changes_nothing(campus, charlie):
    with scopes_disabled():
        foreign = Person.objects.get(user=charlie)
    rows = [["姓名", "系统编号"], ["冒名", foreign.pk]]
    with pytest.raises(ImportRejected) as rejected:
        run_import(campus, "people", workbook_bytes(rows))
    [error] = rejected.value.errors
    assert (error.row, error.column) == (2, "系统编号")
    assert f"本组织没有系统编号为 {foreign.pk} 的人员" in error.message
    with scopes_disabled():
        foreign.refresh_from_db()
        assert foreign.name != "冒名"
        assert not Person.objects.filter(organisation=campus).exists()


def test_one_number_in_two_rows_is_refused(campus):
    with scope(organisation=campus):
        person = person_save(
            person=Person(organisation=campus, name="李雷"), roles=[], unit_id=None, by=None
        )
    rows = [["姓名", "系统编号"], ["甲", person.pk], ["乙", person.pk]]
    with pytest.raises(ImportRejected) as rejected:
        run_import(campus, "people", workbook_bytes(rows))
    [error] = rejected.value.errors
    assert (error.row, error.column) == (3, "系统编号") and "第 2 行" in error.message
    with scope(organisation=campus):
        assert Person.objects.get().name == "李雷"


def test_a_numbered_responsibility_moves_its_start_instead_of_adding_one(campus):
    LocationFactory(organisation=campus, code="5413")
    UnitFactory(organisation=campus, code="0852")
    run_import(
        campus,
        "responsibilities",
        workbook_bytes([["位置编码", "单位编码", "开始日期"], ["5413", "0852", "2026-09-01"]]),
    )
    buffer = io.BytesIO()
    with scope(organisation=campus):
        export_workbook(organisation=campus, kind="responsibilities", target=buffer)
    book = load_workbook(buffer)
    assert [cell.value for cell in book.active[1]][-1] == "系统编号"
    book.active["C2"] = "2026-09-07"
    edited = io.BytesIO()
    book.save(edited)
    edited.seek(0)
    result = run_import(campus, "responsibilities", edited)
    assert (result.created, result.updated) == (0, 1)
    with scopes_disabled():
        assert [str(day) for day in Assignment.objects.values_list("starts_on", flat=True)] == [
            "2026-09-07"
        ]
