"""Audit-trail rows for many new records at once, copied by the database from the stored rows.

django-simple-history writes a "+" (created) row for each record saved one by one. For records
created in bulk (the findings of a check), ``history_created`` writes the same rows with one
INSERT … SELECT, so their values are exactly the stored ones and no row passes through Python.
"""

from collections.abc import Sequence
from functools import cache

from django.db import connection, models
from django.utils import timezone

_HISTORY_OWN = {
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
}


@cache
def _history_model(model: type[models.Model]) -> type[models.Model]:
    # simple-history builds a new manager class on each access to Model.history.
    return model.history.model


def history_created(model: type[models.Model], ids: Sequence[int], *, user=None) -> None:
    """Record the creation of the model's rows with these ids by the user (or nobody)."""
    if not ids:
        return
    history = _history_model(model)
    table, history_table = model._meta.db_table, history._meta.db_table
    quote = connection.ops.quote_name
    columns = [
        quote(field.column)
        for field in history._meta.concrete_fields
        if field.name not in _HISTORY_OWN
    ]
    copied = ", ".join(columns)
    own = ", ".join(quote(name) for name in ("history_date", "history_type", "history_user_id"))
    marks = ", ".join(["%s"] * len(ids))
    # Only the models' own table and column names are formatted in; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(history_table)} ({copied}, {own})"  # noqa: S608
        f" SELECT {copied}, %s, '+', %s FROM {quote(table)} WHERE {quote('id')} IN ({marks})"
    )
    moment = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [moment, user.pk if user is not None else None, *ids])
