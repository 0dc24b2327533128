"""ORM queries compiled once and run many times, for the few reads where building the query costs
more than answering it (docs/performance.md).

Building a queryset and compiling it to SQL costs a millisecond or more of Python, several times
what the database spends answering a lookup by key. A ``CompiledQuery`` builds its queryset once per
database with stand-in values, keeps the SQL, and then only puts the real values in the stand-ins'
places, runs the SQL and makes the model instances as the ORM does (``from_db``, the same
converters, ``select_related`` objects, annotations).

The contract, which ``CompiledQuery`` checks where it can:

- Every value that varies is an argument of ``build``, declared by its kind: ``int``, ``str``,
  ``datetime.date`` or ``datetime.datetime`` (aware). Anything else the queryset uses is fixed at
  its first run.
- Each value is compared with a field as it is (``=``, ``<``, ``>=``, ``in`` …), never inside a
  function or a pattern (``contains``), so that it reaches the SQL as one parameter; a value that
  does not is refused when the query is compiled (``TypeError``).
- The kind of each value is that of every field it is compared with (a date with a ``DateField``, a
  datetime with a ``DateTimeField``, an int with an integer or key column, text with a text column),
  checked when the query is compiled; and each run checks the kind of each value it is given. Either
  mismatch raises ``ValueKindError``: the ORM would convert the value (a datetime to its date, a
  date to midnight) or, compiled, silently match nothing.
- A whole number that no 64-bit column holds names nothing, as in the ORM: ``sql`` raises
  ``EmptyResultSet`` and ``all`` returns no records.
- No ``prefetch_related`` and no known related objects (refused when compiled); a ``values()``
  query gives its SQL (``sql``) to be nested in a statement, not records.
- The queryset is built with scopes disabled, so it must filter by its organisation itself;
  tenant scoping still fails closed: each run asks the model's manager for a queryset, which
  django-scopes refuses outside a scope.

It relies on private parts of Django's query compiler, listed in docs/performance.md and pinned by
tests/test_django_internals.py, which fails when an upgrade changes them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from threading import Lock

from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.models.expressions import Subquery
from django.db.models.lookups import Lookup
from django.db.models.query import ModelIterable, get_related_populators
from django.db.models.sql import Query
from django.db.models.sql.where import WhereNode
from django_scopes import scopes_disabled

_INT_BASE = -7_341_000_000_000
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1
_STAND_IN_YEAR = 1001


class ValueKindError(TypeError):
    """A value of a compiled query is not of its declared kind, or the declared kind is not that of
    a field the value is compared with."""


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text(value) -> bool:
    return isinstance(value, str)


def _is_date(value) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def _is_moment(value) -> bool:
    return isinstance(value, dt.datetime) and value.utcoffset() is not None


# What each kind accepts: a bool is not an int and a datetime is not a date (Python says they are),
# and a datetime needs its time zone, as the ORM stores moments.
_ACCEPTS: dict[type, Callable[[object], bool]] = {
    int: _is_int,
    str: _is_text,
    dt.date: _is_date,
    dt.datetime: _is_moment,
}
_KIND_NAMES = {int: "int", str: "str", dt.date: "date", dt.datetime: "aware datetime"}


def _stand_in(kind: type, index: int):
    if kind is int:
        return _INT_BASE - index
    if kind is str:
        return f"\x1fstand-in-{index}\x1f"
    if kind is dt.date:
        return dt.date(_STAND_IN_YEAR + index, 2, 3)
    if kind is dt.datetime:
        # Noon in UTC: the same day in every time zone, should a field turn it into a date.
        return dt.datetime(_STAND_IN_YEAR + index, 2, 3, 12, tzinfo=dt.UTC)
    raise ValueKindError(f"a compiled query takes int, str, date or datetime values, not {kind!r}")


def _field_kind(field: models.Field) -> type | None:
    """The kind of value the field holds, following a relation to the key it holds."""
    while field.is_relation and getattr(field, "target_field", None) is not None:
        field = field.target_field
    if isinstance(field, models.DateTimeField):  # a DateField too: asked first
        return dt.datetime
    if isinstance(field, models.DateField):
        return dt.date
    if isinstance(field, models.IntegerField | models.AutoField):
        return int
    if isinstance(field, models.CharField | models.TextField):
        return str
    return None


def _lookups(node) -> Iterator[Lookup]:
    """Every comparison in a query: its conditions, its annotations and its subqueries'."""
    if isinstance(node, Query):
        yield from _lookups(node.where)
        for annotation in node.annotations.values():
            yield from _lookups(annotation)
    elif isinstance(node, WhereNode):
        for child in node.children:
            yield from _lookups(child)
    elif isinstance(node, Lookup):
        yield node
        yield from _lookups(node.lhs)
        if isinstance(node.rhs, Query | Subquery) or hasattr(node.rhs, "get_source_expressions"):
            yield from _lookups(node.rhs)
    elif isinstance(node, Subquery):
        yield from _lookups(node.query)
    elif hasattr(node, "get_source_expressions"):
        for source in node.get_source_expressions():
            if source is not None:
                yield from _lookups(source)


def _stand_in_of(value, stand_ins: list) -> int | None:
    """The index of the stand-in the value is, or was made from by a field of another kind."""
    for index, stand_in in enumerate(stand_ins):
        if type(value) is type(stand_in) and value == stand_in:
            return index
    if isinstance(value, dt.date) and (value.month, value.day) == (2, 3):
        index = value.year - _STAND_IN_YEAR
        if 0 <= index < len(stand_ins) and isinstance(stand_ins[index], dt.date):
            return index
    if isinstance(value, str):
        for index, stand_in in enumerate(stand_ins):
            if type(stand_in) is int and value == str(stand_in):
                return index
    return None


def _check_fields(query: Query, kinds: tuple[type, ...], stand_ins: list) -> None:
    """Refuse a value declared of one kind and compared with a field holding another."""
    for lookup in _lookups(query):
        compared = lookup.rhs if isinstance(lookup.rhs, list | tuple | set) else [lookup.rhs]
        for value in compared:
            index = _stand_in_of(value, stand_ins)
            if index is None:
                continue
            target = lookup.lhs.output_field
            if _field_kind(target) is not kinds[index]:
                raise ValueKindError(
                    f"value {index + 1} of the compiled query is declared {_KIND_NAMES[kinds[index]]}"
                    f" but compared with {target!r} ({type(target).__name__}): declare the kind"
                    " of the field"
                )


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
    """A queryset built by ``build(*values)`` for values of the given kinds (int, str, date,
    datetime); its docstring is the build function's, which says what compiling it saves."""

    def __init__(self, build: Callable[..., models.QuerySet], *kinds: type):
        for kind in kinds:
            if kind not in _ACCEPTS:
                raise ValueKindError(
                    f"a compiled query takes int, str, date or datetime values, not {kind!r}"
                )
        self.build = build
        self.kinds = kinds
        self.__doc__ = build.__doc__
        self._accepts = tuple(_ACCEPTS[kind] for kind in kinds)
        self._compiled: dict[str, _Compiled] = {}
        self._lock = Lock()

    def _compile(self, alias: str) -> _Compiled:
        stand_ins = [_stand_in(kind, index) for index, kind in enumerate(self.kinds)]
        # Built outside any scope: django-scopes would put the organisation of the first run's
        # scope into the SQL for good.
        with scopes_disabled():
            queryset = self.build(*stand_ins)
        _check_fields(queryset.query, self.kinds, stand_ins)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        adapters = {
            dt.date: connections[alias].ops.adapt_datefield_value,
            dt.datetime: connections[alias].ops.adapt_datetimefield_value,
        }
        slots, found = [], set()
        for position, param in enumerate(params):
            for index, stand_in in enumerate(stand_ins):
                adapt = adapters.get(self.kinds[index])
                if type(param) is type(stand_in) and param == stand_in:
                    slots.append((position, index, _same))
                elif adapt is not None and param == adapt(stand_in):
                    slots.append((position, index, adapt))  # SQLite takes moments as text
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

    def _check_values(self, values: tuple) -> None:
        if len(values) != len(self.kinds):
            raise ValueKindError(
                f"the compiled query takes {len(self.kinds)} values, not {len(values)}"
            )
        for index, (value, accepts) in enumerate(zip(values, self._accepts, strict=True)):
            if not accepts(value):
                raise ValueKindError(
                    f"value {index + 1} of the compiled query must be a"
                    f" {_KIND_NAMES[self.kinds[index]]}, not {value!r}"
                )

    def sql(self, *values, using: str = "default") -> tuple[str, list]:
        """The SQL and parameters of the queryset built with these values, to run or to nest.

        A whole number that no 64-bit column holds names nothing: like the ORM, this raises
        ``EmptyResultSet`` instead of sending the database a number it would refuse."""
        self._check_values(values)
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
