"""(i) A large findings import, as the background worker runs it (--only imports).

For a workbook of ROWS / 5 and one of ROWS findings (one check of 1 to 5 findings per location,
time and inspector, every note a different text, as a typed-in paper sheet has), imported by a
worker process of its own (`baozhang worker --batch`):

- untraced, as in production: the worker's peak resident size (VmHWM) and the time the import
  takes, against openpyxl in read-only mode iterating the same workbook (goal ≤ 2), while another
  writer writes every 100 ms through the product's own database connection, and that writer's
  longest wait (goal < 1 s);
- traced by tracemalloc (several times slower): its Python heap's peak.

The goal for the memory: the same peaks for both workbooks.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import xlsxwriter

HEADERS = ["日期", "时间", "位置", "责任单位", "检查项", "分值", "说明", "检查人"]
INSPECTORS = ["检查员甲", "检查员乙", "检查员丙"]
SLUG = "imports-bench"
WRITE_EVERY = 0.1


def workbook_write(path: Path, rows: int, *, codes, units, items, seed: int = 11) -> None:
    """A findings workbook of that many rows, written with shared strings as Excel writes them."""
    generator = random.Random(seed)  # noqa: S311 - benchmark data
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("检查记录")
    for column, header in enumerate(HEADERS):
        sheet.write_string(0, column, header)
    row = 1
    while row <= rows:
        day = dt.date(2026, 1, 1) + dt.timedelta(days=generator.randrange(365))
        moment = f"{generator.randrange(7, 20):02d}:{generator.randrange(60):02d}"
        code, inspector = generator.choice(codes), generator.choice(INSPECTORS)
        for _finding in range(min(generator.randint(1, 5), rows - row + 1)):
            sheet.write_string(row, 0, day.isoformat())
            sheet.write_string(row, 1, moment)
            sheet.write_string(row, 2, code)
            if generator.random() < 0.1:
                sheet.write_string(row, 3, generator.choice(units))
            sheet.write_string(row, 4, generator.choice(items))
            sheet.write_string(row, 6, f"第{row}条：门后有垃圾，桌面杂乱")
            sheet.write_string(row, 7, inspector)
            row += 1
    book.close()


def organisation_ready():
    """The benchmark's own organisation (not one of the data set's), emptied of checks."""
    from django.db import connection
    from django_scopes import scopes_disabled

    from baozhang.inspections.models import Finding, Inspection
    from baozhang.orgs.models import ImportJob, Location, Person, Unit
    from baozhang.standards.models import StandardItem
    from bench.dataset import organisation_shaped

    with scopes_disabled():
        organisation = organisation_shaped(slug=SLUG, name="导入基准测试单位")[0]
        with connection.cursor() as cursor:
            for model in (Finding.history.model, Finding, Inspection.history.model, Inspection):
                table = connection.ops.quote_name(model._meta.db_table)
                cursor.execute(
                    f"DELETE FROM {table} WHERE organisation_id = %s",  # noqa: S608
                    [organisation.pk],
                )
        ImportJob.objects.filter(organisation=organisation).delete()
        for name in INSPECTORS:
            Person.objects.get_or_create(organisation=organisation, name=name)
        shape = {
            "codes": list(
                Location.objects.filter(organisation=organisation).values_list("code", flat=True)
            ),
            "units": list(
                Unit.objects.filter(organisation=organisation).values_list("code", flat=True)
            ),
            "items": list(
                StandardItem.objects.filter(organisation=organisation).values_list(
                    "text", flat=True
                )
            ),
        }
    return organisation, shape


@contextmanager
def writer_every(seconds: float, waits: list[float]):
    """Another writer: a short write transaction every `seconds`, each one's duration kept."""
    from django.db import connection, transaction

    from baozhang.core.models import PeriodicJob

    stop = threading.Event()

    def write():
        try:
            PeriodicJob.objects.get_or_create(name="bench.other-writer")
            while not stop.wait(seconds):
                began = time.perf_counter()
                with transaction.atomic():
                    job = PeriodicJob.objects.select_for_update().get(name="bench.other-writer")
                    job.runs += 1
                    job.save(update_fields=["runs"])
                waits.append(time.perf_counter() - began)
        finally:
            connection.close()

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def worker_measured(env: dict, root: Path, *, traced: bool) -> dict:
    """Run `baozhang worker --batch` in a process of its own until the queue is empty; what it
    printed of its memory."""
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "bench.imports"],
        env={**env, "BENCH_TRACED": "1" if traced else ""},
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    output = process.stdout.read()
    if process.wait() != 0:
        raise SystemExit(f"the worker failed ({process.returncode})")
    return json.loads(output.decode().strip().splitlines()[-1])


def imports_measure(env: dict, root: Path, out: Path, rows: int) -> dict:
    """Both workbooks imported by an untraced worker, then by a traced one, while another writer
    writes; see the docstring."""
    results = {}
    for traced in (False, True):
        for count in (rows // 5, rows):
            name = f"{count} {'traced' if traced else 'untraced'}"
            results[name] = import_measured(env, root, out, count, traced=traced)
    organisation_ready()  # the rows imported are not left for the other benchmarks
    return results


def import_measured(env: dict, root: Path, out: Path, count: int, *, traced: bool) -> dict:
    from django.core.files import File
    from django_scopes import scope

    from baozhang.core.models import JobStatus
    from baozhang.orgs.imports import import_job_request
    from baozhang.orgs.models import ImportJob

    organisation, shape = organisation_ready()
    path = out / f"findings-{count}.xlsx"
    if not path.exists():
        workbook_write(path, count, **shape)
    with scope(organisation=organisation), path.open("rb") as handle:
        job = import_job_request(
            organisation=organisation, kind="findings", upload=File(handle, name=path.name), by=None
        )
    waits: list[float] = []
    began = time.perf_counter()
    with writer_every(WRITE_EVERY, waits):
        measured = worker_measured(env, root, traced=traced)
    seconds = time.perf_counter() - began
    job = ImportJob._base_manager.get(pk=job.pk)
    if job.status != JobStatus.DONE or job.records_created != count:
        raise SystemExit(f"the import of {count} rows ended {job.status}: {job.error}")
    return {
        **measured,
        "rows": count,
        "seconds": seconds,
        "openpyxl_seconds": None if traced else openpyxl_read_seconds(path),
        "bytes": path.stat().st_size,
        "wait_max_ms": max(waits) * 1000,
        "writes": len(waits),
    }


def openpyxl_read_seconds(path: Path) -> float:
    """The baseline of the import's time: openpyxl in read-only mode iterating every row of the
    same workbook (every cell's value read), in this process."""
    import openpyxl

    began = time.perf_counter()
    book = openpyxl.load_workbook(path, read_only=True)
    for row in book.worksheets[0].iter_rows():
        for cell in row:
            cell.value  # noqa: B018 - read, as an import reads it
    book.close()
    return time.perf_counter() - began


def worker_child() -> None:
    """The worker, traced if BENCH_TRACED: prints its resident size after Django's set-up and at
    its peak (VmHWM, this process's own since it started), its Python heap's peak, and how long
    it ran after Django's set-up (the import, as a worker already running does it)."""
    import tracemalloc

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from baozhang.cli import main

    start = _status_mb("VmRSS")
    traced = bool(os.environ.get("BENCH_TRACED"))
    if traced:
        tracemalloc.start()
    began = time.perf_counter()
    main(["worker", "--batch"])
    worked = time.perf_counter() - began
    heap = tracemalloc.get_traced_memory()[1] / 2**20 if traced else None
    print(
        json.dumps(
            {
                "rss_start_mb": start,
                "rss_peak_mb": _status_mb("VmHWM"),
                "heap_mb": heap,
                "worker_seconds": worked,
            }
        )
    )


def _status_mb(field: str) -> float:
    """A size of /proc/self/status, in MB (ru_maxrss would count the forked parent's pages)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise LookupError(field)


if __name__ == "__main__":
    worker_child()
