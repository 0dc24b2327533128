"""Benchmarks of reports over the bench data set, each against a raw baseline doing the same work:
(d) the annual figures of one organisation / raw SQL computing the same numbers (goal ≤ 2)
(e) a long PDF (a busy week's bulletin) / WeasyPrint rendering the same prepared HTML (≤ 1.2)
(f) the .docx / a bare python-docx build of the same content (goal ≤ 1.5)
(g) a 100,000-row Excel export of findings / a bare XlsxWriter write of the same rows (≤ 1.3),
    with peak memory (tracemalloc) at most 1.2 × the bare writer's
"""

from __future__ import annotations

import io
import time
import tracemalloc

import xlsxwriter
from django.db import connection
from django_scopes import scope, scopes_disabled

from baozhang.core.figures import Scope
from baozhang.core.periods import period_parse, period_previous, period_steps, period_year_before
from baozhang.inspections.models import Finding
from baozhang.inspections.spreadsheets import findings_export
from baozhang.reports import files
from baozhang.reports.document import build_document
from baozhang.reports.figures import figures_compute
from baozhang.reports.models import ReportVersion
from baozhang.reports.services import report_create
from bench.ranking import RANKING_SQL


def best_of(function, rounds: int = 3) -> float:
    times = []
    for _round in range(rounds):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def turns(product, raw, rounds: int = 3) -> tuple[float, float, float]:
    """Product and raw measured in turns (so that neither gets a warmer machine), best of each."""
    product_times, raw_times = [], []
    for _round in range(rounds):
        product_times.append(best_of(product, 1))
        raw_times.append(best_of(raw, 1))
    return min(product_times), min(raw_times), min(product_times) / min(raw_times)


PROBLEMS = "('deduction', 'scored', 'red_line')"

# The numbers of figures_compute, statement by statement, for one period.
RAW_PERIOD = [
    # inspections: expected, done, missed, findings and points
    "SELECT COUNT(*) FROM inspections_expectedcheck WHERE organisation_id = %(org)s"
    " AND due_at >= %(first)s AND due_at < %(after)s",
    "SELECT COUNT(*) FROM inspections_inspection WHERE organisation_id = %(org)s"
    " AND date >= %(start)s AND date <= %(end)s",
    "SELECT COUNT(*) FROM inspections_expectedcheck e WHERE e.organisation_id = %(org)s"
    " AND e.due_at >= %(first)s AND e.due_at < %(after)s AND e.window_ends_at < %(now)s"
    " AND NOT EXISTS (SELECT 1 FROM inspections_inspection i WHERE i.expected_id = e.id)",
    f"SELECT SUM(CASE WHEN kind IN {PROBLEMS} THEN 1 ELSE 0 END),"
    f" SUM(CASE WHEN kind IN {PROBLEMS} THEN points ELSE 0 END),"
    " SUM(CASE WHEN kind = 'bonus' THEN points ELSE 0 END),"
    " SUM(CASE WHEN kind = 'bonus' THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN kind = 'highlight' THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN kind = 'red_line' THEN 1 ELSE 0 END)"
    " FROM inspections_finding WHERE organisation_id = %(org)s"
    " AND date >= %(start)s AND date <= %(end)s",
    # units: problems per unit (the scores are RANKING_SQL)
    f"SELECT unit_id, COUNT(*) FROM inspections_finding WHERE organisation_id = %(org)s"
    f" AND date >= %(start)s AND date <= %(end)s AND kind IN {PROBLEMS} GROUP BY unit_id",
    # red flags of the weeks closing in the period
    "SELECT r.week_key, r.unit_id FROM inspections_redflag r WHERE r.organisation_id = %(org)s"
    " AND r.week_key >= %(first_week)s AND r.week_key <= %(last_week)s",
    # rectification
    f"SELECT COUNT(*), COUNT(s.id), COUNT(t.id), COUNT(r.id),"
    " SUM(CASE WHEN t.status = 'closed' THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN t.status = 'closed' AND t.closed_at <= t.deadline THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN t.status = 'closed' AND t.closed_at > t.deadline THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN t.status IN ('open', 'submitted') AND t.deadline < %(now)s THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN t.rejections > 0 THEN 1 ELSE 0 END)"
    " FROM inspections_finding f"
    " LEFT JOIN rectification_spotfix s ON s.finding_id = f.id"
    " LEFT JOIN rectification_task t ON t.finding_id = f.id"
    " LEFT JOIN rectification_referral r ON r.finding_id = f.id"
    f" WHERE f.organisation_id = %(org)s AND f.kind IN {PROBLEMS}"
    " AND f.observed_at >= %(first)s AND f.observed_at < %(after)s",
    "SELECT t.opened_at, t.closed_at FROM inspections_finding f"
    " JOIN rectification_task t ON t.finding_id = f.id"
    f" WHERE f.organisation_id = %(org)s AND f.kind IN {PROBLEMS} AND t.status = 'closed'"
    " AND f.observed_at >= %(first)s AND f.observed_at < %(after)s",
]
RAW_ONCE = [
    # problems: top items, repeated units, by area type; trend per month
    f"SELECT item_id, COUNT(*) c FROM inspections_finding WHERE organisation_id = %(org)s"
    f" AND date >= %(start)s AND date <= %(end)s AND kind IN {PROBLEMS} AND item_id IS NOT NULL"
    " GROUP BY item_id ORDER BY c DESC LIMIT 5",
    f"SELECT unit_id, COUNT(*) c FROM inspections_finding WHERE organisation_id = %(org)s"
    f" AND date >= %(start)s AND date <= %(end)s AND kind IN {PROBLEMS} AND unit_id IS NOT NULL"
    " GROUP BY unit_id HAVING COUNT(*) >= 3 ORDER BY c DESC LIMIT 10",
    f"SELECT area_type_id, COUNT(*) FROM inspections_finding WHERE organisation_id = %(org)s"
    f" AND date >= %(start)s AND date <= %(end)s AND kind IN {PROBLEMS} GROUP BY area_type_id",
    f"SELECT month_key, COUNT(*), SUM(points) FROM inspections_finding"
    f" WHERE organisation_id = %(org)s AND date >= %(start)s AND date <= %(end)s"
    f" AND kind IN {PROBLEMS} GROUP BY month_key",
]


def _parameters(organisation, period, now) -> dict:
    from baozhang.core.periods import week_key

    first, after = period.moments()
    return {
        "org": organisation.pk,
        "start": period.start,
        "end": period.end,
        "first": first,
        "after": after,
        "now": now,
        "first_week": week_key(period.start),
        "last_week": week_key(period.end),
    }


def figures_ratio(organisation) -> tuple[float, float, float]:
    from django.utils import timezone

    from baozhang.inspections.selectors import board_policy

    period = period_parse("2026")
    policy = board_policy(organisation=organisation)
    periods = [period, period_previous(period), period_year_before(period)]
    now = timezone.now()
    months = [step for step in period_steps(period) if step.start <= timezone.localdate()]

    def product():
        with scope(organisation=organisation):
            figures_compute(scope=Scope(organisation=organisation), period=period)

    def raw():
        with connection.cursor() as cursor:
            for index, each in enumerate(periods):
                values = _parameters(organisation, each, now)
                statements = RAW_PERIOD + (RAW_ONCE if index == 0 else [])
                for statement in statements:
                    cursor.execute(statement, values)
                    cursor.fetchall()
                base, floor = policy.base_score, policy.floor_score
                # The period's ranking; for the period itself also each month's (the score trend).
                ranked = [each] + (months if index == 0 else [])
                for one in ranked:
                    cursor.execute(
                        RANKING_SQL,
                        [organisation.pk, one.start, one.end, organisation.pk, organisation.pk,
                         one.end, one.start, base, floor, floor, base],
                    )  # fmt: skip
                    cursor.fetchall()

    return turns(product, raw)


def document_version(organisation) -> ReportVersion:
    """A busy week's bulletin of the organisation (made once and kept)."""
    with scopes_disabled():
        existing = ReportVersion.objects.filter(
            report__organisation=organisation, report__kind="weekly", report__period="2026-W11"
        ).first()
    if existing is not None:
        return existing
    with scope(organisation=organisation):
        report = report_create(
            kind="weekly", scope=Scope(organisation=organisation), period=period_parse("2026-W11")
        )
        return report.versions.get()


def pdf_ratio(version) -> tuple[float, float, float, int]:
    from pypdf import PdfReader
    from weasyprint import HTML

    with scope(organisation=version.organisation):
        files.charts_of(version, build_document(version))  # drawn once, kept
        prepared = files.document_html(version)
        pages = len(PdfReader(io.BytesIO(files.version_pdf(version))).pages)

        def product():
            files.version_pdf(version)

        def raw():
            HTML(string=prepared).write_pdf()

        return (*turns(product, raw, rounds=2), pages)


def docx_ratio(version) -> tuple[float, float, float]:
    from docx import Document as WordDocument
    from docx.shared import Cm

    with scope(organisation=version.organisation):
        document = build_document(version)
        charts = files.charts_of(version, document)

        def product():
            files.version_docx(version)

        def raw():
            word = WordDocument()
            word.add_heading(document.title, level=0)
            word.add_paragraph(document.organisation)
            for block in document.blocks:
                if block.kind == "heading":
                    word.add_heading(block.text, level=block.level)
                elif block.kind == "paragraph":
                    word.add_paragraph(block.text)
                elif block.kind == "table":
                    word.add_paragraph(block.text)
                    table = word.add_table(rows=1, cols=len(block.headers))
                    table.style = "Table Grid"
                    for cell, header in zip(table.rows[0].cells, block.headers, strict=True):
                        cell.text = header
                    for row in block.rows:
                        for cell, value in zip(table.add_row().cells, row, strict=True):
                            cell.text = str(value)
                elif block.kind == "chart":
                    word.add_picture(io.BytesIO(charts[block.key]), width=Cm(15))
            word.save(io.BytesIO())

        return turns(product, raw)


def xlsx_ratio(organisation, rows: int = 100_000) -> tuple[float, float, float, float, int]:
    """The findings export of the organisation's newest 100,000 findings."""
    from baozhang.inspections.spreadsheets import COLUMNS

    with scope(organisation=organisation):
        queryset = Finding.objects.filter(organisation=organisation).order_by("-observed_at", "-id")
        cutoff = queryset.values_list("observed_at", flat=True)[rows - 1]
        chosen = queryset.filter(observed_at__gte=cutoff)
        lines = list(
            chosen.values_list(
                "date", "observed_at", "location__code", "unit__code", "item__text", "points",
                "note", "inspector__name",
            )
        )  # fmt: skip
    headers = [column.header for column in COLUMNS]

    def product():
        with scope(organisation=organisation):
            findings_export(organisation=organisation, target=io.BytesIO(), queryset=chosen)

    def raw():
        workbook = xlsxwriter.Workbook(io.BytesIO(), {"constant_memory": True, "in_memory": False})
        sheet = workbook.add_worksheet("检查记录")
        for col, header in enumerate(headers):
            sheet.write_string(0, col, header)
        for index, (day, moment, code, unit, item, points, note, who) in enumerate(lines, 1):
            sheet.write_datetime(index, 0, day)
            sheet.write_string(index, 1, moment.strftime("%H:%M"))
            sheet.write_string(index, 2, code)
            sheet.write_string(index, 3, unit or "")
            sheet.write_string(index, 4, item or "")
            sheet.write_number(index, 5, float(points))
            sheet.write_string(index, 6, note)
            sheet.write_string(index, 7, who or "")
        workbook.close()

    product_time, raw_time, ratio = turns(product, raw, rounds=2)
    peaks = []
    for function in (product, raw):
        tracemalloc.start()
        function()
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    # The bare writer's rows were read before; its peak counts them too, as the product's does.
    return product_time, raw_time, ratio, peaks[0] / peaks[1], len(lines)
