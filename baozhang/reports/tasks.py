"""Background tasks of reports: make a queued report, updating its job's progress as each section
is computed, and e-mail its PDF and Word files if asked.

A job whose worker stopped is run once more (core/background.py): a report already stored by the
first attempt is not made again, only e-mailed; the e-mail may then go out twice."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scope as tenant_scope
from django_scopes import scopes_disabled
from django_tasks import task

from baozhang.core.background import Lease, background_job_run
from baozhang.core.figures import Scope
from baozhang.core.periods import period_parse
from baozhang.reports import files, services
from baozhang.reports.figures import figures_steps
from baozhang.reports.models import ReportJob


@task()
def report_job_run(job_id: int) -> str:
    """Make a queued report (and e-mail it if asked)."""
    return report_job_run_now(job_id)


def report_job_run_now(job_id: int) -> str:
    """Make the job's report under its lease (core/background.py); returns the job's status."""
    return background_job_run(ReportJob, job_id, _report_make)


def _report_make(lease: Lease) -> None:
    with scopes_disabled():
        job = ReportJob.objects.select_related("organisation", "site", "unit", "area_type").get(
            pk=lease.pk
        )
    organisation = job.organisation
    steps = figures_steps() + 2  # the figures, then writing the draft and the e-mail
    with tenant_scope(organisation=organisation), translation.override(settings.LANGUAGE_CODE):
        report = job.report
        if report is None:  # made by an attempt whose worker stopped before the e-mail
            scope = Scope(
                organisation=organisation, site=job.site, unit=job.unit, area_type=job.area_type
            )
            period = period_parse(job.period).until(timezone.now())  # as far as it has run
            services.report_check(kind=job.kind, period=period)
            figures = services.report_figures(
                kind=job.kind,
                scope=scope,
                period=period,
                progress=lambda done, _name: lease.step(
                    "figures", progress=int(done * 100 / steps), done=done, total=steps - 2
                ),
            )
            lease.step("writing", progress=int((steps - 2) * 100 / steps))
            with transaction.atomic():  # the report and the job's link to it, or neither
                report = services.report_store(
                    kind=job.kind, scope=scope, period=period, figures=figures, by=job.requested_by
                )
                lease.update(report=report)
        if job.email_to:
            lease.step("email", progress=int((steps - 1) * 100 / steps))
            _email(report, job.email_to)
    lease.finish()


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
