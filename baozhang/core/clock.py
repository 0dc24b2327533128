"""Periodic jobs: work that falls due with time (a week's close, the plan of the next fortnight,
deadline reminders), run by the background worker.

A job is a function of the moment it runs at, registered with @periodic in an app's jobs.py. Every
job is idempotent: it looks at the records to decide what is due, so running it twice, late or on
several workers at once does no harm. The worker enqueues the clock_tick task every minute
(core/tasks.py); `baozhang tick` runs the jobs once (for cron, or to catch up by hand).
"""

from __future__ import annotations

import contextlib
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[datetime], object]


JOBS: dict[str, Job] = {}


@dataclass(frozen=True)
class Outcome:
    status: str  # "ran", "skipped" (not due, or running elsewhere) or "failed"
    result: str = ""


def periodic(name: str, *, every: timedelta = timedelta(minutes=1)):
    """Register fn(now) as a periodic job run at most once per `every`."""

    def register(function: Callable[[datetime], object]):
        JOBS[name] = Job(name=name, every=every, run=function)
        return function

    return register


def discover() -> None:
    autodiscover_modules("jobs")


def _job_row_ensure(name: str) -> None:
    from baozhang.core.models import PeriodicJob

    # Created apart from the run, so that the run can lock it; another worker may create it first.
    with contextlib.suppress(IntegrityError), transaction.atomic():
        PeriodicJob.objects.get_or_create(name=name)


def job_run(job: Job, now: datetime, *, force: bool = False) -> Outcome:
    """Run one job unless it ran less than job.every ago.

    A failure is logged and kept on the job's row; it never stops the other jobs.
    """
    from baozhang.core.models import PeriodicJob

    _job_row_ensure(job.name)
    try:
        with transaction.atomic():
            row = (
                PeriodicJob.objects.select_for_update(skip_locked=True)
                .filter(name=job.name)
                .first()
            )
            if row is None:  # another worker is running it right now
                return Outcome("skipped")
            if not force and row.last_run_at and row.last_run_at > now - job.every:
                return Outcome("skipped")
            result = job.run(now)
            row.last_run_at = now
            row.last_result = str(result if result is not None else "")[:200]
            row.runs += 1
            row.save(update_fields=["last_run_at", "last_result", "runs"])
            return Outcome("ran", row.last_result)
    except Exception as error:
        logger.exception("The periodic job %s failed", job.name)
        row = PeriodicJob.objects.get(name=job.name)
        row.last_failed_at = now
        row.last_error = traceback.format_exc()[-4000:]
        row.failures += 1
        row.save(update_fields=["last_failed_at", "last_error", "failures"])
        return Outcome("failed", repr(error)[:200])


def tick(now: datetime | None = None, *, force: bool = False) -> dict[str, Outcome]:
    """Run every due job at `now` (default: the current time); returns each job's result."""
    now = now or timezone.now()
    return {name: job_run(job, now, force=force) for name, job in sorted(JOBS.items())}
