"""Reads of the core: how the background workers are doing, for the administrator's page."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from baozhang.core.background import worker_stale_after
from baozhang.core.models import WorkerHeartbeat


@dataclass(frozen=True)
class WorkersStatus:
    state: str  # "ok" (a worker beats), "stale" (none has beaten lately) or "never" (none ever ran)
    last: WorkerHeartbeat | None  # the latest heartbeat of any worker
    running: int  # the workers beating now


def workers_status() -> WorkersStatus:
    """Whether a background worker runs, from the workers' heartbeats."""
    beats = list(WorkerHeartbeat.objects.order_by("-beat_at")[:50])
    if not beats:
        return WorkersStatus(state="never", last=None, running=0)
    recent = timezone.now() - worker_stale_after()
    running = sum(beat.stopped_at is None and beat.beat_at >= recent for beat in beats)
    return WorkersStatus(state="ok" if running else "stale", last=beats[0], running=running)
