"""The list pages that answer as a workbook (``?format=xlsx``), by name.

Each app registers its lists from its AppConfig.ready(): a function of the requester's access and
the list's filters (its URL parameters) giving the sheet (``ListSheet``). The page writes the
sheet at once when it has at most BAOZHANG_EXPORT_BACKGROUND_ROWS rows, else the background
worker writes it as an export job, with the same function (orgs/exports.py, orgs/tasks.py): one
workbook, whoever writes it.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from baozhang.core.registries import registry_add, registry_for_kind
from baozhang.core.xlsx import WorkbookWriter

# An export job of a list has this kind: its name after the prefix, apart from the transfer kinds.
KIND_PREFIX = "list."


@dataclass(frozen=True)
class ListSheet:
    """A list as a workbook: its file and sheet names, headers, and its rows, read only when they
    are written; ``count`` counts them without reading them."""

    file_name: str
    sheet: str
    headers: list[str]
    rows: Iterable[Iterable[object]]
    count: Callable[[], int]


# sheet(*, access, filters) -> ListSheet; ``access`` is the requester's (orgs.access.OrgAccess),
# ``filters`` a mapping of the list's URL parameters.
SheetFunction = Callable[..., ListSheet]


@dataclass(frozen=True)
class ListWorkbook:
    name: str
    app: str
    title: Any  # a (lazy) translated name, as the export's page shows it
    sheet: SheetFunction
    # Needed to see the list, and so its workbook.
    permission: str
    # The list shows the requester's own records (their inbox): its workbook is theirs only.
    personal: bool = False

    @property
    def kind(self) -> str:
        """The kind of its export jobs."""
        return KIND_PREFIX + self.name


_LISTS: dict[str, ListWorkbook] = {}


def list_workbook_register(
    *,
    name: str,
    app: str,
    title: Any,
    sheet: SheetFunction,
    permission: str,
    personal: bool = False,
) -> None:
    """Make a list's workbook writable in the background; a name belongs to one app only."""
    listed = ListWorkbook(
        name=name, app=app, title=title, sheet=sheet, permission=permission, personal=personal
    )
    registry_add(_LISTS, name, listed, what="List")


def list_workbook(name: str) -> ListWorkbook:
    """The registered list of that name; a name no app registered is a programming error."""
    return _LISTS[name]


def list_workbook_for_kind(kind: str) -> ListWorkbook | None:
    """The list an export job of this kind writes, or None (a transfer kind)."""
    return registry_for_kind(_LISTS, kind, prefix=KIND_PREFIX)


# A background export reports its progress every this many rows.
PROGRESS_ROWS = 1000


def list_sheet_write(
    target, sheet: ListSheet, *, progress: Callable[[int], None] | None = None
) -> None:
    """Write the sheet as the page writes it at once (core/xlsx.py: write_workbook), telling
    ``progress`` the rows written every PROGRESS_ROWS rows and at the end."""
    written = 0
    with WorkbookWriter(target) as book:
        out = book.sheet(sheet.sheet, sheet.headers)
        for written, row in enumerate(sheet.rows, start=1):
            out.row(written, row)
            if progress is not None and written % PROGRESS_ROWS == 0:
                progress(written)
    if progress is not None and written % PROGRESS_ROWS:
        progress(written)
