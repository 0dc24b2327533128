"""Background tasks of the organisations: import a workbook kept by an import job
(orgs/imports.py), and write the workbook (or a list's document) of an export job
(orgs/exports.py).

A kind that stores its rows in batches (findings) tags them with the job; whatever stops the job
(its rows refused, an error, its worker lost twice) takes back what was stored before the job is
marked failed, and a second attempt after a lost worker starts by taking back what the first one
stored. The file is removed once the job has ended.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import OperationalError, transaction
from django.utils import timezone, translation
from django_scopes import scope as tenant_scope
from django_scopes import scopes_disabled
from django_tasks import task

from baozhang.core.background import Lease, LeaseLost, background_job_run
from baozhang.core.list_documents import ORIGIN_PARAM, list_document_for_kind
from baozhang.core.list_workbooks import list_sheet_write, list_workbook_for_kind
from baozhang.core.models import JobFailure, JobStatus
from baozhang.core.transfers import ERRORS_KEPT, import_options_chosen, transfer_for_kind
from baozhang.core.xlsx import ImportRejected
from baozhang.orgs.access import access_organisation
from baozhang.orgs.models import ExportJob, ImportJob

logger = logging.getLogger(__name__)

Progress = Callable[[int], None]
UNDO_TRIES = 5  # a busy database is waited for, a few times, before the undo gives up


@task()
def import_job_run(job_id: int) -> str:
    """Import the workbook of a queued import job."""
    return background_job_run(ImportJob, job_id, import_job_work)


@dataclass
class _Run:
    """What the kind's import function is given (core/transfers.py, ImportRun)."""

    job_id: int
    batch_rows: int
    lease: Lease

    def step(self, key: str, *, progress: int, done: int = 0, total: int = 0) -> None:
        self.lease.step(key, progress=progress, done=done, total=total)


def import_job_work(lease: Lease) -> None:
    """Import the job's file; done with its counts, or failed with its rows' problems or the
    error, after what it stored is taken back."""
    with scopes_disabled():
        job = ImportJob.objects.select_related("organisation", "requested_by").get(pk=lease.pk)
    transfer = transfer_for_kind(job.kind)
    if transfer is None or transfer.import_file is None:
        raise ValueError(f"no import of the kind {job.kind!r}")
    run = _Run(job_id=job.pk, batch_rows=settings.IMPORT_BATCH_ROWS, lease=lease)
    with tenant_scope(organisation=job.organisation), translation.override(job.language):
        try:
            if lease.attempt > 1:
                import_job_undo(job, lease=lease)  # what the lost attempt stored
            if transfer.undo_import is None:
                lease.step("records", progress=10)
            result = transfer.import_file(
                organisation=job.organisation,
                upload=job.file.path,
                by=job.requested_by,
                run=run,
                **import_options_chosen(transfer, job.options),
            )
        except LeaseLost:
            raise  # the job is another attempt's now: it takes back what this one stored
        except ImportRejected as rejected:
            import_job_undo(job, lease=lease)
            _refused(lease, rejected)
        except Exception:
            import_job_undo(job, lease=lease)
            import_job_file_remove(job)  # the job is failed with the error next
            raise
        else:
            lease.finish(records_created=result.created, records_updated=result.updated)
    import_job_file_remove(job)


def _refused(lease: Lease, rejected: ImportRejected) -> None:
    lease.update(
        status=JobStatus.FAILED,
        failure=JobFailure.ERROR,
        leased_until=None,
        error=str(rejected.errors[0]) if rejected.errors else "",
        row_errors=[
            {
                "row": error.row,
                "column": error.column,
                "message": str(error.message),
                "text": str(error),
            }
            for error in rejected.errors[:ERRORS_KEPT]
        ],
        row_errors_total=max(rejected.total, 1),
    )


def import_job_undo(job: ImportJob, *, lease: Lease | None = None) -> int:
    """Take back what the job stored so far, with the audit rows (kinds that store in batches);
    a busy database is waited for a few times. Returns the rows removed."""
    transfer = transfer_for_kind(job.kind)
    if transfer is None or transfer.undo_import is None:
        return 0
    if lease is not None:
        lease.step("undoing", progress=job.progress)
    for attempt in range(UNDO_TRIES):
        try:
            with tenant_scope(organisation=job.organisation):
                return transfer.undo_import(organisation=job.organisation, job_id=job.pk)
        except OperationalError:
            if attempt == UNDO_TRIES - 1:
                raise
            logger.warning("Import job %s: the database is busy, undo tried again", job.pk)
            time.sleep(2**attempt)
    return 0


def import_job_file_remove(job: ImportJob) -> None:
    """Remove the job's file once the job has ended."""
    if job.file:
        job.file.delete(save=False)
        with transaction.atomic(), scopes_disabled():
            ImportJob.objects.filter(pk=job.pk).update(file="")


def import_job_lost(pk: int) -> None:
    """A job whose worker was lost for good: what it stored is taken back and its file removed
    (called by the sweep before it marks the job failed)."""
    with scopes_disabled():
        job = ImportJob.objects.select_related("organisation").filter(pk=pk).first()
    if job is None:
        return
    import_job_undo(job)
    import_job_file_remove(job)


# Exports ---------------------------------------------------------------------------------------


@task()
def export_job_run(job_id: int) -> str:
    """Write the workbook of a queued export job."""
    return background_job_run(ExportJob, job_id, export_job_work)


def export_job_name(job: ExportJob) -> str:
    """The job's file, under the media folder; each attempt writes first to a name of its own."""
    document = list_document_for_kind(job.kind)
    extension = document.extension if document is not None else "xlsx"
    return f"exports/{job.key}.{extension}"


def _parts(job: ExportJob) -> list[Path]:
    written = Path(default_storage.path(export_job_name(job)))
    return list(written.parent.glob(f"{written.name}.*.part"))


def export_job_work(lease: Lease) -> None:
    """Write the rows of the job's filters to a file of a temporary name, renamed once complete:
    a file is never served half written, and a second attempt writes it anew."""
    with scopes_disabled():
        job = ExportJob.objects.select_related("organisation", "requested_by").get(pk=lease.pk)
    name = export_job_name(job)
    part = Path(default_storage.path(f"{name}.{lease.attempt}.part"))
    part.parent.mkdir(parents=True, exist_ok=True)
    with tenant_scope(organisation=job.organisation), translation.override(job.language):
        lease.step("counting", progress=1)
        total, write = _export_writer(job)
        lease.step("writing", progress=2, done=0, total=total)

        def progress(done: int) -> None:
            # Rows stored since the count may make the file a little longer than counted.
            share = min(done, total) * 97 // max(total, 1)
            lease.step("writing", progress=2 + share, done=done, total=max(done, total))

        try:
            with part.open("wb") as target:
                write(target, progress)
            os.replace(part, default_storage.path(name))
        finally:
            part.unlink(missing_ok=True)
        expires = timezone.now() + timedelta(hours=settings.EXPORT_KEEP_HOURS)
        lease.finish(file=name, rows=total, expires_at=expires)


def _export_writer(job: ExportJob) -> tuple[int, Callable[[BinaryIO, Progress], None]]:
    """The rows of the job's filters counted, and what writes them: a kind's export, or a list
    page's workbook or document as its requester sees the list (the access checked again: a
    requester who may no longer see it fails the job)."""
    document = list_document_for_kind(job.kind)
    if document is not None:
        access = _requester_access(job, document.permission)
        filters = {key: value for key, value in job.params.items() if key != ORIGIN_PARAM}

        def write_document(target: BinaryIO, progress: Progress) -> None:
            document.write(
                target,
                access=access,
                filters=filters,
                origin=job.params.get(ORIGIN_PARAM, ""),
                progress=progress,
            )

        return document.count(access=access, filters=filters), write_document
    listed = list_workbook_for_kind(job.kind)
    if listed is not None:
        access = _requester_access(job, listed.permission)
        sheet = listed.sheet(access=access, filters=job.params)

        def write_sheet(target: BinaryIO, progress: Progress) -> None:
            list_sheet_write(target, sheet, progress=progress)

        return sheet.count(), write_sheet
    transfer = transfer_for_kind(job.kind)
    if transfer is None or transfer.export_file is None or transfer.export_query is None:
        raise ValueError(f"no export of the kind {job.kind!r}")
    rows = transfer.export_query(organisation=job.organisation, params=job.params)

    def write_rows(target: BinaryIO, progress: Progress) -> None:
        transfer.export_file(
            organisation=job.organisation, target=target, queryset=rows, progress=progress
        )

    return rows.count(), write_rows


def _requester_access(job: ExportJob, permission: str):
    if job.requested_by is None:
        raise ValueError("the export's requester no longer exists")
    return access_organisation(
        user=job.requested_by, slug=job.organisation.slug, permission=permission
    )


def export_job_file_remove(job: ExportJob) -> None:
    """Remove the job's file (expired) and what a stopped attempt left half written."""
    for part in _parts(job):
        part.unlink(missing_ok=True)
    if job.file:
        job.file.delete(save=False)
        with transaction.atomic(), scopes_disabled():
            ExportJob.objects.filter(pk=job.pk).update(file="")


def export_job_lost(pk: int) -> None:
    """A job whose worker was lost for good: what it left half written is removed."""
    with scopes_disabled():
        job = ExportJob.objects.filter(pk=pk).first()
    if job is not None:
        export_job_file_remove(job)
