"""The spreadsheet kinds that can be imported and exported from the console (`baozhang import`).

Each app registers its own kinds from its AppConfig.ready(), so a new area (findings, standards …)
adds `baozhang import findings` without touching the CLI. The registry only knows how to call an
app's functions; the functions themselves check the data and keep an import all or nothing.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from baozhang.core.registries import registry_add


class ImportCounts(Protocol):
    created: int
    updated: int


# A refused import keeps at most this many of its problems (ImportRejected.errors), and counts
# them all (ImportRejected.total).
ERRORS_KEPT = 300


class ImportRun(Protocol):
    """What an import run by the background worker is given (orgs/imports.py): the job's id, with
    which a kind that stores its rows in several transactions tags them, so that ``undo_import``
    can take them back; the batch size; and where to report progress. ``step`` raises if the job
    is no longer this run's: called inside a batch's transaction, it rolls the batch back."""

    job_id: int
    batch_rows: int

    def step(self, key: str, *, progress: int, done: int = 0, total: int = 0) -> None: ...


# import_file(*, organisation, upload, by, run=None, **options) -> ImportCounts; raises
# baozhang.core.xlsx.ImportRejected. ``options`` are the kind's import_options that the person
# chose (e.g. allow_duplicates=True), given only when chosen. ``upload`` is a file or a path; ``run`` is given in the
# background. A kind without ``undo_import`` stores everything in one transaction.
ImportFunction = Callable[..., ImportCounts]
# undo_import(*, organisation, job_id) -> int: remove what a background import stored so far.
UndoFunction = Callable[..., int]
# export_file(*, organisation, target, queryset=None, progress=None) -> None; target is a path or
# a binary file; ``progress(rows_written)`` is called now and then by a kind that can be exported in
# the background.
ExportFunction = Callable[..., None]
# export_query(*, organisation, params) -> QuerySet: the rows an export of the list's filters
# (a mapping of its URL parameters) writes; a kind with one is exported in the background when it
# has more than BAOZHANG_EXPORT_BACKGROUND_ROWS rows (orgs/exports.py).
ExportQuery = Callable[..., Any]


@dataclass(frozen=True)
class Transfer:
    kind: str
    app: str
    title: Any  # a (lazy) translated name, as shown in help texts
    import_file: ImportFunction | None
    export_file: ExportFunction | None
    undo_import: UndoFunction | None = None
    # Needed to import this kind, besides the right to import data at all.
    import_permission: str | None = None
    # The name of the page listing the records imported (its URL takes the organisation's slug).
    records_url: str | None = None
    export_query: ExportQuery | None = None
    # Needed to export this kind, besides the right to export data at all.
    export_permission: str | None = None
    # The yes-or-no options its import_file takes (keyword arguments), e.g. allow_duplicates.
    import_options: tuple[str, ...] = ()


_TRANSFERS: dict[str, Transfer] = {}


def transfer_register(
    *,
    kind: str,
    app: str,
    title: Any,
    import_file: ImportFunction | None = None,
    export_file: ExportFunction | None = None,
    undo_import: UndoFunction | None = None,
    import_permission: str | None = None,
    records_url: str | None = None,
    export_query: ExportQuery | None = None,
    export_permission: str | None = None,
    import_options: tuple[str, ...] = (),
) -> None:
    """Make a kind importable and/or exportable; a kind belongs to one app only (two apps
    claiming one name would make `baozhang import KIND` ambiguous)."""
    transfer = Transfer(
        kind=kind,
        app=app,
        title=title,
        import_file=import_file,
        export_file=export_file,
        undo_import=undo_import,
        import_permission=import_permission,
        records_url=records_url,
        export_query=export_query,
        export_permission=export_permission,
        import_options=import_options,
    )
    registry_add(_TRANSFERS, kind, transfer, what="Transfer kind")


def transfers_all() -> list[Transfer]:
    """Every registered kind, in registration order."""
    return list(_TRANSFERS.values())


def transfer_for_kind(kind: str) -> Transfer | None:
    """The registered kind of that name, or None."""
    return _TRANSFERS.get(kind)


def import_options_chosen(transfer: Transfer, options: Iterable[str]) -> dict[str, bool]:
    """The keyword arguments of the kind's import_file for the options chosen that it takes."""
    chosen = set(options)
    return {name: True for name in transfer.import_options if name in chosen}
