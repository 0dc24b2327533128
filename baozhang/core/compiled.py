"""ORM queries compiled once and run many times: the reads every check submission makes.

Building a queryset and compiling it to SQL costs about a millisecond of Python, several times what
the database spends answering a lookup by key. A ``CompiledQuery`` builds its queryset once per
database with stand-in values, keeps the SQL, and then only puts the real values in the stand-ins'
places, runs the SQL and makes the model instances as the ORM does (``from_db``, the same
converters, ``select_related`` objects, annotations).

The queryset must take every value that varies as an argument of ``build``; anything else is fixed
at the first run. The queryset is built with scopes disabled, so it must filter by its organisation
itself, as every compiled query here does; tenant scoping still fails closed: each run asks the
model's manager for a queryset, which django-scopes refuses outside a scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from threading import Lock

from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.models.query import ModelIterable, get_related_populators
from django_scopes import scopes_disabled

_INT_BASE = -7_341_000_000_000
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1


def _stand_in(kind: type, index: int):
    if kind is int:
        return _INT_BASE - index
    if kind is str:
        return f"\x1fstand-in-{index}\x1f"
    if kind is dt.date:
        return dt.date(1001 + index, 2, 3)
    raise TypeError(f"no stand-in for {kind.__name__} values")


@dataclass
class _Compiled:
    sql: str
    params: list
    slots: list[tuple[int, int, Callable]]  # (parameter position, argument, conversion)
    compiler: object
    # How to make records of the rows (None for a values() query):
    init_list: list[str] | None = None
    model_start: int = 0
    model_end: int = 0
    populators: list = field(default_factory=list)
    annotations: dict[str, int] = field(default_factory=dict)


class CompiledQuery:
    """A queryset built by ``build(*values)`` for values of the given kinds (int, str, date)."""

    def __init__(self, build: Callable[..., models.QuerySet], *kinds: type):
        self.build = build
        self.kinds = kinds
        self._compiled: dict[str, _Compiled] = {}
        self._lock = Lock()

    def _compile(self, alias: str) -> _Compiled:
        stand_ins = [_stand_in(kind, index) for index, kind in enumerate(self.kinds)]
        # Built outside any scope: django-scopes would put the organisation of the first run's
        # scope into the SQL for good.
        with scopes_disabled():
            queryset = self.build(*stand_ins)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        slots, found = [], set()
        for position, param in enumerate(params):
            for index, stand_in in enumerate(stand_ins):
                if type(param) is type(stand_in) and param == stand_in:
                    slots.append((position, index, _same))
                elif isinstance(stand_in, dt.date) and param == stand_in.isoformat():
                    slots.append((position, index, _isoformat))  # SQLite takes dates as text
                else:
                    continue
                found.add(index)
        if len(found) != len(stand_ins):
            raise TypeError("a value of the compiled query does not reach its SQL parameters")
        if queryset._known_related_objects or queryset._prefetch_related_lookups:
            raise TypeError("a compiled query cannot prefetch or carry known related objects")
        compiled = _Compiled(sql=sql, params=list(params), slots=slots, compiler=compiler)
        klass_info = compiler.klass_info
        if queryset._iterable_class is ModelIterable:  # records, not values()
            fields = klass_info["select_fields"]
            compiled.model_start, compiled.model_end = fields[0], fields[-1] + 1
            compiled.init_list = [
                column[0].target.attname
                for column in compiler.select[compiled.model_start : compiled.model_end]
            ]
            compiled.populators = get_related_populators(klass_info, compiler.select, alias)
            compiled.annotations = dict(compiler.annotation_col_map or {})
        return compiled

    def sql(self, *values, using: str = "default") -> tuple[str, list]:
        """The SQL and parameters of the queryset built with these values, to run or to nest.

        A whole number that no 64-bit column holds names nothing: like the ORM, this raises
        ``EmptyResultSet`` instead of sending the database a number it would refuse."""
        if any(type(value) is int and not _INT_MIN <= value <= _INT_MAX for value in values):
            raise EmptyResultSet
        compiled = self._compiled.get(using)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(using) or self._compile(using)
                self._compiled[using] = compiled
        # The scope check the built queryset would make (django-scopes' manager).
        compiled.compiler.query.model._default_manager.all()
        params = list(compiled.params)
        for position, index, convert in compiled.slots:
            params[position] = convert(values[index])
        return compiled.sql, params

    def all(self, *values, using: str = "default") -> list[models.Model]:
        """The records the queryset built with these values returns, in its order."""
        try:
            sql, params = self.sql(*values, using=using)
        except EmptyResultSet:
            return []
        compiled = self._compiled[using]
        if compiled.init_list is None:
            raise TypeError("a compiled values() query gives its SQL, not records")
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        model = compiled.compiler.klass_info["model"]
        records = []
        for row in compiled.compiler.results_iter(results=[rows]):
            record = model.from_db(
                using, compiled.init_list, row[compiled.model_start : compiled.model_end]
            )
            for populator in compiled.populators:
                populator.populate(row, record)
            for name, position in compiled.annotations.items():
                setattr(record, name, row[position])
            records.append(record)
        return records

    def first(self, *values, using: str = "default") -> models.Model | None:
        """The first record, or None (build the queryset with its order and [:1])."""
        records = self.all(*values, using=using)
        return records[0] if records else None


def _same(value):
    return value


def _isoformat(value: dt.date) -> str:
    return value.isoformat()
