"""Titles, written dates and written periods of reports, as a Chinese office writer writes them:
11月30日（星期一）, 2026年第49周（11月30日—12月6日）, 2026年11月 — never an ISO code; in English
Monday 30 November, week 49 of 2026 (30 November – 6 December), November 2026."""

from __future__ import annotations

from datetime import date

from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from baozhang.core.figures import Scope
from baozhang.core.periods import Period, day_text, period_parse
from baozhang.core.periods import days_text as period_days_between
from baozhang.reports.models import ReportKind


def weekday_text(day: date) -> str:
    """11月30日（星期一） / Monday 30 November."""
    return date_format(day, pgettext("date format", "l j F"))


def days_text(start: date, end: date) -> str:
    """11月23日—29日 / 23–29 November; 11月30日—12月6日 / 30 November – 6 December."""
    if start.month == end.month:
        return pgettext("date range within a month", "%(start)s–%(end)s") % {
            "start": date_format(
                start, pgettext("date format, first day of a range within a month", "j")
            ),
            "end": date_format(
                end, pgettext("date format, last day of a range within a month", "j F")
            ),
        }
    return pgettext("date range", "%(start)s – %(end)s") % {
        "start": day_text(start, year=False),
        "end": day_text(end, year=False),
    }


def period_text(period: Period, *, until: date | None = None) -> str:
    """The period in words; a period still running at ``until`` (or cut at its ``as_of``) says
    up to which day."""
    if until is None and period.running:
        until = period.last_day()
    running = _running(period, until)
    if running and period.kind == "week":  # one bracket: 第49周（11月30日—12月6日，截至12月2日）
        return _("week %(week)s of %(year)s (%(days)s, to %(day)s)") % {
            "week": period.start.isocalendar()[1],
            "year": period.start.isocalendar()[0],
            "days": days_text(period.start, period.end),
            "day": day_text(until, year=False),
        }
    return _period_words(period) + running


def _running(period: Period, until: date | None) -> str:
    if until is None or not period.start <= until < period.end:
        return ""
    return _(" (to %(day)s)") % {"day": day_text(until, year=False)}


SUMMARIES = (ReportKind.HALF_YEAR, ReportKind.ANNUAL)


def _period_words(period: Period) -> str:
    start, end = period.start, period.end
    if period.kind == "week":
        return _("week %(week)s of %(year)s (%(days)s)") % {
            "week": start.isocalendar()[1],
            "year": start.isocalendar()[0],
            "days": days_text(start, end),
        }
    if period.kind == "month":
        return date_format(start, pgettext("date format", "F Y"))
    if period.kind == "quarter":
        return _("Q%(quarter)s %(year)s") % {"year": start.year, "quarter": (start.month + 2) // 3}
    if period.kind == "half":
        first = start.month == 1
        return (_("first half of %(year)s") if first else _("second half of %(year)s")) % {
            "year": start.year
        }
    if period.kind == "year":
        return _("the year %(year)s") % {"year": start.year}
    return period_days_between(start, end, running=False)


def period_label_text(label: str) -> str:
    """A period written as its code (2026-W41, 2026-10) in words; an unknown code as it is."""
    try:
        return period_text(period_parse(label))
    except ValueError:
        return label


def period_running_until(period: Period, today: date) -> date | None:
    """The day a period still running on ``today`` is counted up to; None for a period over."""
    return today if period.start <= today < period.end else None


def report_title(
    *, kind: str, scope: Scope, period: Period, until: date | None = None, number: int = 1
) -> str:
    """示例医院2026年11月月报（截至11月20日）; the second report of the same kind, scope and
    period adds （第2份）, so that the list tells them apart."""
    title = _("%(scope)s %(period)s %(kind)s") % {
        "scope": scope.label(),
        "period": _period_words(period),
        # 2026年下半年工作总结, not 2026年下半年半年工作总结: the period says which summary.
        "kind": ReportKind(kind if kind not in SUMMARIES else ReportKind.CUSTOM).label,
    }
    title += _running(period, until)
    if number > 1:
        title += _(" (no. %(number)s)") % {"number": number}
    return title
