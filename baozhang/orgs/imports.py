"""Imports from the page and the API: a small workbook is imported at once, a larger one
(BAOZHANG_IMPORT_BACKGROUND_KB) by the background worker, whose job the page and the API follow
(orgs/tasks.py does the work).

A request answers in seconds whatever the file's size: the web process only keeps the file and
queues its job; the worker reads the rows one at a time, checks them all before it writes
anything, and stores what a kind stores in batches in short transactions (docs/formats.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from baozhang.core.transfers import Transfer, import_options_chosen, transfer_for_kind
from baozhang.core.xlsx import ImportRejected, RowError, workbook_checked
from baozhang.orgs.models import ImportJob, Organisation, User
from baozhang.orgs.tasks import import_job_run


@dataclass
class ImportStarted:
    """What an import request did: the counts of an import done at once, or the job queued."""

    created: int = 0
    updated: int = 0
    job: ImportJob | None = None


def importable(kind: str) -> Transfer | None:
    """The registered kind that can be imported, or None."""
    transfer = transfer_for_kind(kind)
    return transfer if transfer is not None and transfer.import_file is not None else None


def import_start(
    *,
    organisation: Organisation,
    kind: str,
    upload,
    by: User | None,
    options: Iterable[str] = (),
) -> ImportStarted:
    """Import the upload at once if it is small, else queue it for the worker; raises
    ImportRejected (nothing stored) for a small file with problems, and for a large one that is
    over the limits or not a workbook (docs/formats.md). ``options`` names the yes-or-no options
    the person chose; those the kind does not take are left out."""
    transfer = importable(kind)
    if transfer is None:
        raise ImportRejected(
            [RowError(None, None, _("Unknown import kind: %(kind)s") % {"kind": kind})]
        )
    chosen = import_options_chosen(transfer, options)
    if upload.size <= settings.IMPORT_BACKGROUND_BYTES:
        result = transfer.import_file(organisation=organisation, upload=upload, by=by, **chosen)
        return ImportStarted(created=result.created, updated=result.updated)
    workbook_checked(upload)  # a file too large, or not a workbook, is refused at once
    upload.seek(0)
    return ImportStarted(
        job=import_job_request(
            organisation=organisation, kind=kind, upload=upload, by=by, options=chosen
        )
    )


def import_job_request(
    *, organisation: Organisation, kind: str, upload, by: User | None, options: dict | None = None
) -> ImportJob:
    """Keep the file under the media folder and queue its import; the worker starts it once the
    job is committed. The job imports in the requester's language, with the options chosen."""
    job = ImportJob(
        organisation=organisation,
        kind=kind,
        options=options or {},
        file_name=(upload.name or "")[:255],
        file_size=upload.size,
        requested_by=by,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    job.file.save("upload.xlsx", upload, save=False)
    try:
        with transaction.atomic():
            job.save()
            transaction.on_commit(partial(import_job_run.enqueue, job.pk))
    except BaseException:
        job.file.delete(save=False)
        raise
    return job


def rejected_lines(rejected: ImportRejected) -> list[str]:
    """A refused import's problems as the page lists them, and how many more there are."""
    lines = [str(error) for error in rejected.errors]
    hidden = rejected.total - len(rejected.errors)
    if hidden > 0:
        lines.append(
            ngettext("… and %(counter)s more problem.", "… and %(counter)s more problems.", hidden)
            % {"counter": hidden}
        )
    return lines
