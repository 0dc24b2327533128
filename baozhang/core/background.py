"""Background jobs that finish or fail: a lease on each running job, and a sweep for the jobs and
tasks of workers that vanished.

A kind of job is a model built on core.models.BackgroundJob and a task of django-tasks that takes
the job's id; the app registers the pair with job_kind() in its jobs.py. The task hands its work to
background_job_run(), which claims the queued job (RUNNING, one more attempt, a lease of
BAOZHANG_JOB_LEASE_SECONDS), renews the lease from a thread while the work runs, and marks the job
failed with the error if the work raises. The work reports its steps and finishes through the
Lease, whose writes only count while this attempt still holds the job.

A worker killed in the middle (kill -9, a power cut, the machine restarted) leaves its job RUNNING
with a lease that nobody renews. jobs_sweep() (run by each worker as it starts and by the clock
every minute) queues such a job once more, or marks it failed for good after its second attempt;
fails the django-tasks results still RUNNING on a worker whose heartbeat stopped; and queues again
a waiting job that no task will ever run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks.base import Task
from django_tasks_db.models import DBTaskResult

from baozhang.core.models import BackgroundJob, JobFailure, JobStatus, WorkerHeartbeat

logger = logging.getLogger(__name__)

ATTEMPTS = 2  # the first run, and one more after its worker vanished
BEATS_MISSED = 3  # a worker whose heartbeat is this many beats late has stopped
UNKNOWN_WORKER_PATIENCE = timedelta(hours=1)  # a task of a worker that never beat (db_worker)


class LeaseLost(Exception):
    """This attempt no longer holds the job: the sweep gave it to another attempt, or failed it."""


class WorkerLost(Exception):
    """Recorded on a django-tasks result whose worker stopped while running it."""


@dataclass(frozen=True)
class JobKind:
    name: str
    model: type[BackgroundJob]
    task: Task
    # Called with a job's id before the sweep marks it failed for good: takes back its work.
    on_lost: Callable[[int], None] | None = None


KINDS: dict[str, JobKind] = {}


def job_kind(
    name: str,
    *,
    model: type[BackgroundJob],
    task: Task,
    on_lost: Callable[[int], None] | None = None,
) -> JobKind:
    """Register a kind of background job: its model, the task that runs a job by its id, and
    what takes back the work of a job whose worker was lost for good (before it is marked
    failed; outside any transaction, so that it may take several short ones)."""
    kind = JobKind(name=name, model=model, task=task, on_lost=on_lost)
    KINDS[name] = kind
    return kind


def lease_seconds() -> float:
    return float(settings.BAOZHANG_JOB_LEASE_SECONDS)


def worker_stale_after() -> timedelta:
    """How long a worker may go without a heartbeat before it counts as stopped."""
    return timedelta(seconds=BEATS_MISSED * float(settings.BAOZHANG_WORKER_HEARTBEAT_SECONDS))


class Lease:
    """One attempt's hold on a running job. Its writes change the job only while the attempt still
    holds it; otherwise they raise LeaseLost (inside a transaction, so that the work of a lost
    attempt rolls back with it)."""

    def __init__(self, model: type[BackgroundJob], pk: int, attempt: int):
        self.model, self.pk, self.attempt = model, pk, attempt

    def _held(self):
        return self.model._base_manager.filter(
            pk=self.pk, attempts=self.attempt, status=JobStatus.RUNNING
        )

    def is_held(self) -> bool:
        return self._held().exists()

    def update(self, **fields) -> None:
        """Write fields of the job (the work's result, say) if this attempt still holds it."""
        if not self._held().update(**fields):
            raise LeaseLost(f"{self.model.__name__} {self.pk}, attempt {self.attempt}")

    def step(self, key: str, *, progress: int, done: int = 0, total: int = 0) -> None:
        """The job is at the step `key` of its model's STEPS, `progress` percent done."""
        self.update(step=key, progress=progress, step_done=done, step_total=total)

    def finish(self, **fields) -> None:
        """Done: 100 %, no step, the lease let go."""
        self.update(status=JobStatus.DONE, progress=100, step="", leased_until=None, **fields)

    def fail(self, error: str) -> None:
        self.update(
            status=JobStatus.FAILED, failure=JobFailure.ERROR, error=error, leased_until=None
        )

    def renew(self) -> None:
        self._held().update(leased_until=timezone.now() + timedelta(seconds=lease_seconds()))

    @contextmanager
    def kept(self) -> Iterator[None]:
        """Renew the lease from a thread every third of its length while the block runs."""
        stop = threading.Event()

        def renew_until_stopped():
            try:
                while not stop.wait(lease_seconds() / 3):
                    try:
                        self.renew()
                    except Exception:  # a busy database: the next renewal will do
                        logger.warning(
                            "Could not renew the lease of job %s", self.pk, exc_info=True
                        )
            finally:
                connection.close()  # this thread's own connection

        thread = threading.Thread(target=renew_until_stopped, name="baozhang-lease", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()


def background_job_claim(model: type[BackgroundJob], pk: int) -> Lease | None:
    """Start a queued job: RUNNING, one attempt more, leased; None if it is not waiting."""
    with transaction.atomic():
        job = model._base_manager.select_for_update().filter(pk=pk).first()
        if job is None or job.status != JobStatus.QUEUED:
            return None
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.progress, job.step, job.step_done, job.step_total = 0, "", 0, 0
        job.leased_until = timezone.now() + timedelta(seconds=lease_seconds())
        job.save(
            update_fields=[
                "status",
                "attempts",
                "progress",
                "step",
                "step_done",
                "step_total",
                "leased_until",
            ]
        )
    return Lease(model, pk, job.attempts)


def background_job_run(model: type[BackgroundJob], pk: int, work: Callable[[Lease], None]) -> str:
    """Run a queued job's work under a lease; returns the job's status after it.

    The work reports its steps through the lease and may finish the job itself (to write its result
    in the same transaction); if it returns without finishing, the job is done. If it raises, the
    job failed with the error."""
    lease = background_job_claim(model, pk)
    if lease is None:
        return model._base_manager.filter(pk=pk).values_list("status", flat=True).first() or ""
    try:
        with lease.kept():
            work(lease)
            if lease.is_held():
                lease.finish()
    except LeaseLost:
        logger.warning("Job %s %s was taken from this worker", model.__name__, pk)
    except Exception as error:
        logger.exception("Job %s %s failed", model.__name__, pk)
        with suppress(LeaseLost):
            lease.fail(f"{type(error).__name__}: {error}")
    return model._base_manager.filter(pk=pk).values_list("status", flat=True).first() or ""


# The sweep -------------------------------------------------------------------------------------


def _workers_stopped(now: datetime) -> set[str]:
    return set(
        WorkerHeartbeat.objects.filter(
            Q(stopped_at__isnull=False) | Q(beat_at__lt=now - worker_stale_after())
        ).values_list("worker_id", flat=True)
    )


def tasks_orphaned_fail(now: datetime) -> int:
    """Mark failed the task results left RUNNING by a worker that stopped (or, for a worker that
    never sent a heartbeat, that started long ago)."""
    stopped = _workers_stopped(now)
    known = set(WorkerHeartbeat.objects.values_list("worker_id", flat=True))
    orphaned = []
    for result in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING):
        worker = result.worker_ids[-1] if result.worker_ids else ""
        if worker in stopped or (
            worker not in known
            and result.started_at is not None
            and result.started_at < now - UNKNOWN_WORKER_PATIENCE
        ):
            orphaned.append(result.pk)
    return DBTaskResult.objects.filter(pk__in=orphaned, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
        traceback="The worker running this task stopped before it was done.",
    )


def _leases_expired(kind: JobKind, now: datetime) -> int:
    expired = kind.model._base_manager.filter(status=JobStatus.RUNNING).filter(
        Q(leased_until__lt=now) | Q(leased_until__isnull=True)
    )
    swept = 0
    for pk in expired.values_list("pk", flat=True):
        if kind.on_lost is not None and not _retried(kind, pk):
            try:
                kind.on_lost(pk)
            except Exception:  # a busy database: failed by a later sweep, once taken back
                logger.warning("Could not take back the work of job %s %s", kind.name, pk)
                continue
        with transaction.atomic():
            job = kind.model._base_manager.select_for_update().filter(pk=pk).first()
            if job is None or job.status != JobStatus.RUNNING:
                continue
            if job.leased_until is not None and job.leased_until >= now:
                continue  # renewed meanwhile
            if job.attempts < ATTEMPTS:
                kind.model._base_manager.filter(pk=pk).update(
                    status=JobStatus.QUEUED, step="retry", queued_at=now, leased_until=None
                )
                kind.task.enqueue(pk)  # in this transaction: re-queued together or not at all
            else:
                kind.model._base_manager.filter(pk=pk).update(
                    status=JobStatus.FAILED, failure=JobFailure.WORKER_LOST, leased_until=None
                )
            swept += 1
    return swept


def _retried(kind: JobKind, pk: int) -> bool:
    """Whether the sweep will give the job another attempt rather than fail it."""
    attempts = kind.model._base_manager.filter(pk=pk).values_list("attempts", flat=True).first()
    return attempts is not None and attempts < ATTEMPTS


def _queued_without_task(kind: JobKind, now: datetime) -> int:
    """Queue again a job waiting since before the lease length with no task waiting to run it (its
    task was lost with its worker before the job started, or was never stored)."""
    pending = {
        result.args_kwargs["args"][0]
        for result in DBTaskResult.objects.filter(
            task_path=kind.task.module_path,
            status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
        ).only("args_kwargs")
        if result.args_kwargs.get("args")
    }
    waiting = kind.model._base_manager.filter(
        status=JobStatus.QUEUED, queued_at__lt=now - timedelta(seconds=lease_seconds())
    ).values_list("pk", flat=True)
    lost = [pk for pk in waiting if pk not in pending]
    for pk in lost:
        with transaction.atomic():
            kind.model._base_manager.filter(pk=pk).update(queued_at=now)
            kind.task.enqueue(pk)
    return len(lost)


def jobs_sweep(now: datetime | None = None) -> dict[str, int]:
    """Sweep after vanished workers: their tasks failed, their jobs re-queued once or failed,
    waiting jobs that lost their task queued again. Safe to run anywhere at any time."""
    now = now or timezone.now()
    result = {"tasks_failed": tasks_orphaned_fail(now), "jobs_swept": 0, "jobs_requeued": 0}
    for kind in KINDS.values():
        result["jobs_swept"] += _leases_expired(kind, now)
        result["jobs_requeued"] += _queued_without_task(kind, now)
    return result


def heartbeats_forget(*, older_than: timedelta = timedelta(days=7)) -> int:
    """Forget the heartbeats of workers gone for a week."""
    limit = timezone.now() - older_than
    deleted, _by_model = WorkerHeartbeat.objects.filter(beat_at__lt=limit).delete()
    return deleted
