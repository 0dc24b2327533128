"""The background worker never dies of a busy database; `baozhang serve` starts it again whenever it
stops; its heartbeat tells the administrator when none runs."""

import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import OperationalError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from baozhang.core import worker
from baozhang.core.models import WorkerHeartbeat
from baozhang.core.supervisor import Supervisor
from baozhang.core.tasks import clock_tick
from tests.console import env_on_test_database, process_end, wait_until, worker_process
from tests.factories import member


@contextmanager
def database_held():
    """Another connection holds the database: on SQLite its write lock (BEGIN IMMEDIATE, as the
    sqlite3 shell, a backup or a long import do), on PostgreSQL the task queue's table."""
    if connection.vendor == "sqlite":
        holder = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {DBTaskResult._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        yield


def worker_waits(log) -> bool:
    """The worker found the database held and waits."""
    if connection.vendor == "sqlite":
        return "The database is busy; the worker tries again" in log.read_text()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_the_worker_outlasts_a_database_held_longer_than_its_busy_timeout(tmp_path):
    log = tmp_path / "worker.log"
    env = env_on_test_database(tmp_path, BAOZHANG_SQLITE_BUSY_TIMEOUT="1")
    with database_held():
        worker = worker_process(env, log)
        try:
            wait_until(lambda: worker.poll() is not None or worker_waits(log), seconds=60)
            time.sleep(2.5)  # two busy timeouts and more: db_worker used to exit after one
            assert worker.poll() is None, log.read_text()
        except BaseException:
            process_end(worker)
            raise
    try:
        result = clock_tick.enqueue()
        wait_until(
            lambda: DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL,
            seconds=60,
            pause=0.1,
        )
        assert worker.poll() is None
        beat = WorkerHeartbeat.objects.get(pid=worker.pid)
        assert beat.stopped_at is None and beat.beat_at > timezone.now() - timedelta(minutes=1)
    finally:
        process_end(worker)
    assert worker.returncode == 0, log.read_text()
    beat.refresh_from_db()
    assert beat.stopped_at is not None  # a clean stop is recorded


@pytest.mark.django_db(transaction=True)
def test_a_task_result_is_recorded_however_long_the_database_refuses_it(monkeypatch, caplog):
    monkeypatch.setattr(worker, "BUSY_PAUSE_SECONDS", 0.01)
    monkeypatch.setattr(time, "sleep", lambda seconds: None)  # db_worker's own retries' pauses
    result = clock_tick.enqueue()
    refused = []

    def locked(execute, sql, params, many, context):
        # The first twelve writes of the task's result find the database locked: four times
        # db_worker's three tries, after which it gave up and the worker died.
        outcome = {"SUCCESSFUL", "FAILED"} & {str(param) for param in params or ()}
        if sql.startswith("UPDATE") and outcome and len(refused) < 12:
            refused.append(outcome)
            raise OperationalError("database is locked")
        return execute(sql, params, many, context)

    steady = worker.Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="steady",
        excluded_queue_names=[],
    )
    with connection.execute_wrapper(locked):
        steady.run()
    assert len(refused) == 12
    stored = DBTaskResult.objects.get(pk=result.id)
    assert stored.status == TaskResultStatus.SUCCESSFUL and stored.return_value
    assert "records the task's result later" in caplog.text


def exits_at_once(starts: list[float]):
    def start() -> subprocess.Popen:
        starts.append(time.monotonic())
        return subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])  # noqa: S603

    return start


def test_the_supervisor_starts_a_stopped_worker_again_after_a_pause_that_doubles(caplog):
    starts: list[float] = []
    supervisor = Supervisor(
        exits_at_once(starts), first_pause=0.1, longest_pause=0.4, poll_seconds=0.01
    ).start()
    wait_until(lambda: len(starts) >= 6, seconds=30)
    supervisor.stop()
    pauses = [later - earlier for earlier, later in zip(starts, starts[1:], strict=False)]
    # 0.1, 0.2, 0.4, then at most 0.4 (plus the time a process takes to start and exit)
    assert 0.1 <= pauses[0] < pauses[1] < pauses[2]
    assert all(0.4 <= pause < pauses[2] + 0.3 for pause in pauses[3:5])
    assert "stopped with exit code 3" in caplog.text and "starting it again in" in caplog.text
    count = len(starts)
    time.sleep(0.5)
    assert len(starts) == count  # stopped supervising


def test_a_worker_that_ran_steadily_is_started_again_after_the_first_pause():
    starts: list[float] = []

    def start() -> subprocess.Popen:
        starts.append(time.monotonic())
        return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.3)"])  # noqa: S603

    supervisor = Supervisor(
        start, first_pause=0.05, longest_pause=5, steady_after=0.2, poll_seconds=0.01
    ).start()
    wait_until(lambda: len(starts) >= 4, seconds=30)
    supervisor.stop()
    pauses = [later - earlier for earlier, later in zip(starts, starts[1:], strict=False)]
    assert all(pause < 0.3 + 1.0 for pause in pauses), pauses  # never 0.1, 0.2, 0.4 … added


def test_stopping_the_supervisor_ends_its_worker():
    processes = []

    def start() -> subprocess.Popen:
        processes.append(subprocess.Popen(["sleep", "60"]))  # noqa: S603, S607
        return processes[-1]

    supervisor = Supervisor(start, poll_seconds=0.01).start()
    wait_until(lambda: processes, seconds=10)
    began = time.monotonic()
    supervisor.stop()
    assert time.monotonic() - began < 5
    assert [process.returncode for process in processes] == [-15]  # SIGTERM, once


def test_the_admin_page_warns_when_no_worker_ever_ran_or_its_heartbeat_is_stale(client, college):
    admin = member(college, "admin", username="admin")
    viewer = member(college, "viewer", username="viewer")
    page = reverse("orgs:dashboard", args=["college"])
    client.force_login(admin)
    assert "没有运行过后台任务进程" in client.get(page).content.decode()

    now = timezone.now()
    beat = WorkerHeartbeat.objects.create(
        worker_id="w1", host="app-1", pid=4242, started_at=now, beat_at=now
    )
    text = client.get(page).content.decode()
    assert 'data-testid="worker-ok"' in text and "app-1" in text
    assert "后台任务进程正在运行" in text and "worker-stale" not in text

    beat.beat_at = now - timedelta(minutes=10)
    beat.save()
    text = client.get(page).content.decode().replace("\xa0", " ")
    assert 'data-testid="worker-stale"' in text
    assert "10 分钟前" in text and "截止提醒" in text

    client.force_login(viewer)  # only administrators see it
    assert "worker-stale" not in client.get(page).content.decode()
