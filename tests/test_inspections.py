"""Submitting checks, attribution to units, expected and missed checks, rankings and red flags."""

import datetime as dt
import io
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from PIL import Image

from baozhang.core.periods import period_parse
from baozhang.inspections.models import ExpectedCheck, Finding, Inspection, RedFlag, Schedule
from baozhang.inspections.planned_checks import checks_missed
from baozhang.inspections.schedules import expected_checks_ensure
from baozhang.inspections.selectors import (
    board_policy,
    unit_ranking,
    unit_rankings_by_area_type,
    unit_standings,
)
from baozhang.inspections.services import FindingInput, inspection_submit, red_flags_award
from tests.factories import (
    AreaTypeFactory,
    AssignmentFactory,
    LocationFactory,
    UnitFactory,
    schedule_created,
)
from tests.inspection_data import at, submit

pytestmark = pytest.mark.django_db


def photo_upload(name="before.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def test_finding_goes_to_the_unit_that_held_the_location_that_day(dorms):
    rubbish = dorms["items"]["地面有垃圾"].pk
    with scope(organisation=dorms["org"]):
        submit(dorms, "2026-11-17", FindingInput(item_id=rubbish, note="门后有垃圾"))
        submit(dorms, "2026-11-20", FindingInput(item_id=rubbish))
        units = list(Finding.objects.order_by("date").values_list("unit__code", flat=True))
    assert units == ["0852", "1151"]


def test_the_same_check_sent_twice_is_stored_once(dorms):
    client_id = uuid.uuid4()
    item = FindingInput(item_id=dorms["items"]["地面有垃圾"].pk, photos=[photo_upload()])
    with scope(organisation=dorms["org"]):
        first, created = submit(dorms, "2026-11-17", item, client_id=client_id)
        again, created_again = submit(
            dorms,
            "2026-11-17",
            FindingInput(item_id=dorms["items"]["地面有垃圾"].pk, photos=[photo_upload()]),
            client_id=client_id,
        )
        assert (created, created_again) == (True, False)
        assert again.pk == first.pk
        assert Inspection.objects.count() == 1
        assert Finding.objects.count() == 1
        assert Finding.objects.get().photos.count() == 1
        assert first.score == Decimal("98.0")
        assert first.week_key == "2026-W47" and first.month_key == "2026-11"


def test_a_submitted_check_and_its_findings_are_in_the_audit_trail(dorms, alice):
    items = dorms["items"]
    with scope(organisation=dorms["org"]):
        inspection, _created = submit(
            dorms,
            "2026-11-17",
            FindingInput(item_id=items["地面有垃圾"].pk, note="门后有垃圾"),
            FindingInput(item_id=items["被褥叠放"].pk, points=Decimal("2.5")),
            submitted_by=alice,
        )
        findings = list(Finding.objects.order_by("pk"))
        for record in [inspection, *findings]:
            (row,) = record.history.all()  # exactly one row: created
            assert row.history_type == "+"
            assert row.history_user == alice
            assert abs(row.history_date - timezone.now()) < dt.timedelta(minutes=1)
            for field in record._meta.concrete_fields:
                assert getattr(row, field.attname) == getattr(record, field.attname), field.name
        assert [row.note for row in Finding.history.order_by("id")] == ["门后有垃圾", ""]
        # Later changes are recorded as usual, on the saved instance too.
        inspection.note = "复查"
        inspection.save()
        assert [row.history_type for row in inspection.history.order_by("history_id")] == [
            "+",
            "~",
        ]


def test_another_unit_needs_a_reason_and_one_bad_finding_stores_nothing(dorms):
    rubbish = dorms["items"]["地面有垃圾"].pk
    with scope(organisation=dorms["org"]):
        with pytest.raises(ValidationError) as refused:
            submit(
                dorms,
                "2026-11-17",
                FindingInput(item_id=rubbish),
                FindingInput(item_id=rubbish, unit=dorms["second"]),
            )
        assert "Finding 2" in str(refused.value) or "第 2" in str(refused.value)
        assert not Inspection.objects.exists() and not Finding.objects.exists()
        submit(
            dorms,
            "2026-11-17",
            FindingInput(item_id=rubbish, unit=dorms["second"], unit_reason="借用宿舍"),
        )
        finding = Finding.objects.get()
        assert (finding.unit.code, finding.unit_reason) == ("1151", "借用宿舍")


def test_scored_item_points_are_limited_and_a_file_that_is_no_photo_is_refused(dorms):
    bedding = dorms["items"]["被褥叠放"].pk
    with scope(organisation=dorms["org"]):
        with pytest.raises(ValidationError):
            submit(dorms, "2026-11-17", FindingInput(item_id=bedding, points=Decimal(6)))
        fake = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
        with pytest.raises(ValidationError):
            submit(dorms, "2026-11-17", FindingInput(item_id=bedding, photos=[fake]))
        inspection, _ = submit(
            dorms, "2026-11-17", FindingInput(item_id=bedding, points=Decimal(3))
        )
        assert inspection.score == Decimal("97.0")
        assert not Finding.objects.exclude(inspection=inspection).exists()


def test_ranking_applies_caps_bonuses_and_ties(dorms):
    items = dorms["items"]
    rubbish, bonus = items["地面有垃圾"].pk, items["打扫阶梯教室"].pk
    with scope(organisation=dorms["org"]):
        for day in ("2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"):
            submit(dorms, day, FindingInput(item_id=rubbish))  # 4 × −2, capped at −6
        submit(dorms, "2026-11-20", FindingInput(item_id=bonus))  # +10 for 1151
        rows = unit_ranking(organisation=dorms["org"], period=period_parse("2026-11"))
    assert [(row.unit.code, row.rank, row.score) for row in rows] == [
        ("1151", 1, Decimal("110.0")),
        ("0852", 2, Decimal("94.0")),
    ]
    # The row shows the points as recorded; the score applied the cap, and says so.
    assert rows[1].deductions == Decimal("8.0") and rows[1].findings == 4 and rows[1].capped
    with scopes_disabled():
        other_room = LocationFactory(organisation=dorms["org"], site=dorms["room"].site)
        AssignmentFactory(
            organisation=dorms["org"],
            location=other_room,
            unit=dorms["second"],
            starts_on=dt.date(2026, 9, 1),
        )
    with scope(organisation=dorms["org"]):
        september = unit_standings(organisation=dorms["org"], period=period_parse("2026-09"))
    # Nobody was checked in September: no unit is ranked or scored, both are listed apart.
    assert september.ranked == []
    assert [(row.unit.code, row.rank, row.score, row.checked) for row in september.unchecked] == [
        ("0852", None, None, False),
        ("1151", None, None, False),
    ]


def test_every_area_types_ranking_at_once_is_each_area_types_ranking(dorms):
    """The bulletin ranks all its area types in three queries: the same rankings as one by one,
    with caps, a red line, bonuses, highlights, a finding of another unit, a finding of nobody,
    a unit that no longer takes part and an area type nobody was found in."""
    org, items = dorms["org"], dorms["items"]
    with scopes_disabled():
        site = dorms["room"].site
        classroom = AreaTypeFactory(organisation=org, code="class", name="教室")
        AreaTypeFactory(organisation=org, code="empty", name="空区域")
        hall = LocationFactory(organisation=org, site=site, code="101", area_type=classroom)
        unheld = LocationFactory(organisation=org, site=site, code="102", area_type=classroom)
        gone = UnitFactory(organisation=org, code="0001", name="已撤销班", is_active=False)
        AssignmentFactory(organisation=org, location=hall, unit=dorms["second"])
        AssignmentFactory(
            organisation=org,
            location=LocationFactory(organisation=org, site=site, area_type=classroom),
            unit=gone,
        )
    rubbish, red_line = items["地面有垃圾"].pk, items["使用违章电器"].pk
    with scope(organisation=org):
        for day in ("2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19"):
            submit(dorms, day, FindingInput(item_id=rubbish))
        submit(dorms, "2026-11-20", FindingInput(item_id=items["打扫阶梯教室"].pk))
        submit(dorms, "2026-11-20", FindingInput(kind="highlight", note="整洁"))
        for location, findings in (
            (hall, [FindingInput(item_id=red_line)]),
            (hall, [FindingInput(item_id=rubbish, unit=dorms["first"], unit_reason="借用")]),
            (unheld, [FindingInput(item_id=items["被褥叠放"].pk, points=Decimal(2))]),
        ):
            inspection_submit(
                location=location,
                version=dorms["version"],
                findings=findings,
                done_at=at("2026-11-19"),
            )
        for label in ("2026-W47", "2026-11", "2026-09"):
            period = period_parse(label)
            at_once = unit_rankings_by_area_type(organisation=org, period=period)
            one_by_one = {
                area_type: unit_ranking(organisation=org, period=period, area_type_id=area_type)
                for area_type in at_once
            }
            assert {k: v.ranked for k, v in at_once.items()} == one_by_one, label
        assert set(at_once) == {dorms["room"].area_type_id, classroom.pk}
        november = unit_rankings_by_area_type(organisation=org, period=period_parse("2026-11"))
    assert [(row.unit.code, row.score, row.red_lines) for row in november[classroom.pk].ranked] == [
        ("0852", Decimal("98.0"), 0),
        ("1151", Decimal("80.0"), 1),
    ]


def test_red_flag_goes_to_the_best_unit_after_the_week_ends(dorms):
    rubbish = dorms["items"]["地面有垃圾"].pk
    with scope(organisation=dorms["org"]):
        submit(dorms, "2026-11-10", FindingInput(item_id=rubbish))  # 0852 loses 2 in W46
        flags = red_flags_award(organisation=dorms["org"], week="2026-W46")
        # Only 0852 held a location that week (1151 takes the room over on the 19th).
        assert [(flag.unit.code, flag.rank, flag.score) for flag in flags] == [
            ("0852", 1, Decimal("98.0"))
        ]
        again = red_flags_award(organisation=dorms["org"], week="2026-W46")
        assert len(again) == len(flags)
        assert RedFlag.objects.count() == len(flags)
        this_week = timezone.localdate().isocalendar()
        with pytest.raises(ValidationError):
            red_flags_award(organisation=dorms["org"], week=f"{this_week[0]}-W{this_week[1]:02d}")


def test_red_flags_per_week_and_a_red_line_excludes_the_unit(dorms):
    items = dorms["items"]
    with scope(organisation=dorms["org"]):
        policy = board_policy(organisation=dorms["org"])
        policy.red_flags_per_week = 2
        policy.save()
        submit(dorms, "2026-11-10", FindingInput(item_id=items["使用违章电器"].pk))
        flags = red_flags_award(organisation=dorms["org"], week="2026-W46")
        assert "0852" not in {flag.unit.code for flag in flags}


def test_expected_checks_and_missed_checks(dorms):
    with scope(organisation=dorms["org"]):
        schedule = Schedule.objects.create(
            organisation=dorms["org"],
            name="宿舍早检",
            standard=dorms["standard"],
            kind="daily",
            times=["07:30", "13:30", "19:20"],
            starts_on=dt.date(2026, 11, 16),
            window_minutes=60,
        )
        schedule_created(schedule, at("2026-11-15", "12:00"))
        schedule.locations.add(dorms["room"])
        created = expected_checks_ensure(
            schedule=schedule, start=dt.date(2026, 11, 16), end=dt.date(2026, 11, 17)
        )
        assert created == 6
        assert (
            expected_checks_ensure(
                schedule=schedule, start=dt.date(2026, 11, 16), end=dt.date(2026, 11, 17)
            )
            == 0
        )
        inspection, _ = inspection_submit(
            location=dorms["room"],
            version=dorms["version"],
            findings=[],
            done_at=at("2026-11-16", "07:45"),
            schedule=schedule,
        )
        assert inspection.expected is not None
        assert inspection.expected.due_at == at("2026-11-16", "07:30")
        missed = checks_missed(
            organisation=dorms["org"],
            period=period_parse("2026-W47"),
            now=at("2026-11-17", "14:00"),
        )
        assert missed.count() == 3  # 13:30 and 19:20 on the 16th, 07:30 on the 17th
        assert ExpectedCheck.objects.count() == 6
