"""When a schedule expects its checks: pure date arithmetic, no database."""

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

DEFAULT_TIME = time(9, 0)


@dataclass(frozen=True)
class Plan:
    kind: str  # daily, weekly, monthly, random, patrol
    times: tuple[time, ...] = ()
    weekdays: tuple[int, ...] = ()  # 1 = Monday … 7 = Sunday
    month_day: int | None = None
    checks_per_week: int | None = None
    seed: int = 0  # the schedule's id: random checks are the same each time they are planned


def parse_times(values: list[str]) -> tuple[time, ...]:
    """ "07:30" strings to times, sorted; raises ValueError on a bad one."""
    return tuple(sorted(time.fromisoformat(value) for value in values))


def _days(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def _random_slots(plan: Plan, start: date, end: date) -> list[datetime]:
    """N checks per ISO week on days and times drawn from a generator seeded by schedule and week."""
    slots = []
    monday = start - timedelta(days=start.isoweekday() - 1)
    times = plan.times or (DEFAULT_TIME,)
    while monday <= end:
        year, week, _weekday = monday.isocalendar()
        generator = random.Random(f"{plan.seed}-{year}-{week}")  # noqa: S311 - not security
        days = [monday + timedelta(days=offset) for offset in range(7)]
        allowed = [day for day in days if not plan.weekdays or day.isoweekday() in plan.weekdays]
        count = min(plan.checks_per_week or 0, len(allowed) * len(times))
        candidates = [datetime.combine(day, moment) for day in allowed for moment in times]
        slots += [
            slot for slot in generator.sample(candidates, count) if start <= slot.date() <= end
        ]
        monday += timedelta(days=7)
    return sorted(slots)


def plan_slots(plan: Plan, start: date, end: date) -> list[datetime]:
    """The naive local times at which checks are due between start and end (inclusive)."""
    if plan.kind == "random":
        return _random_slots(plan, start, end)
    times = plan.times or (DEFAULT_TIME,)
    slots = []
    for day in _days(start, end):
        if plan.kind == "daily" and plan.weekdays and day.isoweekday() not in plan.weekdays:
            continue
        if plan.kind in ("weekly", "patrol") and day.isoweekday() not in (plan.weekdays or (1,)):
            continue
        if plan.kind == "monthly" and day.day != min(plan.month_day or 1, _month_length(day)):
            continue
        slots += [datetime.combine(day, moment) for moment in times]
    return slots


def _month_length(day: date) -> int:
    following = day.replace(day=28) + timedelta(days=4)
    return (following - timedelta(days=following.day)).day
