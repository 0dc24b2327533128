"""The findings page's rows: what one line of the list shows, read by one indexed query per page.

The list is the product's largest (a year of checks is a million findings), and the page needs only
nine columns of four tables. Building a model object for each finding, location, unit and item of a
page costs several times the query itself, so the page reads plain lines with one statement built
from the same checked filters as ``findings_filtered`` (which the exports and the API use); the two
are kept equal by tests. The organisation is always the statement's first condition: the caller
passes the organisation of the checked access, as for every query of a tenant's rows.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection

from baozhang.inspections.models import Finding, FindingKind
from baozhang.inspections.scoring import tenths
from baozhang.inspections.selectors import FindingFilters
from baozhang.orgs.models import Location, Organisation, Unit
from baozhang.standards.models import StandardItem

_TABLE = Finding._meta.db_table
_COLUMNS = "f.id, f.observed_at, f.kind, f.points, f.note, f.inspection_id, l.code, u.name, i.text"
_JOINS = (
    f" JOIN {Location._meta.db_table} l ON l.id = f.location_id"
    f" LEFT JOIN {Unit._meta.db_table} u ON u.id = f.unit_id"
    f" LEFT JOIN {StandardItem._meta.db_table} i ON i.id = f.item_id"
)


@dataclass(frozen=True, slots=True)
class FindingLine:
    """One line of the findings list."""

    id: int
    observed_at: datetime
    kind: str
    points: Decimal
    note: str
    inspection_id: int | None
    location_code: str
    unit_name: str | None
    item_text: str | None

    def get_kind_display(self) -> str:
        return FindingKind(self.kind).label


class FindingLines:
    """The filtered findings as a sequence for the paginator: count() and a page by slice."""

    def __init__(self, *, organisation: Organisation, params):
        self.filters = FindingFilters.parse(params)
        self.where, self.args = self._conditions(organisation)

    def _conditions(self, organisation: Organisation) -> tuple[str, list]:
        filters = self.filters
        where, args = ["f.organisation_id = %s"], [organisation.pk]
        if filters.moments is not None:
            where.append("f.observed_at >= %s AND f.observed_at < %s")
            args += [connection.ops.adapt_datetimefield_value(m) for m in filters.moments]
        for column, value in filters.ids:
            where.append(f"f.{column} = %s")  # column names from FindingFilters, never the user's
            args.append(value)
        if filters.site is not None:
            where.append("l.site_id = %s")
            args.append(filters.site)
        if filters.kind == "problems":
            where.append("f.kind NOT IN (%s, %s)")
            args += [FindingKind.BONUS.value, FindingKind.HIGHLIGHT.value]
        elif filters.kind:
            where.append("f.kind = %s")
            args.append(filters.kind)
        if filters.term:
            pattern = "%" + connection.ops.prep_for_like_query(filters.term) + "%"
            if connection.vendor == "postgresql":
                like = "UPPER({}::text) LIKE UPPER(%s)"
            else:
                like = "{} LIKE %s ESCAPE '\\'"
            where.append(
                "(" + " OR ".join(like.format(c) for c in ("f.note", "l.code", "i.text")) + ")"
            )
            args += [pattern] * 3
        return " AND ".join(where), args

    def count(self) -> int:
        joins = _JOINS if self.filters.term or self.filters.site is not None else ""
        # Only names of the code's own are formatted in; every value is a parameter.
        sql = f"SELECT COUNT(*) FROM {_TABLE} f{joins} WHERE {self.where}"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, self.args)
            return cursor.fetchone()[0]

    def __getitem__(self, window: slice) -> list[FindingLine]:
        start, stop = window.start or 0, window.stop
        sql = f"SELECT {_COLUMNS} FROM {_TABLE} f{_JOINS} WHERE {self.where}"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(
                sql + " ORDER BY f.observed_at DESC, f.id DESC LIMIT %s OFFSET %s",
                [*self.args, stop - start, start],
            )
            rows = cursor.fetchall()
        if connection.vendor == "postgresql":
            return [FindingLine(*row) for row in rows]
        # SQLite gives back naive UTC moments and points as numbers.
        moment = connection.ops.convert_datetimefield_value
        return [
            FindingLine(
                row[0],
                moment(row[1], None, connection),
                row[2],
                tenths(row[3]),
                *row[4:],
            )
            for row in rows
        ]
