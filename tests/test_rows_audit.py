"""The audit rows rows_insert writes for the records it inserts are those the ORM and
django-simple-history write when each record is saved: the same values, user, time and type."""

import datetime as dt
from unittest import mock

import pytest
from django.test import RequestFactory
from django_scopes import scope
from simple_history.models import HistoricalRecords

from baozhang.core.rows import rows_insert
from baozhang.inspections.models import Finding, Inspection
from tests.factories import member
from tests.inspection_data import findings_of, inspection_of, rooms

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2026, 11, 20, 7, 30, 12, 345678, tzinfo=dt.UTC)


def audit_rows(model, records) -> list[dict]:
    """The audit rows of the records, without the ids that differ between two inserts."""
    rows = model.history.filter(id__in=[record.pk for record in records]).order_by("id")
    return [
        {key: value for key, value in row.items() if key not in {"history_id", "id"}}
        for row in rows.values()
    ]


@pytest.mark.parametrize("given", ["argument", "record", "request", "nobody"])
def test_audit_rows_are_those_simple_history_writes_for_each_save(college, given):
    """The user as simple-history finds it: given, on the record, from the request, or nobody."""
    room, first, _second, version = rooms(college)
    user = member(college, "inspector", username="zhang")
    request = RequestFactory().post("/")
    request.user = user
    with scope(organisation=college), mock.patch("django.utils.timezone.now", return_value=MOMENT):
        if given == "request":
            HistoricalRecords.context.request = request  # as simple-history's middleware does
        try:
            by_orm = [inspection_of(college, room, version)]
            by_orm += findings_of(by_orm[0], room, 3, first)
            inserted = [inspection_of(college, room, version)]
            inserted += findings_of(inserted[0], room, 3, first)
            # The ORM saves one by one with the user on the record (simple-history's own way).
            for record in by_orm if given in ("argument", "record") else []:
                record._history_user = user
            for record in inserted if given == "record" else []:
                record._history_user = user
            for record in by_orm:
                record.save()
            rows_insert(inserted[:1], history_user=user if given == "argument" else None)
            for finding in inserted[1:]:
                finding.inspection = inserted[0]
            rows_insert(inserted[1:], history_user=user if given == "argument" else None)
        finally:
            if given == "request":
                del HistoricalRecords.context.request
        for model, orm, ours in (
            (Inspection, by_orm[:1], inserted[:1]),
            (Finding, by_orm[1:], inserted[1:]),
        ):
            expected = audit_rows(model, orm)
            assert expected and all(row["history_type"] == "+" for row in expected)
            assert {row["history_date"] for row in expected} == {MOMENT}
            assert {row["history_user_id"] for row in expected} == {
                None if given == "nobody" else user.pk
            }
            for row in expected:  # the same records, of another check
                row.update(
                    {"inspection_id": inserted[0].pk}
                    if model is Finding
                    else {"client_id": inserted[0].client_id}
                )
            assert audit_rows(model, ours) == expected


def test_audit_rows_take_one_statement_and_follow_simple_historys_switches(
    college, django_assert_num_queries, settings
):
    room, first, _second, version = rooms(college)
    with scope(organisation=college):
        inspection = inspection_of(college, room, version)
        rows_insert([inspection])
        rows = findings_of(inspection, room, 20, first)
        rows[0].skip_history_when_saving = True
        rows[1]._change_reason = "entered late"
        with django_assert_num_queries(3):  # the rows, their audit rows, the one changed apart
            rows_insert(rows)
        audited = Finding.history.filter(inspection=inspection)
        assert audited.count() == 19 and not audited.filter(id=rows[0].pk).exists()
        assert audited.get(id=rows[1].pk).history_change_reason == "entered late"
        settings.SIMPLE_HISTORY_ENABLED = False
        rows_insert(findings_of(inspection, room, 2, first))
        assert audited.count() == 19


def test_many_rows_are_inserted_by_statements_of_a_few_shapes():
    """statement_chunks covers the rows in order: a few in one statement, more in powers of two,
    as many for twice the rows."""
    from baozhang.core.history import statement_chunks

    for count in (0, 1, 7, 150, 1000, 3000):
        chunks = list(statement_chunks(count, 1024))
        assert [start for start, _size in chunks] == [
            sum(size for _start, size in chunks[:index]) for index in range(len(chunks))
        ]
        assert sum(size for _start, size in chunks) == count
        assert count <= 32 or all(size & (size - 1) == 0 and size <= 1024 for _s, size in chunks)
        if 32 < count <= 512:
            assert len(list(statement_chunks(2 * count, 1024))) == len(chunks)
    assert [size for _start, size in statement_chunks(20, 1024)] == [20]
    assert [size for _start, size in statement_chunks(150, 1024)] == [128, 16, 4, 2]
    assert [size for _start, size in statement_chunks(3000, 1024)] == [
        *[1024, 1024],
        *[512, 256, 128, 32, 16, 8],
    ]
    assert [size for _start, size in statement_chunks(7, 5)] == [4, 2, 1]
