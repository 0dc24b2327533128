"""The audit rows of records inserted by ``rows_insert`` (core/rows.py), which calls this itself.

django-simple-history writes a "+" (created) row when a record is saved the first time, from a
signal that a statement-level insert does not send. ``history_created`` writes the same rows for
many new records with one INSERT … SELECT: their values are copied by the database from the stored
rows, so no row passes through Python. Each row is what simple-history would write for a save:

- the user: the one given, else the record's ``_history_user``, else the signed-in user of the
  request (simple-history's middleware), else nobody;
- the time: the record's ``_history_date``, else the moment of the insert (the one its auto_now
  fields got; simple-history would take the clock a moment after the save);
- the change reason: the record's ``_change_reason``, else none; the type "+".

A model without history, history switched off (``SIMPLE_HISTORY_ENABLED``) or a record with
``skip_history_when_saving`` gets none, as with simple-history. It relies on simple-history's
historical model (its own columns and ``get_default_history_user``), pinned by
tests/test_django_internals.py.
"""

import datetime as dt
from collections.abc import Sequence
from functools import cache

from django.conf import settings
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from simple_history.exceptions import NotHistoricalModelError
from simple_history.utils import get_change_reason_from_object, get_history_model_for_model

# The historical model's own columns; every other one is a copy of the record's.
_HISTORY_OWN = {
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
}


@cache
def _history_model(model: type[models.Model]) -> type[models.Model] | None:
    # simple-history builds a new manager class on each access to Model.history.
    try:
        return get_history_model_for_model(model)
    except NotHistoricalModelError:
        return None


def history_created(
    records: Sequence[models.Model],
    *,
    moment: dt.datetime,
    connection: BaseDatabaseWrapper,
    history_user=None,
) -> None:
    """Write the "+" audit rows of these stored new records of one model, as simple-history would."""
    history = _history_model(type(records[0])) if records else None
    if history is None or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    groups: dict[tuple, list[int]] = {}
    for record in records:
        if hasattr(record, "skip_history_when_saving"):
            continue
        user = history_user or history.get_default_history_user(record)
        key = (
            getattr(record, "_history_date", moment),
            user.pk if user is not None else None,
            get_change_reason_from_object(record),
        )
        groups.setdefault(key, []).append(record.pk)
    meta = type(records[0])._meta
    quote = connection.ops.quote_name
    copied = ", ".join(
        quote(field.column)
        for field in history._meta.concrete_fields
        if field.name not in _HISTORY_OWN
    )
    own = ", ".join(
        quote(history._meta.get_field(name).column)
        for name in ("history_date", "history_type", "history_user", "history_change_reason")
    )
    # Within every database's limit of parameters in one statement (SQLite's is the lowest).
    size = (connection.features.max_query_params or 65535) - 3
    with connection.cursor() as cursor:
        for (date, user_id, reason), ids in groups.items():
            for start in range(0, len(ids), size):
                chunk = ids[start : start + size]
                marks = ", ".join(["%s"] * len(chunk))
                # Only the models' own table and column names are formatted in; every value is a
                # parameter.
                cursor.execute(
                    f"INSERT INTO {quote(history._meta.db_table)} ({copied}, {own})"  # noqa: S608
                    f" SELECT {copied}, %s, '+', %s, %s FROM {quote(meta.db_table)}"
                    f" WHERE {quote(meta.pk.column)} IN ({marks})",
                    [connection.ops.adapt_datetimefield_value(date), user_id, reason, *chunk],
                )
