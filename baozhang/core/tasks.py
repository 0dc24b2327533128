"""Background tasks of the core: the clock tick that runs the periodic jobs, and the worker's
ticker that enqueues it every minute."""

import logging
import threading
from datetime import datetime

from django.db import close_old_connections
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from baozhang.core import clock

logger = logging.getLogger(__name__)

TICK_SECONDS = 60


@task()
def clock_tick(at: str | None = None) -> dict:
    """Run the due periodic jobs, at the given ISO moment or now."""
    outcomes = clock.tick(datetime.fromisoformat(at) if at else None)
    return {name: [outcome.status, outcome.result] for name, outcome in outcomes.items()}


def ticker_start(stop: threading.Event) -> threading.Thread:
    """Enqueue clock_tick every TICK_SECONDS until stop is set, unless one is still waiting."""

    def loop():
        while not stop.is_set():
            try:
                waiting = DBTaskResult.objects.filter(
                    task_path=clock_tick.module_path, status=TaskResultStatus.READY
                ).exists()
                if not waiting:
                    clock_tick.enqueue()
            except Exception:
                logger.exception("Could not enqueue the clock tick")
            finally:
                close_old_connections()
            stop.wait(TICK_SECONDS)

    thread = threading.Thread(target=loop, name="baozhang-clock", daemon=True)
    thread.start()
    return thread
