"""Running periods and schedules count honestly: only the checks due up to the moment the figures
are made, none due before their schedule was created, planned = done + missed + open, and a period
still running is labelled as running wherever it is shown."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django_scopes import scope

from baozhang.core.figures import Scope
from baozhang.core.periods import period_days_text, period_parse
from baozhang.inspections.models import ExpectedCheck, Inspection, Schedule
from baozhang.inspections.planned_checks import CheckCounts, check_counts, checks_missed
from baozhang.inspections.schedules import expected_checks_ensure, schedule_save
from baozhang.inspections.services import inspection_submit
from baozhang.reports.figures import figures_compute
from baozhang.reports.models import Report
from baozhang.reports.narrative import narrative_write
from baozhang.reports.services import report_create
from baozhang.reports.titles import period_text
from tests.factories import member, schedule_created
from tests.inspection_data import at, submit

pytestmark = pytest.mark.django_db


def daily(dorms) -> Schedule:
    return Schedule(
        organisation=dorms["org"],
        name="宿舍早检",
        standard=dorms["standard"],
        kind="daily",
        times=["07:30", "13:30", "19:20"],
        starts_on=dt.date(2026, 11, 16),
        window_minutes=60,
    )


def clock(monkeypatch, moment: dt.datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: moment)


def test_a_schedule_created_at_18_16_has_no_missed_checks_for_07_30_that_morning(
    dorms, monkeypatch
):
    clock(monkeypatch, at("2026-11-16", "18:16"))
    org = dorms["org"]
    schedule, planned = schedule_save(
        schedule=daily(dorms),
        assignees=[],
        locations=[dorms["room"]],
        area_types=[],
        by=None,
        today=dt.date(2026, 11, 16),
    )
    assert schedule.created_at == at("2026-11-16", "18:16")
    # Not 07:30 nor 13:30 of the day it was created: 19:20, then three a day for 14 days.
    assert planned == 1 + 3 * 14
    assert ExpectedCheck.objects.order_by("due_at").first().due_at == at("2026-11-16", "19:20")
    week = period_parse("2026-W47")
    assert checks_missed(organisation=org, period=week).count() == 0
    # A check due before the creation that exists anyway (planned by hand, or long ago) counts
    # for nothing, now or later.
    ExpectedCheck.objects.create(
        organisation=org,
        schedule=schedule,
        location=dorms["room"],
        due_at=at("2026-11-16", "07:30"),
        window_ends_at=at("2026-11-16", "08:30"),
        week_key="2026-W47",
        month_key="2026-11",
    )
    assert check_counts(organisation=org, period=week) == CheckCounts(0, 0, 0, 0)
    evening = at("2026-11-16", "19:50")
    assert check_counts(organisation=org, period=week, now=evening) == CheckCounts(1, 0, 0, 1)
    night = at("2026-11-16", "21:00")
    assert check_counts(organisation=org, period=week, now=night) == CheckCounts(1, 0, 1, 0)
    missed = checks_missed(organisation=org, period=week, now=night)
    assert list(missed.values_list("due_at", flat=True)) == [at("2026-11-16", "19:20")]


@pytest.fixture
def december(dorms, monkeypatch):
    """A daily schedule created on Monday 30 November at midnight, planned to 14 December; on
    the 30th the 07:30 check was done, the 13:30 and 19:20 ones missed, and a spot check was made
    at 10:00 outside the plan; it is 07:50 on Tuesday 1 December."""
    org = dorms["org"]
    schedule = daily(dorms)
    schedule.starts_on = dt.date(2026, 11, 30)
    schedule.save()
    schedule_created(schedule, at("2026-11-30", "00:00"))
    schedule.locations.add(dorms["room"])
    expected_checks_ensure(
        schedule=schedule, start=dt.date(2026, 11, 30), end=dt.date(2026, 12, 14)
    )
    inspection_submit(
        location=dorms["room"],
        version=dorms["version"],
        findings=[],
        done_at=at("2026-11-30", "07:45"),
        schedule=schedule,
    )
    submit(dorms, "2026-11-30")  # 10:00, no schedule
    clock(monkeypatch, at("2026-12-01", "07:50"))
    return {**dorms, "org": org, "schedule": schedule}


def test_figures_on_1_december_count_nothing_after_now(december):
    figures = figures_compute(
        scope=Scope(organisation=december["org"]), period=period_parse("2026")
    )
    assert figures["period"] == {
        "start": "2026-01-01",
        "end": "2026-12-31",
        "label": "2026",
        "as_of": "2026-12-01",
        "running": True,
    }
    checks = figures["inspections"]
    # Due by 07:50 on the 1st: three on the 30th and 07:30 on the 1st, whose window runs to 08:30;
    # the fortnight planned ahead (41 more) counts for nothing yet.
    assert ExpectedCheck.objects.count() == 3 * 15
    assert (checks["scheduled"], checks["done"], checks["missed"], checks["open"]) == (4, 1, 2, 1)
    assert checks["scheduled"] == checks["done"] + checks["missed"] + checks["open"]
    assert checks["unscheduled"] == 1 and Inspection.objects.count() == 2
    assert figures["year_earlier_period"]["running"] is False  # 2025, over
    overview = narrative_write(figures)["overview"]
    assert overview.startswith("2026年（截至12月1日），示例")
    assert "计划检查4次，实际完成1次，漏检2次" in overview
    assert "其中1次计划检查尚在规定时限内（待检），未计入完成或漏检。" in overview
    assert "另开展计划外检查1次。" in overview
    assert "2026-" not in overview and "12-31" not in overview


def test_planned_is_done_plus_missed_plus_open_on_every_page_and_in_the_api(december, client):
    admin = member(december["org"], "admin", username="admin")
    client.force_login(admin)
    answer = client.get("/api/v1/orgs/college/figures", {"period": "2026-12"}).json()
    assert answer["period"]["running"] is True and answer["period"]["as_of"] == "2026-12-01"
    assert answer["inspections"]["scheduled"] == 1 and answer["inspections"]["open"] == 1
    missed = client.get("/api/v1/orgs/college/missed-checks", {"period": "2026-W49"}).json()
    assert [check["due_at"][11:16] for check in missed] == ["05:30", "11:20"]  # UTC of 13:30, 19:20
    counted = {}
    for state in ("planned", "done", "missed", "open", "unscheduled"):
        page = client.get(
            reverse("inspections:checks", args=["college"]), {"period": "2026", "state": state}
        ).content.decode()
        counted[state] = int(page.split('data-testid="checks-count">')[1].split("<")[0])
        assert '<span data-testid="running">（截至12月1日）</span>' in page
    assert counted == {"planned": 4, "done": 1, "missed": 2, "open": 1, "unscheduled": 1}
    schedule = december["schedule"]
    detail = client.get(
        reverse("inspections:schedule-detail", args=["college", schedule.pk])
    ).content.decode()
    assert 'data-testid="missed-count">2<' in detail
    assert "12-01 07:30" in detail.split('data-testid="open"')[1].split("</ul>")[0]


def test_a_report_of_a_running_year_is_titled_as_running(december):
    with scope(organisation=december["org"]):
        report = report_create(
            kind="annual", scope=Scope(organisation=december["org"]), period=period_parse("2026")
        )
    assert report.title == "示例职业技术学院2026年工作总结（截至12月1日）"
    assert Report.objects.get().period == "2026"
    figures = report.versions.get().figures
    assert figures["period"]["running"] is True


def test_the_period_label_of_a_running_year():
    year = period_parse("2026")
    running = year.until(at("2026-12-01", "18:16"))
    assert running.running and running.last_day() == dt.date(2026, 12, 1)
    assert not year.until(at("2027-01-01", "00:00")).running
    assert period_days_text(running) == "2026年1月1日至12月1日（截至12月1日）"
    assert period_days_text(year) == "2026年1月1日至12月31日"
    assert period_text(running) == "2026年（截至12月1日）"
    assert period_text(period_parse("2026-09-01..2027-01-20")) == "2026年9月1日至2027年1月20日"
    with translation.override("en"):
        assert period_days_text(running) == "1 January 2026 to 1 December (to 1 December)"
        assert period_text(running) == "the year 2026 (to 1 December)"
    # A period not begun counts nothing and says so.
    future = period_parse("2027").until(at("2026-12-01", "18:16"))
    assert future.moments()[0] == future.moments()[1]
    assert period_days_text(future) == "2027年1月1日起（尚未开始）"
