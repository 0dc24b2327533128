"""Reading an imported workbook: every row whatever range the file records, nothing unpacked past
the documented limits, a damaged part refused, and exactly the export's escape taken off; from the
API, the page and the console alike, with nothing stored when the file is refused."""

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from hypothesis import given
from hypothesis import strategies as st

from baozhang.accounts.services import api_token_create
from baozhang.core.xlsx import NEUTRALISE, ImportRejected, neutralise, unneutralise
from baozhang.orgs.models import Unit
from baozhang.orgs.spreadsheets import import_workbook
from tests.console import console
from tests.workbooks import workbook_content

pytestmark = pytest.mark.django_db
SHEET = "xl/worksheets/sheet1.xml"
MB = 1024 * 1024


def units(count: int) -> bytes:
    return workbook_content(
        [["编码", "名称", "类型"], *[[f"U{n}", f"{n} 班", "班级"] for n in range(1, count + 1)]]
    )


def rezipped(data: bytes, change=lambda name, content: content, extra=()) -> bytes:
    """The workbook with each part passed through change(name, content), and extra parts."""
    source = zipfile.ZipFile(io.BytesIO(data))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in source.infolist():
            archive.writestr(part.filename, change(part.filename, source.read(part)))
        for name, content in extra:
            archive.writestr(name, content)
    return target.getvalue()


def upload(data: bytes) -> io.BytesIO:
    file = io.BytesIO(data)
    file.name = "units.xlsx"
    return file


def run_import(organisation, data: bytes):
    with scope(organisation=organisation):
        return import_workbook(
            organisation=organisation, kind="units", upload=upload(data), by=None
        )


def refusal(organisation, data: bytes) -> str:
    with pytest.raises(ImportRejected) as rejected:
        run_import(organisation, data)
    assert unit_count() == 0
    return str(rejected.value)


def unit_count() -> int:
    with scopes_disabled():
        return Unit.objects.count()


def test_rows_past_the_range_the_file_records_are_read(college):
    # A workbook with 5 rows under its headers that records its range as A1:C3 (row 1 and 2 more).
    data = rezipped(
        units(5),
        lambda name, content: (
            re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:C3"', content)
            if name == SHEET
            else content
        ),
    )
    assert b'<dimension ref="A1:C3"' in zipfile.ZipFile(io.BytesIO(data)).read(SHEET)
    result = run_import(college, data)
    assert (result.created, result.updated) == (5, 0)
    with scopes_disabled():
        assert sorted(Unit.objects.values_list("code", flat=True)) == [f"U{n}" for n in range(1, 6)]


def test_a_row_whose_first_cell_is_empty_is_named_by_its_number(college):
    data = workbook_content(
        [["编码", "名称", "类型"], ["U1", "1 班", "班级"], [None, "2 班", "班级"]]
    )
    text = refusal(college, data)
    assert "第 3 行，“编码”列" in text


def whitespace_bomb(megabytes: int) -> bytes:
    """A small workbook whose sheet unpacks to megabytes of spaces inside sheetData."""
    source = zipfile.ZipFile(io.BytesIO(units(1)))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in source.infolist():
            content = source.read(part)
            if part.filename != SHEET:
                archive.writestr(part.filename, content)
                continue
            head, tail = content.split(b"<sheetData>")
            info = zipfile.ZipInfo(SHEET)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as sheet:
                sheet.write(head + b"<sheetData>")
                for _ in range(megabytes):
                    sheet.write(b" " * MB)
                sheet.write(tail)
    return target.getvalue()


def test_a_workbook_bomb_is_refused_by_the_api_before_it_is_unpacked(alice, college):
    bomb = whitespace_bomb(151)  # just past the 150 MB a part may unpack to
    assert len(bomb) < 200 * 1024
    _token, secret = api_token_create(user=alice, name="tests")
    response = Client().post(
        "/api/v1/orgs/college/imports/units",
        {"file": upload(bomb)},
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["row"] is None
    assert f"（{SHEET}）解压后为 151 MB，超过导入时单个部件允许的 150 MB" in error["message"]
    assert unit_count() == 0


@override_settings(IMPORT_MAX_PART_BYTES=MB, IMPORT_MAX_UNPACKED_BYTES=2 * MB)
def test_parts_over_the_limit_together_are_refused_on_the_page(alice_client, college):
    padded = rezipped(
        units(2), extra=[(f"xl/media/image{n}.png", b"\0" * (MB - 1)) for n in (1, 2, 3)]
    )
    response = alice_client.post(
        reverse("orgs:import", kwargs={"org": college.slug}),
        {"kind": "units", "file": upload(padded)},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "没有导入任何数据" in body
    assert "工作簿解压后为 3 MB，超过导入允许的 2 MB" in body
    assert unit_count() == 0


@override_settings(IMPORT_MAX_PART_BYTES=MB)
def test_the_console_refuses_a_bomb_and_stores_nothing(college, tmp_path):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(whitespace_bomb(2))
    refused = console("import", "units", str(path), "--org", "college", check_code=1)
    assert "解压后为 2 MB，超过导入时单个部件允许的 1 MB" in refused.stderr
    assert unit_count() == 0


def declared(data: bytes, name: str, size: int, crc: int | None = None) -> bytes:
    """The zip with the uncompressed size (and checksum) of one part rewritten, in its directory
    entry and its local header alike: a part that lies about its size."""
    data = bytearray(data)
    encoded = name.encode()
    for signature, name_at, crc_at, start in (
        (b"PK\x01\x02", 28, 16, 46),  # central directory entry: crc, compressed, uncompressed
        (b"PK\x03\x04", 26, 14, 30),  # local header: the same three
    ):
        at = data.find(signature)
        while at != -1:
            (length,) = struct.unpack("<H", data[at + name_at : at + name_at + 2])
            if data[at + start : at + start + length] == encoded:
                if crc is not None:
                    data[at + crc_at : at + crc_at + 4] = struct.pack("<I", crc)
                data[at + crc_at + 8 : at + crc_at + 12] = struct.pack("<I", size)
            at = data.find(signature, at + 1)
    return bytes(data)


def test_a_part_larger_than_it_declares_is_never_read_past_its_declared_size(college):
    padded = rezipped(
        units(3),
        lambda name, content: (
            content.replace(b"<sheetData>", b"<sheetData>" + b" " * (5 * MB))
            if name == SHEET
            else content
        ),
    )
    content = zipfile.ZipFile(io.BytesIO(padded)).read(SHEET)
    # zipfile gives no more than the declared size, even when the checksum is of those bytes ...
    cut = declared(padded, SHEET, 4096, crc=zlib.crc32(content[:4096]))
    assert zipfile.ZipFile(io.BytesIO(cut)).read(SHEET) == content[:4096]
    # ... and fails the part when its checksum is of the whole.
    lying = declared(padded, SHEET, 4096)
    with pytest.raises(zipfile.BadZipFile, match="CRC"):
        zipfile.ZipFile(io.BytesIO(lying)).read(SHEET)
    assert "工作簿已损坏" in refusal(college, cut)
    assert "工作簿已损坏" in refusal(college, lying)


def test_a_part_with_corrupt_data_is_refused_as_damaged(college):
    data = bytearray(units(300))
    part = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(SHEET)
    start = part.header_offset + 30 + len(part.filename) + len(part.extra) + 100
    data[start : start + 64] = bytes(byte ^ 0xFF for byte in data[start : start + 64])
    assert "工作簿已损坏" in refusal(college, bytes(data))


def plain_zip(parts, compression=zipfile.ZIP_DEFLATED) -> bytes:
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", compression) as archive:
        for name, content in parts:
            archive.writestr(name, content)
    return target.getvalue()


def bzip2_workbook() -> bytes:
    """A genuine workbook's parts, compressed as no spreadsheet writes them."""
    source = zipfile.ZipFile(io.BytesIO(units(1)))
    parts = [(part.filename, source.read(part)) for part in source.infolist()]
    return plain_zip(parts, compression=zipfile.ZIP_BZIP2)


@pytest.mark.parametrize(
    "data",
    [
        plain_zip([("readme.txt", b"not a workbook")]),
        plain_zip([("[Content_Types].xml", b"<Types/>")]),
        rezipped(units(1), extra=[(f"pad/{n}", b"") for n in range(1000)]),
        bzip2_workbook(),
    ],
    ids=["no-workbook-parts", "no-workbook", "too-many-parts", "bzip2-parts"],
)
def test_a_zip_that_is_not_a_workbook_is_refused(college, data):
    assert "不是 Excel 工作簿" in refusal(college, data)


@given(st.text(alphabet="'=+-@\t\r", max_size=4), st.text())
def test_an_exported_text_reads_back_as_it_was_and_never_as_a_formula(start, rest):
    text = start + rest
    written = neutralise(text)
    assert not written.startswith(NEUTRALISE)
    assert unneutralise(written) == text


def test_the_import_takes_off_only_the_apostrophe_an_export_adds(college):
    names = {
        "U1": ("'+86 13800000005", "+86 13800000005"),
        "U2": ("'=SUM(A1)", "=SUM(A1)"),
        "U3": ("'-1 班", "-1 班"),
        "U4": ("'@后勤", "@后勤"),
        "U5": ("''+1 班", "'+1 班"),
        "U6": ("'0852 班", "'0852 班"),
        "U7": ("李'四", "李'四"),
    }
    rows = [["编码", "名称", "类型"], *[[code, cell, "班级"] for code, (cell, _) in names.items()]]
    assert run_import(college, workbook_content(rows)).created == len(names)
    with scopes_disabled():
        stored = dict(Unit.objects.values_list("code", "name"))
    assert stored == {code: name for code, (_cell, name) in names.items()}


def test_the_formats_doc_states_the_limits():
    from django.conf import settings

    text = (Path(__file__).resolve().parents[1] / "docs" / "formats.md").read_text("utf-8")
    assert f"`BAOZHANG_IMPORT_MAX_PART_MB` ({settings.IMPORT_MAX_PART_BYTES // MB} MB)" in text
    assert (
        f"`BAOZHANG_IMPORT_MAX_UNPACKED_MB` ({settings.IMPORT_MAX_UNPACKED_BYTES // MB} MB)" in text
    )
