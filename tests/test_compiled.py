"""The reads compiled once (baozhang.core.compiled), the lean bulk insert (rows_insert) and the
per-process items of a standard version: each gives what the ORM gives, in any organisation."""

import datetime as dt
import warnings
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict
from django_scopes import scope, scopes_disabled
from django_scopes.exceptions import ScopeError

from baozhang.accounts.services import _LIVE_TOKEN, api_token_create, token_digest
from baozhang.core.compiled import CompiledQuery, ValueKindError
from baozhang.core.rows import rows_insert
from baozhang.inspections.models import Finding, Inspection
from baozhang.inspections.services import FindingInput, inspection_submit
from baozhang.orgs.access import _MEMBERSHIPS
from baozhang.orgs.models import Assignment, Location, Membership, Unit
from baozhang.orgs.selectors import _HOLDER, unit_responsible_for
from baozhang.standards.selectors import (
    location_with_version,
    standard_version_for_location,
    standard_version_items,
)
from baozhang.standards.services import ItemInput, standard_save_items
from tests.factories import (
    LocationFactory,
    member,
)
from tests.inspection_data import at, findings_of, rooms

pytestmark = pytest.mark.django_db


def values(record) -> dict:
    return {field.attname: getattr(record, field.attname) for field in record._meta.concrete_fields}


def same_records(compiled, orm) -> None:
    assert [values(record) for record in compiled] == [values(record) for record in orm]


def test_the_holder_of_a_location_on_each_day_is_the_orms(college, hospital):
    room, first, second, _version = rooms(college)
    other_room, *_rest = rooms(hospital)
    days = [dt.date(2026, 8, 31), dt.date(2026, 9, 1), dt.date(2026, 11, 18), dt.date(2026, 11, 19)]
    with scope(organisation=college):
        holders = [unit_responsible_for(location=room, on=day) for day in days]
        assert holders == [None, first, first, second]
        assert holders[1].name == "0852班"  # the unit comes with it (select_related)
        for day in days:
            orm = (
                Assignment.objects.filter(location=room, starts_on__lte=day)
                .exclude(ends_on__lt=day)
                .select_related("unit")
                .order_by("-starts_on", "pk")[:1]
            )
            same_records(_HOLDER.all(college.pk, room.pk, day), orm)
    with scope(organisation=hospital):
        # Compiled while the college's scope was open, run in the hospital's: the hospital's.
        hospital_unit = unit_responsible_for(location=other_room, on=dt.date(2026, 11, 20))
        assert hospital_unit.organisation_id == hospital.pk
        # Another organisation's location names nothing.
        assert _HOLDER.all(hospital.pk, room.pk, dt.date(2026, 11, 20)) == []


def test_a_compiled_tenant_query_outside_a_scope_fails_closed(college):
    room, *_rest = rooms(college)
    fresh = CompiledQuery(lambda code: Unit.objects.filter(organisation=college, code=code), str)
    with pytest.raises(ScopeError):  # the first run, which compiles it
        fresh.all("0852")
    with scope(organisation=college):
        assert [unit.code for unit in fresh.all("0852")] == ["0852"]
        unit_responsible_for(location=room, on=dt.date(2026, 11, 20))
    with pytest.raises(ScopeError):  # compiled runs
        fresh.all("0852")
    with pytest.raises(ScopeError):
        _HOLDER.all(college.pk, room.pk, dt.date(2026, 11, 20))


def test_a_number_no_id_column_holds_names_nothing(college):
    from django.core.exceptions import EmptyResultSet

    from baozhang.inspections.selectors import _GROUPED

    room, *_rest = rooms(college)
    with scope(organisation=college):
        assert _HOLDER.all(college.pk, 10**20, dt.date(2026, 11, 20)) == []
        assert _HOLDER.first(college.pk, -(2**64), dt.date(2026, 11, 20)) is None
        assert _HOLDER.first(college.pk, room.pk, dt.date(2026, 11, 20)) is not None
        with pytest.raises(EmptyResultSet):
            _GROUPED.sql(10**19, dt.date(2026, 11, 1), dt.date(2026, 11, 30))


def test_a_value_that_does_not_reach_the_sql_is_refused_when_compiled(college):
    ignored = CompiledQuery(lambda unit_id: Unit.objects.filter(code="0852"), int)
    with scope(organisation=college), pytest.raises(TypeError):
        ignored.all(1)


def test_a_value_of_another_kind_is_refused_on_every_run(college):
    room, *_rest = rooms(college)
    with scope(organisation=college):
        assert _HOLDER.first(college.pk, room.pk, dt.date(2026, 11, 20)) is not None
        # A moment where a day is expected would silently match nothing: refused instead.
        for wrong in (
            (college.pk, room.pk, at("2026-11-20")),
            (college.pk, str(room.pk), dt.date(2026, 11, 20)),
            (True, room.pk, dt.date(2026, 11, 20)),
            (college.pk, room.pk),
        ):
            with pytest.raises(ValueKindError):
                _HOLDER.first(*wrong)
        moments = CompiledQuery(
            lambda moment: Finding.objects.filter(organisation=college, observed_at__gte=moment),
            dt.datetime,
        )
        with pytest.raises(ValueKindError):  # a moment without its time zone
            moments.all(dt.datetime(2026, 11, 20, 7, 30))


def test_a_kind_that_is_not_the_fields_is_refused_when_compiled(college):
    declared = [
        (lambda day: Finding.objects.filter(organisation=college, observed_at__gte=day), dt.date),
        (lambda moment: Finding.objects.filter(organisation=college, date=moment), dt.datetime),
        (lambda number: Unit.objects.filter(organisation=college, code=number), int),
    ]
    with scope(organisation=college), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # Django's, about the naive midnight
        for build, kind in declared:
            with pytest.raises(ValueKindError):
                CompiledQuery(build, kind).all(_value_of(kind))


def _value_of(kind):
    return {dt.date: dt.date(2026, 11, 20), dt.datetime: at("2026-11-20"), int: 852}[kind]


def test_moments_and_days_compared_with_their_fields_are_the_orms(college):
    room, first, _second, version = rooms(college)
    with scope(organisation=college):
        item = standard_version_items(version=version)[0]
        for day in ("2026-11-19", "2026-11-20", "2026-11-21"):
            inspection_submit(
                location=room,
                version=version,
                findings=[FindingInput(item_id=item.pk)],
                done_at=at(day, "07:30"),
            )
        observed = CompiledQuery(
            lambda organisation_id, moment, day: Finding.objects.filter(
                organisation_id=organisation_id, observed_at__gte=moment, date__lte=day
            ).order_by("id"),
            int,
            dt.datetime,
            dt.date,
        )
        for moment, day in (
            (at("2026-11-20", "07:30"), dt.date(2026, 11, 21)),
            (at("2026-11-20", "07:31"), dt.date(2026, 11, 21)),
            (at("2026-11-19", "00:00"), dt.date(2026, 11, 20)),
        ):
            orm = Finding.objects.filter(observed_at__gte=moment, date__lte=day).order_by("id")
            assert orm.exists()
            same_records(observed.all(college.pk, moment, day), orm)


def test_a_location_with_its_version_and_the_cached_items(college, hospital):
    room, _first, _second, version = rooms(college)
    other_room, _a, _b, other_version = rooms(hospital)
    with scope(organisation=college):
        location, found = location_with_version(organisation_id=college.pk, location_id=room.pk)
        assert values(location) == values(Location.objects.get(pk=room.pk))
        assert found == standard_version_for_location(location=room) == version
        assert [item.text for item in standard_version_items(version=found)] == ["地面有垃圾"]
        # The second time the version comes from the cache, with its items.
        again, cached = location_with_version(organisation_id=college.pk, location_id=room.pk)
        assert cached is not None and cached.pk == version.pk and again.pk == room.pk
        # Another organisation's location is not found here.
        assert location_with_version(organisation_id=college.pk, location_id=other_room.pk) == (
            None,
            None,
        )
        # A location without an area type has no version.
        with scopes_disabled():
            bare = LocationFactory(organisation=college, site=room.site, code="hall")
            bare.area_type = None
            bare.save()
        assert location_with_version(organisation_id=college.pk, location_id=bare.pk)[1] is None
    with scope(organisation=hospital):
        _location, found = location_with_version(
            organisation_id=hospital.pk, location_id=other_room.pk
        )
        assert found == other_version


def test_items_edited_in_place_are_not_served_from_the_cache(college):
    room, _first, _second, version = rooms(college)
    with scope(organisation=college):
        assert [i.text for i in standard_version_items(version=version)] == ["地面有垃圾"]
        # Not used by a check yet: the edit changes this version in place.
        edited = standard_save_items(
            standard=version.standard,
            by=None,
            items=[ItemInput("地面", "地面有积水", "deduction", Decimal(3))],
        )
        assert edited.pk == version.pk
        _location, current = location_with_version(organisation_id=college.pk, location_id=room.pk)
        assert [i.text for i in standard_version_items(version=current)] == ["地面有积水"]


def test_memberships_and_tokens_are_the_orms(college, hospital):
    user = member(college, "inspector", username="zhang")
    member(hospital, "viewer", username="zhang-hospital")
    _token, raw = api_token_create(user=user, name="phone")
    with scopes_disabled():
        orm = Membership.objects.filter(
            person__user=user, organisation__slug="college", organisation__is_active=True
        ).order_by("pk")
        compiled = _MEMBERSHIPS.all(user.pk, "college")
        same_records(compiled, orm)
        assert compiled[0].organisation == college and compiled[0].person.user_id == user.pk
        assert _MEMBERSHIPS.all(user.pk, "hospital") == []
    token = _LIVE_TOKEN.first(token_digest(raw))
    assert token.user == user and token.user.username == "zhang"
    assert _LIVE_TOKEN.first(token_digest(raw + "x")) is None


@pytest.mark.parametrize("count", [1, 2, 20, 1200])
def test_rows_insert_stores_what_bulk_create_stores(college, count):
    room, first, _second, version = rooms(college)
    with scope(organisation=college):
        inspection = Inspection(
            organisation=college,
            location=room,
            standard_version=version,
            level="department",
            done_at=at("2026-11-20", "07:30"),
            score=Decimal(100),
            date=dt.date(2026, 11, 20),
            week_key="2026-W47",
            month_key="2026-11",
        )
        rows_insert([inspection])
        assert inspection.pk and not inspection._state.adding
        stored = Inspection.objects.get(pk=inspection.pk)
        assert values(stored) == values(inspection) | {"id": inspection.pk}
        ours = findings_of(inspection, room, count, first)
        rows_insert(ours)  # on SQLite, more rows than one statement's parameters: several
        theirs = Finding.objects.bulk_create(findings_of(inspection, room, count, first))
        assert [row.pk for row in ours] == sorted(row.pk for row in ours)
        by_id = {row.pk: row for row in Finding.objects.filter(inspection=inspection)}
        assert len(by_id) == 2 * count
        skip = {"id", "created_at", "updated_at"}
        for mine, other in zip(ours, theirs, strict=True):
            assert model_to_dict(by_id[mine.pk], exclude=skip) == model_to_dict(
                by_id[other.pk], exclude=skip
            )
            assert by_id[mine.pk].note == mine.note and by_id[mine.pk].points == mine.points
        # Every record has the one moment of the insert.
        assert len({row.created_at for row in ours}) == 1
        assert by_id[ours[0].pk].created_at == ours[0].created_at


def test_rows_insert_takes_new_records_of_one_model(college):
    rows_insert([])  # nothing to do
    room, first, _second, _version = rooms(college)
    with scope(organisation=college), pytest.raises(TypeError):
        rows_insert([first, room])


def test_rows_insert_runs_one_statement(college, django_assert_num_queries, settings):
    settings.SIMPLE_HISTORY_ENABLED = False  # the records alone: their audit rows take one more
    room, first, _second, version = rooms(college)
    with scope(organisation=college):
        inspection = Inspection.objects.create(
            organisation=college, location=room, standard_version=version, level="department",
            done_at=at("2026-11-20"), score=Decimal(100), date=dt.date(2026, 11, 20),
            week_key="2026-W47", month_key="2026-11",
        )  # fmt: skip
        rows = findings_of(inspection, room, 20, first)
        with django_assert_num_queries(1):
            rows_insert(rows)
        assert Finding.objects.filter(inspection=inspection).count() == 20


def test_rankings_of_two_organisations_each_count_their_own(college, hospital):
    from baozhang.core.periods import period_parse
    from baozhang.inspections.selectors import _GROUPED, unit_ranking, units_in_ranking

    week = period_parse("2026-W47")
    for organisation, count in ((college, 1), (hospital, 3)):
        room, first, _second, version = rooms(organisation)
        with scope(organisation=organisation):
            item = standard_version_items(version=version)[0]
            inspection_submit(
                location=room,
                version=version,
                findings=[FindingInput(item_id=item.pk) for _ in range(count)],
                done_at=at("2026-11-17"),
            )
            rows = unit_ranking(organisation=organisation, period=week)
            # 0852 held the room that day: it lost 2 points a finding; nobody checked 1151.
            assert [(row.unit.code, row.score) for row in rows] == [
                ("0852", Decimal(100 - 2 * count)),
            ]
            assert {
                unit.pk for unit in units_in_ranking(organisation=organisation, period=week)
            } == {unit.pk for unit in Unit.objects.filter(assignments__isnull=False).distinct()}
            area = unit_ranking(
                organisation=organisation, period=week, area_type_id=room.area_type_id
            )
            assert [row.score for row in area] == [row.score for row in rows]
            assert unit_ranking(organisation=organisation, period=week, area_type_id=10**6) == []
    with scope(organisation=college), pytest.raises(TypeError):
        _GROUPED.all(college.pk, week.start, week.end)  # values, not records
