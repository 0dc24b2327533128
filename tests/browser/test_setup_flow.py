"""A person's first hour: sign in, build a piece of the location tree, import from Excel, switch language."""

import pytest
from django_scopes import scopes_disabled
from openpyxl import Workbook

from baozhang.demo import DEMO_PASSWORD
from baozhang.orgs.models import Location
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def open_setup_menu(page) -> None:
    """Open the Set-up menu of the bar (once the bar has finished opening on a phone)."""
    if page.locator(".navbar-toggler").is_visible():
        page.locator("#mainnav.collapse.show").wait_for(state="visible")
    page.get_by_test_id("setup-menu").click()
    page.locator(".dropdown-menu.show").wait_for(state="visible")


def location_codes() -> set[str]:
    with scopes_disabled():
        return set(
            Location.objects.filter(organisation__slug="college").values_list("code", flat=True)
        )


def workbook(path, rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return str(path)


def test_admin_builds_locations_imports_and_switches_language(page, demo, tmp_path):
    demo(history_days=21)
    sign_in(page, "college-admin", DEMO_PASSWORD)
    open_setup_menu(page)  # the set-up pages are under one menu
    page.get_by_role("link", name="位置", exact=True).first.click()
    assert page.locator("h1").inner_text() == "位置"

    page.get_by_test_id("create").click()
    page.select_option("#id_site", label="主校区")
    page.select_option("#id_kind", label="楼栋")
    page.fill("#id_code", "SX")
    page.fill("#id_name", "实训楼")
    page.get_by_test_id("save").click()
    assert page.locator("h1").inner_text() == "SX 实训楼"

    page.goto("/o/college/locations/new/")
    page.select_option("#id_site", label="主校区")
    page.select_option("#id_parent", label="SX 实训楼")
    page.select_option("#id_kind", label="房间")
    page.fill("#id_code", "SX-101")
    page.fill("#id_name", "实训室101")
    page.get_by_test_id("save").click()
    assert page.locator("h1").inner_text() == "SX-101 实训室101"
    assert {"SX", "SX-101"} <= location_codes()

    before = location_codes()
    headers = ["编码", "名称", "院区/校区", "上级编码", "类型", "区域类型"]
    bad = workbook(
        tmp_path / "bad.xlsx",
        [
            headers,
            ["SX-102", "实训室102", "main", "SX", "房间", "教室"],
            ["SX-103", "实训室103", "main", "SX-9", "房间", "教室"],
        ],
    )
    page.goto("/o/college/import/?kind=locations")
    page.set_input_files("input[type=file]", bad)
    page.get_by_test_id("import-submit").click()
    errors = page.get_by_test_id("import-errors").inner_text()
    assert (
        "没有导入任何数据" in errors
        and "第 3 行" in errors
        and "上级编码" in errors
        and "SX-9" in errors
    )
    assert location_codes() == before

    good = workbook(
        tmp_path / "good.xlsx",
        [
            headers,
            ["SX-102", "实训室102", "main", "SX", "房间", "教室"],
            ["SX-103", "实训室103", "main", "SX", "房间", "教室"],
        ],
    )
    page.set_input_files("input[type=file]", good)
    page.get_by_test_id("import-submit").click()
    assert "新增 2 条" in page.locator(".alert-success").inner_text()
    assert location_codes() == before | {"SX-102", "SX-103"}

    with page.expect_navigation():
        page.get_by_test_id("language-select").select_option("en")
    assert page.locator("h1").inner_text() == "Locations"
    open_setup_menu(page)
    assert page.get_by_role("link", name="Responsibilities").first.is_visible()
    with page.expect_navigation():
        page.get_by_test_id("language-select").select_option("zh-hans")
    assert page.locator("h1").inner_text() == "位置"


def test_phone_layout_has_collapsed_menu(phone, demo):
    demo(history_days=21)
    sign_in(phone, "college-inspector", DEMO_PASSWORD)
    toggler = phone.locator(".navbar-toggler")
    assert toggler.is_visible()
    toggler.click()
    open_setup_menu(phone)
    phone.get_by_role("link", name="位置", exact=True).first.click()
    assert phone.locator("h1").inner_text() == "位置"
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
