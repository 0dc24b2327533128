"""Reads of set-up records for pages, API and exports."""

from collections.abc import Iterable
from datetime import date

from django.db.models import Q
from django_scopes import scope

from baozhang.core.compiled import CompiledQuery
from baozhang.core.figures import Scope
from baozhang.core.periods import Period
from baozhang.orgs.models import (
    AreaType,
    Assignment,
    Location,
    Membership,
    Organisation,
    Person,
    Site,
    Unit,
)


def each_organisation(*, among=None):
    """Every active organisation, or those among some ids (a list or a query of ids), each inside
    its own tenant scope (for periodic jobs: among those with something to do)."""
    organisations = Organisation.objects.filter(is_active=True)
    if among is not None:
        organisations = organisations.filter(pk__in=among)
    for organisation in organisations:
        with scope(organisation=organisation):
            yield organisation


def setup_counts(*, organisation: Organisation) -> dict[str, int]:
    """How many of each set-up record the organisation has, keyed by entity key."""
    return {
        "sites": Site.objects.filter(organisation=organisation).count(),
        "area-types": AreaType.objects.filter(organisation=organisation).count(),
        "locations": Location.objects.filter(organisation=organisation).count(),
        "units": Unit.objects.filter(organisation=organisation).count(),
        "responsibilities": Assignment.objects.filter(organisation=organisation).count(),
        "people": Person.objects.filter(organisation=organisation).count(),
    }


def unit_responsible_for(*, location: Location, on: date) -> Unit | None:
    """The unit that held the location on that day, if any."""
    assignment = _HOLDER.first(location.organisation_id, location.pk, on)
    return assignment.unit if assignment else None


def _holder(organisation_id, location_id, on):
    """The assignment of the location on a day, with its unit: read for every check submitted.
    Compiled, a run takes 0.4 ms instead of the ORM's 2.7 ms on SQLite, 1.0 instead of 1.9 on
    PostgreSQL (bench (h), docs/performance.md)."""
    return (
        Assignment.objects.filter(
            organisation_id=organisation_id, location_id=location_id, starts_on__lte=on
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .select_related("unit")
        .order_by("-starts_on", "pk")[:1]
    )


_HOLDER = CompiledQuery(_holder, int, int, date)
LOCATIONS_PER_QUERY = 900  # within SQLite's 999 parameters of one statement


def units_responsible_for(
    *, organisation_id: int, days: Iterable[tuple[int, date]]
) -> dict[tuple[int, date], Unit | None]:
    """The unit that held each location on each day, keyed by (location id, day), as
    unit_responsible_for gives it one at a time: one query per LOCATIONS_PER_QUERY locations,
    whatever the number of days."""
    wanted = set(days)
    if not wanted:
        return {}
    first, last = min(day for _location, day in wanted), max(day for _location, day in wanted)
    locations = sorted({location for location, _day in wanted})
    held: dict[int, list[Assignment]] = {}
    for start in range(0, len(locations), LOCATIONS_PER_QUERY):
        assignments = (
            Assignment.objects.filter(
                organisation_id=organisation_id,
                location_id__in=locations[start : start + LOCATIONS_PER_QUERY],
                starts_on__lte=last,
            )
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=first))
            .select_related("unit")
            .order_by("-starts_on", "pk")
        )
        for assignment in assignments:
            held.setdefault(assignment.location_id, []).append(assignment)
    return {
        (location, day): next(
            (
                assignment.unit
                for assignment in held.get(location, ())
                if assignment.starts_on <= day
                and (assignment.ends_on is None or assignment.ends_on >= day)
            ),
            None,
        )
        for location, day in wanted
    }


def membership_histories(*, person: Person):
    """The history querysets of the person's roles, including removed ones."""
    return [Membership.history.filter(person_id=person.pk)]


def attribute(record, path: str):
    """Follow a dotted attribute path for display; callables are called."""
    value = record
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
        if callable(value):
            value = value()
    return value


def record_fields(record, form_class) -> list[tuple[str, object]]:
    """Label and display value of each field of the record's form, in form order."""
    fields = []
    for name in form_class._meta.fields:
        field = record._meta.get_field(name)
        display = getattr(record, f"get_{name}_display", None)
        value = display() if display else getattr(record, name)
        fields.append((field.verbose_name, value))
    return fields


def assignments_held(*, organisation: Organisation, period: Period):
    """The organisation's assignments in force on at least one day of the period."""
    return Assignment.objects.filter(organisation=organisation, starts_on__lte=period.end).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=period.start)
    )


def scope_location_filter(*, scope: Scope, period: Period, prefix: str = "location__") -> Q:
    """Rows whose location lies in the scope (for a unit: the locations it held in the period);
    prefix leads from the rows to their location."""
    condition = Q()
    if scope.site is not None:
        condition &= Q(**{f"{prefix}site_id": scope.site.pk})
    if scope.area_type is not None:
        condition &= Q(**{f"{prefix}area_type_id": scope.area_type.pk})
    if scope.unit is not None:
        held = assignments_held(organisation=scope.organisation, period=period)
        condition &= Q(**{f"{prefix}id__in": held.filter(unit=scope.unit).values("location_id")})
    return condition
