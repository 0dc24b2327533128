"""Reports made in the background: a job records what to make and how far it has got; the page
shows its progress; the worker makes it (reports/tasks.py)."""

from __future__ import annotations

from functools import partial

from django.db import transaction

from baozhang.core.figures import Scope
from baozhang.core.periods import Period
from baozhang.orgs.access import OrgAccess
from baozhang.reports import services
from baozhang.reports.models import ReportJob
from baozhang.reports.tasks import report_job_run


def report_job_request(
    *, access: OrgAccess | None, kind: str, scope: Scope, period: Period, email_to=()
) -> ReportJob:
    """Queue a report to be made; checked now, made by the worker after the commit."""
    services.period_check(kind=kind, period=period)
    job = ReportJob.objects.create(
        organisation=scope.organisation,
        kind=kind,
        period=period.label,
        site=scope.site,
        unit=scope.unit,
        area_type=scope.area_type,
        requested_by=access.user if access else None,
        email_to=list(email_to),
    )
    transaction.on_commit(partial(report_job_run.enqueue, job.pk))
    return job
