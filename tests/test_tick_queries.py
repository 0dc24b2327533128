"""A clock tick works in proportion to what is due, not to the number of organisations: with
nothing due, six organisations cost it as many queries as three."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from baozhang.core import clock
from baozhang.inspections.models import ExpectedCheck, Schedule
from baozhang.standards.models import Standard
from tests.factories import LocationFactory, OrganisationFactory, SiteFactory, schedule_created
from tests.inspection_data import at

pytestmark = pytest.mark.django_db


def organisations_add(count: int) -> None:
    """Organisations with a location and a daily schedule of it."""
    with scopes_disabled():
        for _ in range(count):
            organisation = OrganisationFactory()
            site = SiteFactory(organisation=organisation)
            standard = Standard.objects.create(organisation=organisation, code="S", name="标准")
            schedule = Schedule.objects.create(
                organisation=organisation,
                name="早检",
                standard=standard,
                kind="daily",
                times=["07:30"],
                starts_on=dt.date(2026, 11, 2),
            )
            schedule_created(schedule, at("2026-11-01", "09:00"))
            schedule.locations.set([LocationFactory(organisation=organisation, site=site)])


def tick_queries(moment: dt.datetime) -> int:
    with CaptureQueriesContext(connection) as queries:
        outcomes = clock.tick(moment, force=True)
    assert {outcome.status for outcome in outcomes.values()} == {"ran"}, outcomes
    return len(queries)


def test_a_tick_with_nothing_due_costs_the_same_for_three_or_six_organisations():
    clock.discover()
    organisations_add(3)
    morning = at("2026-11-03", "06:00")
    clock.tick(morning, force=True)  # plans the fortnights, stores each organisation's policy
    three = tick_queries(morning)
    organisations_add(3)
    clock.tick(morning, force=True)
    assert tick_queries(morning) == three
    # The next morning plans each schedule's new day: the writes come on top of the reads.
    assert tick_queries(morning + dt.timedelta(days=1)) > three
    with scopes_disabled():
        assert ExpectedCheck.objects.count() == 6 * 16
