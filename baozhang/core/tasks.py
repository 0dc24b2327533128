"""Background tasks of the core: the clock tick that runs the periodic jobs."""

from datetime import datetime

from django_tasks import task

from baozhang.core import clock


@task()
def clock_tick(at: str | None = None) -> dict:
    """Run the due periodic jobs, at the given ISO moment or now."""
    outcomes = clock.tick(datetime.fromisoformat(at) if at else None)
    return {name: [outcome.status, outcome.result] for name, outcome in outcomes.items()}
