"""The imports run in the background as a kind of job that core's sweep looks after, and the
periodic removal of the files of import jobs that ended."""

from __future__ import annotations

from datetime import timedelta

from django_scopes import scopes_disabled

from baozhang.core.background import job_kind
from baozhang.core.clock import periodic
from baozhang.core.models import JobStatus
from baozhang.orgs.models import ImportJob
from baozhang.orgs.tasks import import_job_file_remove, import_job_lost, import_job_run

job_kind("orgs.import", model=ImportJob, task=import_job_run, on_lost=import_job_lost)


@periodic("orgs.import-files", every=timedelta(hours=1))
def import_files(now) -> int:
    """Remove the files of import jobs that ended but kept theirs (their worker stopped in the
    moment between the end and the removal)."""
    with scopes_disabled():
        ended = list(
            ImportJob.objects.filter(status__in=[JobStatus.DONE, JobStatus.FAILED]).exclude(file="")
        )
    for job in ended:
        import_job_file_remove(job)
    return len(ended)
