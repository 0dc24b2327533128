"""The background worker (`baozhang worker`): django-tasks-db's db_worker made to outlast a busy
database, with a heartbeat, the clock's ticker, and a sweep after vanished workers as it starts.

db_worker claims each task in an exclusive transaction. On SQLite, another connection holding the
write lock for longer than the busy timeout (a long import, a backup, the sqlite3 shell) made that
BEGIN fail with "database is locked" outside db_worker's own guard, and the worker exited for good.
Here a locked database is waited out: the loop starts again after a pause, and a task's result
is recorded however long the lock lasts. Any other error still ends the process, and the
supervisor of `baozhang serve` (core/supervisor.py) starts it again.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.core.management.base import CommandError
from django.db import OperationalError, close_old_connections, connection
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.utils import is_locked_database_exception

from baozhang.core.background import jobs_sweep
from baozhang.core.db_statistics import statistics_ensure
from baozhang.core.models import WorkerHeartbeat
from baozhang.core.tasks import ticker_start

logger = logging.getLogger(__name__)

BUSY_PAUSE_SECONDS = 1.0


def _is_locked(error: BaseException) -> bool:
    return isinstance(error, OperationalError) and is_locked_database_exception(error)


class Worker(db_worker.Worker):
    """db_worker's loop, which a locked database pauses but never ends."""

    def run(self) -> None:
        while True:
            try:
                return super().run()
            except OperationalError as error:
                if not _is_locked(error):
                    raise
                logger.warning(
                    "The database is busy; the worker tries again in %s s", BUSY_PAUSE_SECONDS
                )
                connection.close()
                self.startup_delay = False
                time.sleep(BUSY_PAUSE_SECONDS)

    def _patiently(self, write: Callable[[], None]) -> None:
        """Do a write, waiting out a locked database for as long as the worker runs."""
        while True:
            try:
                return write()
            except OperationalError as error:
                if not _is_locked(error) or not self.running:
                    raise
                logger.warning("The database is busy; the worker records the task's result later")
                close_old_connections()
                time.sleep(BUSY_PAUSE_SECONDS)

    def run_task(self, db_task_result) -> None:
        """db_worker's run_task, with the task's result written whatever the wait for the
        database: its two writes are made patient on this task result alone."""
        for name in ("set_successful", "set_failed"):
            write = getattr(db_task_result, name)
            setattr(db_task_result, name, partial(self._patient_write, write))
        super().run_task(db_task_result)

    def _patient_write(self, write: Callable[..., None], *args) -> None:
        self._patiently(partial(write, *args))


class Heartbeat:
    """This worker's row of WorkerHeartbeat, written every BAOZHANG_WORKER_HEARTBEAT_SECONDS by a
    thread; a beat that finds the database busy is tried again a second later."""

    def __init__(self, worker_id: str):
        self.worker_id = worker_id
        self.started_at = timezone.now()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="baozhang-heartbeat", daemon=True)

    def beat(self, **extra) -> None:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "host": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": self.started_at,
                "beat_at": timezone.now(),
                **extra,
            },
        )

    def _loop(self) -> None:
        seconds = float(settings.BAOZHANG_WORKER_HEARTBEAT_SECONDS)
        try:
            while True:
                pause = seconds
                try:
                    self.beat()
                except Exception:  # a busy database: try again soon
                    logger.warning("Could not record the worker's heartbeat", exc_info=True)
                    pause = min(seconds, BUSY_PAUSE_SECONDS)
                if self.stop.wait(pause):
                    return
        finally:
            connection.close()

    def start(self) -> None:
        self.thread.start()

    def end(self) -> None:
        """Stop beating and record the stop (unless the database is busy: then the beat ages)."""
        self.stop.set()
        self.thread.join(timeout=5)
        try:
            self.beat(stopped_at=timezone.now())
        except Exception:
            logger.warning("Could not record the worker's stop", exc_info=True)


def sweep_at_start() -> None:
    try:
        swept = jobs_sweep()
    except Exception:  # a busy database: the clock's tick sweeps again within a minute
        logger.warning("Could not sweep after vanished workers", exc_info=True)
        return
    if any(swept.values()):
        logger.warning("Swept after vanished workers: %s", swept)


def statistics_at_start() -> None:
    try:
        statistics_ensure()
    except Exception:  # a busy database: the daily job gathers them at its next run
        logger.warning("Could not gather SQLite's statistics", exc_info=True)


class Command(db_worker.Command):
    """db_worker's options and logging (--reload aside), with this module's Worker, a heartbeat,
    the clock's ticker (unless --batch), and as it starts a sweep after vanished workers and SQLite's
    statistics if there are none."""

    def handle(self, *, verbosity: int, **options) -> None:
        self.configure_logging(verbosity)
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        heartbeat = Heartbeat(options["worker_id"])
        heartbeat.start()
        sweep_at_start()
        statistics_at_start()
        ticking = threading.Event()
        if not options["batch"]:
            ticker_start(ticking)
        worker.configure_signals()
        try:
            worker.run()
        finally:
            ticking.set()
            heartbeat.end()
