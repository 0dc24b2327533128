"""Periodic job of the core: the sweep after vanished workers (core/background.py)."""

from __future__ import annotations

from datetime import timedelta

from baozhang.core.background import heartbeats_forget, jobs_sweep
from baozhang.core.clock import periodic


@periodic("core.background-jobs", every=timedelta(minutes=1))
def background_jobs(now) -> str:
    """Re-queue or fail the jobs of vanished workers, fail their tasks, forget old heartbeats.

    Leases and heartbeats are compared with the real time, not with the moment of the tick."""
    swept = {**jobs_sweep(), "heartbeats_forgotten": heartbeats_forget()}
    return " ".join(f"{name}={count}" for name, count in swept.items())
