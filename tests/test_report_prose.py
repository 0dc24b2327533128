"""Reports read as a Chinese office writer writes them. Every kind of report, over the demo and
over edge periods (an empty week, a running week and month, this half-year and year, a range),
passes the writing rules of reports/prose_lint.py in every paragraph, heading and table cell of
its page, its Word document and its printed HTML; a smaller set in English. The demo is built
once for the module."""

import io
import re
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone, translation
from django_scopes import scopes_disabled
from docx import Document as WordDocument

from baozhang.core.figures import Scope
from baozhang.core.periods import month_key, period_parse, week_key
from baozhang.demo import demo_build
from baozhang.orgs.models import Organisation
from baozhang.reports.document import build_document
from baozhang.reports.files import document_html, version_docx
from baozhang.reports.models import Report
from baozhang.reports.prose_lint import prose_faults, tie_faults, title_faults
from baozhang.reports.services import report_create

pytestmark = pytest.mark.django_db


def edge_periods() -> list[tuple[str, str]]:
    """(kind, period) of the edges, relative to today as the demo is."""
    today = timezone.localdate()
    half = f"{today.year}-H{1 if today.month <= 6 else 2}"
    return [
        ("weekly", week_key(today - timedelta(days=120))),  # before the demo's history: empty
        ("weekly", week_key(today)),  # running
        ("monthly", month_key(today)),  # running, a second report of the demo's draft's month
        ("half_year", half),
        ("annual", str(today.year)),
        ("custom", f"{today - timedelta(days=60)}..{today + timedelta(days=10)}"),
    ]


def reports_make(organisation: Organisation, wanted: list[tuple[str, str]]) -> list[Report]:
    scope = Scope(organisation=organisation)
    return [
        report_create(kind=kind, scope=scope, period=period_parse(period))
        for kind, period in wanted
    ]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo of 40 days and the college's edge reports, in Chinese; rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic(), translation.override("zh-hans"):
        demo_build(history_days=40)
        with scopes_disabled():
            college = Organisation.objects.get(slug="college")
            reports_make(college, edge_periods())
        yield college
        transaction.set_rollback(True)


def html_texts(html: str) -> list[str]:
    html = re.sub(r"<style.*?</style>", "", html, flags=re.S)
    return [text.strip() for text in re.split(r"<[^>]+>", html) if text.strip()]


def docx_texts(content: bytes) -> list[str]:
    word = WordDocument(io.BytesIO(content))
    texts = [paragraph.text for paragraph in word.paragraphs]
    for table in word.tables:
        texts += [cell.text for row in table.rows for cell in row.cells]
    return [text for text in texts if text.strip()]


def block_texts(version) -> list[str]:
    document = build_document(version)
    texts = [document.title, document.period]
    for block in document.blocks:
        texts += [block.text, *block.headers]
        texts += [str(cell) for row in block.rows for cell in row]
    return [text for text in texts if text]


def faults_of(version, language: str, *, files: bool) -> list[str]:
    texts = block_texts(version)
    if files:
        texts += docx_texts(version_docx(version)) + html_texts(document_html(version))
    found = [
        f"{version.report.title}: {fault}"
        for text in texts
        for fault in prose_faults(text, language=language)
    ]
    results = version.narrative.get("results", "")
    found += [str(fault) for fault in tie_faults(results, version.figures["units"])]
    return found


def test_every_kind_of_report_reads_as_written_by_hand_in_chinese(demo):
    with scopes_disabled(), translation.override("zh-hans"):
        reports = list(Report.objects.filter(organisation=demo).prefetch_related("versions"))
        assert {report.kind for report in reports} == {
            "weekly",
            "monthly",
            "half_year",
            "annual",
            "custom",
        }
        faults, kinds = [], set()
        for report in reports:
            for version in report.versions.all():
                # The files print the blocks: one Word document and one printed page a kind.
                files = report.kind not in kinds
                kinds.add(report.kind)
                faults += faults_of(version, "zh-hans", files=files)
        assert faults == [], "\n".join(faults)
        titles = [report.title for report in reports]
        assert title_faults(titles) == []
        today = timezone.localdate()
        running = f"（截至{today.month}月{today.day}日）"
        this_month = [title for title in titles if f"{today.year}年{today.month}月月报" in title]
        assert len(this_month) == 2 and all(running in title for title in this_month)
        assert any("（第2份）" in title for title in this_month)
        empty = next(report for report in reports if report.period == edge_periods()[0][1])
        assert "本期无相关工作记录" in empty.versions.get().narrative["overview"]


def test_the_hospitals_reports_read_as_written_by_hand_too(demo):
    with scopes_disabled(), translation.override("zh-hans"):
        hospital = Organisation.objects.get(slug="hospital")
        versions = [
            version
            for report in Report.objects.filter(organisation=hospital)
            for version in report.versions.all()
        ]
        assert versions
        faults = [
            fault for version in versions for fault in faults_of(version, "zh-hans", files=False)
        ]
        assert faults == []


def test_reports_in_english_keep_english_dates_and_headings(demo):
    with scopes_disabled(), translation.override("en"):
        today = timezone.localdate()
        wanted = [("weekly", week_key(today - timedelta(days=7))), ("monthly", month_key(today))]
        wanted.append(("annual", str(today.year)))
        reports = reports_make(demo, wanted)
        faults = []
        for report in reports:
            faults += faults_of(report.versions.get(), "en", files=report.kind == "weekly")
        assert faults == []
        weekly = build_document(reports[0].versions.get())
        assert weekly.blocks[0].text == "1. Overview"
        days = [
            str(row[0])
            for block in weekly.tables()
            for row in block.rows
            if block.headers[0] == "Date"
        ]
        assert days and all(
            re.fullmatch(r"[A-Z][a-z]+day \d{1,2} [A-Z][a-z]+", day) for day in days
        )
