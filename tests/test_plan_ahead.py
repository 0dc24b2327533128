"""The hourly planning of expected checks plans what changed and the new days, and leaves the same
expected checks as planning every schedule's fortnight again would, whatever was edited between
two runs."""

import datetime as dt
import random

import pytest
from django.db import connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scopes_disabled

from baozhang.inspections.models import ExpectedCheck, Schedule
from baozhang.inspections.schedules import (
    PLAN_AHEAD_DAYS,
    expected_checks_ensure,
    expected_checks_plan_ahead,
    schedule_save,
)
from baozhang.orgs.models import Location
from baozhang.standards.models import Standard
from tests.factories import AreaTypeFactory, LocationFactory, SiteFactory, schedule_created

pytestmark = pytest.mark.django_db

FIRST_DAY = dt.date(2026, 11, 2)
CREATED = timezone.make_aware(dt.datetime(2026, 10, 1, 9, 0))  # the schedules' creation
KINDS = {
    "daily": {"times": ["07:30", "13:30"], "weekdays": []},
    "weekly": {"times": ["10:00"], "weekdays": [1, 4]},
    "monthly": {"times": ["09:00"], "month_day": 31},
    "random": {"times": ["08:00", "15:00"], "checks_per_week": 3},
    "patrol": {"times": ["16:00"], "weekdays": [3]},
}


class Campus:
    """An organisation's locations and schedules, edited at random between planning runs."""

    def __init__(self, organisation, generator: random.Random):
        self.organisation, self.random = organisation, generator
        self.site = SiteFactory(organisation=organisation)
        self.area_types = [AreaTypeFactory(organisation=organisation) for _ in range(3)]
        self.locations = [self.location_new() for _ in range(8)]
        self.standard = Standard.objects.create(organisation=organisation, code="S", name="标准")
        self.schedules = [self.schedule_new(kind) for kind in KINDS for _ in range(2)]

    def location_new(self):
        return LocationFactory(
            organisation=self.organisation,
            site=self.site,
            area_type=self.random.choice([*self.area_types, None]),
        )

    def schedule_new(self, kind: str) -> Schedule:
        schedule = Schedule.objects.create(
            organisation=self.organisation,
            name=f"{kind} {self.random.random()}",
            standard=self.standard,
            kind=kind,
            starts_on=FIRST_DAY - dt.timedelta(days=self.random.choice([0, 3, -2])),
            **KINDS[kind],
        )
        schedule_created(schedule, CREATED)
        schedule.locations.set(self.random.sample(self.locations, 2))
        if self.random.random() < 0.5:
            schedule.area_types.set([self.random.choice(self.area_types)])
        return schedule

    def schedules_for(self, change: str, today: dt.date) -> list[int]:
        """The schedules a change matters to most (any when none): those of the kind that uses the
        field, those whose start is still to come."""
        kinds = {"month_day": "monthly", "checks_per_week": "random"}
        chosen = Schedule.objects.filter(pk__in=[schedule.pk for schedule in self.schedules])
        if change in kinds:
            chosen = chosen.filter(kind=kinds[change])
        elif change == "starts_on" and self.random.random() < 0.7:
            chosen = chosen.filter(starts_on__gt=today)
        return list(chosen.values_list("pk", flat=True)) or [s.pk for s in self.schedules]

    def edit(self, today: dt.date) -> str:
        """One random change of a schedule or a location, saved as the product saves it, or not;
        each read afresh, as a page reads it."""
        change = self.random.choice(
            [
                "times",
                "weekdays",
                "kind",
                "month_day",
                "checks_per_week",
                "window",
                "named",
                "area_types",
                "location_active",
                "location_area_type",
                "location_new",
                "active",
                "ends_on",
                "starts_on",
                "saved",
            ]
        )
        schedule = Schedule.objects.get(pk=self.random.choice(self.schedules_for(change, today)))
        location = Location.objects.get(pk=self.random.choice(self.locations).pk)
        if change == "times":
            schedule.times = sorted(self.random.sample(["06:00", "07:30", "12:00", "18:45"], 2))
        elif change == "weekdays":
            schedule.weekdays = sorted(self.random.sample(range(1, 8), self.random.randint(1, 3)))
        elif change == "kind":
            schedule.kind = self.random.choice(list(KINDS))
            schedule.month_day = schedule.month_day or 15
            schedule.checks_per_week = schedule.checks_per_week or 2
        elif change == "month_day":
            schedule.month_day = self.random.randint(1, 31)
        elif change == "checks_per_week":
            schedule.checks_per_week = self.random.randint(1, 5)
        elif change == "window":
            schedule.window_minutes = self.random.choice([30, 60, 240])
        elif change == "named":
            schedule.locations.set(self.random.sample(self.locations, self.random.randint(0, 3)))
        elif change == "area_types":
            schedule.area_types.set(self.random.sample(self.area_types, self.random.randint(0, 2)))
        elif change == "location_active":
            location.is_active = not location.is_active
            location.save()
        elif change == "location_area_type":
            location.area_type = self.random.choice([*self.area_types, None])
            location.save()
        elif change == "location_new":
            self.locations.append(self.location_new())
        elif change == "active":
            schedule.is_active = not schedule.is_active
        elif change == "ends_on":
            later = max(today, schedule.starts_on) + dt.timedelta(days=self.random.randint(0, 9))
            schedule.ends_on = None if schedule.ends_on else later
        elif change == "starts_on":  # a start to come brought to now, or a running one put off
            later = schedule.starts_on > today
            schedule.starts_on = today + dt.timedelta(
                days=self.random.randint(-3, 0) if later else self.random.randint(1, 20)
            )
            if schedule.ends_on and schedule.ends_on < schedule.starts_on:
                schedule.ends_on = None
        if change == "saved":
            schedule_save(
                schedule=schedule,
                assignees=[],
                locations=list(schedule.locations.all()),
                area_types=list(schedule.area_types.all()),
                by=None,
                today=today,
            )
        else:
            schedule.save()
        return change


def expected_rows() -> set[tuple]:
    return set(
        ExpectedCheck.objects.values_list(
            "schedule_id", "location_id", "due_at", "window_ends_at", "week_key", "month_key"
        )
    )


def full_rebuild(today: dt.date) -> set[tuple]:
    """The fortnight of every active schedule planned again, as the planning did before: what
    the expected checks would then be (rolled back)."""
    with transaction.atomic():
        active = Schedule.objects.filter(is_active=True, organisation__is_active=True)
        for schedule in active.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today)):
            expected_checks_ensure(
                schedule=schedule, start=today, end=today + dt.timedelta(days=PLAN_AHEAD_DAYS)
            )
        rebuilt = expected_rows()
        transaction.set_rollback(True)
    return rebuilt


@pytest.mark.parametrize("seed", [15, 1515, 7])
def test_planning_what_changed_leaves_the_expected_checks_of_a_full_rebuild(college, seed):
    generator = random.Random(seed)
    with scopes_disabled():
        campus = Campus(college, generator)
        today = FIRST_DAY
        changes = set()
        for _run in range(40):
            for _edit in range(generator.choice([0, 1, 2, 2, 4])):
                changes.add(campus.edit(today))
            before = expected_rows()
            rebuilt = full_rebuild(today)
            created = expected_checks_plan_ahead(today=today)
            assert expected_rows() == rebuilt, (seed, today, changes)
            assert created == len(rebuilt - before)
            # Mostly the next day; sometimes the same, a pause, or a clock set back.
            today += dt.timedelta(days=generator.choice([0, 1, 1, 1, 1, 3, -2]))
    assert len(changes) >= 8  # most kinds of change were made


@pytest.fixture
def schedules(college):
    """A daily schedule at two times for each of several locations."""
    with scopes_disabled():
        site = SiteFactory(organisation=college)
        standard = Standard.objects.create(organisation=college, code="S", name="标准")

    def more(count: int) -> None:
        with scopes_disabled():
            for _ in range(count):
                schedule = Schedule.objects.create(
                    organisation=college,
                    name="早检",
                    standard=standard,
                    kind="daily",
                    times=["07:30", "13:30"],
                    starts_on=FIRST_DAY,
                )
                schedule_created(schedule, CREATED)
                schedule.locations.set([LocationFactory(organisation=college, site=site)])

    return more


def planning_queries(today: dt.date) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        created = expected_checks_plan_ahead(today=today)
    return created, len(queries)


def test_a_run_plans_the_new_day_and_its_queries_do_not_grow_with_the_schedules(schedules):
    schedules(3)
    with scopes_disabled():
        assert planning_queries(FIRST_DAY)[0] == 3 * 2 * 15
        assert planning_queries(FIRST_DAY) == (0, 4)  # read; nothing to write
        created, three = planning_queries(FIRST_DAY + dt.timedelta(days=1))
        assert created == 3 * 2  # the new day only
        schedules(3)  # three more, planned from scratch with the others' new day
        assert planning_queries(FIRST_DAY + dt.timedelta(days=2))[0] == 3 * 2 * 15 + 3 * 2
        assert planning_queries(FIRST_DAY + dt.timedelta(days=3)) == (6 * 2, three)
        assert planning_queries(FIRST_DAY + dt.timedelta(days=3)) == (0, 4)


def test_an_edited_schedule_is_planned_again_from_today_and_only_it(schedules, college):
    schedules(2)
    with scopes_disabled():
        expected_checks_plan_ahead(today=FIRST_DAY)
        edited, other = Schedule.objects.order_by("pk")
        edited.times = ["07:30", "20:00"]
        edited.save()
        today = FIRST_DAY + dt.timedelta(days=5)
        # The edited one: 20:00 from today for a fortnight, 07:30 on the 5 new days; the other: the
        # 5 new days.
        assert expected_checks_plan_ahead(today=today) == 15 + 5 + 5 * 2
        evening = ExpectedCheck.objects.filter(schedule=edited, due_at__hour=20)
        assert min(timezone.localdate(check.due_at) for check in evening) == today
        edited.refresh_from_db()
        other.refresh_from_db()
        assert (edited.planned_from, edited.planned_until) == (today, today + dt.timedelta(14))
        assert (other.planned_from, other.planned_until) == (FIRST_DAY, today + dt.timedelta(14))
