"""Background jobs finish or fail: a job whose worker vanished is run once more, then failed with a
reason; the tasks a dead worker left running are failed; the page and the API show steps as
people read them. The fault itself: a real worker killed with SIGKILL in the middle of a report."""

import os
import signal
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from baozhang.accounts.services import api_token_create
from baozhang.core.background import (
    LeaseLost,
    background_job_claim,
    background_job_run,
    jobs_sweep,
)
from baozhang.core.figures import Scope
from baozhang.core.models import WorkerHeartbeat
from baozhang.core.periods import period_parse
from baozhang.reports import tasks
from baozhang.reports.background import report_job_request
from baozhang.reports.models import Report, ReportJob, ReportVersion
from tests.console import env_on_test_database, process_end, wait_until, worker_process
from tests.factories import member

pytestmark = pytest.mark.django_db(transaction=True)


def job_of(org, **fields) -> ReportJob:
    with scopes_disabled():
        return ReportJob.objects.create(
            organisation=org, **{"kind": "weekly", "period": "2026-W47", **fields}
        )


def lease_expires(job: ReportJob) -> None:
    """Time passes without the job's worker: its lease runs out."""
    ReportJob._base_manager.filter(pk=job.pk).update(
        leased_until=timezone.now() - timedelta(seconds=1)
    )


def tasks_of(job: ReportJob):
    return DBTaskResult.objects.filter(
        task_path=tasks.report_job_run.module_path, args_kwargs__args=[job.pk]
    )


def job_page(client, job) -> str:
    url = reverse("reports:job", args=[job.organisation.slug, job.pk])
    return client.get(url, headers={"HX-Request": "true"}).content.decode()


def api_job(client, user, job) -> dict:
    _token, raw = api_token_create(user=user, name="jobs")
    response = client.get(
        f"/api/v1/orgs/{job.organisation.slug}/report-jobs/{job.pk}",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_a_job_whose_worker_vanished_runs_once_more_then_fails_with_a_reason(client, college):
    admin = member(college, "admin", username="admin")
    client.force_login(admin)
    job = job_of(college)

    first = background_job_claim(ReportJob, job.pk)
    assert first is not None and first.attempt == 1
    assert background_job_claim(ReportJob, job.pk) is None  # one attempt at a time
    lease_expires(job)
    assert jobs_sweep()["jobs_swept"] == 1
    job.refresh_from_db()
    assert (job.status, job.attempts, job.leased_until) == ("queued", 1, None)
    assert tasks_of(job).get().status == TaskResultStatus.READY  # queued with its task
    assert "正在等待再试一次" in job_page(client, job)

    second = background_job_claim(ReportJob, job.pk)
    assert second.attempt == 2
    assert jobs_sweep()["jobs_swept"] == 0  # its lease holds
    lease_expires(job)
    jobs_sweep()
    job.refresh_from_db()
    assert (job.status, job.failure, job.attempts) == ("failed", "worker_lost", 2)
    assert tasks_of(job).count() == 1  # not queued a third time
    assert "两次停止" in job_page(client, job)
    answer = api_job(client, admin, job)
    assert answer["status"] == "failed" and "两次停止" in answer["error"]
    assert (answer["step"], answer["attempts"], answer["report"]) == ("", 2, None)
    with pytest.raises(LeaseLost):  # the first attempts can no longer write
        first.finish()
    job.refresh_from_db()
    assert job.status == "failed"


def test_an_attempt_that_lost_its_job_stores_no_report(dorms):
    job = job_of(dorms["org"])
    lost = background_job_claim(ReportJob, job.pk)
    lease_expires(job)
    jobs_sweep()
    with pytest.raises(LeaseLost):
        tasks._report_make(lost)
    with scopes_disabled():
        assert not Report.objects.exists()
    assert tasks.report_job_run_now(job.pk) == "done"  # the second attempt makes it
    job.refresh_from_db()
    with scopes_disabled():
        assert job.report.versions.get().number == 1 and Report.objects.count() == 1


def test_a_running_job_keeps_renewing_its_lease(dorms, settings):
    settings.BAOZHANG_JOB_LEASE_SECONDS = 0.3
    job = job_of(dorms["org"])
    seen = {}

    def slow(lease):
        time.sleep(1)  # three lease lengths
        seen["swept"] = jobs_sweep()["jobs_swept"]
        seen["leased_until"] = ReportJob._base_manager.get(pk=job.pk).leased_until

    assert background_job_run(ReportJob, job.pk, slow) == "done"
    assert seen["swept"] == 0 and seen["leased_until"] > timezone.now()
    job.refresh_from_db()
    assert (job.status, job.progress, job.leased_until) == ("done", 100, None)


def test_tasks_left_running_by_a_stopped_worker_are_failed(college):
    now = timezone.now()
    for worker, beat_at in (("dead", now - timedelta(minutes=10)), ("alive", now)):
        WorkerHeartbeat.objects.create(
            worker_id=worker, host="app-1", pid=1, started_at=beat_at, beat_at=beat_at
        )
    results = {}
    for name, worker, started_at in (
        ("of the dead worker", "dead", now),
        ("of the live worker", "alive", now - timedelta(hours=5)),
        ("of an unknown worker, long ago", "bare-db-worker", now - timedelta(hours=2)),
        ("of an unknown worker, just now", "bare-db-worker", now),
    ):
        results[name] = DBTaskResult.objects.create(
            task_path=tasks.report_job_run.module_path,
            args_kwargs={"args": [0], "kwargs": {}},
            backend_name="default",
            run_after=now,
            status=TaskResultStatus.RUNNING,
            started_at=started_at,
            worker_ids=[worker],
        )
    assert jobs_sweep()["tasks_failed"] == 2
    status = {name: DBTaskResult.objects.get(pk=r.pk).status for name, r in results.items()}
    assert status == {
        "of the dead worker": "FAILED",
        "of the live worker": "RUNNING",
        "of an unknown worker, long ago": "FAILED",
        "of an unknown worker, just now": "RUNNING",
    }
    failed = DBTaskResult.objects.get(pk=results["of the dead worker"].pk)
    assert failed.exception_class_path == "baozhang.core.background.WorkerLost"


def test_a_waiting_job_whose_task_was_lost_is_queued_again(college):
    fresh = job_of(college)  # its task may still be on its way
    lost = job_of(college, queued_at=timezone.now() - timedelta(minutes=10))
    assert jobs_sweep()["jobs_requeued"] == 1
    assert tasks_of(lost).count() == 1 and not tasks_of(fresh).exists()
    assert jobs_sweep()["jobs_requeued"] == 0  # its task is waiting now


def test_the_page_and_the_api_show_steps_as_people_read_them(client, college):
    admin = member(college, "admin", username="admin")
    client.force_login(admin)
    job = job_of(college, status="running", step="figures", step_done=3, step_total=12)
    assert "正在计算数据（第 3 项，共 12 项）" in job_page(client, job)
    assert api_job(client, admin, job)["step"] == "正在计算数据（第 3 项，共 12 项）"
    # A step stored by an older version (a section's name) is not shown at all.
    ReportJob._base_manager.filter(pk=job.pk).update(step="score_trend", progress=41)
    page = job_page(client, job)
    assert "41%" in page and "score_trend" not in page
    assert api_job(client, admin, job)["step"] == ""


def test_a_report_job_killed_with_its_worker_is_made_by_the_next_worker(dorms, tmp_path):
    """kill -9 of a real worker process in the middle of a report: the next worker sweeps after it
    (leases of a second, heartbeats every half second), makes the report once, and takes the
    rest of the queue."""
    env = env_on_test_database(
        tmp_path,
        BAOZHANG_JOB_LEASE_SECONDS="1",
        BAOZHANG_WORKER_HEARTBEAT_SECONDS="0.5",
        BAOZHANG_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    organisation = dorms["org"]
    # E-mailed, it also renders the PDF and the Word file: it runs long enough to be killed.
    job = report_job_request(
        access=None,
        kind="weekly",
        scope=Scope(organisation=organisation),
        period=period_parse("2026-W47"),
        email_to=["office@example.com"],
    )
    first = worker_process(env, tmp_path / "first.log")
    try:
        wait_until(lambda: ReportJob._base_manager.get(pk=job.pk).status == "running", seconds=60)
        os.kill(first.pid, signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
    finally:
        process_end(first)
    job.refresh_from_db()
    assert job.status == "running" and job.attempts == 1  # killed in the middle
    killed_task = tasks_of(job).get()
    assert killed_task.status == TaskResultStatus.RUNNING
    waiting = job_of(organisation, period="2026-W46")  # queued while no worker runs
    tasks.report_job_run.enqueue(waiting.pk)
    time.sleep(1.6)  # the lease ran out, and three heartbeats were missed

    second = worker_process(env, tmp_path / "second.log")
    try:
        wait_until(
            lambda: {
                ReportJob._base_manager.get(pk=pk).status for pk in (job.pk, waiting.pk)
            }.isdisjoint({"queued", "running"}),
            seconds=90,
            pause=0.1,
        )
        beat = WorkerHeartbeat.objects.get(pid=second.pid)
        assert beat.stopped_at is None
    finally:
        process_end(second)
    job.refresh_from_db()
    waiting.refresh_from_db()
    assert (job.status, job.attempts, job.progress) == ("done", 2, 100), job.error
    assert waiting.status == "done"
    with scopes_disabled():
        assert Report.objects.filter(period="2026-W47").count() == 1  # made once
        versions = set(ReportVersion.objects.values_list("report_id", "number"))
    assert versions == {(job.report_id, 1), (waiting.report_id, 1)}  # each report, its draft
    killed_task.refresh_from_db()
    assert killed_task.status == TaskResultStatus.FAILED
    assert killed_task.exception_class_path.endswith("WorkerLost")
    assert tasks_of(job).filter(status=TaskResultStatus.SUCCESSFUL).count() == 1
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).exists()
