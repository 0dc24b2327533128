"""The demo's reports: finalised weekly bulletins and monthly reports of the last weeks and months,
a draft for the current month, and the schedules that make the next ones."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from baozhang.core.figures import Scope
from baozhang.core.periods import month_key, period_parse, period_previous, week_key
from baozhang.orgs.models import Organisation, User
from baozhang.reports.models import ReportKind, ReportSchedule, VersionStatus
from baozhang.reports.services import report_create


def reports_build(organisation: Organisation, *, days: int = 365) -> None:
    """Finalised reports of the last weeks and months, this month's draft and the schedules."""
    author = User.objects.filter(
        people__organisation=organisation, people__memberships__role="admin"
    ).first()
    today = timezone.localdate()
    scope = Scope(organisation=organisation)
    wanted = []
    month = period_parse(month_key(today))
    for _step in range(min(3, days // 30)):
        month = period_previous(month)
        wanted.append((ReportKind.MONTHLY, month))
    week = period_parse(week_key(today))
    for _step in range(min(4, days // 7)):
        week = period_previous(week)
        wanted.append((ReportKind.WEEKLY, week))
    for kind, period in wanted:
        report = report_create(kind=kind, scope=scope, period=period, by=author)
        # Not report_finalise: that stamps the present moment and needs a person's
        # access, while these reports were finalised the morning after their period.
        version = report.versions.get()
        version.status = VersionStatus.FINAL
        version.finalised_at = timezone.make_aware(
            dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(9))
        )
        version.finalised_by = author
        version.save()
    if days:
        report_create(
            kind=ReportKind.MONTHLY, scope=scope, period=period_parse(month_key(today)), by=author
        )
    for kind in (ReportKind.WEEKLY, ReportKind.MONTHLY):
        ReportSchedule.objects.get_or_create(
            organisation=organisation, kind=kind, defaults={"hour": 8, "starts_on": today}
        )
