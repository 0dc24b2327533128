"""The demo's year of inspections: schedules, checks, findings, photos, red flags.

Generated with a fixed seed, so every run builds the same year.
"""

import datetime as dt
import io
import random
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from baozhang.core.periods import month_key, week_key
from baozhang.inspections import scoring
from baozhang.inspections.board import board_enable
from baozhang.inspections.models import (
    ExpectedCheck,
    Finding,
    FindingPhoto,
    Inspection,
    RedFlagTie,
    Schedule,
)
from baozhang.inspections.schedules import expected_checks_ensure
from baozhang.inspections.selectors import board_policy
from baozhang.inspections.services import red_flag_tie_decide, red_flags_award_closed_weeks
from baozhang.orgs.models import AreaType, Assignment, Organisation, Person, Role
from baozhang.orgs.services import record_save
from baozhang.standards.models import StandardVersion

D = Decimal
SCHEDULES = {
    "college": [
        ("宿舍早检", "SS", "daily", "department", ["07:30"], [1, 2, 3, 4, 5], ["宿舍"]),
        ("卫生区午检", "WSQ", "daily", "department", ["13:30"], [1, 2, 3, 4, 5], ["卫生区"]),
        ("教室晚检", "JS", "daily", "self_check", ["19:20"], [1, 2, 3, 4, 5], ["教室"]),
        ("每周大扫除检查", "SS", "weekly", "organisation", ["15:00"], [3], ["宿舍"]),
    ],
    "hospital": [
        ("病区日常巡查", "BQ", "daily", "department", ["09:00"], [1, 2, 3, 4, 5], ["病区"]),
        ("公共区域巡查", "BQ", "daily", "department", ["14:00"], [], ["门诊", "卫生间"]),
        ("院领导专项巡查", "BQ", "patrol", "leader", ["10:00"], [5], ["病区", "门诊"]),
        ("食堂检查", "ST", "weekly", "department", ["11:00"], [2, 4], ["食堂", "储存室"]),
    ],
}
NOTES = ["门后角落", "窗台", "床下", "靠窗一侧", "走廊尽头", "水池边", "进门处"]
HIGHLIGHTS = ["物品摆放整齐划一", "主动清理公共区域", "窗明几净", "垃圾分类到位"]


def _photo(text: str, colour: str) -> ContentFile:
    image = Image.new("RGB", (480, 360), colour)
    ImageDraw.Draw(image).text((20, 20), text, fill="white")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return ContentFile(buffer.getvalue(), name="demo.jpg")


def inspections_build(
    organisation: Organisation, *, versions: dict[str, StandardVersion], days: int = 365
) -> None:
    """Schedule checks against the organisation's standards and do them for a year up to
    yesterday; the notice board shows the red flags of the weeks that ended."""
    generator = random.Random(f"baozhang-demo-{organisation.slug}")  # noqa: S311 - demo data
    inspectors = list(
        Person.objects.filter(
            organisation=organisation,
            memberships__role__in=[Role.INSPECTOR, Role.PATROL_LEADER, Role.ADMIN],
        ).distinct()
    )
    today = timezone.localdate()
    start, end = today - dt.timedelta(days=days), today - dt.timedelta(days=1)
    _schedules(organisation, versions, inspectors, start, today + dt.timedelta(days=7))
    _history(organisation, generator, versions, inspectors, end)
    policy = board_policy(organisation=organisation)
    policy.red_flag_scope = "area_type" if organisation.slug == "college" else "overall"
    policy.red_flags_per_week = 1 if organisation.slug == "college" else 2
    board_enable(policy=policy, enabled=True)
    red_flags_award_closed_weeks(organisation=organisation, weeks_back=days // 7 + 1)
    _ties_decided(organisation, generator, before=week_key(today - dt.timedelta(days=7)))


def _ties_decided(organisation, generator, *, before: str) -> None:
    """The admin chose among the units tied for red flags in the weeks before ``before``; the
    last week's ties wait on the red-flag page, as they would on a Monday morning."""
    admin = (
        Person.objects.filter(organisation=organisation, memberships__role=Role.ADMIN)
        .exclude(user=None)
        .first()
    )
    ties = RedFlagTie.objects.filter(
        organisation=organisation, decided_at=None, week_key__lt=before
    ).prefetch_related("units")
    for tie in ties:
        units = sorted(tie.units.all(), key=lambda unit: unit.code)
        chosen = generator.sample(units, k=min(tie.seats, len(units)))
        red_flag_tie_decide(tie=tie, units=chosen, user=admin.user if admin else None)


def _schedules(organisation, versions, inspectors, start, until) -> None:
    area_types = {area.name: area for area in AreaType.objects.filter(organisation=organisation)}
    for name, code, kind, level, times, weekdays, areas in SCHEDULES[organisation.slug]:
        schedule = Schedule(
            organisation=organisation,
            name=name,
            standard=versions[code].standard,
            kind=kind,
            level=level,
            times=times,
            weekdays=weekdays,
            starts_on=start,
            window_minutes=120,
        )
        record_save(record=schedule, by=None)
        # The demo's schedules have run since ``start``: created then, they planned its checks.
        schedule.created_at = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
        Schedule.objects.filter(pk=schedule.pk).update(created_at=schedule.created_at)
        schedule.area_types.set([area_types[area] for area in areas])
        schedule.assignees.set(inspectors[:2])
        expected_checks_ensure(schedule=schedule, start=start, end=until)


def _holders(organisation):
    rows = Assignment.objects.filter(organisation=organisation).values(
        "location_id", "unit_id", "starts_on", "ends_on"
    )
    holders: dict[int, list] = {}
    for row in rows:
        holders.setdefault(row["location_id"], []).append(row)
    return holders


def _holder(holders, location_id, day):
    for row in holders.get(location_id, []):
        if row["starts_on"] <= day and (row["ends_on"] is None or row["ends_on"] >= day):
            return row["unit_id"]
    return None


def _history(organisation, generator, versions, inspectors, end) -> None:
    holders = _holders(organisation)
    # Some units keep their places cleaner than others: the ranking has a shape.
    care: dict[int | None, float] = {}
    expected = list(
        ExpectedCheck.objects.filter(organisation=organisation, due_at__date__lte=end)
        .select_related("schedule", "location")
        .order_by("due_at")
    )
    items_by_version = {code: list(v.items.all()) for code, v in versions.items()}
    code_of = {version.standard_id: code for code, version in versions.items()}
    inspections, planned = [], []
    for check in expected:
        if generator.random() < 0.04:
            continue  # missed
        code = code_of[check.schedule.standard_id]
        inspection, unit_id, findings = _check(
            organisation,
            generator,
            check,
            versions[code],
            items_by_version[code],
            inspectors,
            care=care,
            holders=holders,
        )
        inspections.append(inspection)
        planned.append((unit_id, findings))
    # A year of checks is some 13,000 inspections: one by one through inspection_submit (a
    # transaction, its reads and audit rows each) the demo would take minutes, so the rows are made
    # here, scored by the same scoring module, and inserted in bulk.
    Inspection.objects.bulk_create(inspections, batch_size=500)
    rows = _finding_rows(organisation, inspections, planned)
    Finding.objects.bulk_create(rows, batch_size=500)
    recent = [row for row in rows if row.kind != "highlight"][-4:]
    for index, finding in enumerate(recent):
        FindingPhoto.objects.create(
            organisation=organisation,
            finding=finding,
            image=_photo(
                f"{finding.location.code} {finding.date}", ["#8a5a44", "#44728a"][index % 2]
            ),
        )


def _noted(generator, items, care: float) -> list[tuple]:
    """What an inspector notes at one check (item, note): problems as often as the unit's care
    lets them happen, now and then a red line or a bonus."""
    noted = []
    problems = [i for i in items if i.kind in ("deduction", "scored")]
    while generator.random() < care and len(noted) < 3:
        noted.append((generator.choice(problems), generator.choice(NOTES)))
    red_lines = [i for i in items if i.kind == "red_line"]
    if red_lines and generator.random() < 0.003:
        noted.append((red_lines[0], "当场查获"))
    bonuses = [i for i in items if i.kind == "bonus"]
    if bonuses and generator.random() < 0.02:
        noted.append((generator.choice(bonuses), ""))
    return noted


def _check(organisation, generator, check, version, items, inspectors, *, care, holders):
    """The expected check done: its inspection, the unit holding the place, and the findings
    (item, kind, points, note)."""
    done_at = check.due_at + dt.timedelta(minutes=generator.randint(0, 40))
    day = timezone.localdate(done_at)
    unit_id = _holder(holders, check.location_id, day)
    # Drawn at every check and kept at the unit's first: the seeded year depends on the draws.
    drawn = generator.uniform(0.03, 0.22)
    noted = _noted(generator, items, care.setdefault(unit_id, drawn))
    highlight = generator.choice(HIGHLIGHTS) if generator.random() < 0.03 else None
    inspection = Inspection(
        organisation=organisation,
        location=check.location,
        standard_version=version,
        schedule=check.schedule,
        expected=check,
        level=check.schedule.level,
        inspector=generator.choice(inspectors) if inspectors else None,
        done_at=done_at,
        date=day,
        week_key=week_key(day),
        month_key=month_key(day),
        score=D(0),
    )
    findings = []
    for item, note in noted:
        points = item.points
        if item.kind == "scored":
            points = D(generator.randint(1, int(item.points)))
        findings.append((item, item.kind, points, note))
    if highlight:
        findings.append((None, "highlight", D(0), highlight))
    inspection.score = scoring.check_score(
        [
            scoring.ScoredFinding(
                item=str(item.pk) if item else "free", kind=kind, points=points, cap=None
            )
            for item, kind, points, _note in findings
        ],
        base=version.base_score,
        floor=version.floor_score,
    ).score
    inspection.is_failed = any(kind == "red_line" for _i, kind, _p, _n in findings)
    return inspection, unit_id, findings


def _finding_rows(organisation, inspections, planned) -> list[Finding]:
    rows = []
    for inspection, (unit_id, findings) in zip(inspections, planned, strict=True):
        for item, kind, points, note in findings:
            rows.append(
                Finding(
                    organisation=organisation,
                    inspection=inspection,
                    location=inspection.location,
                    area_type_id=inspection.location.area_type_id,
                    unit_id=unit_id,
                    item=item,
                    kind=kind,
                    points=points,
                    note=note,
                    inspector=inspection.inspector,
                    observed_at=inspection.done_at,
                    date=inspection.date,
                    week_key=inspection.week_key,
                    month_key=inspection.month_key,
                    year=inspection.date.year,
                )
            )
    return rows
