"""A monthly report in Chromium: generate it, edit a paragraph, finalise, download Word and PDF,
click a number and land on its records."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from docx import Document as WordDocument
from pypdf import PdfReader

from baozhang.demo import DEMO_PASSWORD
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_generate_edit_finalise_download_and_trace(page, demo, tmp_path):
    demo(history_days=40)
    sign_in(page, "college-admin", DEMO_PASSWORD)
    page.goto(reverse("reports:list", args=["college"]))
    form = page.get_by_test_id("generate-form")
    assert form.locator("select[name=kind]").input_value() == "monthly"
    form.get_by_test_id("generate").click()
    page.wait_for_load_state()
    # The report is made in the background; the page shows its progress meanwhile.
    assert page.get_by_test_id("job-progress").get_attribute("data-status") == "queued"
    call_command("db_worker", "--batch", "--interval", "0", verbosity=0)
    page.wait_for_url("**/reports/*/", timeout=15_000)
    assert page.get_by_test_id("version-status").inner_text().strip() in ("草稿", "Draft")

    overview = page.get_by_test_id("narrative-overview")
    overview.fill("本月卫生检查按计划进行，总体情况良好。")
    page.get_by_test_id("save").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("narrative-overview").input_value().startswith("本月卫生检查")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("finalise").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("version-status").inner_text().strip() in ("定稿", "Final")
    # Final: the paragraph is text now, not a field.
    assert page.get_by_test_id("narrative-overview").evaluate("e => e.tagName") == "P"

    with page.expect_download() as word:
        page.get_by_test_id("download-docx").click()
    path = tmp_path / "report.docx"
    word.value.save_as(path)
    text = "\n".join(p.text for p in WordDocument(str(path)).paragraphs)
    assert "本月卫生检查按计划进行" in text and "示例职业技术学院" in text
    with page.expect_download() as pdf:
        page.get_by_test_id("download-pdf").click()
    pdf_path = tmp_path / "report.pdf"
    pdf.value.save_as(pdf_path)
    reader = PdfReader(io.BytesIO(pdf_path.read_bytes()))
    assert "本月卫生检查按计划进行" in "".join(p.extract_text() for p in reader.pages).replace(
        " ", ""
    )

    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    link = page.locator("[data-testid=figure-link][href*='/rectification/']").first
    number = link.inner_text().strip()
    link.click()
    page.wait_for_load_state()
    assert "/rectification/" in page.url
    assert f"共 {number} 条" in page.get_by_test_id("records-count").inner_text()
