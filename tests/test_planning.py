"""When schedules expect their checks (pure date arithmetic)."""

import datetime as dt

from baozhang.inspections.planning import Plan, parse_times, plan_slots

MONDAY = dt.date(2026, 11, 16)
SUNDAY = dt.date(2026, 11, 22)


def test_daily_at_fixed_times_on_school_days():
    plan = Plan("daily", parse_times(["19:20", "07:30", "13:30"]), weekdays=(1, 2, 3, 4, 5))
    slots = plan_slots(plan, MONDAY, SUNDAY)
    assert len(slots) == 15
    assert slots[0] == dt.datetime(2026, 11, 16, 7, 30)
    assert all(slot.isoweekday() <= 5 for slot in slots)


def test_weekly_big_cleaning_and_monthly_on_the_last_day_of_short_months():
    weekly = plan_slots(Plan("weekly", parse_times(["15:00"]), weekdays=(3,)), MONDAY, SUNDAY)
    assert weekly == [dt.datetime(2026, 11, 18, 15, 0)]
    monthly = Plan("monthly", parse_times(["09:00"]), month_day=31)
    slots = plan_slots(monthly, dt.date(2026, 1, 1), dt.date(2026, 4, 30))
    assert [slot.date().isoformat() for slot in slots] == [
        "2026-01-31",
        "2026-02-28",
        "2026-03-31",
        "2026-04-30",
    ]


def test_random_spot_checks_are_n_a_week_and_the_same_each_time():
    plan = Plan("random", parse_times(["09:00", "15:00"]), checks_per_week=3, seed=7)
    first = plan_slots(plan, MONDAY, MONDAY + dt.timedelta(days=13))
    assert len(first) == 6
    assert first == plan_slots(plan, MONDAY, MONDAY + dt.timedelta(days=13))
    assert first != plan_slots(
        Plan("random", plan.times, checks_per_week=3, seed=8),
        MONDAY,
        MONDAY + dt.timedelta(days=13),
    )
