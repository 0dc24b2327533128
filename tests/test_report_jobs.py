"""Reports made by the background worker: progress, scheduled bulletins and monthly reports
e-mailed with their files, and a job that fails saying why."""

import pytest
from django.core import mail
from django.core.management import call_command
from django_scopes import scope, scopes_disabled

from baozhang.core.figures import Scope
from baozhang.core.periods import period_parse
from baozhang.orgs.models import Person
from baozhang.reports import jobs
from baozhang.reports.figures import figures_compute, figures_steps
from baozhang.reports.models import Report, ReportJob, ReportSchedule
from tests.factories import member
from tests.inspection_data import at

pytestmark = pytest.mark.django_db(transaction=True)


def worker():
    call_command("db_worker", "--batch", "--interval", "0", verbosity=0)


def test_progress_counts_every_section(dorms):
    seen = []
    with scope(organisation=dorms["org"]):
        figures_compute(
            scope=Scope(dorms["org"]),
            period=period_parse("2026-W47"),
            progress=lambda done, name: seen.append(done),
        )
    assert seen == list(range(1, figures_steps() + 1))


def test_scheduled_bulletin_and_monthly_report_are_made_and_emailed(dorms):
    org = dorms["org"]
    member(org, "admin", username="admin")
    with scopes_disabled():
        person = Person.objects.get(user__username="admin")
        person.email = "office@example.com"
        person.save()
        start = at("2026-11-23").date()
        weekly = ReportSchedule.objects.create(
            organisation=org, kind="weekly", hour=8, starts_on=start
        )
        weekly.recipients.set([person])
        monthly = ReportSchedule.objects.create(
            organisation=org, kind="monthly", hour=8, starts_on=start
        )
        monthly.recipients.set([person])
    # Monday 23 November: the bulletin of week 47 from 08:00, once; October's report is not
    # caught up (its turn, 1 November, came before the schedule's start).
    assert jobs.scheduled(at("2026-11-23", "07:50")) == 0
    assert jobs.scheduled(at("2026-11-23", "08:05")) == 1
    assert jobs.scheduled(at("2026-11-23", "09:00")) == 0
    worker()
    with scopes_disabled():
        job = ReportJob.objects.get()
        assert (job.status, job.progress, job.period) == ("done", 100, "2026-W47")
        report = Report.objects.get()
    assert report.kind == "weekly" and report.period == "2026-W47"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["office@example.com"] and message.subject == report.title
    assert "2026年第47周" in report.title
    names = sorted(name.rsplit(".", 1)[1] for name, _content, _type in message.attachments)
    assert names == ["docx", "pdf"]
    assert message.attachments[0][1][:4] == b"%PDF"
    # Tuesday 1 December: November's report, and week 48's bulletin not made on Monday.
    assert jobs.scheduled(at("2026-12-01", "08:30")) == 2
    worker()
    with scopes_disabled():
        periods = sorted(Report.objects.values_list("period", flat=True))
        assert periods == ["2026-11", "2026-W47", "2026-W48"]
        weekly.refresh_from_db()
        monthly.refresh_from_db()
    assert (weekly.last_period, monthly.last_period) == ("2026-W48", "2026-11")
    assert len(mail.outbox) == 3


def test_a_failing_job_says_why_and_leaves_no_report(dorms):
    with scopes_disabled():
        job = ReportJob.objects.create(organisation=dorms["org"], kind="weekly", period="nonsense")
    from baozhang.reports.tasks import report_job_run

    report_job_run.enqueue(job.pk)
    worker()
    with scopes_disabled():
        job.refresh_from_db()
        assert job.status == "failed" and "NONSENSE" in job.error
        assert not Report.objects.exists()
