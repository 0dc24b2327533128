"""The list pages that answer as a document other than a workbook (the QR label sheet as a PDF),
by name.

Each app registers its documents from its AppConfig.ready(), as core/list_workbooks.py registers
the workbooks: what counts the document's entries and what writes it, both functions of the
requester's access and the list's filters. The page writes a document of a few entries at once;
a longer one is written by the background worker as an export job (orgs/exports.py,
orgs/tasks.py) with the same function: one document, whoever writes it.

The links a document prints (a label's QR code) start with the address the requester used, which
the job keeps with the filters under ORIGIN_PARAM.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from baozhang.core.registries import registry_add, registry_for_kind

# An export job of a document has this kind: its name after the prefix.
KIND_PREFIX = "document."
# The key of a job's parameters that keeps the requester's address (scheme and host, with "/").
ORIGIN_PARAM = "_origin"

# count(*, access, filters) -> int: the entries the document would have.
CountFunction = Callable[..., int]
# write(target, *, access, filters, origin, progress) -> None: writes the document to the binary
# file ``target``, telling ``progress`` (a function of the entries done, or None) how far it is.
WriteFunction = Callable[..., None]


@dataclass(frozen=True)
class ListDocument:
    name: str
    app: str
    title: Any  # a (lazy) translated name, as the export's page shows it
    count: CountFunction
    write: WriteFunction
    # Needed to see the list, and so its document.
    permission: str
    extension: str
    content_type: str

    @property
    def kind(self) -> str:
        """The kind of its export jobs."""
        return KIND_PREFIX + self.name


_DOCUMENTS: dict[str, ListDocument] = {}


def list_document_register(
    *,
    name: str,
    app: str,
    title: Any,
    count: CountFunction,
    write: WriteFunction,
    permission: str,
    extension: str,
    content_type: str,
) -> None:
    """Make a list's document writable in the background; a name belongs to one app only."""
    document = ListDocument(
        name=name,
        app=app,
        title=title,
        count=count,
        write=write,
        permission=permission,
        extension=extension,
        content_type=content_type,
    )
    registry_add(_DOCUMENTS, name, document, what="Document")


def list_document(name: str) -> ListDocument:
    """The registered document of that name; a name no app registered is a programming error."""
    return _DOCUMENTS[name]


def list_document_for_kind(kind: str) -> ListDocument | None:
    """The document an export job of this kind writes, or None (a workbook)."""
    return registry_for_kind(_DOCUMENTS, kind, prefix=KIND_PREFIX)
