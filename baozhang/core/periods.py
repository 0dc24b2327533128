"""Reporting periods: ISO weeks (Monday first), months, quarters, halves, years and date ranges.

Written as 2026-W47, 2026-11, 2026-Q4, 2026-H2, 2026 or 2026-09-01..2027-01-20.

A period still running is counted only as far as it has run: ``period.until(now)`` gives the same
period with ``as_of`` set (``running``), and its moments end at that moment. Everything that counts
checks, and every text that names the period, goes through it.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    label: str
    kind: str  # week, month, quarter, half, year, range
    # Set by until() on a period still running: the moment it is counted to.
    as_of: datetime | None = None

    @property
    def running(self) -> bool:
        """Whether the period had not ended when it was counted (until())."""
        return self.as_of is not None

    def until(self, now: datetime) -> "Period":
        """The period as far as it has run at ``now``: running and counted to ``now`` when ``now``
        falls before its end (a period not begun yet counts nothing), else the whole period."""
        whole = replace(self, as_of=None)
        return whole if now >= whole.moments()[1] else replace(self, as_of=now)

    def last_day(self) -> date:
        """The last day counted: the day of ``as_of`` (in the current time zone) while running,
        else the period's end."""
        return timezone.localdate(self.as_of) if self.as_of is not None else self.end

    def moments(self) -> tuple[datetime, datetime]:
        """The period as aware moments in the current time zone: [first midnight, last midnight),
        the end cut at ``as_of`` while it runs."""
        first = timezone.make_aware(datetime.combine(self.start, time.min))
        after = timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))
        if self.as_of is not None:
            after = max(first, min(after, self.as_of))
        return first, after

    def moments_filter(self, field: str) -> dict:
        """Filter arguments keeping the moments of ``field`` within the period (up to and with
        ``as_of`` while it runs): a range an index serves, where ``field__date`` makes SQLite
        convert every row's time in Python."""
        first, after = self.moments()
        if self.as_of is not None:
            return {f"{field}__gte": first, f"{field}__lte": after}
        return {f"{field}__gte": first, f"{field}__lt": after}


WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$")
MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
HALF = re.compile(r"^(\d{4})-H([12])$")
YEAR = re.compile(r"^(\d{4})$")
RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def _weeks_in(year: int) -> int:
    return date(year, 12, 28).isocalendar()[1]


def period_of_week(key: str) -> Period:
    """The ISO week written 2026-W47."""
    return period_parse(key)


def period_parse(text: str) -> Period:
    """Read a period label; raises ValueError saying what is wrong."""
    text = (text or "").strip().upper().replace("..", "..")
    if match := WEEK.match(text):
        year, week = int(match[1]), int(match[2])
        if not 1 <= week <= _weeks_in(year):
            raise ValueError(f"{year} has no ISO week {week}")
        start = date.fromisocalendar(year, week, 1)
        return Period(start, start + timedelta(days=6), f"{year}-W{week:02d}", "week")
    if match := MONTH.match(text):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise ValueError(f"there is no month {month}")
        return Period(date(year, month, 1), _month_end(year, month), f"{year}-{month:02d}", "month")
    if match := QUARTER.match(text):
        year, quarter = int(match[1]), int(match[2])
        first = 3 * quarter - 2
        return Period(
            date(year, first, 1), _month_end(year, first + 2), f"{year}-Q{quarter}", "quarter"
        )
    if match := HALF.match(text):
        year, half = int(match[1]), int(match[2])
        first = 1 if half == 1 else 7
        return Period(date(year, first, 1), _month_end(year, first + 5), f"{year}-H{half}", "half")
    if match := YEAR.match(text):
        year = int(match[1])
        return Period(date(year, 1, 1), date(year, 12, 31), str(year), "year")
    if match := RANGE.match(text):
        start, end = date.fromisoformat(match[1]), date.fromisoformat(match[2])
        if end < start:
            raise ValueError("the range ends before it starts")
        return Period(start, end, f"{start.isoformat()}..{end.isoformat()}", "range")
    raise ValueError(
        f"{text!r} is not a period like 2026-W47, 2026-11, 2026-Q4, 2026-H2, 2026 "
        "or 2026-09-01..2027-01-20"
    )


def _shift_year(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def period_previous(period: Period) -> Period:
    """The period of the same kind just before this one."""
    if period.kind == "week":
        return period_parse(week_key(period.start - timedelta(days=7)))
    if period.kind == "month":
        return period_parse(month_key(period.start - timedelta(days=1)))
    if period.kind == "quarter":
        day = period.start - timedelta(days=1)
        return period_parse(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    if period.kind == "half":
        day = period.start - timedelta(days=1)
        return period_parse(f"{day.year}-H{1 if day.month <= 6 else 2}")
    if period.kind == "year":
        return period_parse(str(period.start.year - 1))
    length = period.end - period.start
    end = period.start - timedelta(days=1)
    return period_parse(f"{(end - length).isoformat()}..{end.isoformat()}")


def period_year_before(period: Period) -> Period:
    """The same period one year earlier."""
    if period.kind == "week":
        year, week, _day = period.start.isocalendar()
        return period_parse(f"{year - 1}-W{min(week, _weeks_in(year - 1)):02d}")
    if period.kind == "range":
        start, end = _shift_year(period.start, -1), _shift_year(period.end, -1)
        return period_parse(f"{start.isoformat()}..{end.isoformat()}")
    return period_parse(period.label.replace(str(period.start.year), str(period.start.year - 1), 1))


def week_key(day: date) -> str:
    """The ISO week of a day: 2027-01-01 → 2026-W53."""
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def month_key(day: date) -> str:
    """The month of a day: 2026-11."""
    return f"{day.year}-{day.month:02d}"


def period_days(period: Period) -> Iterator[date]:
    """Every day of the period, in order."""
    day = period.start
    while day <= period.end:
        yield day
        day += timedelta(days=1)


def period_weeks(period: Period) -> list[str]:
    """The ISO weeks that touch the period."""
    keys = []
    day = period.start - timedelta(days=period.start.isoweekday() - 1)
    while day <= period.end:
        keys.append(week_key(day))
        day += timedelta(days=7)
    return keys


def period_steps(period: Period, weeks: int = 8, months: int = 6) -> list[Period]:
    """The periods a trend of the period is drawn over, oldest first: the ``weeks`` weeks up to a
    week (or a range of up to 31 days), the ``months`` months up to a month, and each month of a
    longer period, a range's first and last months cut to the range."""
    if period.kind == "week" or (period.kind == "range" and (period.end - period.start).days < 31):
        last = period.end - timedelta(days=period.end.isoweekday() - 1)
        return [period_parse(week_key(last - timedelta(weeks=n))) for n in range(weeks - 1, -1, -1)]
    if period.kind == "month":
        steps = [period]
        while len(steps) < months:
            steps.insert(0, period_previous(steps[0]))
        return steps
    steps, day = [], period.start
    while day <= period.end:
        month = period_parse(month_key(day))
        if month.start < period.start or month.end > period.end:
            start, end = max(month.start, period.start), min(month.end, period.end)
            month = Period(start, end, f"{start.isoformat()}..{end.isoformat()}", "range")
        steps.append(month)
        day = month.end + timedelta(days=1)
    return steps


def period_error(label: str) -> str:
    """What to tell a person who wrote something that is not a period, in their language."""
    return _(
        "“%(value)s” is not a period like 2026-W47, 2026-11, 2026-Q4, 2026 or "
        "2026-09-01..2027-01-20."
    ) % {"value": label}


def scoring_periods_in(period: Period, scoring_period: str) -> list[Period]:
    """The scoring periods (weeks or months) whose scores make up a unit's score for the period:
    each week that ends in it (a week belongs to the period in which its Sunday falls, as a red
    flag does), or each month that lies wholly in it. A period shorter than its scoring period
    (a day, or a week scored by the month) holds none: it shows deductions and bonuses, not a
    score."""
    found: list[Period] = []
    if scoring_period == "month":
        day = period.start
        while day <= period.end:
            month = period_parse(month_key(day))
            if month.start >= period.start and month.end <= period.end:
                found.append(month)
            day = month.end + timedelta(days=1)
        return found
    sunday = period.start + timedelta(days=6 - period.start.weekday())
    while sunday <= period.end:
        found.append(period_parse(week_key(sunday)))
        sunday += timedelta(days=7)
    return found


def day_text(day: date, *, year: bool = True) -> str:
    """A day as people write it: 2026年12月1日 / 1 December 2026, or without the year."""
    if year:
        return dateformat.format(day, pgettext("a day written out, with its year", "j F Y"))
    return dateformat.format(day, pgettext("a day written out, without its year", "j F"))


def period_running_text(period: Period) -> str:
    """How far a running period has run: 截至12月1日 / to 1 December; empty once it has ended."""
    return running_text(period.start, period.last_day()) if period.running else ""


def period_days_text(period: Period) -> str:
    """The days a period covers, as far as it has run: 2026年1月1日至12月31日, and for a period
    still running 2026年1月1日至12月1日（截至12月1日）: never its end date as if it were over."""
    return days_text(period.start, period.last_day(), running=period.running)


def running_text(start: date, last: date) -> str:
    """截至12月1日 / to 1 December: the last day counted of a period begun on ``start``."""
    return _("to %(day)s") % {"day": day_text(last, year=last.year != start.year)}


def days_text(start: date, last: date, *, running: bool) -> str:
    """period_days_text of the days ``start`` to ``last`` (the last counted)."""
    if last < start:  # not begun yet
        return _("%(days)s (not begun)") % {"days": day_text(start)}
    days = _("%(start)s to %(end)s") % {
        "start": day_text(start),
        "end": day_text(last, year=last.year != start.year),
    }
    if running:
        return _("%(days)s (%(running)s)") % {"days": days, "running": running_text(start, last)}
    return days
