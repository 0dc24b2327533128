"""Titles and written periods of reports: 2026年第47周（11月16日—22日）, 2026年11月 …"""

from __future__ import annotations

from dataclasses import replace

from django.utils.translation import gettext as _

from baozhang.core.figures import Scope
from baozhang.core.periods import Period, period_days_text, period_running_text
from baozhang.reports.models import ReportKind


def period_text(period: Period) -> str:
    """The period as a title names it; a period still running says how far it has run:
    2026年（截至12月1日）."""
    if period.running:
        return _("%(days)s (%(running)s)") % {
            "days": _period_named(period),
            "running": period_running_text(period),
        }
    return _period_named(period)


def _period_named(period: Period) -> str:
    start, end = period.start, period.end
    if period.kind == "week":
        return _("week %(week)s of %(year)s (%(start)s–%(end)s)") % {
            "week": start.isocalendar()[1],
            "year": start.isocalendar()[0],
            "start": f"{start.month}/{start.day}",
            "end": f"{end.month}/{end.day}",
        }
    if period.kind == "month":
        return _("%(month)s/%(year)s") % {"year": start.year, "month": start.month}
    if period.kind == "quarter":
        return _("Q%(quarter)s %(year)s") % {"year": start.year, "quarter": (start.month + 2) // 3}
    if period.kind == "half":
        first = start.month == 1
        return (_("first half of %(year)s") if first else _("second half of %(year)s")) % {
            "year": start.year
        }
    if period.kind == "year":
        return _("the year %(year)s") % {"year": start.year}
    return period_days_text(replace(period, as_of=None))


def report_title(*, kind: str, scope: Scope, period: Period) -> str:
    return _("%(scope)s %(period)s %(kind)s") % {
        "scope": scope.label(),
        "period": period_text(period),
        "kind": ReportKind(kind).label,
    }
