"""Background tasks of reports: make a queued report, updating its job's progress as each section
is computed, and e-mail its PDF and Word files if asked."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _
from django_scopes import scope as tenant_scope
from django_scopes import scopes_disabled
from django_tasks import task

from baozhang.core.figures import Scope
from baozhang.core.periods import period_parse
from baozhang.reports import files, services
from baozhang.reports.figures import figures_steps
from baozhang.reports.models import JobStatus, ReportJob

logger = logging.getLogger(__name__)


@task()
def report_job_run(job_id: int) -> str:
    """Make a queued report (and e-mail it if asked)."""
    return report_job_run_now(job_id)


def report_job_run_now(job_id: int) -> str:
    """Make the job's report, updating its progress as each section is computed."""
    with scopes_disabled():
        job = ReportJob.objects.select_related("organisation", "site", "unit", "area_type").get(
            pk=job_id
        )
    if job.status != JobStatus.QUEUED:
        return job.status
    rows = ReportJob._base_manager.filter(pk=job.pk)  # this job's row, by its key
    steps = figures_steps() + 2

    def progress(done: int, name: str) -> None:
        rows.update(progress=min(95, int(done * 100 / steps)), step=name)

    with scopes_disabled():
        rows.update(status=JobStatus.RUNNING, step=_("Computing the figures"))
    organisation = job.organisation
    try:
        with tenant_scope(organisation=organisation), translation.override(settings.LANGUAGE_CODE):
            report = services.report_create(
                kind=job.kind,
                scope=Scope(
                    organisation=organisation, site=job.site, unit=job.unit, area_type=job.area_type
                ),
                period=period_parse(job.period),
                by=job.requested_by,
                progress=progress,
            )
            if job.email_to:
                rows.update(progress=97, step=_("Sending the e-mail"))
                _email(report, job.email_to)
    except Exception as error:
        logger.exception("report job %s failed", job.pk)
        with scopes_disabled():
            rows.update(status=JobStatus.FAILED, error=f"{type(error).__name__}: {error}")
        return JobStatus.FAILED
    with scopes_disabled():
        rows.update(status=JobStatus.DONE, progress=100, step="", report=report)
    return JobStatus.DONE


def _email(report, recipients: list[str]) -> None:
    version = report.versions.get(number=1)
    message = EmailMessage(
        subject=report.title,
        body=_("Attached: %(title)s (generated draft, version 1).") % {"title": report.title},
        to=recipients,
    )
    message.attach(f"{report.title}.pdf", files.version_pdf(version), "application/pdf")
    message.attach(
        f"{report.title}.docx",
        files.version_docx(version),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    message.send()
