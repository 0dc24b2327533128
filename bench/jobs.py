"""Work that people wait for as a background job, from the request to the file in their hands.

(g) A year's findings exported to Excel. The product: the findings list's export asked for by the
signed-in admin (past BAOZHANG_EXPORT_BACKGROUND_ROWS it becomes a job), a worker process of its own
(`baozhang worker --batch`) that writes it, and the download. The baseline: a process of its own
that reads the same rows from the database (one join) and writes them with XlsxWriter
(constant_memory) with the same local times, formats and formula-safe text. Time is wall-clock
from the request (the process's start for the baseline) to the file; memory is each process's
peak resident size (VmHWM). The two workbooks are compared cell by cell.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

EXPORT_SQL = """
SELECT f.date, f.observed_at, l.code, u.code, i.text, f.kind, f.points, f.note, p.name, f.id
FROM inspections_finding f
JOIN orgs_location l ON l.id = f.location_id
LEFT JOIN orgs_unit u ON u.id = f.unit_id
LEFT JOIN standards_standarditem i ON i.id = f.item_id
LEFT JOIN orgs_person p ON p.id = f.inspector_id
WHERE f.organisation_id = %s AND f.observed_at >= %s AND f.observed_at < %s
ORDER BY f.observed_at DESC, f.id DESC
"""
FORMULA = ("=", "+", "-", "@", "\t", "\r")
HEADERS = ["日期", "时间", "位置", "责任单位", "检查项", "分值", "说明", "检查人", "系统编号"]


def safe(text: str) -> str:
    """Text a spreadsheet would run as a formula, with a leading apostrophe (as the product)."""
    return "'" + text if text and text.lstrip("'").startswith(FORMULA) else text


def export_baseline(slug: str, label: str, path: str) -> None:
    """The baseline's process: the year's findings written to ``path``; prints its peak memory."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    import xlsxwriter
    from django.db import connection

    from baozhang.core.periods import period_parse
    from bench.baselines import local_day, local_time, organisation_id

    period = period_parse(label)
    first, after = (connection.ops.adapt_datetimefield_value(m) for m in period.moments())
    book = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = book.add_worksheet("检查记录")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    for column, header in enumerate(HEADERS):
        sheet.write_string(0, column, header)
    with connection.cursor() as cursor:
        cursor.execute(EXPORT_SQL, [organisation_id(slug), first, after])
        row = 0
        while chunk := cursor.fetchmany(2000):
            for day, moment, code, unit, item, kind, points, note, who, pk in chunk:
                row += 1
                day = dt.datetime.combine(local_day(day), dt.time())
                sheet.write_datetime(row, 0, day, dates)
                sheet.write_string(row, 1, local_time(moment).strftime("%H:%M"))
                sheet.write_string(row, 2, safe(code))
                if unit is not None:
                    sheet.write_string(row, 3, safe(unit))
                if item is not None:
                    sheet.write_string(row, 4, safe(item))
                if kind == "highlight":
                    note = note if note.startswith("亮点") else f"亮点：{note}"
                else:
                    sheet.write_number(row, 5, float(points))
                if note:
                    sheet.write_string(row, 6, safe(note))
                if who is not None:
                    sheet.write_string(row, 7, safe(who))
                sheet.write_number(row, 8, pk)
    book.close()
    print(json.dumps({"rss_peak_mb": _peak_mb(), "rows": row}))


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise LookupError("VmHWM")


def _process(env: dict, arguments: list[str]) -> dict:
    """A process of its own until it ends; the last line it printed, as JSON."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, *arguments],
        env={**env, "DJANGO_SETTINGS_MODULE": "bench.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"{arguments} failed: {result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def export_product(env: dict, base: str, session, slug: str, label: str, path: Path) -> dict:
    """The product's export, from the request to the downloaded file."""
    began = time.perf_counter()
    answer = session.get(
        f"{base}/o/{slug}/findings/export.xlsx?period={label}", allow_redirects=False, timeout=60
    )
    found = re.search(r"/export/jobs/(\d+)/", answer.headers.get("Location", ""))
    if answer.status_code != 302 or found is None:
        raise SystemExit(f"the export did not become a job ({answer.status_code})")
    worker = _process(env, ["-m", "bench.imports"])
    download = session.get(f"{base}/o/{slug}/export/jobs/{found.group(1)}/file", timeout=120)
    if download.status_code != 200:
        raise SystemExit(f"the export's file answered {download.status_code}")
    path.write_bytes(download.content)
    return {"seconds": time.perf_counter() - began, "rss_peak_mb": worker["rss_peak_mb"]}


def export_of_baseline(env: dict, slug: str, label: str, path: Path) -> dict:
    began = time.perf_counter()
    made = _process(env, ["-m", "bench.jobs", "export", slug, label, str(path)])
    return {"seconds": time.perf_counter() - began, "rss_peak_mb": made["rss_peak_mb"]}


def same_workbooks(ours: Path, theirs: Path) -> int:
    """The two workbooks' cells, row by row; the number of rows."""
    from openpyxl import load_workbook

    books = [load_workbook(path, read_only=True) for path in (ours, theirs)]
    rows = 0
    try:
        for left, right in zip(
            *(book.worksheets[0].iter_rows(values_only=True) for book in books), strict=True
        ):
            left = tuple(value for value in left)
            right = tuple(value for value in right)
            if left != right:
                raise AssertionError(f"export row {rows + 1} differs: {left} ≠ {right}")
            rows += 1
    finally:
        for book in books:
            book.close()
    return rows


def export_measure(env: dict, base: str, session, slug: str, label: str, out: Path, rounds: int):

    ours, theirs = out / "export-product.xlsx", out / "export-baseline.xlsx"
    product, baseline = [], []
    for _round in range(rounds):
        product.append(export_product(env, base, session, slug, label, ours))
        baseline.append(export_of_baseline(env, slug, label, theirs))
    rows = same_workbooks(ours, theirs) - 1
    memory = max(each["rss_peak_mb"] for each in product)
    bare_memory = max(each["rss_peak_mb"] for each in baseline)
    return {
        **timed_result(
            f"findings export of a year, {rows:,} rows (a job)",
            [each["seconds"] for each in product],
            [each["seconds"] for each in baseline],
            1.3,
        ),
        "memory_mb": memory,
        "baseline_memory_mb": bare_memory,
        "memory_ratio": memory / bare_memory,
        "memory_goal": 1.2,
    }


# (e) A weekly report made end to end ---------------------------------------------------------

REPORT_CSS = """
@page { size: A4; margin: 2cm 2cm 2.2cm; @bottom-center { content: counter(page); } }
body { font-family: "Noto Sans CJK SC", sans-serif; font-size: 10.5pt; line-height: 1.5; }
h1 { text-align: center; font-size: 18pt; } h2 { font-size: 14pt; } h3 { font-size: 12pt; }
table { width: 100%; border-collapse: collapse; margin: 0.4em 0 1em; }
th, td { border: 0.5pt solid #999; padding: 2pt 4pt; text-align: left; vertical-align: top; }
img { width: 15cm; }
"""


def report_baseline(slug: str, label: str, path: str, figures_path: str) -> None:
    """The baseline's process: a week's figures by raw SQL, its charts by matplotlib, its document
    as hand-written HTML, its PDF by WeasyPrint; the figures kept for the comparison."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from weasyprint import HTML

    from bench.document import as_html, report_content

    figures, sections, blocks = report_content(slug, label)
    HTML(string=as_html(blocks, REPORT_CSS)).write_pdf(path)
    Path(figures_path).write_text(json.dumps({**figures, "bulletin": sections}, default=str))
    print(json.dumps({"rss_peak_mb": _peak_mb()}))


def report_product(env: dict, base: str, session, organisation, label: str, path: Path) -> dict:
    """The product's report: asked for as on the reports page (a job), made by a worker process of
    its own (figures, document), then its PDF downloaded (charts and PDF made on the request)."""
    from django_scopes import scope

    from baozhang.core.figures import Scope
    from baozhang.core.periods import period_parse
    from baozhang.reports.background import report_job_request
    from baozhang.reports.models import ReportJob

    began = time.perf_counter()
    with scope(organisation=organisation):
        job = report_job_request(
            access=None, kind="weekly", scope=Scope(organisation=organisation),
            period=period_parse(label),
        )  # fmt: skip
    worker = _process(env, ["-m", "bench.imports"])
    job = ReportJob._base_manager.get(pk=job.pk)
    if job.report_id is None:
        raise SystemExit(f"the report job ended {job.status}: {job.error}")
    slug = organisation.slug
    pdf = session.get(f"{base}/o/{slug}/reports/{job.report_id}/v1.pdf", timeout=300)
    if pdf.status_code != 200:
        raise SystemExit(f"the report's PDF answered {pdf.status_code}")
    seconds = time.perf_counter() - began
    path.write_bytes(pdf.content)
    return {"seconds": seconds, "rss_peak_mb": worker["rss_peak_mb"], "report": job.report_id}


def report_measure(env: dict, base: str, sessions, organisation, label: str, out: Path, rounds):
    from pypdf import PdfReader

    from bench.stack import _check, _figures

    ours, theirs = out / "report-product.pdf", out / "report-baseline.pdf"
    numbers = out / "report-baseline.json"
    product, baseline = [], []
    for _round in range(rounds):
        product.append(report_product(env, base, sessions["page"], organisation, label, ours))
        began = time.perf_counter()
        _process(env, ["-m", "bench.jobs", "report", organisation.slug, label, str(theirs),
                       str(numbers)])  # fmt: skip
        baseline.append(time.perf_counter() - began)
    made = (
        sessions["api"]
        .get(f"{base}/api/v1/orgs/{organisation.slug}/reports/{product[-1]['report']}", timeout=60)
        .json()
    )
    figures = made["figures"]
    expected = json.loads(numbers.read_text())
    for key in ("inspections", "units", "red_flags", "rectification"):
        _check(
            _figures(figures, True)[key] == _figures(expected, True)[key],
            f"report's {key}", _figures(figures, True)[key], _figures(expected, True)[key],
        )  # fmt: skip
    problems, wanted = (
        [
            sum(len(unit["findings"]) for day in section["days"] for unit in day["units"])
            for section in made_figures["bulletin"]
        ]
        for made_figures in (figures, expected)
    )
    _check(problems == wanted, "report's problems per area type", problems, wanted)
    pages = [len(PdfReader(path).pages) for path in (ours, theirs)]
    return timed_result(
        f"weekly report end to end, {pages[0]} pages (baseline {pages[1]})",
        [each["seconds"] for each in product],
        baseline,
        1.2,
    )


def timed_result(name: str, product: list[float], baseline: list[float], goal: float) -> dict:
    """A job's bench: the median and spread of each, their ratio and the goal."""
    from bench.server import spread

    timed, bare = spread(product), spread(baseline)
    return {
        "name": name,
        "product": timed,
        "baseline": bare,
        "ratio": timed["median"] / bare["median"],
        "goal": goal,
    }


if __name__ == "__main__":
    if sys.argv[1] == "export":
        export_baseline(*sys.argv[2:5])
    elif sys.argv[1] == "report":
        report_baseline(*sys.argv[2:6])
