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
    from django.utils import timezone

    from baozhang.core.periods import period_parse
    from bench.baselines import organisation_id

    period = period_parse(label)
    first, after = (connection.ops.adapt_datetimefield_value(m) for m in period.moments())
    book = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = book.add_worksheet("检查记录")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    for column, header in enumerate(HEADERS):
        sheet.write_string(0, column, header)
    zone = timezone.get_current_timezone()
    with connection.cursor() as cursor:
        cursor.execute(EXPORT_SQL, [organisation_id(slug), first, after])
        row = 0
        while chunk := cursor.fetchmany(2000):
            for day, moment, code, unit, item, kind, points, note, who, pk in chunk:
                row += 1
                if isinstance(day, str):  # SQLite
                    day = dt.date.fromisoformat(day)
                    moment = dt.datetime.fromisoformat(moment)
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=dt.UTC)
                sheet.write_datetime(row, 0, dt.datetime.combine(day, dt.time()), dates)
                sheet.write_string(row, 1, moment.astimezone(zone).strftime("%H:%M"))
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
    download = session.get(f"{base}/o/{slug}/export/jobs/{found.group(1)}/file.xlsx", timeout=120)
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
    from bench.server import spread

    ours, theirs = out / "export-product.xlsx", out / "export-baseline.xlsx"
    product, baseline = [], []
    for _round in range(rounds):
        product.append(export_product(env, base, session, slug, label, ours))
        baseline.append(export_of_baseline(env, slug, label, theirs))
    rows = same_workbooks(ours, theirs) - 1
    timed = spread([each["seconds"] for each in product])
    bare = spread([each["seconds"] for each in baseline])
    memory = max(each["rss_peak_mb"] for each in product)
    bare_memory = max(each["rss_peak_mb"] for each in baseline)
    return {
        "name": f"findings export of a year, {rows:,} rows (a job)",
        "product": timed,
        "baseline": bare,
        "ratio": timed["median"] / bare["median"],
        "goal": 1.3,
        "memory_mb": memory,
        "baseline_memory_mb": bare_memory,
        "memory_ratio": memory / bare_memory,
        "memory_goal": 1.2,
    }


if __name__ == "__main__":
    if sys.argv[1] == "export":
        export_baseline(*sys.argv[2:5])
