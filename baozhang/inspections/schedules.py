"""Writes of schedules: save a plan of checks, and keep the checks it expects planned ahead."""

from collections.abc import Iterable
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from baozhang.core.periods import month_key, week_key
from baozhang.inspections import planning
from baozhang.inspections.models import ExpectedCheck, Schedule
from baozhang.orgs.models import AreaType, Location, Person, User
from baozhang.orgs.services import record_save

PLAN_AHEAD_DAYS = 14  # how far ahead the expected checks of a schedule are planned


def schedule_save(
    *,
    schedule: Schedule,
    assignees: Iterable[Person],
    locations: Iterable[Location],
    area_types: Iterable[AreaType],
    by: User | None,
    today: date,
) -> tuple[Schedule, int]:
    """Save a schedule with its inspectors, locations and area types, and plan its checks from
    today to PLAN_AHEAD_DAYS ahead; returns the schedule and how many checks are newly expected."""
    with transaction.atomic():
        saved = record_save(record=schedule, by=by)
        saved.assignees.set(assignees)
        saved.locations.set(locations)
        saved.area_types.set(area_types)
        created = expected_checks_ensure(
            schedule=saved, start=today, end=today + timedelta(days=PLAN_AHEAD_DAYS)
        )
    return saved, created


def schedule_locations(*, schedule: Schedule) -> list[Location]:
    """The active locations a schedule covers: those named, and those of its area types."""
    chosen = set(schedule.locations.filter(is_active=True).values_list("pk", flat=True))
    area_types = list(schedule.area_types.values_list("pk", flat=True))
    if area_types:
        chosen |= set(
            Location.objects.filter(
                organisation_id=schedule.organisation_id,
                area_type__in=area_types,
                is_active=True,
            ).values_list("pk", flat=True)
        )
    return list(Location.objects.filter(pk__in=chosen).order_by("path"))


def expected_checks_ensure(*, schedule: Schedule, start, end) -> int:
    """Create the schedule's expected checks between two dates (inclusive); returns how many new."""
    plan = planning.Plan(
        kind=schedule.kind,
        times=planning.parse_times(schedule.times),
        weekdays=tuple(schedule.weekdays),
        month_day=schedule.month_day,
        checks_per_week=schedule.checks_per_week,
        seed=schedule.pk,
    )
    start = max(start, schedule.starts_on)
    end = min(end, schedule.ends_on) if schedule.ends_on else end
    if not schedule.is_active or start > end:
        return 0
    locations = schedule_locations(schedule=schedule)
    window = timedelta(minutes=schedule.window_minutes)
    rows = []
    for slot in planning.plan_slots(plan, start, end):
        due_at = timezone.make_aware(slot)
        for location in locations:
            rows.append(
                ExpectedCheck(
                    organisation_id=schedule.organisation_id,
                    schedule=schedule,
                    location=location,
                    due_at=due_at,
                    window_ends_at=due_at + window,
                    week_key=week_key(slot.date()),
                    month_key=month_key(slot.date()),
                )
            )
    before = ExpectedCheck.objects.filter(schedule=schedule).count()
    ExpectedCheck.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return ExpectedCheck.objects.filter(schedule=schedule).count() - before
