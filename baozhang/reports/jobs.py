"""Periodic job of reports (the scheduled bulletins and monthly reports), and the reports made in
the background as a kind of job that core's sweep looks after."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_scopes import scope as tenant_scope
from django_scopes import scopes_disabled

from baozhang.core.background import job_kind
from baozhang.core.clock import periodic
from baozhang.core.figures import Scope
from baozhang.core.periods import month_key, period_parse, period_previous, week_key
from baozhang.orgs.selectors import each_organisation
from baozhang.reports.background import report_job_request
from baozhang.reports.models import ReportJob, ReportKind, ReportSchedule
from baozhang.reports.tasks import report_job_run

job_kind("reports.report", model=ReportJob, task=report_job_run)


def due_period(schedule: ReportSchedule, now) -> str | None:
    """The period a schedule should make now: last week's bulletin from Monday at its hour, last
    month's report from the 1st at its hour; None before that, or when made already."""
    local = timezone.localtime(now)
    today = local.date()
    if schedule.kind == ReportKind.WEEKLY:
        label = week_key(today - timedelta(days=7))
        start_of_turn = today - timedelta(days=today.weekday())  # this Monday
    else:
        label = period_previous(period_parse(month_key(today))).label
        start_of_turn = today.replace(day=1)
    if start_of_turn < schedule.starts_on or (
        today == start_of_turn and local.hour < schedule.hour
    ):
        return None
    return None if schedule.last_period == label else label


@periodic("reports.scheduled", every=timedelta(minutes=10))
def scheduled(now) -> int:
    """Queue the scheduled reports that are due, once per period each (in the organisations with
    an active schedule)."""
    queued = 0
    with scopes_disabled():
        among = list(
            ReportSchedule.objects.filter(is_active=True)
            .values_list("organisation_id", flat=True)
            .order_by()
            .distinct()
        )
    for organisation in each_organisation(among=among):
        with tenant_scope(organisation=organisation):
            for schedule in ReportSchedule.objects.filter(
                organisation=organisation, is_active=True
            ):
                label = due_period(schedule, now)
                if label is None:
                    continue
                with transaction.atomic():
                    locked = ReportSchedule.objects.select_for_update().get(pk=schedule.pk)
                    if locked.last_period == label:
                        continue
                    emails = [p.email for p in locked.recipients.all() if p.email]
                    report_job_request(
                        access=None,
                        kind=locked.kind,
                        scope=Scope(organisation=organisation),
                        period=period_parse(label),
                        email_to=emails,
                    )
                    locked.last_period = label
                    locked.save(update_fields=["last_period", "updated_at"])
                    queued += 1
    return queued
