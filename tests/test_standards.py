"""Standards: pages, versions that never change once used, Excel import and export."""

import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from openpyxl import Workbook, load_workbook

from baozhang.inspections.services import FindingInput, inspection_submit
from baozhang.standards.models import Standard, StandardItem, StandardVersion
from tests.factories import AreaTypeFactory, LocationFactory, SiteFactory
from tests.forms import form_as_sent

pytestmark = pytest.mark.django_db


def items_post(rows):
    data = {
        "items-TOTAL_FORMS": str(len(rows)),
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    for index, (section, text, kind, points, cap) in enumerate(rows):
        data.update(
            {
                f"items-{index}-section": section,
                f"items-{index}-text": text,
                f"items-{index}-kind": kind,
                f"items-{index}-points": points,
                f"items-{index}-cap": cap,
            }
        )
    return data


@pytest.fixture
def dorm(college):
    with scopes_disabled():
        return AreaTypeFactory(organisation=college, code="dorm", name="宿舍")


def create_standard(client, dorm) -> Standard:
    response = client.post(
        reverse("standards:standard-create", args=["college"]),
        {
            "code": "SS",
            "name": "宿舍卫生标准",
            "area_types": [dorm.pk],
            "is_active": "on",
            "base_score": "100",
            "floor_score": "0",
            "red_line_rule": "period_floor",
            "red_line_score": "60",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        return Standard.objects.get(code="SS")


def test_a_used_version_never_changes_editing_makes_a_new_one(alice_client, college, dorm):
    standard = create_standard(alice_client, dorm)
    items_url = reverse("standards:standard-items", args=["college", standard.pk])
    alice_client.post(items_url, items_post([("地面", "地面有垃圾", "deduction", "2", "6")]))
    alice_client.post(
        items_url,
        items_post(
            [("地面", "地面有垃圾", "deduction", "2", "6"), ("内务", "被褥", "scored", "5", "")]
        ),
    )
    with scopes_disabled():
        [version] = StandardVersion.objects.filter(standard=standard)
        assert version.number == 1 and version.items.count() == 2
        assert (version.red_line_rule, version.red_line_score) == ("period_floor", Decimal(60))
        site = SiteFactory(organisation=college)
        room = LocationFactory(organisation=college, site=site, area_type=dorm)
    with scope(organisation=college):
        item = version.items.get(text="地面有垃圾")
        inspection, _ = inspection_submit(
            location=room, version=version, findings=[FindingInput(item_id=item.pk)]
        )
    alice_client.post(items_url, items_post([("地面", "地面有垃圾", "deduction", "3", "")]))
    with scopes_disabled():
        versions = list(StandardVersion.objects.filter(standard=standard).order_by("number"))
        assert [v.number for v in versions] == [1, 2]
        assert versions[0].items.count() == 2  # untouched
        assert versions[1].items.get().points == Decimal(3)
        inspection.refresh_from_db()
        assert inspection.standard_version_id == versions[0].pk
    detail = alice_client.get(reverse("standards:standard-detail", args=["college", standard.pk]))
    rows = re.findall(
        r'<a href="\?version=(\d+)">v\d+</a></td><td>.*?</td><td>(\d+)</td>',
        detail.content.decode(),
    )
    assert rows == [("2", "0"), ("1", "1")]  # newest first, with the checks done with each
    history = alice_client.get(
        reverse("standards:standard-history", args=["college", standard.pk])
    ).content.decode()
    assert "SS 宿舍卫生标准 v1" in history and "SS 宿舍卫生标准 v2" in history


def workbook(rows) -> io.BytesIO:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "standard.xlsx"
    return buffer


HEADERS = ["分类", "检查项", "类型", "分值", "上限", "适用区域"]


def test_excel_import_is_all_or_nothing_and_exports_back(alice_client, college, dorm):
    standard = create_standard(alice_client, dorm)
    url = reverse("standards:standard-import", args=["college", standard.pk])
    bad = alice_client.post(
        url,
        {
            "file": workbook(
                [
                    HEADERS,
                    ["地面", "地面有垃圾", "扣分", 2, 6, "宿舍"],
                    ["加分", "打扫", "送分", 10, None, ""],
                ]
            )
        },
    )
    body = bad.content.decode()
    assert "第 3 行，“类型”列" in body
    with scopes_disabled():
        assert not StandardItem.objects.exists()
    good = alice_client.post(
        url,
        {
            "file": workbook(
                [
                    HEADERS,
                    ["地面", "地面有垃圾", "扣分", 2, 6, "宿舍"],
                    ["加分", "打扫阶梯教室", "加分", 10, None, ""],
                    ["红线", "使用违章电器", "红线", 20, None, ""],
                ]
            )
        },
    )
    assert good.status_code == 302
    exported = alice_client.get(reverse("standards:standard-export", args=["college", standard.pk]))
    rows = list(load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert [row[:4] for row in rows[1:]] == [
        ("地面", "地面有垃圾", "扣分", 2),
        ("加分", "打扫阶梯教室", "加分", 10),
        ("红线", "使用违章电器", "红线", 20),
    ]
    assert rows[1][4] == 6 and rows[1][5] == "宿舍"


def test_viewer_reads_and_outsider_gets_404(client, alice_client, bob, charlie, college, dorm):
    standard = create_standard(alice_client, dorm)
    detail = reverse("standards:standard-detail", args=["college", standard.pk])
    client.force_login(bob)
    assert client.get(detail).status_code == 200
    assert (
        client.post(
            reverse("standards:standard-edit", args=["college", standard.pk]), {}
        ).status_code
        == 403
    )
    client.force_login(charlie)
    assert client.get(detail).status_code == 404


def test_saving_the_items_page_as_shown_ignores_its_blank_rows(alice_client, college, dorm):
    standard = create_standard(alice_client, dorm)
    items_url = reverse("standards:standard-items", args=["college", standard.pk])
    alice_client.post(items_url, items_post([("地面", "地面有垃圾", "deduction", "2", "6")]))
    page = alice_client.get(items_url).content.decode()
    data = form_as_sent(page)
    assert data["items-TOTAL_FORMS"] == "4" and data["items-INITIAL_FORMS"] == "1"
    data["items-0-points"] = "3"  # one change; the three blank rows as the page shows them

    response = alice_client.post(items_url, data)

    assert response.status_code == 302, response.content.decode()
    with scopes_disabled():
        versions = list(StandardVersion.objects.filter(standard=standard).order_by("number"))
        assert [version.number for version in versions] == [1]
        [item] = versions[0].items.all()
        assert (item.text, item.points) == ("地面有垃圾", Decimal(3))


def test_a_half_filled_row_is_named_and_nothing_is_saved(alice_client, college, dorm):
    standard = create_standard(alice_client, dorm)
    items_url = reverse("standards:standard-items", args=["college", standard.pk])
    alice_client.post(items_url, items_post([("地面", "地面有垃圾", "deduction", "2", "6")]))
    data = form_as_sent(alice_client.get(items_url).content.decode())
    data["items-2-text"] = "门窗不洁"  # the second blank row: an item with no section nor points

    response = alice_client.post(items_url, data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "第3行需要填写分类、检查项和分值（数字）；或勾选“删除”不保存此行。" in page
    assert "第2行" not in page and "第4行" not in page
    with scopes_disabled():
        [version] = StandardVersion.objects.filter(standard=standard)
        assert [item.text for item in version.items.all()] == ["地面有垃圾"]
