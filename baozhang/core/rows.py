"""Rows without the ORM's per-value work: plain rows for long exports, and a lean bulk insert
(docs/performance.md).

A 100,000-row export spends as much time turning each value into a Python object as writing it.
``plain_rows`` reads a ``values_list`` query in chunks (a server-side cursor on PostgreSQL) without
Django's per-value converters: values come as the driver makes them (dates; moments naive in UTC on
SQLite, aware on PostgreSQL; numbers or decimals). ``LocalTimes`` turns either kind of moment into
the local time of day.

``rows_insert`` stores many new records of one model with one statement, and their audit rows with
one more (core/history.py). Its contract: the records are new, of one model with an automatic id,
no parent model, no fields the database fills in; no ``pre_save``/``post_save`` signal is sent and
no ``save()`` is called, so the model must not rely on either (simple-history's audit rows, the
only signal the product's models use, are written here). It relies on Django's field preparation
(``get_db_prep_save``) and on the backends' bulk-insert features, pinned by
tests/test_django_internals.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from decimal import Decimal
from operator import itemgetter

from django.db import connections, models, router
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models.constants import OnConflict
from django.utils import timezone

from baozhang.core.history import (
    ROWS_PER_STATEMENT,
    history_created,
    history_ids_created,
    parameters_per_statement,
    statement_chunks,
)


def plain_rows(queryset, size: int = 2000) -> Iterator[tuple]:
    """The rows of a ``values_list`` queryset, unconverted, read ``size`` at a time."""
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    with connections[queryset.db].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(size):
            yield from chunk


def rows_insert(records: Sequence[models.Model], *, history_user=None) -> None:
    """Insert new records of one model with one INSERT … RETURNING per batch, set their ids, and
    write their "+" audit rows as simple-history would for each save (by ``history_user`` if given).

    What ``bulk_create`` does for a model with an automatic id, no parents and no signals, with
    less work per value: each field converts its value as the ORM does (``get_db_prep_save``), but a
    value that is the same object in the row before is converted once. Every record's auto_now and
    auto_now_add fields get one moment. The ids come back in the records' order, as ``bulk_create``
    relies on for both databases."""
    if not records:
        return
    model = type(records[0])
    if any(type(r) is not model for r in records):
        raise TypeError("rows_insert takes new records of one model with an automatic id")
    connection, fields = _insertable(model)
    now = timezone.now()
    rows = _prepared(records, fields, connection, now)
    ids = _inserted(model, fields, rows, connection)
    for record, record_id in zip(records, ids, strict=True):
        setattr(record, model._meta.pk.attname, record_id)
        record._state.adding = False
        record._state.db = connection.alias
    history_created(records, moment=now, connection=connection, history_user=history_user)


def plain_rows_insert(
    model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence], *, history_user=None
) -> list[int]:
    """Insert new records of one model given as plain rows, without a model instance for each:
    the values of the fields ``names`` (attnames, as the model takes them), every other field its
    default and every auto_now and auto_now_add field one moment. Returns their ids in the rows'
    order; writes their "+" audit rows by ``history_user`` (or simple-history's default user).

    The same contract and statements as ``rows_insert``, for many records whose instances would
    cost more than storing them."""
    if not rows:
        return []
    connection, fields = _insertable(model)
    now = timezone.now()
    given = {name: index for index, name in enumerate(names)}
    unknown = set(given) - {field.attname for field in fields}
    if unknown:
        raise TypeError(f"{model.__name__} has no fields {sorted(unknown)}")
    makers = []
    for field in fields:
        if field.attname in given:
            makers.append(itemgetter(given[field.attname]))
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            makers.append(lambda _row, now=now: now)
        elif field.has_default() and callable(field.default):
            makers.append(lambda _row, field=field: field.get_default())
        else:
            default = field.get_default()
            makers.append(lambda _row, value=default: value)
    ids = _inserted(
        model,
        fields,
        _prepared_values(([make(row) for make in makers] for row in rows), fields, connection),
        connection,
    )
    history_ids_created(model, ids, moment=now, connection=connection, history_user=history_user)
    return ids


def _insertable(model: type[models.Model]) -> tuple:
    """The connection that writes the model, and its fields but the automatic id."""
    pk = model._meta.pk
    if not isinstance(pk, models.AutoField):
        raise TypeError("rows_insert takes new records of one model with an automatic id")
    connection = connections[router.db_for_write(model)]
    return connection, [field for field in model._meta.concrete_fields if field is not pk]


def _inserted(model, fields, rows: list[list], connection) -> list[int]:
    """The prepared rows inserted with one INSERT … RETURNING per batch; their ids in order."""
    meta = model._meta
    quote = connection.ops.quote_name
    # Only the model's own table, column and type names are formatted in; every value is a
    # parameter.
    into = (
        f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(field.column) for field in fields)})"
    )
    marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    returning = f" RETURNING {quote(meta.pk.column)}"
    ids = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(rows) > 1 and _unnestable(fields, connection):
            # One array per column, as Django's bulk_create does on PostgreSQL: a short statement
            # with few parameters, which the driver keeps parsed.
            arrays = ", ".join(
                f"(%s)::{field.db_type(connection).split('(')[0]}[]" for field in fields
            )
            cursor.execute(
                f"{into} SELECT * FROM UNNEST({arrays}){returning}",  # noqa: S608
                [list(column) for column in zip(*rows, strict=True)],
            )
            ids = [row[0] for row in cursor.fetchall()]
        elif connection.features.can_return_rows_from_bulk_insert:
            most = min(parameters_per_statement(connection) // len(fields), ROWS_PER_STATEMENT)
            for start, size in statement_chunks(len(rows), most):
                batch = rows[start : start + size]
                cursor.execute(
                    f"{into} VALUES {', '.join([marks] * len(batch))}{returning}",
                    [value for row in batch for value in row],
                )
                ids += [row[0] for row in cursor.fetchall()]
        else:  # SQLite before 3.35: one row at a time
            for row in rows:
                cursor.execute(f"{into} VALUES {marks}", row)
                ids.append(connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column))
    return ids


def rows_insert_missing(records: Sequence[models.Model]) -> int:
    """Insert new records of one model that has no audit trail, leaving out those a unique
    constraint finds stored already; returns how many were inserted.

    ``bulk_create(ignore_conflicts=True)`` with the count the database gives back, so that a caller
    learns what was new without counting the table before and after. The records get no ids."""
    if not records:
        return 0
    model = type(records[0])
    meta = model._meta
    if any(type(record) is not model for record in records):
        raise TypeError("rows_insert_missing takes new records of one model")
    connection = connections[router.db_for_write(model)]
    fields = [field for field in meta.concrete_fields if field is not meta.pk]
    rows = _prepared(records, fields, connection, timezone.now())
    quote = connection.ops.quote_name
    insert = connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)
    into = f"{insert} {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)})"
    ignore = connection.ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None)
    ignore = f" {ignore}" if ignore else ""
    marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(min(connection.ops.bulk_batch_size(fields, records), 65535 // len(fields)), 1)
    inserted = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            cursor.execute(
                f"{into} VALUES {', '.join([marks] * len(batch))}{ignore}",
                [value for row in batch for value in row],
            )
            inserted += cursor.rowcount
    return inserted


def _prepared(records, fields, connection, now) -> list[list]:
    """Each record's values as its fields prepare them for the database; every auto_now and
    auto_now_add field gets ``now``. A value that is the same object in the row before is prepared
    once."""
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for record in records:
                setattr(record, field.attname, now)
    return _prepared_values(
        ([getattr(record, field.attname) for field in fields] for record in records),
        fields,
        connection,
    )


def _prepared_values(rows, fields, connection) -> list[list]:
    """Rows of values in the fields' order as the fields prepare them for the database; a value
    that is the same object in the row before is prepared once."""
    prepare = [field.get_db_prep_save for field in fields]
    plain = [_plain_types(field, connection) for field in fields]
    # Equal decimals, dates and moments are prepared alike (a decimal to its field's places, a
    # moment to its instant): each distinct one once per column, among the last few hundred.
    seen: list[dict] = [{} for _field in fields]
    prepared_rows, last = [], [(object(), None)] * len(fields)
    for values in rows:
        row = []
        for index, value in enumerate(values):
            kind = type(value)
            if kind in plain[index]:
                row.append(value)
                continue
            if value is last[index][0]:
                row.append(last[index][1])
                continue
            key = (kind, value) if kind in _SAME_WHEN_EQUAL else None
            prepared = seen[index].get(key) if key else None
            if prepared is None:
                prepared = prepare[index](value, connection)
                if key:
                    if len(seen[index]) >= _SEEN_KEPT:
                        seen[index].clear()
                    seen[index][key] = prepared
            last[index] = (value, prepared)
            row.append(prepared)
        prepared_rows.append(row)
    return prepared_rows


# The types of value that a kind of field gives the database as they are (get_db_prep_save
# returns the value itself, None too; integers only on a backend that does not adapt them;
# tests/test_django_internals.py).
_PLAIN = {
    "AutoField": (int,),
    "BigAutoField": (int,),
    "BigIntegerField": (int,),
    "BooleanField": (bool,),
    "CharField": (str,),
    "IntegerField": (int,),
    "PositiveIntegerField": (int,),
    "PositiveSmallIntegerField": (int,),
    "SmallIntegerField": (int,),
    "TextField": (str,),
}


_SAME_WHEN_EQUAL = (Decimal, dt.date, dt.datetime)
_SEEN_KEPT = 512


def _plain_types(field, connection) -> tuple[type, ...]:
    """The types of value the field gives the database as they are, None included (_PLAIN)."""
    types = _PLAIN.get(_internal_type(field), ())
    if int in types and (
        type(connection.ops).adapt_integerfield_value
        is not BaseDatabaseOperations.adapt_integerfield_value
    ):
        return ()  # the backend types its integers (psycopg's Int2, Int4, Int8)
    return (*types, type(None)) if types else ()


def _internal_type(field) -> str:
    return (field.target_field if field.is_relation else field).get_internal_type()


def _unnestable(fields, connection) -> bool:
    """Whether each column's values fit in one array of its type (Django's own test)."""
    return not any(
        hasattr(field, "get_placeholder")
        or (field.target_field if field.is_relation else field).get_internal_type()
        not in connection.data_types
        for field in fields
    )


class LocalTimes:
    """“HH:MM” in the current time zone of moments as the database gives them back: aware
    datetimes (PostgreSQL) or naive ones in UTC (SQLite, as Django stores them).

    The zone's offset is looked up once per UTC hour: every moment of an hour in which the offset
    does not change shares it; a moment in the hour of a clock change is converted on its own."""

    def __init__(self, zone: dt.tzinfo | None = None):
        self.zone = zone or timezone.get_current_timezone()
        self._offsets: dict[tuple[int, int], int | None] = {}

    def _offset(self, moment: dt.datetime) -> int | None:
        start = moment.replace(minute=0, second=0, microsecond=0, tzinfo=dt.UTC)
        minutes = [
            int(each.astimezone(self.zone).utcoffset().total_seconds()) // 60
            for each in (start, start + dt.timedelta(minutes=59, seconds=59))
        ]
        return minutes[0] if minutes[0] == minutes[1] else None

    def hhmm(self, moment: dt.datetime) -> str:
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.UTC)
        hour = (moment.toordinal(), moment.hour)
        try:
            offset = self._offsets[hour]
        except KeyError:
            offset = self._offsets[hour] = self._offset(moment)
        if offset is None:
            return moment.replace(tzinfo=dt.UTC).astimezone(self.zone).strftime("%H:%M")
        minutes = (moment.hour * 60 + moment.minute + offset) % 1440
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
