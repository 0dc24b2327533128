"""The demo's year of inspections: standards, schedules, checks, findings, photos, red flags.

Generated with a fixed seed and bulk inserts, so every run builds the same year in a few seconds.
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
    Schedule,
)
from baozhang.inspections.schedules import expected_checks_ensure
from baozhang.inspections.selectors import board_policy
from baozhang.inspections.services import red_flags_award_closed_weeks
from baozhang.orgs.models import AreaType, Assignment, Organisation, Person, Role
from baozhang.standards.models import Standard
from baozhang.standards.services import ItemInput, standard_save_items

D = Decimal
STANDARDS = {
    "college": [
        (
            "SS",
            "学生宿舍卫生检查标准",
            ["宿舍"],
            [
                ("地面", "地面有垃圾、纸屑", "deduction", D(2), D(6)),
                ("地面", "地面有积水", "deduction", D(1), None),
                ("内务", "被褥未叠放整齐", "deduction", D(2), None),
                ("内务", "物品摆放", "scored", D(5), None),
                ("门窗", "门窗玻璃不洁", "deduction", D(1), None),
                ("红线", "使用违章电器", "red_line", D(20), None),
                ("加分", "主动打扫楼道公共区域", "bonus", D(5), D(10)),
            ],
        ),
        (
            "JS",
            "教室卫生检查标准",
            ["教室"],
            [
                ("讲台", "黑板未擦净", "deduction", D(2), None),
                ("讲台", "讲台杂乱", "deduction", D(1), None),
                ("地面", "地面有垃圾", "deduction", D(2), D(6)),
                ("桌椅", "桌椅摆放不齐", "deduction", D(1), None),
                ("加分", "打扫阶梯教室", "bonus", D(10), None),
                ("加分", "打扫微格教室", "bonus", D(20), None),
            ],
        ),
        (
            "WSQ",
            "室外卫生区检查标准",
            ["卫生区"],
            [
                ("环境", "有白色垃圾", "deduction", D(2), D(8)),
                ("环境", "落叶未清扫", "deduction", D(1), None),
                ("设施", "垃圾桶满溢", "deduction", D(2), None),
                ("加分", "主动清扫积雪", "bonus", D(5), None),
            ],
        ),
    ],
    "hospital": [
        (
            "BQ",
            "病区及公共区域保洁标准",
            ["病区", "门诊", "卫生间", "卫生区"],
            [
                ("地面", "地面不洁、有污渍", "deduction", D(2), D(8)),
                ("卫生间", "卫生间有异味", "deduction", D(2), None),
                ("垃圾", "生活垃圾未及时清运", "deduction", D(2), None),
                ("物品", "物品摆放", "scored", D(5), None),
                ("红线", "医疗废物与生活垃圾混放", "red_line", D(10), None),
                ("加分", "获患者书面表扬", "bonus", D(5), None),
            ],
        ),
        (
            "ST",
            "食堂卫生检查标准",
            ["食堂", "储存室"],
            [
                ("加工", "生熟未分开", "deduction", D(3), None),
                ("环境", "操作台面不洁", "deduction", D(2), None),
                ("储存", "食品离地离墙不足", "deduction", D(2), None),
                ("红线", "使用过期食品原料", "red_line", D(20), None),
            ],
        ),
    ],
}
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


def build_inspections(organisation: Organisation, *, days: int = 365) -> None:
    """Create the organisation's standards, schedules and a year of checks up to yesterday."""
    generator = random.Random(f"baozhang-demo-{organisation.slug}")  # noqa: S311 - demo data
    area_types = {area.name: area for area in AreaType.objects.filter(organisation=organisation)}
    versions = {}
    for code, name, areas, items in STANDARDS[organisation.slug]:
        standard = Standard.objects.create(organisation=organisation, code=code, name=name)
        standard.area_types.set([area_types[area] for area in areas])
        versions[code] = standard_save_items(
            standard=standard,
            by=None,
            items=[
                ItemInput(section, text, kind, points, cap)
                for section, text, kind, points, cap in items
            ],
        )
    inspectors = list(
        Person.objects.filter(
            organisation=organisation,
            memberships__role__in=[Role.INSPECTOR, Role.PATROL_LEADER, Role.ADMIN],
        ).distinct()
    )
    today = timezone.localdate()
    start, end = today - dt.timedelta(days=days), today - dt.timedelta(days=1)
    schedules = []
    for name, code, kind, level, times, weekdays, areas in SCHEDULES[organisation.slug]:
        schedule = Schedule.objects.create(
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
        schedule.area_types.set([area_types[area] for area in areas])
        schedule.assignees.set(inspectors[:2])
        expected_checks_ensure(schedule=schedule, start=start, end=today + dt.timedelta(days=7))
        schedules.append(schedule)
    _history(organisation, generator, schedules, versions, inspectors, end)
    policy = board_policy(organisation=organisation)
    policy.red_flag_scope = "area_type" if organisation.slug == "college" else "overall"
    policy.red_flags_per_week = 1 if organisation.slug == "college" else 2
    board_enable(policy=policy, enabled=True)
    red_flags_award_closed_weeks(organisation=organisation, weeks_back=days // 7 + 1)


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


def _history(organisation, generator, schedules, versions, inspectors, end) -> None:
    holders = _holders(organisation)
    # Some units keep their places cleaner than others: the ranking has a shape.
    care = {}
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
        done_at = check.due_at + dt.timedelta(minutes=generator.randint(0, 40))
        day = timezone.localdate(done_at)
        unit_id = _holder(holders, check.location_id, day)
        care.setdefault(unit_id, generator.uniform(0.03, 0.22))
        chosen = []
        items = items_by_version[code]
        problems = [i for i in items if i.kind in ("deduction", "scored")]
        while generator.random() < care[unit_id] and len(chosen) < 3:
            chosen.append((generator.choice(problems), generator.choice(NOTES)))
        red_lines = [i for i in items if i.kind == "red_line"]
        if red_lines and generator.random() < 0.003:
            chosen.append((red_lines[0], "当场查获"))
        bonuses = [i for i in items if i.kind == "bonus"]
        if bonuses and generator.random() < 0.02:
            chosen.append((generator.choice(bonuses), ""))
        highlight = generator.choice(HIGHLIGHTS) if generator.random() < 0.03 else None
        inspection = Inspection(
            organisation=organisation,
            location=check.location,
            standard_version=versions[code],
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
        for item, note in chosen:
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
            base=versions[code].base_score,
            floor=versions[code].floor_score,
        ).score
        inspection.is_failed = any(kind == "red_line" for _i, kind, _p, _n in findings)
        inspections.append(inspection)
        planned.append((unit_id, findings))
    Inspection.objects.bulk_create(inspections, batch_size=500)
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
