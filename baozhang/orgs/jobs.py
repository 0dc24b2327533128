"""The imports and the exports run in the background as kinds of job that core's sweep looks
after; the periodic removal of the files of import jobs that ended and of export jobs that
expired."""

from __future__ import annotations

from datetime import timedelta

from django_scopes import scopes_disabled

from baozhang.core.background import job_kind
from baozhang.core.clock import periodic
from baozhang.core.models import JobStatus
from baozhang.orgs.models import ExportJob, ImportJob
from baozhang.orgs.tasks import (
    export_job_file_remove,
    export_job_lost,
    export_job_run,
    import_job_file_remove,
    import_job_lost,
    import_job_run,
)

job_kind("orgs.import", model=ImportJob, task=import_job_run, on_lost=import_job_lost)
job_kind("orgs.export", model=ExportJob, task=export_job_run, on_lost=export_job_lost)


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


@periodic("orgs.export-files", every=timedelta(hours=1))
def export_files(now) -> int:
    """Remove the files of export jobs kept past BAOZHANG_EXPORT_KEEP_HOURS."""
    with scopes_disabled():
        expired = list(ExportJob.objects.filter(expires_at__lt=now).exclude(file=""))
    for job in expired:
        export_job_file_remove(job)
    return len(expired)
