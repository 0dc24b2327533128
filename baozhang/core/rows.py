"""Plain rows for long exports: values as the database driver gives them back.

A 100,000-row export spends as much time turning each value into a Python object as writing it.
``plain_rows`` reads a ``values_list`` query in chunks (a server-side cursor on PostgreSQL) without
Django's per-value converters: values come as the driver makes them (dates; moments naive in UTC on
SQLite, aware on PostgreSQL; numbers or decimals). ``LocalTimes`` turns either kind of moment into
the local time of day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db import connections
from django.utils import timezone


def plain_rows(queryset, size: int = 2000) -> Iterator[tuple]:
    """The rows of a ``values_list`` queryset, unconverted, read ``size`` at a time."""
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    with connections[queryset.db].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(size):
            yield from chunk


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
