"""The benchmark data set: 10 organisations, 2,000 locations, 1,000,000 findings over one year.

Rows are written with bulk statements (COPY on PostgreSQL, executemany on SQLite) straight into the
tables, with the same stored period keys the product writes, so building it takes a minute or two.
"""

import datetime as dt
import io
import random
import time
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from baozhang.accounts.services import api_token_create
from baozhang.core.periods import month_key, week_key
from baozhang.inspections.models import Finding
from baozhang.orgs.models import (
    AreaType,
    Assignment,
    Location,
    Membership,
    Organisation,
    Person,
    Role,
    Site,
    Unit,
    User,
)
from baozhang.orgs.services import organisation_create
from baozhang.standards.models import Standard, StandardItem, StandardVersion

ORGANISATIONS = 10
LOCATIONS_PER_ORGANISATION = 200
UNITS_PER_ORGANISATION = 40
YEAR_START = dt.date(2026, 1, 1)
KINDS = ["deduction"] * 8 + ["bonus", "highlight"]


def dataset_build(*, findings: int = 1_000_000, seed: int = 7) -> list[Organisation]:
    """Create the organisations and their findings unless they exist; returns the organisations."""
    with scopes_disabled():
        existing = list(Organisation.objects.filter(slug__startswith="bench-").order_by("slug"))
        if (
            len(existing) == ORGANISATIONS
            and Finding.objects.filter(organisation__in=existing).count() >= findings
        ):
            return existing
        generator = random.Random(seed)  # noqa: S311 - benchmark data
        started = time.perf_counter()
        organisations, rows_by_org = [], []
        for number in range(ORGANISATIONS):
            organisation, shape = _organisation(number)
            organisations.append(organisation)
            rows_by_org.append(shape)
        per_org = findings // ORGANISATIONS
        for organisation, shape in zip(organisations, rows_by_org, strict=True):
            _findings_write(organisation, shape, per_org, generator)
        print(f"data set: {findings:,} findings in {time.perf_counter() - started:.0f} s")
        return organisations


def inspector_with_token(organisation, username: str) -> tuple[User, str]:
    """An inspector of the organisation, as on a phone, and a new API token of theirs."""
    with scopes_disabled():
        user, _created = User.objects.get_or_create(username=username)
        person, _created = Person.objects.get_or_create(
            organisation=organisation, user=user, defaults={"name": "检查员"}
        )
        Membership.objects.get_or_create(
            organisation=organisation, person=person, role=Role.INSPECTOR
        )
    _token, raw = api_token_create(user=user, name="bench")
    return user, raw


def _organisation(number: int):
    return organisation_shaped(slug=f"bench-{number:02d}", name=f"基准测试单位{number:02d}")


def organisation_shaped(*, slug: str, name: str):
    """The organisation with its site, locations, units, holders and standard (made once), and
    none of its findings; returns it and its shape (locations, holders, items)."""
    organisation = Organisation.objects.filter(slug=slug).first() or organisation_create(
        slug=slug, name=name
    )
    Finding.objects.filter(organisation=organisation).delete()
    site, _ = Site.objects.get_or_create(organisation=organisation, code="main", name="主院区")
    area_types = list(AreaType.objects.filter(organisation=organisation).order_by("sort_order"))[:4]
    if not Location.objects.filter(organisation=organisation).exists():
        Location.objects.bulk_create(
            Location(
                organisation=organisation,
                site=site,
                code=f"L{index:04d}",
                name=f"位置{index}",
                area_type=area_types[index % len(area_types)],
                path=f"/{index:08d}/",
            )
            for index in range(LOCATIONS_PER_ORGANISATION)
        )
        Unit.objects.bulk_create(
            Unit(organisation=organisation, code=f"U{index:03d}", name=f"单位{index}", kind="class")
            for index in range(UNITS_PER_ORGANISATION)
        )
        locations = list(Location.objects.filter(organisation=organisation).order_by("code"))
        units = list(Unit.objects.filter(organisation=organisation).order_by("code"))
        Assignment.objects.bulk_create(
            Assignment(
                organisation=organisation,
                location=location,
                unit=units[index % len(units)],
                starts_on=YEAR_START,
            )
            for index, location in enumerate(locations)
        )
        standard = Standard.objects.create(organisation=organisation, code="STD", name="标准")
        standard.area_types.set(area_types)
        version = StandardVersion.objects.create(
            organisation=organisation, standard=standard, number=1
        )
        StandardItem.objects.bulk_create(
            StandardItem(
                organisation=organisation,
                version=version,
                section="检查",
                text=f"检查项{index}",
                kind="bonus" if index == 9 else "deduction",
                points=Decimal(2 if index < 9 else 5),
                cap=Decimal(10) if index % 3 == 0 else None,
                sort_order=index,
            )
            for index in range(10)
        )
    locations = list(
        Location.objects.filter(organisation=organisation).values_list("pk", "area_type_id")
    )
    holders = dict(
        Assignment.objects.filter(organisation=organisation).values_list("location_id", "unit_id")
    )
    items = list(
        StandardItem.objects.filter(organisation=organisation).values_list("pk", "kind", "points")
    )
    return organisation, (locations, holders, items)


def _findings_write(organisation, shape, count: int, generator) -> None:
    locations, holders, items = shape
    now = timezone.now()
    zone = timezone.get_current_timezone()
    columns = [
        "organisation_id", "location_id", "area_type_id", "unit_id", "unit_reason", "item_id",
        "kind", "points", "note", "observed_at", "date", "week_key", "month_key", "year",
        "created_at", "updated_at",
    ]  # fmt: skip
    rows = []
    for _index in range(count):
        location_id, area_type_id = generator.choice(locations)
        day = YEAR_START + dt.timedelta(days=generator.randrange(365))
        moment = dt.datetime.combine(day, dt.time(generator.randrange(7, 20), 30), tzinfo=zone)
        item_id, kind, points = generator.choice(items)
        if generator.random() < 0.05:
            item_id, kind, points = None, "highlight", Decimal(0)
        rows.append(
            (
                organisation.pk,
                location_id,
                area_type_id,
                holders.get(location_id),
                "",
                item_id,
                kind,
                points,
                "",
                moment,
                day,
                week_key(day),
                month_key(day),
                day.year,
                now,
                now,
            )  # fmt: skip
        )
    table = Finding._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            for row in rows:
                buffer.write(
                    "\t".join(r"\N" if value is None else str(value) for value in row) + "\n"
                )
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                copy.write(buffer.getvalue())
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",  # noqa: S608
                [
                    tuple(
                        value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
                        if isinstance(value, dt.datetime)
                        else str(value) if isinstance(value, Decimal | dt.date)
                        else value
                        for value in row
                    )
                    for row in rows
                ],
            )  # fmt: skip
