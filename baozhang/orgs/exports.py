"""Exports from the page and the API: a list of at most BAOZHANG_EXPORT_BACKGROUND_ROWS rows is
written at once, a longer one by the background worker, whose job the page and the API follow
and whose file they give once it is written (orgs/tasks.py does the work).

A list page's workbook (``?format=xlsx``, core/list_workbooks.py) goes the same way, its job
keeping the list's name and filters; so does a list's document of another type (the QR label
sheet, core/list_documents.py) past the number of entries its page writes at once.

A request answers in a moment whatever the rows: it counts them, and either writes them or queues
the job. The file of a job is kept under the media folder until it expires
(BAOZHANG_EXPORT_KEEP_HOURS); a periodic job removes it (orgs/jobs.py).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import transaction
from django.http import FileResponse, Http404
from django.utils import translation

from baozhang.core.list_documents import ORIGIN_PARAM, list_document, list_document_for_kind
from baozhang.core.list_workbooks import ListSheet, list_workbook, list_workbook_for_kind
from baozhang.core.models import JobStatus
from baozhang.core.transfers import Transfer, transfer_for_kind
from baozhang.orgs.models import ExportJob, Organisation, User
from baozhang.orgs.tasks import export_job_run

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# URL parameters that are not filters of the rows.
NOT_FILTERS = frozenset({"page", "page_size", "format"})


@dataclass
class ExportStarted:
    """What an export request did: the workbook written at once, or the job queued."""

    content: bytes = b""
    job: ExportJob | None = None


def exportable(kind: str) -> Transfer | None:
    """The registered kind that can be exported by its list's filters, or None."""
    transfer = transfer_for_kind(kind)
    if transfer is None or transfer.export_file is None or transfer.export_query is None:
        return None
    return transfer


def export_filters(params) -> dict[str, str]:
    """The list's filters among a request's parameters, as a job keeps them."""
    return {key: str(params.get(key)) for key in params if key not in NOT_FILTERS}


def export_start(
    *, organisation: Organisation, kind: str, params, by: User | None, file_name: str
) -> ExportStarted:
    """Write the rows of the list's filters at once if they are few, else queue their export."""
    transfer = exportable(kind)
    if transfer is None:
        raise ValueError(f"no export of the kind {kind!r}")
    filters = export_filters(params)
    rows = transfer.export_query(organisation=organisation, params=filters)
    if rows.count() <= settings.EXPORT_BACKGROUND_ROWS:
        buffer = io.BytesIO()
        transfer.export_file(organisation=organisation, target=buffer, queryset=rows)
        return ExportStarted(content=buffer.getvalue())
    return ExportStarted(
        job=export_job_request(
            organisation=organisation, kind=kind, filters=filters, by=by, file_name=file_name
        )
    )


def list_export_start(*, access, name: str, params) -> tuple[ListSheet, ExportJob | None]:
    """The sheet of a list page's workbook (core/list_workbooks.py) for the list's filters, and,
    if it has more than BAOZHANG_EXPORT_BACKGROUND_ROWS rows, the job queued to write it; else
    None: the page writes it at once."""
    listed = list_workbook(name)
    filters = export_filters(params)
    sheet = listed.sheet(access=access, filters=filters)
    if sheet.count() <= settings.EXPORT_BACKGROUND_ROWS:
        return sheet, None
    job = export_job_request(
        organisation=access.organisation,
        kind=listed.kind,
        filters=filters,
        by=access.user,
        file_name=sheet.file_name,
    )
    return sheet, job


def list_document_start(
    *, access, name: str, params, origin: str, background_over: int, file_name: str
) -> ExportJob | None:
    """The job queued to write a list's document (core/list_documents.py) for the list's filters
    if it has more than ``background_over`` entries, its links starting with ``origin``; else
    None: the page writes it at once."""
    document = list_document(name)
    filters = export_filters(params)
    if document.count(access=access, filters=filters) <= background_over:
        return None
    return export_job_request(
        organisation=access.organisation,
        kind=document.kind,
        filters={**filters, ORIGIN_PARAM: origin},
        by=access.user,
        file_name=file_name,
    )


def export_title(kind: str):
    """What an export job of this kind writes, as its page names it."""
    listed = list_workbook_for_kind(kind) or list_document_for_kind(kind)
    if listed is not None:
        return listed.title
    transfer = exportable(kind)
    return transfer.title if transfer is not None else kind


def export_job_request(
    *,
    organisation: Organisation,
    kind: str,
    filters: dict[str, str],
    by: User | None,
    file_name: str,
) -> ExportJob:
    """Queue the export of the rows of these filters; the worker starts it once the job is
    committed, and writes in the requester's language."""
    with transaction.atomic():
        job = ExportJob.objects.create(
            organisation=organisation,
            kind=kind,
            params=filters,
            file_name=file_name[:255],
            requested_by=by,
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
        transaction.on_commit(partial(export_job_run.enqueue, job.pk))
    return job


def export_job_file_response(job: ExportJob) -> FileResponse:
    """The file of a job that is done, until it expires; else not found."""
    if job.status != JobStatus.DONE or not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    document = list_document_for_kind(job.kind)
    content_type = document.content_type if document is not None else XLSX
    return FileResponse(
        handle, as_attachment=True, filename=job.file_name, content_type=content_type
    )
