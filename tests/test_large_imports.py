"""Large imports run by the background worker: a progress bar, all or nothing, rows stored in
short batches that other writers wait for only briefly, and what was stored taken back whatever
stops the job."""

import datetime as dt
import io
import os
import signal
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files import File
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from django_tasks_db.models import DBTaskResult
from openpyxl import Workbook

from baozhang.core.background import Lease, jobs_sweep
from baozhang.core.models import JobFailure, JobStatus, PeriodicJob
from baozhang.core.xlsx import read_sheet, sheet_rows
from baozhang.inspections import imports, spreadsheets
from baozhang.inspections.models import Finding, Inspection
from baozhang.inspections.services import FindingInput, inspection_submit
from baozhang.orgs.imports import import_job_request
from baozhang.orgs.models import ImportJob
from baozhang.orgs.tasks import import_job_run
from tests.console import env_on_test_database, process_end, wait_until, worker_process
from tests.factories import member
from tests.test_findings_import import sheet

pytestmark = pytest.mark.django_db
HEADERS = ["日期", "时间", "位置", "责任单位", "检查项", "分值", "说明", "检查人", "系统编号"]
ITEMS = [("地面有垃圾", None), ("被褥叠放", 3), ("打扫阶梯教室", None)]


def workbook(rows) -> io.BytesIO:
    return sheet(rows, headers=HEADERS)


def findings_rows(count: int) -> list[list]:
    """Three findings per check (a location, a time), across both classes' days in 5413."""
    rows = []
    for index in range(count):
        check = index // 3
        day = f"2026-11-{16 + check % 6:02d}"
        moment = f"{7 + check // 60 % 12:02d}:{check % 60:02d}"
        item, points = ITEMS[index % 3]
        rows.append([day, moment, "5413", None, item, points, f"第{index + 1}条", None])
    return rows


def worker(job) -> None:
    """What the worker does with the job's task (the task queue itself is django-tasks')."""
    import_job_run.call(job.pk)


def job_queued(organisation, rows, by=None, options=None) -> ImportJob:
    with scope(organisation=organisation):
        return import_job_request(
            organisation=organisation,
            kind="findings",
            upload=File(workbook(rows), name="findings.xlsx"),
            by=by,
            options=options,
        )


def job_of(job) -> ImportJob:
    return ImportJob._base_manager.get(pk=job.pk)


def stored(organisation) -> tuple[int, int, int, int]:
    """Checks, findings and the audit rows of both, of the organisation."""
    with scopes_disabled():
        return (
            Inspection.objects.filter(organisation=organisation).count(),
            Finding.objects.filter(organisation=organisation).count(),
            Inspection.history.filter(organisation=organisation).count(),
            Finding.history.filter(organisation=organisation).count(),
        )


def steps_recorded(monkeypatch) -> list[tuple[str, int, int, int]]:
    """The steps that jobs report from now on: (key, progress, done, total)."""
    seen = []
    step = Lease.step

    def recorded(self, key, *, progress, done=0, total=0):
        seen.append((key, progress, done, total))
        step(self, key, progress=progress, done=done, total=total)

    monkeypatch.setattr(Lease, "step", recorded)
    return seen


@pytest.fixture
def small_batches(settings):
    settings.IMPORT_BACKGROUND_BYTES = 1024
    settings.IMPORT_BATCH_ROWS = 9


def test_a_large_import_from_the_page_is_followed_on_a_progress_bar_until_done(
    alice_client, dorms, small_batches, django_capture_on_commit_callbacks
):
    org = dorms["org"]
    page = reverse("inspections:findings-import", args=["college"])
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(page, {"file": workbook(findings_rows(60))})
    job = ImportJob._base_manager.get()
    queued = DBTaskResult.objects.get(task_path=import_job_run.module_path)
    assert queued.args_kwargs["args"] == [job.pk] and response.status_code == 302
    assert response["Location"] == reverse("orgs:import-job", args=["college", job.pk])
    kept = job.file.path
    assert job.status == JobStatus.QUEUED and job.file.name.startswith("imports/")
    assert open(kept, "rb").read(2) == b"PK"  # noqa: PTH123, SIM115 - the workbook, on disk
    waiting = alice_client.get(response["Location"]).content.decode()
    assert 'data-status="queued"' in waiting and 'hx-trigger="every 1s"' in waiting
    assert "排队中" in waiting and stored(org) == (0, 0, 0, 0)

    worker(job)

    job = job_of(job)
    assert (job.status, job.progress, job.records_created) == (JobStatus.DONE, 100, 60)
    assert job.file.name == "" and not (job.file.storage.exists(kept))
    assert stored(org) == (20, 60, 20, 60)
    with scopes_disabled():
        assert set(Inspection.objects.values_list("import_job", flat=True)) == {job.pk}
    fragment = alice_client.get(response["Location"], headers={"HX-Request": "true"})
    text = fragment.content.decode()
    assert "导入成功：新增 60 条，更新 0 条。" in text and "hx-get" not in text
    assert reverse("inspections:findings", args=["college"]) in text


def test_the_progress_moves_through_human_steps_never_internal_names(
    alice_client, dorms, small_batches, monkeypatch
):
    seen = steps_recorded(monkeypatch)
    monkeypatch.setattr(imports, "PROGRESS_EVERY_SECONDS", 0)  # every row, to see each step
    job = job_queued(dorms["org"], findings_rows(30))
    worker(job)
    keys = [key for key, *_rest in seen]
    assert keys[0] == "checking" and keys[-1] == "storing" and set(keys) == {"checking", "storing"}
    assert ("checking", 48, 29, 30) in seen and ("storing", 100, 30, 30) in seen
    progress = [each[1] for each in seen]
    assert progress == sorted(progress) and job_of(job).status == JobStatus.DONE
    # What the page says of a running job: the step in words, with its counts.
    ImportJob._base_manager.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, step="storing", step_done=9, step_total=30, progress=65
    )
    text = alice_client.get(reverse("orgs:import-job", args=["college", job.pk])).content.decode()
    assert "65%" in text and "正在写入各行（第 9 行，共 30 行）" in text
    assert "storing" not in text


def test_checks_of_a_background_import_score_as_each_check_submitted_alone(dorms, small_batches):
    org = dorms["org"]
    rows = findings_rows(40)
    rows[4][5] = 5  # a scored item losing all its points
    rows += [
        ["2026-11-17", "22:00", "5413", None, "使用违章电器", None, "红线", None],
        ["2026-11-17", "22:00", "5413", "1151", "地面有垃圾", None, "借用", None],
    ]
    job = job_queued(org, rows)
    worker(job)
    assert job_of(job).records_created == 42
    with scope(organisation=org):
        imported = list(Inspection.objects.prefetch_related("findings").order_by("done_at"))
        assert len(imported) == 15
        for inspection in imported:
            findings = [
                FindingInput(
                    item_id=finding.item_id,
                    points=finding.points,
                    note=finding.note,
                    unit=finding.unit if finding.unit_reason else None,
                    unit_reason=finding.unit_reason,
                )
                for finding in inspection.findings.order_by("id")
            ]
            with transaction.atomic():
                alone, _created = inspection_submit(
                    location=inspection.location,
                    version=inspection.standard_version,
                    findings=findings,
                    done_at=inspection.done_at,
                )
                transaction.set_rollback(True)
            assert (inspection.score, inspection.is_failed) == (alone.score, alone.is_failed)
            assert [f.unit_id for f in inspection.findings.order_by("id")] == [
                f.unit_id for f in alone.stored_findings
            ]
        assert any(inspection.is_failed for inspection in imported)


def test_a_refused_import_stores_nothing_and_keeps_the_first_problems_with_their_number(
    alice_client, dorms, small_batches
):
    org = dorms["org"]
    rows = findings_rows(20) + [
        ["2026-11-17", "08:00", f"X{index}", None, "地面有垃圾", None, "", None]
        for index in range(330)
    ]
    job = job_queued(org, rows)
    worker(job)
    job = job_of(job)
    assert (job.status, job.failure, job.row_errors_total) == (JobStatus.FAILED, "error", 330)
    assert len(job.row_errors) == 300 and job.is_refused and job.file.name == ""
    assert job.row_errors[0] == {
        "row": 22,
        "column": "位置",
        "message": "没有编码为“X0”的位置",
        "text": "第 22 行，“位置”列：没有编码为“X0”的位置",
    }
    assert stored(org) == (0, 0, 0, 0)
    text = alice_client.get(reverse("orgs:import-job", args=["college", job.pk])).content.decode()
    assert "没有导入任何数据。" in text and "第 321 行，“位置”列" in text
    assert "第 322 行" not in text and "…… 另有 30 个问题。" in text


def test_a_failure_while_storing_takes_back_every_batch_stored_with_its_audit_rows(
    dorms, small_batches, monkeypatch
):
    org = dorms["org"]
    original, seen = imports.inspections_store, []

    def third_fails(**kwargs):
        seen.append(stored(org))
        if len(seen) == 3:
            raise RuntimeError("the disk is full")
        return original(**kwargs)

    monkeypatch.setattr(imports, "inspections_store", third_fails)
    job = job_queued(org, findings_rows(45))
    worker(job)
    job = job_of(job)
    assert seen[2] == (6, 18, 6, 18)  # two batches were stored, each committed on its own
    assert (job.status, job.failure, job.is_refused) == (JobStatus.FAILED, "error", False)
    assert "the disk is full" in job.failure_reason and job.file.name == ""
    assert stored(org) == (0, 0, 0, 0)


def interrupted_at_batch(monkeypatch, org, number: int):
    """The worker stops dead in the middle of storing (as if killed): the job stays running."""
    original, calls = imports.inspections_store, []

    def stops(**kwargs):
        calls.append(1)
        if len(calls) == number:
            raise KeyboardInterrupt
        return original(**kwargs)

    monkeypatch.setattr(imports, "inspections_store", stops)
    return calls


def lease_runs_out(job) -> None:
    ImportJob._base_manager.filter(pk=job.pk).update(
        leased_until=timezone.now() - timedelta(seconds=1)
    )


def test_a_second_attempt_takes_back_what_the_lost_worker_stored_and_imports_once(
    dorms, small_batches, monkeypatch
):
    org = dorms["org"]
    job = job_queued(org, findings_rows(45))
    interrupted_at_batch(monkeypatch, org, 3)
    with pytest.raises(KeyboardInterrupt):
        import_job_run.call(job.pk)
    assert job_of(job).status == JobStatus.RUNNING and stored(org) == (6, 18, 6, 18)
    lease_runs_out(job)
    assert jobs_sweep()["jobs_swept"] == 1
    assert (job_of(job).status, job_of(job).step) == (JobStatus.QUEUED, "retry")
    monkeypatch.undo()
    worker(job)
    job = job_of(job)
    assert (job.status, job.attempts, job.records_created) == (JobStatus.DONE, 2, 45)
    assert stored(org) == (15, 45, 15, 45)


def test_a_job_whose_worker_is_lost_twice_fails_after_its_rows_are_taken_back(
    dorms, small_batches, monkeypatch
):
    org = dorms["org"]
    job = job_queued(org, findings_rows(45))
    calls = interrupted_at_batch(monkeypatch, org, 2)
    for _attempt in range(2):
        with pytest.raises(KeyboardInterrupt):
            import_job_run.call(job.pk)
        assert stored(org) == (3, 9, 3, 9)  # the second attempt took back the first one's
        calls.clear()
        lease_runs_out(job)
        jobs_sweep()
    job = job_of(job)
    assert (job.status, job.failure, job.attempts) == (JobStatus.FAILED, JobFailure.WORKER_LOST, 2)
    assert job.failure_reason and stored(org) == (0, 0, 0, 0) and job.file.name == ""


def test_the_api_answers_202_with_the_job_and_reads_it_through_its_gate(
    client, dorms, small_batches, bob, charlie
):
    org = dorms["org"]
    admin = member(org, "admin", username="importer")
    client.force_login(admin)
    small = client.post(
        "/api/v1/orgs/college/imports/findings", {"file": workbook(findings_rows(3))}
    )
    assert small.status_code == 202  # 1 KB is the limit here: every workbook is large
    job = small.json()
    assert {key: job[key] for key in ("status", "progress", "kind", "problems_total")} == {
        "status": "queued",
        "progress": 0,
        "kind": "findings",
        "problems_total": 0,
    }
    import_job_run.call(job["id"])
    read = client.get(f"/api/v1/orgs/college/import-jobs/{job['id']}").json()
    assert (read["status"], read["created"], read["step"], read["error"]) == ("done", 3, "", "")
    client.force_login(bob)
    assert client.get(f"/api/v1/orgs/college/import-jobs/{job['id']}").status_code == 403
    client.force_login(charlie)
    assert client.get(f"/api/v1/orgs/college/import-jobs/{job['id']}").status_code == 404
    assert client.get(f"/api/v1/orgs/hospital/import-jobs/{job['id']}").status_code == 404


def test_a_small_workbook_is_still_imported_at_once_through_the_api(alice_client, dorms):
    answer = alice_client.post(
        "/api/v1/orgs/college/imports/findings", {"file": workbook(findings_rows(6))}
    )
    assert answer.status_code == 200 and answer.json() == {"created": 6, "updated": 0}
    assert not ImportJob._base_manager.exists() and stored(dorms["org"])[1] == 6


@pytest.mark.django_db(transaction=True)
def test_other_writers_wait_for_one_batch_at_most_never_for_the_whole_import(
    dorms, settings, monkeypatch
):
    """Another writer writes every 20 ms while 1,800 findings are stored in batches of 150: it
    gets in before each next batch (each batch waits for one of its writes), and never waits a
    second. Were the batches one transaction, its writes would wait for all of them."""
    org = dorms["org"]
    settings.IMPORT_BACKGROUND_BYTES, settings.IMPORT_BATCH_ROWS = 1024, 150
    job = job_queued(org, findings_rows(1800))
    waits, wrote, stop = [], threading.Event(), threading.Event()
    original, batches = imports._batch_stored, []

    def after_a_write(*args, **kwargs):
        if batches:
            wrote.clear()
            assert wrote.wait(5), "the other writer did not get in between two batches"
        batches.append(time.monotonic())
        return original(*args, **kwargs)

    monkeypatch.setattr(imports, "_batch_stored", after_a_write)
    PeriodicJob.objects.create(name="tests.other-writer")

    def write():
        try:
            while not stop.wait(0.02):
                began = time.monotonic()
                with transaction.atomic():
                    PeriodicJob.objects.filter(name="tests.other-writer").update(
                        runs=PeriodicJob.objects.get(name="tests.other-writer").runs + 1
                    )
                waits.append(time.monotonic() - began)
                wrote.set()
        finally:
            connection.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        import_job_run.call(job.pk)
    finally:
        stop.set()
        writer.join()
    assert (job_of(job).status, job_of(job).records_created) == (JobStatus.DONE, 1800)
    assert len(batches) == 12
    assert max(waits) < 1.0, max(waits)


def test_the_job_page_of_another_organisation_is_not_found(client, dorms, charlie):
    job = job_queued(dorms["org"], findings_rows(3))
    client.force_login(charlie)
    assert client.get(reverse("orgs:import-job", args=["college", job.pk])).status_code == 404
    assert client.get(reverse("orgs:import-job", args=["hospital", job.pk])).status_code == 404


def test_the_points_of_a_scored_item_come_back_as_entered(dorms, small_batches):
    job = job_queued(
        dorms["org"], [["2026-11-17", "07:30", "5413", None, "被褥叠放", 2.5, "", None]]
    )
    worker(job)
    assert job_of(job).status == JobStatus.DONE
    with scopes_disabled():
        assert Finding.objects.get().points == Decimal("2.5")


def dimension_wrong(buffer: io.BytesIO, ref: str = "A1:C3") -> io.BytesIO:
    """The workbook with its first sheet claiming the range `ref`, as some programs write it."""
    import re
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w") as target:
        for part in source.infolist():
            data = source.read(part.filename)
            if part.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), data)
            target.writestr(part, data)
    out.seek(0)
    out.name = buffer.name
    return out


def test_the_worker_reads_what_an_import_at_once_reads_past_a_wrong_dimension():
    rows = [
        ["2026-11-17", "07:30", "5413", "0852", "地面有垃圾", 2, "门后", "刘洋"],
        [None, None, None, None, None, None, None, None],  # an empty row is skipped
        ["2026/11/18", 7.5, 5413, None, "被褥叠放", "x", "'+86 桌面", None],
        ["2026-11-19", "08:00", "5413", None, "=1+1", None, "同一说明", "刘洋"],
        ["2026-11-20", "09:00", "5413", None, "地面有垃圾", None, "同一说明", None],
    ]
    expected = read_sheet(workbook(rows), spreadsheets.COLUMNS, keep_invalid=True)
    upload = dimension_wrong(workbook(rows))
    counted = []
    got = list(sheet_rows(upload, spreadsheets.COLUMNS, counted=counted.append))
    assert counted == [5]
    assert [(row.number, row.values, row.errors) for row in got] == [
        (row.number, row.values, row.errors) for row in expected
    ]
    assert [row.number for row in got] == [2, 4, 5, 6]
    assert got[1].errors[0].column == "分值" and got[2].errors[0].column == "检查项"


def test_reading_a_workbook_takes_no_more_memory_for_four_times_the_rows(tmp_path):
    import gc
    import tracemalloc

    import xlsxwriter

    def peak(count: int) -> int:
        path = tmp_path / f"{count}.xlsx"
        book = xlsxwriter.Workbook(str(path))  # shared strings, as Excel writes them
        sheet = book.add_worksheet()
        for column, header in enumerate(HEADERS):
            sheet.write_string(0, column, header)
        for row in range(1, count + 1):
            sheet.write_string(row, 0, "2026-11-17")
            sheet.write_string(row, 2, "5413")
            sheet.write_string(row, 6, f"第{row}条：门后有垃圾，桌面杂乱，每一行都不同")
        book.close()
        gc.collect()
        tracemalloc.start()
        read = sum(1 for _row in sheet_rows(path, spreadsheets.COLUMNS))
        heap = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert read == count
        return heap

    small, large = peak(2_500), peak(10_000)
    # openpyxl alone keeps every distinct string and every row read: 7,500 more rows would take
    # about 1.6 MB more.
    assert large < small + 150_000, (small, large)


@pytest.mark.django_db(transaction=True)
def test_an_import_killed_with_its_worker_is_taken_back_and_done_by_the_next_worker(
    dorms, tmp_path, settings
):
    """kill -9 of a real worker process while it stores the batches of a large import: the next
    worker sweeps after it (leases of a second, heartbeats every half second), takes back what the
    killed one stored, imports the workbook once, and takes the rest of the queue."""
    org = dorms["org"]
    env = env_on_test_database(
        tmp_path,
        BAOZHANG_JOB_LEASE_SECONDS="1",
        BAOZHANG_WORKER_HEARTBEAT_SECONDS="0.5",
        BAOZHANG_IMPORT_BATCH_ROWS="30",
        BAOZHANG_MEDIA_DIR=str(settings.MEDIA_ROOT),
    )
    job = job_queued(org, findings_rows(6000))
    first = worker_process(env, tmp_path / "first.log")
    try:
        wait_until(
            lambda: job_of(job).step == "storing" and job_of(job).step_done >= 300,
            seconds=120,
            pause=0.01,
        )
        os.kill(first.pid, signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
    finally:
        process_end(first)
    killed = job_of(job)
    half = stored(org)
    assert killed.status == JobStatus.RUNNING and 0 < half[1] < 6000  # killed in the middle
    # Queued while no worker runs; at the first rows' place and time, with other notes.
    waiting = job_queued(org, [[*row[:6], "另一次", row[7]] for row in findings_rows(3)])
    time.sleep(1.6)  # the lease ran out, and three heartbeats were missed

    second = worker_process(env, tmp_path / "second.log")
    try:
        wait_until(
            lambda: {job_of(each).status for each in (job, waiting)}.isdisjoint(
                {JobStatus.QUEUED, JobStatus.RUNNING}
            ),
            seconds=180,
            pause=0.1,
        )
    finally:
        process_end(second)
    job, waiting = job_of(job), job_of(waiting)
    assert (job.status, job.attempts, job.records_created) == (JobStatus.DONE, 2, 6000), job.error
    assert waiting.status == JobStatus.DONE and waiting.records_created == 3
    # Each finding once, with its audit row; the 6,000 rows name 720 locations and times.
    assert stored(org) == (721, 6003, 721, 6003)
    with scopes_disabled():
        assert Inspection.objects.filter(import_job=job).count() == 720
    assert job.file.name == "" and waiting.file.name == ""
    assert list((settings.MEDIA_ROOT / "imports").iterdir()) == []


def test_corrections_come_last_and_a_refused_one_takes_back_the_new_checks(dorms, small_batches):
    org = dorms["org"]
    job = job_queued(org, findings_rows(9))
    worker(job)
    with scopes_disabled():
        first = Finding.objects.filter(note="第1条").get()
    corrected = [*findings_rows(1)[0][:6], "改正：门后仍有垃圾", None, first.pk]
    # The first nine rows are those already stored, recorded anew as the person confirmed.
    new_after_all = {"allow_duplicates": True}
    again = job_queued(org, [*findings_rows(30), corrected], by=None, options=new_after_all)
    worker(again)
    again = job_of(again)
    assert (again.status, again.records_created, again.records_updated) == ("done", 30, 1)
    with scopes_disabled():
        assert Finding.objects.get(pk=first.pk).note == "改正：门后仍有垃圾"
    assert stored(org)[:2] == (13, 39)
    # A correction that can no longer be stored (its finding deleted meanwhile) refuses the
    # workbook, and the new checks stored before it are taken back.
    last = job_queued(
        org, [*findings_rows(30), [*corrected[:6], "再改", None, first.pk]], options=new_after_all
    )
    with scopes_disabled():
        Inspection.objects.filter(findings=first).delete()
    worker(last)
    last = job_of(last)
    assert (last.status, last.is_refused) == ("failed", True)
    assert last.row_errors[0]["row"] == 32
    assert stored(org)[:2] == (12, 36)  # less the check deleted


def test_a_large_set_up_import_runs_in_the_background_in_one_transaction(
    client, college, small_batches
):
    from tests.factories import SiteFactory

    with scopes_disabled():
        SiteFactory(organisation=college, code="main", name="主校区")
    client.force_login(member(college, "admin", username="importer"))
    book = Workbook()
    book.active.append(["编码", "名称", "院区/校区", "上级编码", "类型"])
    book.active.append(["B1", "一号楼", "main", None, "楼栋"])
    for index in range(200):
        book.active.append([f"R{index:03d}", f"房间{index}", "main", "B1", "房间"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "locations.xlsx"
    answer = client.post("/api/v1/orgs/college/imports/locations", {"file": buffer})
    assert answer.status_code == 202, answer.content
    import_job_run.call(answer.json()["id"])
    read = client.get(f"/api/v1/orgs/college/import-jobs/{answer.json()['id']}").json()
    assert (read["status"], read["created"], read["kind"]) == ("done", 201, "locations")
    with scopes_disabled():
        from baozhang.orgs.models import Location

        assert Location.objects.filter(organisation=college).count() == 201


def test_a_large_file_that_is_not_a_workbook_is_refused_at_once(alice_client, dorms, settings):
    settings.IMPORT_BACKGROUND_BYTES = 1024
    fake = io.BytesIO(b"PK" + b"\x00" * 5000)
    fake.name = "findings.xlsx"
    response = alice_client.post(
        reverse("inspections:findings-import", args=["college"]), {"file": fake}
    )
    assert response.status_code == 200 and "不是 Excel 工作簿" in response.content.decode()
    assert not ImportJob._base_manager.exists()


def test_the_files_of_ended_jobs_are_removed_every_hour(dorms, small_batches):
    from baozhang.orgs.jobs import import_files

    job = job_queued(dorms["org"], findings_rows(3))
    kept = job.file.path
    ImportJob._base_manager.filter(pk=job.pk).update(status=JobStatus.DONE)
    assert import_files(timezone.now()) == 1
    assert job_of(job).file.name == "" and not os.path.exists(kept)  # noqa: PTH110


class _QuietRun:
    """A background run whose batches are as large as asked and whose progress goes nowhere."""

    def __init__(self, job_id: int, batch_rows: int):
        self.job_id, self.batch_rows = job_id, batch_rows

    def step(self, key: str, *, progress: int, done: int = 0, total: int = 0) -> None:
        return None


def test_a_batch_of_twice_the_rows_on_twice_the_days_makes_the_same_queries(dorms):
    """Storing a batch reads and writes with the same statements whatever its rows: no query per
    row, check or day."""
    org = dorms["org"]
    job = job_queued(org, findings_rows(3))

    imports_done = []

    def queries(count: int) -> int:
        imports_done.append(count)  # each import's notes its own, so that no row repeats one
        rows = []
        for index in range(count):
            day = dt.date(2026, 1, 1) + timedelta(days=index // 3)  # a check a day
            item, points = ITEMS[index % 3]
            note = f"第{len(imports_done)}次第{index}条"
            rows.append([day.isoformat(), "08:00", "5413", None, item, points, note, None])
        with scope(organisation=org), CaptureQueriesContext(connection) as captured:
            result = imports.findings_import(
                organisation=org, upload=workbook(rows), by=None, run=_QuietRun(job.pk, 10_000)
            )
        assert result.created == count
        return len(captured.captured_queries)

    queries(150)  # what a process reads once (the standard's items)
    assert queries(150) == queries(300)


def lean_and_openpyxl_cells(buffer: io.BytesIO):
    """The first sheet's cells as sheet_cells reads them and as openpyxl's read-only sheet does."""
    from openpyxl import load_workbook

    from baozhang.core.lean_workbook import sheet_cells, workbook_close_lean, workbook_open_lean

    lean = workbook_open_lean(io.BytesIO(buffer.getvalue()))
    try:
        got = [[(c.value, c.data_type) for c in row] for row in sheet_cells(lean.worksheets[0])]
    finally:
        workbook_close_lean(lean)
    plain = load_workbook(io.BytesIO(buffer.getvalue()), read_only=True)
    sheet = plain.worksheets[0]
    sheet.reset_dimensions()
    expected = [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows()]
    plain.close()
    return got, expected


def test_the_lean_reader_reads_every_kind_of_cell_as_openpyxl_does():
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    bold = book.add_format({"bold": True})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_string(0, 0, "日期")
    sheet.write_string(0, 2, "  空格  ")
    sheet.write_string(1, 0, "_x005F_x0041_ 与 x005F_")
    sheet.write_number(1, 1, 3)
    sheet.write_number(1, 2, 2.5)
    sheet.write_number(1, 3, 1e20)
    sheet.write_datetime(1, 4, dt.datetime(2026, 11, 17, 7, 30), day)
    sheet.write_boolean(1, 5, True)
    sheet.write_formula(1, 6, "=1+1", None, 2)
    sheet.write_rich_string(1, 7, "门后", bold, "有垃圾", "。")
    sheet.write_string(1, 8, "")
    sheet.write_blank(1, 9, None, bold)
    sheet.write_number(1, 10, 0, bold)
    sheet.write_string(3, 1, "跳过一行")  # row 3 is not in the file
    sheet.write_formula(4, 0, '="a"&"b"', None, "ab")  # a formula's text result
    book.close()
    got, expected = lean_and_openpyxl_cells(buffer)
    assert got == expected
    assert got[1][0] == ("_x005F_x0041_ 与 x005F_".replace("x005F_", ""), "s")
    assert got[1][7] == ("门后有垃圾。", "s") and got[2] == []

    book = Workbook()  # openpyxl's own: inline rich text, errors, cells without a style
    sheet = book.active
    sheet.append(["文本", 1, 1.5, None, "#N/A", True, "=SUM(B1:C1)"])
    sheet["B3"] = dt.datetime(2026, 1, 2)
    sheet["D3"] = "   "
    rich = io.BytesIO()
    book.save(rich)
    got, expected = lean_and_openpyxl_cells(rich)
    assert got == expected
    assert got[0][4] == ("#N/A", "e") and got[0][6] == ("=SUM(B1:C1)", "f")


def test_the_units_holding_locations_read_together_are_those_read_one_at_a_time(dorms):
    """units_responsible_for (a batch's one query) agrees with unit_responsible_for, across a
    handover, before the first assignment and where nobody holds the location."""
    from baozhang.orgs.models import Location
    from baozhang.orgs.selectors import unit_responsible_for, units_responsible_for
    from tests.factories import LocationFactory

    org = dorms["org"]
    with scopes_disabled():
        room = Location.objects.get(organisation=org, code="5413")
        empty = LocationFactory(organisation=org, site=room.site, code="9999")
    days = [dt.date(2026, 8, 31), dt.date(2026, 9, 1), dt.date(2026, 11, 18)]
    days += [dt.date(2026, 11, 19), dt.date(2027, 6, 1)]
    wanted = [(location, day) for location in (room, empty) for day in days]
    with scope(organisation=org), CaptureQueriesContext(connection) as captured:
        together = units_responsible_for(
            organisation_id=org.pk, days=[(location.pk, day) for location, day in wanted]
        )
    assert len(captured.captured_queries) == 1
    with scope(organisation=org):
        alone = {
            (location.pk, day): unit_responsible_for(location=location, on=day)
            for location, day in wanted
        }
    assert together == alone
    assert {unit.code if unit else None for unit in together.values()} == {None, "0852", "1151"}
