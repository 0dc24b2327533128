"""The private parts of Django and django-simple-history that the performance helpers rely on
(core/compiled.py, core/rows.py, core/history.py; docs/performance.md), pinned one by one: each
exists, takes what the helpers pass and gives what they read. A failure after an upgrade names the
part that changed and the helper to revisit; tests/test_compiled.py and tests/test_rows_audit.py
then say whether the helpers still give what the ORM gives."""

import datetime as dt
import inspect
from decimal import Decimal

import pytest
from django.db import connection, models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.expressions import Col
from django.db.models.lookups import Lookup
from django.db.models.query import ModelIterable, ValuesIterable, get_related_populators
from django.db.models.sql import Query
from django.db.models.sql.where import WhereNode
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled
from django_scopes.exceptions import ScopeError
from simple_history.exceptions import NotHistoricalModelError
from simple_history.utils import get_change_reason_from_object, get_history_model_for_model

from baozhang.core.rows import _internal_type, _plain_types, _unnestable
from baozhang.inspections.models import Finding, FindingPhoto, Inspection
from baozhang.orgs.models import Assignment, Location, Unit
from tests.inspection_data import at, findings_of, inspection_of, rooms

pytestmark = pytest.mark.django_db


def parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_the_functions_the_helpers_call_take_the_arguments_they_pass():
    from django.db.models.sql.compiler import SQLCompiler

    assert parameters(Query.get_compiler)[:3] == ["self", "using", "connection"]
    assert parameters(SQLCompiler.as_sql)[:3] == ["self", "with_limits", "with_col_aliases"]
    assert parameters(SQLCompiler.results_iter)[:2] == ["self", "results"]
    assert parameters(get_related_populators) == ["klass_info", "select", "db"]
    assert parameters(models.Model.from_db) == ["db", "field_names", "values"]
    assert parameters(models.Field.get_db_prep_save) == ["self", "value", "connection"]
    assert parameters(connection.ops.bulk_batch_size) == ["fields", "objs"]
    assert parameters(connection.ops.last_insert_id) == ["cursor", "table_name", "pk_name"]
    assert parameters(connection.ops.insert_statement) == ["on_conflict"]
    assert parameters(connection.ops.on_conflict_suffix_sql) == [
        "fields",
        "on_conflict",
        "update_fields",
        "unique_fields",
    ]
    assert parameters(connection.ops.adapt_datefield_value) == ["value"]
    assert parameters(connection.ops.adapt_datetimefield_value) == ["value"]
    assert callable(connection.chunked_cursor)


def test_a_compiler_describes_the_records_of_its_rows(college):
    """compiled.py makes records from a compiler's select, klass_info and converters."""
    room, first, _second, _version = rooms(college)
    with scope(organisation=college):
        queryset = (
            Assignment.objects.filter(location=room)
            .select_related("unit")
            .annotate(findings=Count("location__findings"))
            .order_by("starts_on")
        )
        assert queryset._iterable_class is ModelIterable
        compiler = queryset.query.get_compiler(using="default")
        sql, params = compiler.as_sql()
        assert isinstance(sql, str) and room.pk in list(params)
        info = compiler.klass_info
        assert info["model"] is Assignment
        start, end = info["select_fields"][0], info["select_fields"][-1] + 1
        names = [column[0].target.attname for column in compiler.select[start:end]]
        assert names == [field.attname for field in Assignment._meta.concrete_fields]
        assert isinstance(compiler.select[start][0], Col)
        assert set(compiler.annotation_col_map) == {"findings"}
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        converted = list(compiler.results_iter(results=[rows]))
        record = Assignment.from_db("default", names, converted[0][start:end])
        assert isinstance(record.starts_on, dt.date)  # a converter ran (SQLite gives text)
        assert isinstance(record.created_at, dt.datetime) and record.created_at.tzinfo
        populators = get_related_populators(info, compiler.select, "default")
        assert len(populators) == 1
        populators[0].populate(converted[0], record)
        assert "unit" in record._state.fields_cache and record.unit == first
        assert converted[0][compiler.annotation_col_map["findings"]] == 0


def test_a_queryset_says_how_it_iterates_and_what_it_carries(college):
    """compiled.py refuses prefetches and known related objects, and gives values() as SQL."""
    room, *_rest = rooms(college)
    with scope(organisation=college):
        plain = Assignment.objects.all()
        assert plain._iterable_class is ModelIterable
        assert not plain._prefetch_related_lookups and not plain._known_related_objects
        assert Assignment.objects.values("pk")._iterable_class is ValuesIterable
        assert Assignment.objects.prefetch_related("unit")._prefetch_related_lookups
        assert room.assignments.all()._known_related_objects
    with pytest.raises(ScopeError):  # the scope check each compiled run makes
        Assignment._default_manager.all()


def test_conditions_are_a_tree_of_lookups_comparing_a_field_with_a_value(college):
    """compiled.py walks the tree to find the field each value is compared with."""
    with scopes_disabled():
        versions = Finding.objects.filter(organisation_id=-1, location=OuterRef("pk"))
        query = (
            Location.objects.filter(organisation_id=-2)
            .filter(Q(code="a") | Q(pk__in=Unit.objects.filter(code="b").values("pk")))
            .annotate(first_seen=Subquery(versions.values("observed_at")[:1]))
            .query
        )
    assert isinstance(query.where, WhereNode)
    lookup = query.where.children[0]
    assert isinstance(lookup, Lookup) and lookup.rhs == -2
    assert lookup.lhs.output_field is Location._meta.get_field("organisation")
    assert Location._meta.get_field("organisation").target_field.get_internal_type() in {
        "AutoField",
        "BigAutoField",
    }
    either = query.where.children[1]
    assert isinstance(either, WhereNode) and either.connector == "OR"
    assert isinstance(either.children[1].rhs, Query)
    subquery = query.annotations["first_seen"]
    assert isinstance(subquery, Subquery) and isinstance(subquery.query, Query)
    inner = [child for child in subquery.query.where.children if child.rhs == -1]
    assert [child.lhs.output_field.name for child in inner] == ["organisation"]
    assert lookup.get_source_expressions() == [lookup.lhs]


def test_backends_adapt_days_and_moments_into_the_parameters_the_orm_sends():
    """compiled.py puts a value in its stand-in's place as these adapters make it."""
    day, moment = dt.date(2026, 11, 20), at("2026-11-20", "07:30")
    with scopes_disabled():
        query = Finding.objects.filter(date=day, observed_at=moment).query
    _sql, params = query.get_compiler(using="default").as_sql()
    assert list(params) == [
        connection.ops.adapt_datefield_value(day),
        connection.ops.adapt_datetimefield_value(moment),
    ]


def test_what_rows_insert_asks_of_fields_and_backends(college):
    """rows_insert prepares values per field and batches as bulk_create does."""
    room, first, _second, version = rooms(college)
    assert isinstance(models.BigAutoField(), models.AutoField)  # Django's AutoFieldMeta
    assert isinstance(Finding._meta.pk, models.AutoField)
    assert isinstance(connection.features.can_return_rows_from_bulk_insert, bool)
    assert connection.features.max_query_params is None or connection.features.max_query_params
    assert isinstance(connection.data_types, dict)
    points = Finding._meta.get_field("points")
    assert points.get_db_prep_save(Decimal("2.5"), connection) in (Decimal("2.5"), "2.5")
    with scope(organisation=college):
        inspection = inspection_of(college, room, version)
        inspection.save()
        assert inspection._state.adding is False and inspection._state.db == "default"
        rows = findings_of(inspection, room, 3, first)
        fields = [field for field in Finding._meta.concrete_fields if field is not Finding._meta.pk]
        assert connection.ops.bulk_batch_size(fields, rows) >= 1
        with CaptureQueriesContext(connection) as captured:
            Finding.objects.bulk_create(rows)
    # On PostgreSQL, bulk_create sends these columns as arrays exactly when rows_insert does.
    unnested = "UNNEST" in captured.captured_queries[0]["sql"]
    assert unnested == (connection.vendor == "postgresql" and _unnestable(fields, connection))


def test_the_values_rows_insert_sends_as_they_are_need_no_preparation(college):
    """_PLAIN: each kind of field gives the database such a value, and None, unchanged."""
    samples = {int: 7, bool: True, str: "门后有垃圾", type(None): None}
    fields = [field for model in (Finding, Inspection) for field in model._meta.concrete_fields]
    seen = set()
    for field in fields:
        for kind_of_value in _plain_types(field, connection):
            value = samples[kind_of_value]
            assert field.get_db_prep_save(value, connection) is value
            seen.add((_internal_type(field), kind_of_value))
    assert {("CharField", str), ("BooleanField", bool), ("TextField", str)} <= seen
    # Integers pass as they are where the backend leaves them so (SQLite), never elsewhere.
    assert (("PositiveSmallIntegerField", int) in seen) == (connection.vendor == "sqlite")


def test_simple_history_keeps_the_columns_and_the_user_rule_history_created_uses(college):
    """history.py copies the tracked columns and fills the historical model's own ones."""
    history = get_history_model_for_model(Finding)
    own = {"history_id", "history_date", "history_change_reason", "history_type", "history_user"}
    names = {field.name for field in history._meta.concrete_fields}
    assert own <= names
    assert history._meta.get_field("history_user").column == "history_user_id"
    copied = {f.column for f in history._meta.concrete_fields if f.name not in own}
    assert copied == {field.column for field in Finding._meta.concrete_fields}
    with pytest.raises(NotHistoricalModelError):
        get_history_model_for_model(FindingPhoto)
    record = Finding()
    assert history.get_default_history_user(record) is None  # no request, no user on it
    record._history_user = user = object()
    assert history.get_default_history_user(record) is user
    record._change_reason = "late"
    assert get_change_reason_from_object(record) == "late"
