"""Periodic jobs of the core: the sweep after vanished workers (core/background.py) and the
query planner's statistics on SQLite (core/db_statistics.py)."""

from __future__ import annotations

from datetime import timedelta

from baozhang.core.background import heartbeats_forget, jobs_sweep
from baozhang.core.clock import periodic
from baozhang.core.db_statistics import statistics_refresh


@periodic("core.background-jobs", every=timedelta(minutes=1))
def background_jobs(now) -> str:
    """Re-queue or fail the jobs of vanished workers, fail their tasks, forget old heartbeats.

    Leases and heartbeats are compared with the real time, not with the moment of the tick."""
    swept = {**jobs_sweep(), "heartbeats_forgotten": heartbeats_forget()}
    return " ".join(f"{name}={count}" for name, count in swept.items())


@periodic("core.sqlite-statistics", every=timedelta(days=1))
def sqlite_statistics(now) -> str:
    """Refresh SQLite's statistics for the query planner once a day; nothing on PostgreSQL."""
    return "analyzed" if statistics_refresh() else "not sqlite"
