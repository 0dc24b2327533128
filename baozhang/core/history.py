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
import sqlite3
from collections.abc import Iterator, Sequence
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


ROWS_PER_STATEMENT = 1024  # the longest statement of many rows: SQLite keeps it prepared
FEW_ROWS = 32  # rows of a statement of any length


def statement_chunks(count: int, most: int) -> Iterator[tuple[int, int]]:
    """(start, size) of the chunks of ``count`` rows that one statement each takes: up to
    FEW_ROWS rows in one; more, as many of the largest power of two not above ``most`` as fit,
    then one of each smaller power of two that the rest needs (its binary digits). The long
    statements come in a few shapes and are few whatever the rows (as many for twice the rows):
    the database keeps few of them prepared (SQLite's driver keeps the last 128 statements run, a
    long one taking a megabyte)."""
    if count <= min(FEW_ROWS, most):
        yield from [(0, count)] if count else []
        return
    largest = 1 << (max(most, 1).bit_length() - 1)
    full, rest = divmod(count, largest)
    for index in range(full):
        yield index * largest, largest
    start, size = full * largest, largest >> 1
    while size:
        if rest >= size:
            yield start, size
            start, rest = start + size, rest - size
        size >>= 1


def parameters_per_statement(connection: BaseDatabaseWrapper) -> int:
    """How many parameters one statement may take: PostgreSQL's 65,535, or the limit the SQLite
    library says it was built with (Django assumes the lowest default, 999)."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return min(65535, connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    return connection.features.max_query_params or 65535


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
    _history_inserted(history, type(records[0]), groups, connection)


def history_ids_created(
    model: type[models.Model],
    ids: Sequence[int],
    *,
    moment: dt.datetime,
    connection: BaseDatabaseWrapper,
    history_user=None,
) -> None:
    """The "+" audit rows of stored new records of one model known by their ids only
    (``plain_rows_insert``), each as simple-history would write it for a record saved without a
    ``_history_user`` or change reason: by ``history_user``, else its default user."""
    history = _history_model(model) if ids else None
    if history is None or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    user = history_user or history.get_default_history_user(model())
    key = (moment, user.pk if user is not None else None, None)
    _history_inserted(history, model, {key: list(ids)}, connection)


def _history_inserted(history, model, groups: dict[tuple, list[int]], connection) -> None:
    """One INSERT … SELECT per (moment, user, reason) and chunk of ids."""
    meta = model._meta
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
    most = min(parameters_per_statement(connection) - 3, ROWS_PER_STATEMENT)
    with connection.cursor() as cursor:
        for (date, user_id, reason), ids in groups.items():
            for start, size in statement_chunks(len(ids), most):
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
