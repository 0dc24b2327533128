"""Background tasks of reports."""

from django_tasks import task

from baozhang.reports.background import report_job_run_now


@task()
def report_job_run(job_id: int) -> str:
    """Make a queued report (and e-mail it if asked)."""
    return report_job_run_now(job_id)
