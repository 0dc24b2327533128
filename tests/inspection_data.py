"""Shared data of the inspection tests: the college's dorm 5413 changing class mid-week."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from baozhang.inspections.models import Finding, Inspection
from baozhang.inspections.services import inspection_submit
from baozhang.standards.models import Standard
from baozhang.standards.services import ItemInput, standard_save_items
from tests.factories import (
    AreaTypeFactory,
    AssignmentFactory,
    LocationFactory,
    SiteFactory,
    UnitFactory,
)

TZ = timezone.get_default_timezone()


def at(day: str, clock: str = "10:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=TZ)


def dorm_standard(organisation, area_type, *items: ItemInput, name="宿舍卫生标准"):
    """A standard for the area type with the given items; returns its first version."""
    with scopes_disabled():
        standard = Standard.objects.create(organisation=organisation, code="SS", name=name)
        standard.area_types.add(area_type)
    with scope(organisation=organisation):
        return standard_save_items(standard=standard, by=None, items=list(items))


def class_takes_over(organisation, location, first, second):
    """First holds the location from 2026-09-01 to Wednesday 2026-11-18, second from Thursday."""
    with scopes_disabled():
        AssignmentFactory(
            organisation=organisation,
            location=location,
            unit=first,
            starts_on=dt.date(2026, 9, 1),
            ends_on=dt.date(2026, 11, 18),
        )
        AssignmentFactory(
            organisation=organisation,
            location=location,
            unit=second,
            starts_on=dt.date(2026, 11, 19),
        )


@pytest.fixture
def dorms(college):
    """Class 0852 holds dorm 5413 until Wednesday 2026-11-18; class 1151 from Thursday."""
    with scopes_disabled():
        site = SiteFactory(organisation=college, code="main")
        dorm = AreaTypeFactory(organisation=college, code="dorm", name="宿舍")
        room = LocationFactory(organisation=college, site=site, code="5413", area_type=dorm)
        first = UnitFactory(organisation=college, code="0852", name="0852班")
        second = UnitFactory(organisation=college, code="1151", name="1151班")
    class_takes_over(college, room, first, second)
    version = dorm_standard(
        college,
        dorm,
        ItemInput("地面", "地面有垃圾", "deduction", Decimal(2), cap=Decimal(6)),
        ItemInput("内务", "被褥叠放", "scored", Decimal(5)),
        ItemInput("加分", "打扫阶梯教室", "bonus", Decimal(10)),
        ItemInput("红线", "使用违章电器", "red_line", Decimal(20)),
    )
    with scope(organisation=college):
        items = {item.text: item for item in version.items.all()}
        yield {
            "org": college,
            "room": room,
            "first": first,
            "second": second,
            "standard": version.standard,
            "version": version,
            "items": items,
        }


def submit(data, day, *findings, client_id=None, submit_with=inspection_submit, **extra):
    return submit_with(
        location=data["room"],
        version=data["version"],
        findings=list(findings),
        client_id=client_id,
        done_at=at(day),
        **extra,
    )


def rooms(organisation, code="5413"):
    """A dorm room with a standard, held by class 0852 from September and 1151 from 2026-11-19."""
    with scopes_disabled():
        dorm = AreaTypeFactory(organisation=organisation, code="dorm", name="宿舍")
        room = LocationFactory(
            organisation=organisation, site=SiteFactory(organisation=organisation), code=code,
            area_type=dorm,
        )  # fmt: skip
        first = UnitFactory(organisation=organisation, code="0852", name="0852班")
        second = UnitFactory(organisation=organisation, code="1151", name="1151班")
        AssignmentFactory(
            organisation=organisation, location=room, unit=first,
            starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2026, 11, 18),
        )  # fmt: skip
        AssignmentFactory(
            organisation=organisation, location=room, unit=second, starts_on=dt.date(2026, 11, 19)
        )
    version = dorm_standard(
        organisation, dorm, ItemInput("地面", "地面有垃圾", "deduction", Decimal(2))
    )
    return room, first, second, version


def inspection_of(organisation, location, version) -> Inspection:
    """A new check of the location on 2026-11-20 at 07:30, not stored."""
    return Inspection(
        organisation=organisation, location=location, standard_version=version,
        level="department", done_at=at("2026-11-20", "07:30"), score=100,
        date=dt.date(2026, 11, 20), week_key="2026-W47", month_key="2026-11",
    )  # fmt: skip


def findings_of(inspection, location, count, unit=None):
    """Count new findings of the check, every other one of the unit, with awkward notes."""
    return [
        Finding(
            organisation_id=inspection.organisation_id,
            inspection=inspection,
            location=location,
            area_type_id=location.area_type_id,
            unit=unit if index % 2 else None,
            unit_reason="",
            item=None,
            kind="highlight" if index % 3 == 0 else "deduction",
            points=Decimal(index % 7) / 2,
            note=f"第 {index} 条 ' \" \\ %s",
            observed_at=at("2026-11-20", "07:30"),
            date=dt.date(2026, 11, 20),
            week_key="2026-W47",
            month_key="2026-11",
            year=2026,
        )
        for index in range(count)
    ]
