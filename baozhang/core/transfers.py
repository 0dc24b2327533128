"""The spreadsheet kinds that can be imported and exported from the console (`baozhang import`).

Each app registers its own kinds from its AppConfig.ready(), so a new area (findings, standards …)
adds `baozhang import findings` without touching the CLI. The registry only knows how to call an
app's functions; the functions themselves check the data and keep an import all or nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured


class ImportCounts(Protocol):
    created: int
    updated: int


# import_file(*, organisation, upload, by) -> ImportCounts; raises baozhang.core.xlsx.ImportRejected.
ImportFunction = Callable[..., ImportCounts]
# export_file(*, organisation, target) -> None; target is a path or a binary file.
ExportFunction = Callable[..., None]


@dataclass(frozen=True)
class Transfer:
    kind: str
    app: str
    title: Any  # a (lazy) translated name, as shown in help texts
    import_file: ImportFunction | None
    export_file: ExportFunction | None


_TRANSFERS: dict[str, Transfer] = {}


def transfer_register(
    *,
    kind: str,
    app: str,
    title: Any,
    import_file: ImportFunction | None = None,
    export_file: ExportFunction | None = None,
) -> None:
    """Make a kind importable and/or exportable; a kind belongs to one app only."""
    existing = _TRANSFERS.get(kind)
    # The same app may register again (apps are re-populated by some test helpers); two apps
    # claiming one name would make `baozhang import KIND` ambiguous.
    if existing is not None and existing.app != app:
        raise ImproperlyConfigured(
            f"Transfer kind {kind!r} is registered by {existing.app!r} and {app!r}."
        )
    _TRANSFERS[kind] = Transfer(
        kind=kind, app=app, title=title, import_file=import_file, export_file=export_file
    )


def transfers_all() -> list[Transfer]:
    """Every registered kind, in registration order."""
    return list(_TRANSFERS.values())


def transfer_for_kind(kind: str) -> Transfer | None:
    """The registered kind of that name, or None."""
    return _TRANSFERS.get(kind)
