"""Large exports written by the background worker: the rows counted first, a few written at once,
more as a job whose page shows a progress bar and then the file, which only the organisation's
users who may export see, which is never served half written, and which expires."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone, translation
from django_scopes import scope, scopes_disabled
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from baozhang.core.background import Lease, jobs_sweep
from baozhang.core.models import JobFailure, JobStatus
from baozhang.inspections import spreadsheets
from baozhang.inspections.imports import findings_import
from baozhang.orgs.jobs import export_files
from baozhang.orgs.models import ExportJob
from baozhang.orgs.tasks import export_job_run
from tests.factories import LocationFactory
from tests.test_large_imports import findings_rows, steps_recorded, workbook

pytestmark = pytest.mark.django_db
EXPORT = reverse("inspections:findings-export", args=["college"])


@pytest.fixture
def findings(dorms):
    """30 findings of the dorm 5413, in November 2026."""
    org = dorms["org"]
    with scope(organisation=org):
        findings_import(organisation=org, upload=workbook(findings_rows(30)), by=None)
    return org


@pytest.fixture
def small_limit(settings):
    settings.EXPORT_BACKGROUND_ROWS = 10


def rows_of(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def job_of(pk: int) -> ExportJob:
    return ExportJob._base_manager.get(pk=pk)


def immediate(client, settings, **params) -> bytes:
    """What the export writes at once for the same rows."""
    limit = settings.EXPORT_BACKGROUND_ROWS
    settings.EXPORT_BACKGROUND_ROWS = 1_000_000
    response = client.get(EXPORT, params)
    settings.EXPORT_BACKGROUND_ROWS = limit
    assert response.status_code == 200
    return response.content


def parts() -> list[Path]:
    return list(Path(default_storage.path("exports")).glob("*.part"))


def test_an_export_of_few_rows_is_written_at_once(alice_client, findings, small_limit):
    response = alice_client.get(EXPORT, {"q": "第3"})  # 第3 and 第30
    assert response.status_code == 200 and response["Content-Type"].endswith(".sheet")
    assert [row[6] for row in rows_of(response.content)[1:]] == ["第30条", "第3条"]
    assert not ExportJob._base_manager.exists()


def test_a_large_export_becomes_a_job_whose_file_is_what_the_export_at_once_writes(
    alice_client, findings, small_limit, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.get(EXPORT, {"period": "2026-11"})
    job = ExportJob._base_manager.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:export-job", args=["college", job.pk])
    queued = DBTaskResult.objects.get(task_path=export_job_run.module_path)
    assert queued.args_kwargs["args"] == [job.pk]
    assert (job.status, job.params, job.file.name) == (JobStatus.QUEUED, {"period": "2026-11"}, "")
    waiting = alice_client.get(response["Location"]).content.decode()
    assert 'data-status="queued"' in waiting and 'hx-trigger="every 1s"' in waiting
    assert "排队中" in waiting and "export-download" not in waiting

    export_job_run.call(job.pk)

    job = job_of(job.pk)
    assert (job.status, job.progress, job.rows) == (JobStatus.DONE, 100, 30)
    assert job.expires_at > timezone.now() + timedelta(hours=23)
    fragment = alice_client.get(response["Location"], headers={"HX-Request": "true"})
    text = fragment.content.decode()
    download = reverse("orgs:export-job-file", args=["college", job.pk])
    assert "已写入 30 行。" in text and download in text and "hx-get" not in text
    served = alice_client.get(download)
    content = b"".join(served.streaming_content)
    assert served.status_code == 200 and "attachment" in served["Content-Disposition"]
    assert rows_of(content) == rows_of(immediate(alice_client, settings, period="2026-11"))
    assert len(rows_of(content)) == 31 and parts() == []


def test_the_job_keeps_the_filters_of_the_list(alice_client, findings, small_limit, settings):
    alice_client.get(EXPORT, {"period": "2026-11", "q": "第1", "page": "3"})
    job = ExportJob._base_manager.get()
    assert job.params == {"period": "2026-11", "q": "第1"}  # 第1, 第10 … 第19: 11 rows
    export_job_run.call(job.pk)
    served = alice_client.get(reverse("orgs:export-job-file", args=["college", job.pk]))
    rows = rows_of(b"".join(served.streaming_content))
    assert len(rows) == 12 and all(row[6].startswith("第1") for row in rows[1:])
    assert rows == rows_of(immediate(alice_client, settings, period="2026-11", q="第1"))


def test_the_progress_is_told_in_rows_in_the_requesters_language(
    alice_client, findings, small_limit, monkeypatch
):
    seen = steps_recorded(monkeypatch)
    monkeypatch.setattr(spreadsheets, "PROGRESS_ROWS", 10)
    alice_client.get(EXPORT)
    job = ExportJob._base_manager.get()
    export_job_run.call(job.pk)
    assert seen == [
        ("counting", 1, 0, 0),
        ("writing", 2, 0, 30),
        ("writing", 34, 10, 30),
        ("writing", 66, 20, 30),
        ("writing", 99, 30, 30),
    ]
    midway = ExportJob(step="writing", step_done=20, step_total=30)
    with translation.override("zh-hans"):
        assert midway.step_label == "正在写入（第 20 行，共 30 行）"
    with translation.override("en"):
        assert midway.step_label == "Writing (row 20 of 30)"


def test_a_worker_killed_mid_export_serves_no_half_file_and_the_next_attempt_writes_it(
    alice_client, findings, small_limit, monkeypatch
):
    monkeypatch.setattr(spreadsheets, "PROGRESS_ROWS", 10)
    step = Lease.step

    def killed(self, key, **kwargs):
        if kwargs.get("done") == 20:
            raise KeyboardInterrupt  # the worker stops here, its lease never renewed
        step(self, key, **kwargs)

    alice_client.get(EXPORT)
    job = ExportJob._base_manager.get()
    monkeypatch.setattr(Lease, "step", killed)
    with pytest.raises(KeyboardInterrupt):
        export_job_run.call(job.pk)
    download = reverse("orgs:export-job-file", args=["college", job.pk])
    assert job_of(job.pk).status == JobStatus.RUNNING and not job_of(job.pk).file
    assert alice_client.get(download).status_code == 404
    ExportJob._base_manager.filter(pk=job.pk).update(leased_until=timezone.now())
    assert jobs_sweep()["jobs_swept"] == 1
    monkeypatch.undo()
    export_job_run.call(job.pk)
    job = job_of(job.pk)
    assert (job.status, job.attempts, job.rows) == (JobStatus.DONE, 2, 30)
    served = alice_client.get(download)
    assert len(rows_of(b"".join(served.streaming_content))) == 31 and parts() == []


def test_a_job_whose_worker_is_lost_twice_fails_and_leaves_no_file(
    alice_client, findings, small_limit, monkeypatch
):
    monkeypatch.setattr(spreadsheets, "PROGRESS_ROWS", 10)

    def killed(self, key, **kwargs):
        if kwargs.get("done") == 20:
            raise KeyboardInterrupt

    alice_client.get(EXPORT)
    job = ExportJob._base_manager.get()
    download = reverse("orgs:export-job-file", args=["college", job.pk])
    monkeypatch.setattr(Lease, "step", killed)
    for attempt in (1, 2):
        with pytest.raises(KeyboardInterrupt):
            export_job_run.call(job.pk)
        # What a worker killed with kill -9 leaves (no clean-up runs): a half-written file.
        half = Path(default_storage.path(f"exports/{job.key}.xlsx.{attempt}.part"))
        half.write_bytes(b"PK half")
        assert alice_client.get(download).status_code == 404
        ExportJob._base_manager.filter(pk=job.pk).update(leased_until=timezone.now())
        jobs_sweep()
    job = job_of(job.pk)
    assert (job.status, job.failure, job.attempts) == (JobStatus.FAILED, JobFailure.WORKER_LOST, 2)
    assert parts() == [] and not job.file
    page = alice_client.get(reverse("orgs:export-job", args=["college", job.pk])).content.decode()
    assert "导出失败。" in page and job.failure_reason in page


def test_the_file_expires_and_is_removed_by_the_periodic_job(alice_client, findings, small_limit):
    alice_client.get(EXPORT)
    job = ExportJob._base_manager.get()
    export_job_run.call(job.pk)
    kept = Path(job_of(job.pk).file.path)
    assert kept.exists()
    assert export_files(timezone.now()) == 0  # not yet
    assert export_files(timezone.now() + timedelta(hours=25)) == 1
    assert not kept.exists() and not job_of(job.pk).file
    assert job_of(job.pk).status == JobStatus.DONE
    page = alice_client.get(reverse("orgs:export-job", args=["college", job.pk])).content.decode()
    assert "此导出文件已过期，请重新导出。" in page
    download = reverse("orgs:export-job-file", args=["college", job.pk])
    assert alice_client.get(download).status_code == 404


def test_only_the_organisations_users_who_may_export_get_the_job_and_its_file(
    client, alice, bob, charlie, findings, small_limit
):
    client.force_login(alice)
    client.get(EXPORT)
    job = ExportJob._base_manager.get()
    export_job_run.call(job.pk)
    page = reverse("orgs:export-job", args=["college", job.pk])
    download = reverse("orgs:export-job-file", args=["college", job.pk])
    api, api_file = (
        f"/api/v1/orgs/college/export-jobs/{job.pk}",
        f"/api/v1/orgs/college/export-jobs/{job.pk}/file",
    )
    client.force_login(bob)  # a viewer of the organisation: may not export
    assert [client.get(url).status_code for url in (page, download, api, api_file)] == [403] * 4
    assert client.get(EXPORT).status_code == 403
    client.force_login(charlie)  # of another organisation, with every right in his own
    assert [client.get(url).status_code for url in (page, download, api, api_file)] == [404] * 4
    for url in (page, download, api, api_file):
        assert client.get(url.replace("college", "hospital")).status_code == 404


def test_the_api_answers_202_with_the_job_and_gives_the_file_once_done(
    alice_client, findings, small_limit, settings
):
    small = alice_client.get("/api/v1/orgs/college/findings/export", {"q": "第3"})
    assert small.status_code == 200 and len(rows_of(small.content)) == 3
    assert not ExportJob._base_manager.exists()
    answer = alice_client.get("/api/v1/orgs/college/findings/export", {"period": "2026-11"})
    assert answer.status_code == 202
    job = answer.json()
    assert {key: job[key] for key in ("status", "progress", "kind", "download", "rows")} == {
        "status": "queued",
        "progress": 0,
        "kind": "findings",
        "download": "",
        "rows": 0,
    }
    assert job_of(job["id"]).params == {"period": "2026-11"}
    export_job_run.call(job["id"])
    read = alice_client.get(f"/api/v1/orgs/college/export-jobs/{job['id']}").json()
    assert (read["status"], read["rows"], read["step"], read["error"]) == ("done", 30, "", "")
    assert read["download"] == f"/api/v1/orgs/college/export-jobs/{job['id']}/file"
    served = alice_client.get(read["download"])
    assert served.status_code == 200
    content = b"".join(served.streaming_content)
    assert rows_of(content) == rows_of(immediate(alice_client, settings, period="2026-11"))


def test_a_large_set_up_export_becomes_a_job_too_from_the_page_and_the_api(
    alice_client, dorms, settings
):
    org = dorms["org"]
    with scopes_disabled():
        for number in range(4):
            LocationFactory(organisation=org, site=dorms["room"].site, code=f"61{number:02d}")
    at_once = alice_client.get(reverse("orgs:export", args=["college", "locations"])).content
    settings.EXPORT_BACKGROUND_ROWS = 2
    response = alice_client.get(reverse("orgs:export", args=["college", "locations"]))
    job = ExportJob._base_manager.get()
    assert response["Location"] == reverse("orgs:export-job", args=["college", job.pk])
    export_job_run.call(job.pk)
    served = alice_client.get(reverse("orgs:export-job-file", args=["college", job.pk]))
    rows = rows_of(b"".join(served.streaming_content))
    assert rows == rows_of(at_once) and len(rows) == 1 + 5
    answer = alice_client.get("/api/v1/orgs/college/exports/locations", {"q": "61"})
    assert answer.status_code == 202 and job_of(answer.json()["id"]).params == {"q": "61"}
