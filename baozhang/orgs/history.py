"""Turn simple-history rows into the before/after lines of a record's history tab."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.utils.translation import gettext as _


@dataclass
class Change:
    field: str
    before: str
    after: str


@dataclass
class HistoryEntry:
    when: datetime
    who: str
    action: str
    record: str
    changes: list[Change]
    kind: str = ""  # created, changed or deleted (``action`` is its translated label)


ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def _display(model: type[models.Model], field_name: str, value, related: dict) -> str:
    if value is None or value == "":
        return "—"
    field = model._meta.get_field(field_name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.ForeignKey):
        record = related[field.related_model].get(value)
        return str(record) if record is not None else f"#{value}"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _foreign_keys(model: type[models.Model]) -> list[models.ForeignKey]:
    """The keys whose records a history shows. Not the organisation: a tenant's records all name
    the same one, which no change shows and no record's label uses."""
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.ForeignKey) and field.name != "organisation"
    ]


def _related(rows) -> dict:
    """The records every row's foreign keys name, one query per model they belong to: the values
    shown and the labels of the records as they were."""
    wanted: dict[type[models.Model], set] = defaultdict(set)
    for row in rows:
        for field in _foreign_keys(row.instance_type):
            value = getattr(row, field.attname, None)
            if value is not None:
                wanted[field.related_model].add(value)
    related: dict = defaultdict(dict)
    for model, ids in wanted.items():
        related[model] = model._base_manager.in_bulk(ids)
    return related


def _as_it_was(row, related: dict) -> models.Model:
    """The record as the history row saw it, with the records it names at hand; unlike
    simple-history's ``instance``, without reading the live record for the fields history leaves
    out (one query per row)."""
    model = row.instance_type
    record = model(
        **{
            field.attname: getattr(row, field.attname)
            for field in model._meta.concrete_fields
            if hasattr(row, field.attname)
        }
    )
    for field in _foreign_keys(model):
        named = related[field.related_model].get(getattr(record, field.attname))
        if named is not None:
            setattr(record, field.name, named)
    return record


def _tracked_fields(model: type[models.Model], historical) -> list[str]:
    names = []
    for field in historical.instance_type._meta.concrete_fields:
        if field.name in {
            "id",
            "created_at",
            "updated_at",
            "organisation",
            "path",
            "depth",
            "password",
        }:
            continue
        names.append(field.attname if isinstance(field, models.ForeignKey) else field.name)
    return names


def history_entries(histories) -> list[HistoryEntry]:
    """Newest first; each entry lists the fields that changed with their values before and after."""
    rows = list(histories.select_related("history_user").order_by("history_date", "history_id"))
    related = _related(rows)
    previous_by_id: dict[int, object] = {}
    entries: list[HistoryEntry] = []
    labels = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
    for row in rows:
        model = row.instance_type
        before = previous_by_id.get(row.id)
        changes = []
        for name in _tracked_fields(model, row):
            field_name = name[:-3] if name.endswith("_id") else name
            old_value = getattr(before, name) if before is not None else None
            new_value = getattr(row, name)
            if before is None and row.history_type == "+" and new_value in (None, ""):
                continue
            if before is not None and old_value == new_value:
                continue
            label = str(model._meta.get_field(field_name).verbose_name)
            changes.append(
                Change(
                    label,
                    _display(model, field_name, old_value, related) if before else "—",
                    _display(model, field_name, new_value, related),
                )
            )
        previous_by_id[row.id] = row
        if row.history_type == "~" and not changes:
            continue
        who = row.history_user.display() if row.history_user else _("system")
        entries.append(
            HistoryEntry(
                row.history_date,
                who,
                labels[row.history_type],
                str(_as_it_was(row, related)),
                changes,
                ACTIONS[row.history_type],
            )
        )
    entries.reverse()
    return entries
