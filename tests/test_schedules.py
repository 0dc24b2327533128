"""Schedule pages: what each kind of plan needs, the checks it expects, missed checks shown."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from baozhang.core.periods import Period
from baozhang.inspections.models import ExpectedCheck, Schedule
from baozhang.inspections.planned_checks import checks_missed
from baozhang.standards.models import Standard
from tests.factories import AreaTypeFactory, LocationFactory, SiteFactory, schedule_created

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(college):
    with scopes_disabled():
        dorm = AreaTypeFactory(organisation=college, code="dorm", name="宿舍")
        site = SiteFactory(organisation=college)
        for code in ("5413", "5414"):
            LocationFactory(organisation=college, site=site, code=code, area_type=dorm)
        standard = Standard.objects.create(organisation=college, code="SS", name="宿舍标准")
    return {"dorm": dorm, "standard": standard}


def form(plan, **changes):
    data = {
        "name": "宿舍早检",
        "standard": plan["standard"].pk,
        "kind": "daily",
        "level": "department",
        "times_text": "07:30, 13:30，19:20",
        "window_minutes": "60",
        "area_types": [plan["dorm"].pk],
        "starts_on": timezone.localdate().isoformat(),
        "is_active": "on",
    }
    data.update(changes)
    return data


def test_daily_schedule_expects_checks_for_two_weeks(alice_client, plan):
    response = alice_client.post(
        reverse("inspections:schedule-create", args=["college"]), form(plan)
    )
    assert response.status_code == 302
    with scopes_disabled():
        schedule = Schedule.objects.get()
        assert schedule.times == ["07:30", "13:30", "19:20"]
        # 15 days (today and 14 more) × 3 times × 2 rooms
        assert ExpectedCheck.objects.filter(schedule=schedule).count() == 15 * 3 * 2
    detail = alice_client.get(response["Location"]).content.decode()
    assert "5413" in detail


@pytest.mark.parametrize(
    ("changes", "field_error"),
    [
        ({"times_text": ""}, "至少"),
        ({"times_text": "7点半"}, "07:30"),
        ({"kind": "weekly", "times_text": "15:00"}, "星期"),
        ({"kind": "monthly", "month_day": "32"}, "1 到 31"),
        ({"kind": "random", "checks_per_week": ""}, "抽查"),
        ({"area_types": []}, "区域类型或位置"),
    ],
)
def test_each_kind_says_what_it_needs(alice_client, plan, changes, field_error):
    response = alice_client.post(
        reverse("inspections:schedule-create", args=["college"]), form(plan, **changes)
    )
    assert response.status_code == 200
    assert field_error in response.content.decode()
    with scopes_disabled():
        assert not Schedule.objects.exists() and not ExpectedCheck.objects.exists()


def test_missed_checks_are_shown_and_outsiders_get_404(alice_client, client, charlie, plan):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    alice_client.post(
        reverse("inspections:schedule-create", args=["college"]), form(plan, starts_on=tomorrow)
    )
    with scopes_disabled():
        schedule = Schedule.objects.get()
        past = timezone.now() - dt.timedelta(days=2)
        schedule_created(schedule, past - dt.timedelta(days=1))
        for location in schedule.area_types.get().locations.all():
            ExpectedCheck.objects.create(
                organisation=schedule.organisation,
                schedule=schedule,
                location=location,
                due_at=past,
                window_ends_at=past + dt.timedelta(hours=1),
                week_key="2026-W01",
                month_key="2026-01",
            )
    url = reverse("inspections:schedule-detail", args=["college", schedule.pk])
    body = alice_client.get(url).content.decode()
    assert 'data-testid="missed-count">2<' in body
    client.force_login(charlie)
    assert client.get(url).status_code == 404
    assert (
        client.get(reverse("inspections:schedule-edit", args=["college", schedule.pk])).status_code
        == 404
    )


def test_missed_checks_of_a_period_are_those_due_on_its_days_in_local_time(alice_client, plan):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    alice_client.post(
        reverse("inspections:schedule-create", args=["college"]), form(plan, starts_on=tomorrow)
    )
    period = Period(
        start=timezone.localdate() - dt.timedelta(days=10),
        end=timezone.localdate() - dt.timedelta(days=3),
        label="",
        kind="range",
    )
    first, after = period.moments()
    second = dt.timedelta(seconds=1)
    with scopes_disabled():
        schedule = Schedule.objects.get()
        schedule_created(schedule, first - dt.timedelta(days=1))
        location = schedule.area_types.get().locations.first()
        for due_at in (first - second, first, after - second, after):
            ExpectedCheck.objects.create(
                organisation=schedule.organisation,
                schedule=schedule,
                location=location,
                due_at=due_at,
                window_ends_at=due_at + dt.timedelta(hours=1),
                week_key="2026-W01",
                month_key="2026-01",
            )
        missed = checks_missed(organisation=schedule.organisation, period=period)
        assert sorted(missed.values_list("due_at", flat=True)) == [first, after - second]
    # Local midnight, not UTC's: the time zone is 8 hours ahead.
    assert timezone.localtime(first).time() == dt.time.min != first.astimezone(dt.UTC).time()
