"""What the apps register from their AppConfig.ready() under a name: the kinds of transfer
(core/transfers.py), the list pages' workbooks (core/list_workbooks.py) and documents
(core/list_documents.py). A name belongs to one app."""

from typing import Protocol, TypeVar

from django.core.exceptions import ImproperlyConfigured


class Registered(Protocol):
    @property
    def app(self) -> str: ...


Entry = TypeVar("Entry", bound=Registered)


def registry_add(registry: dict[str, Entry], name: str, entry: Entry, *, what: str) -> None:
    """Keep the app's entry under its name. The same app may register again (apps are
    re-populated by some test helpers); two apps claiming one name is a configuration error."""
    existing = registry.get(name)
    if existing is not None and existing.app != entry.app:
        raise ImproperlyConfigured(
            f"{what} {name!r} is registered by {existing.app!r} and {entry.app!r}."
        )
    registry[name] = entry


def registry_for_kind(registry: dict[str, Entry], kind: str, *, prefix: str) -> Entry | None:
    """The entry a job's kind names (the entry's name after ``prefix``), or None."""
    if not kind.startswith(prefix):
        return None
    return registry.get(kind.removeprefix(prefix))
