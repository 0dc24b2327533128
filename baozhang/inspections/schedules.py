"""Writes of schedules: save a plan of checks, and keep the checks it expects planned ahead.

A schedule remembers how far its expected checks are planned (``planned_until``) and a digest of
what they were planned from (``planned_inputs``: its kind, times, days, window, dates and the
locations it covers). The hourly planning reads every active schedule's inputs with a few queries,
and plans only a schedule whose inputs changed since (the whole fortnight again, as saving it
does) or whose fortnight moved on (the new days); the others cost no write. Expected checks are
only ever added: those planned from earlier inputs stay, as they always have."""

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_scopes import scopes_disabled

from baozhang.core.periods import month_key, week_key
from baozhang.core.rows import rows_insert_missing
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
        location_ids = [location.pk for location in schedule_locations(schedule=saved)]
        step = _planning_step(saved, location_ids, today, replan=True)
        created = rows_insert_missing(_expected_rows(saved, location_ids, today, step.until))
        if saved.is_active:
            _planned_record([step])
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


def expected_checks_ensure(*, schedule: Schedule, start: date, end: date) -> int:
    """Create the schedule's expected checks between two dates (inclusive); returns how many new."""
    location_ids = [location.pk for location in schedule_locations(schedule=schedule)]
    return rows_insert_missing(_expected_rows(schedule, location_ids, start, end))


def expected_checks_plan_ahead(*, today: date) -> int:
    """Keep the expected checks of every active schedule of every active organisation planned
    PLAN_AHEAD_DAYS ahead of today; returns how many are newly expected.

    The same expected checks as expected_checks_ensure on every such schedule from today to
    PLAN_AHEAD_DAYS ahead, with work in proportion to what changed: a schedule planned from the
    same inputs gets only the days past its planned_until, one whose inputs changed the fortnight.
    """
    with scopes_disabled():
        chosen = Schedule.objects.filter(organisation__is_active=True, is_active=True).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=today)
        )
        schedules = list(chosen)
        covered = _locations_covered(chosen, schedules)
        due = [
            step
            for schedule in schedules
            if (step := _planning_step(schedule, covered.get(schedule.pk, []), today))
        ]
        if not due:
            return 0
        with transaction.atomic():
            created = rows_insert_missing(
                [
                    row
                    for step in due
                    for row in _expected_rows(
                        step.schedule, step.location_ids, step.start, step.until
                    )
                ]
            )
            _planned_record(due)
    return created


@dataclass(frozen=True)
class _Step:
    """The days a schedule needs planned, start to until, and whether from new inputs."""

    schedule: Schedule
    location_ids: list[int]
    inputs: str
    start: date
    until: date
    replanned: bool


def _planning_step(
    schedule: Schedule, location_ids: list[int], today: date, *, replan: bool = False
) -> _Step | None:
    """What the schedule needs planned: the days past its planned_until when it was planned from
    the same inputs since a day no later than today, else (or asked to replan) the fortnight from
    today; None when it is planned already."""
    inputs = _inputs_digest(schedule, location_ids)
    horizon = today + timedelta(days=PLAN_AHEAD_DAYS)
    until = min(horizon, schedule.ends_on) if schedule.ends_on else horizon
    same = (
        not replan
        and schedule.planned_inputs == inputs
        and schedule.planned_from is not None
        and schedule.planned_until is not None
        and schedule.planned_from <= today
    )
    if not same:
        return _Step(schedule, location_ids, inputs, today, until, replanned=True)
    if schedule.planned_until >= until:
        return None
    start = max(today, schedule.planned_until + timedelta(days=1))
    return _Step(schedule, location_ids, inputs, start, until, replanned=False)


def _planned_record(steps: list[_Step]) -> None:
    """Remember how far each schedule is planned, and from which inputs. A schedule planned on
    from the same inputs only moves its planned_until, with one UPDATE for many schedules."""
    moved: dict[date, list[int]] = defaultdict(list)
    replanned = []
    for step in steps:
        schedule = step.schedule
        if step.replanned:
            schedule.planned_from, schedule.planned_inputs = step.start, step.inputs
            replanned.append(schedule)
        else:
            moved[step.until].append(schedule.pk)
        schedule.planned_until = step.until
    for until, ids in moved.items():
        for first in range(0, len(ids), 500):
            Schedule.objects.filter(pk__in=ids[first : first + 500]).update(planned_until=until)
    Schedule.objects.bulk_update(
        replanned, ["planned_from", "planned_until", "planned_inputs"], batch_size=500
    )


def _locations_covered(chosen, schedules: list[Schedule]) -> dict[int, list[int]]:
    """The ids of the active locations each chosen schedule covers, as schedule_locations gives
    them, for many schedules with three queries."""
    covered: dict[int, set[int]] = defaultdict(set)
    named = Schedule.locations.through.objects.filter(
        schedule__in=chosen, location__is_active=True
    ).values_list("schedule_id", "location_id")
    for schedule_id, location_id in named:
        covered[schedule_id].add(location_id)
    picked = Schedule.area_types.through.objects.filter(schedule__in=chosen)
    in_area_type: dict[tuple[int, int], list[int]] = defaultdict(list)
    active = Location.objects.filter(
        is_active=True, area_type__in=picked.values("areatype_id")
    ).values_list("organisation_id", "area_type_id", "pk")
    for organisation_id, area_type_id, location_id in active:
        in_area_type[organisation_id, area_type_id].append(location_id)
    organisation_of = {schedule.pk: schedule.organisation_id for schedule in schedules}
    for schedule_id, area_type_id in picked.values_list("schedule_id", "areatype_id"):
        if schedule_id in organisation_of:
            covered[schedule_id].update(in_area_type[organisation_of[schedule_id], area_type_id])
    return {schedule_id: sorted(ids) for schedule_id, ids in covered.items()}


def _inputs_digest(schedule: Schedule, location_ids: Iterable[int]) -> str:
    """A digest of everything the schedule's expected checks are made from."""
    inputs = [
        schedule.pk,
        schedule.kind,
        schedule.times,
        schedule.weekdays,
        schedule.month_day,
        schedule.checks_per_week,
        schedule.window_minutes,
        schedule.starts_on.isoformat(),
        schedule.ends_on.isoformat() if schedule.ends_on else None,
        sorted(location_ids),
        settings.TIME_ZONE,
    ]
    return hashlib.sha256(json.dumps(inputs).encode()).hexdigest()


def schedule_plan(schedule: Schedule) -> planning.Plan:
    """When the schedule expects its checks, for planning.py."""
    return planning.Plan(
        kind=schedule.kind,
        times=planning.parse_times(schedule.times),
        weekdays=tuple(schedule.weekdays),
        month_day=schedule.month_day,
        checks_per_week=schedule.checks_per_week,
        seed=schedule.pk,
    )


def _expected_rows(
    schedule: Schedule, location_ids: list[int], start: date, end: date
) -> list[ExpectedCheck]:
    """The schedule's expected checks at its locations between two dates (inclusive), unsaved;
    none due before the schedule was created, which it could not have planned."""
    start = max(start, schedule.starts_on)
    end = min(end, schedule.ends_on) if schedule.ends_on else end
    if not schedule.is_active or start > end or not location_ids:
        return []
    window = timedelta(minutes=schedule.window_minutes)
    rows = []
    for slot in planning.plan_slots(schedule_plan(schedule), start, end):
        due_at = timezone.make_aware(slot)
        if due_at < schedule.created_at:
            continue
        week, month = week_key(slot.date()), month_key(slot.date())
        rows += [
            ExpectedCheck(
                organisation_id=schedule.organisation_id,
                schedule_id=schedule.pk,
                location_id=location_id,
                due_at=due_at,
                window_ends_at=due_at + window,
                week_key=week,
                month_key=month,
            )
            for location_id in location_ids
        ]
    return rows
