"""SQLite's statistics for the query planner: gathered by a daily job and, when there are none
yet, as the worker starts; PostgreSQL keeps its own, so nothing is done there."""

import pytest
from django.core.management import call_command
from django.db import connection

from baozhang.core import clock, worker
from baozhang.core.db_statistics import statistics_ensure, statistics_exist
from baozhang.core.models import PeriodicJob
from tests.inspection_data import at

pytestmark = pytest.mark.django_db(transaction=True)


def statistics_forget() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS sqlite_stat1")


def analyzed_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        return {row[0] for row in cursor.fetchall()}


def test_the_daily_job_gathers_sqlite_statistics_and_leaves_postgresql_alone():
    clock.discover()
    job = clock.JOBS["core.sqlite-statistics"]
    if connection.vendor == "sqlite":
        statistics_forget()
        assert not statistics_exist()
    outcome = clock.job_run(job, at("2026-11-03", "03:00"))
    assert outcome.status == "ran"
    row = PeriodicJob.objects.get(name="core.sqlite-statistics")
    assert row.failures == 0
    if connection.vendor == "sqlite":
        assert outcome.result == "analyzed"
        assert "core_periodicjob" in analyzed_tables()
    else:
        assert outcome.result == "not sqlite"
        assert statistics_ensure() is False
    # Once a day: an hour later it is not due.
    assert clock.job_run(job, at("2026-11-03", "04:00")).status == "skipped"


def test_the_worker_gathers_sqlite_statistics_as_it_starts_when_there_are_none():
    if connection.vendor == "sqlite":
        statistics_forget()
    call_command(worker.Command(), "--batch", "--interval", "0", verbosity=0)
    if connection.vendor == "sqlite":
        assert statistics_exist()
    # With statistics present (or on PostgreSQL), nothing more is gathered.
    assert statistics_ensure() is False
