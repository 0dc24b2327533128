"""The demo: two organisations with realistic set-up data, built through the services.

Idempotent: an organisation that already exists is left as it is.
"""

import datetime as dt

from django.db import transaction
from django_scopes import scope, scopes_disabled

from baozhang.demo.inspections import build_inspections
from baozhang.demo.rectification import build_rectification
from baozhang.demo.reports import build_reports
from baozhang.orgs import services
from baozhang.orgs.models import AreaType, Location, Organisation, Person, Site, Unit, User
from baozhang.rectification.models import Task
from baozhang.reports.models import ReportSchedule
from baozhang.standards.models import Standard

DEMO_PASSWORD = "baozhang-demo"  # noqa: S105 - the published demo password


def _site(org, code, name, address=""):
    return services.record_save(
        record=Site(organisation=org, code=code, name=name, address=address), by=None
    )


def _location(org, site, code, name, kind, area=None, parent=None):
    area_type = AreaType.objects.get(organisation=org, name=area) if area else None
    location = Location(
        organisation=org,
        site=site,
        code=code,
        name=name,
        kind=kind,
        area_type=area_type,
        parent=parent,
    )
    return services.location_save(location=location, by=None)


def _unit(org, code, name, kind):
    return services.record_save(
        record=Unit(organisation=org, code=code, name=name, kind=kind), by=None
    )


def _assign(org, unit, location, starts_on, ends_on=None):
    from baozhang.orgs.models import Assignment

    assignment = Assignment(
        organisation=org, unit=unit, location=location, starts_on=starts_on, ends_on=ends_on
    )
    return services.assignment_save(assignment=assignment, by=None)


def _person(org, name, username, roles, unit=None, phone=""):
    person = Person.objects.filter(organisation=org, user__username=username).first() or Person(
        organisation=org
    )
    person.name, person.phone = name, phone
    with scopes_disabled():
        exists = User.objects.filter(username=username).exists()
    services.person_save(
        person=person,
        roles=roles,
        unit_id=unit.pk if unit else None,
        username=username,
        password="" if exists else DEMO_PASSWORD,
        by=None,
    )
    with scopes_disabled():
        user = User.objects.get(username=username)
    if not user.first_name:
        user.last_name, user.first_name = name[0], name[1:]
        user.save(update_fields=["first_name", "last_name"])
    return person


def _build_hospital() -> Organisation:
    org = services.organisation_create(slug="hospital", name="示例市第一人民医院", kind="hospital")
    with scope(organisation=org):
        main = _site(org, "main", "总院区", "示例市人民路1号")
        east = _site(org, "east", "东院区", "示例市东环路88号")
        outpatient = _location(org, main, "MZ", "门诊楼", "building")
        hall = _location(org, main, "MZ-1F-HALL", "门诊大厅", "area", "门诊", outpatient)
        mz1 = _location(org, main, "MZ-1F", "门诊楼一层", "floor", None, outpatient)
        toilet_mz = _location(org, main, "MZ-1F-WC", "门诊一层卫生间", "room", "卫生间", mz1)
        inpatient = _location(org, main, "ZY-A", "住院部A栋", "building")
        wards = {}
        for floor, ward_name in [
            (3, "心内科病区"),
            (4, "呼吸内科病区"),
            (5, "普外科病区"),
            (6, "骨科病区"),
        ]:
            floor_loc = _location(
                org, main, f"ZY-A-{floor}F", f"住院部A栋{floor}层", "floor", None, inpatient
            )
            wards[ward_name] = _location(
                org, main, f"ZY-A-{floor}F-W", ward_name, "area", "病区", floor_loc
            )
            _location(
                org, main, f"ZY-A-{floor}F-WC", f"A栋{floor}层卫生间", "room", "卫生间", floor_loc
            )
        logistics = _location(org, main, "HQ", "后勤楼", "building")
        canteen = _location(org, main, "HQ-1F-ST", "职工食堂", "room", "食堂", logistics)
        store = _location(org, main, "HQ-1F-CK", "食堂储存室", "room", "储存室", logistics)
        office = _location(org, main, "HQ-2F-BG", "总务科办公室", "room", "办公室", logistics)
        east_bld = _location(org, east, "DY-1", "东院区综合楼", "building")
        east_ward = _location(org, east, "DY-1-2F-W", "康复医学科病区", "area", "病区", east_bld)
        east_hall = _location(org, east, "DY-1-1F-HALL", "东院区门诊大厅", "area", "门诊", east_bld)
        east_wc = _location(org, east, "DY-1-1F-WC", "东院区一层卫生间", "room", "卫生间", east_bld)
        square = _location(org, main, "OUT-SQ", "门诊楼前广场", "area", "卫生区")

        units = {
            "NK": _unit(org, "NK", "心内科", "department"),
            "HX": _unit(org, "HX", "呼吸内科", "department"),
            "PW": _unit(org, "PW", "普外科", "department"),
            "GK": _unit(org, "GK", "骨科", "department"),
            "KF": _unit(org, "KF", "康复医学科", "department"),
            "MZB": _unit(org, "MZB", "门诊部", "department"),
            "ZWK": _unit(org, "ZWK", "总务科", "department"),
            "BJ1": _unit(org, "BJ1", "洁康保洁公司一组", "contractor_crew"),
            "BJ2": _unit(org, "BJ2", "洁康保洁公司二组", "contractor_crew"),
            "ST": _unit(org, "ST", "职工食堂承包方", "contractor_crew"),
            "WX": _unit(org, "WX", "维修班", "trade_team"),
        }
        start = dt.date(2026, 1, 1)
        for ward_name, code in [
            ("心内科病区", "NK"),
            ("呼吸内科病区", "HX"),
            ("普外科病区", "PW"),
            ("骨科病区", "GK"),
        ]:
            _assign(org, units[code], wards[ward_name], start)
        _assign(org, units["KF"], east_ward, start)
        _assign(org, units["MZB"], hall, start)
        _assign(org, units["BJ1"], toilet_mz, start)
        _assign(org, units["BJ1"], square, start)
        _assign(org, units["BJ2"], east_hall, start)
        _assign(org, units["BJ2"], east_wc, start)
        _assign(org, units["ST"], canteen, start)
        _assign(org, units["ST"], store, start)
        _assign(org, units["ZWK"], office, start)

        _person(org, "王建国", "hospital-admin", ["admin"], phone="13800000001")
        _person(org, "李芳", "hospital-inspector", ["inspector"], phone="13800000002")
        _person(org, "赵志强", "hospital-leader", ["patrol_leader"], phone="13800000003")
        _person(org, "陈静", "hospital-head", ["unit_head"], units["NK"], phone="13800000004")
        _person(
            org,
            "刘师傅",
            "hospital-electrician",
            ["tradesperson"],
            units["WX"],
            phone="13800000005",
        )
        _person(
            org,
            "孙丽",
            "hospital-contractor",
            ["contractor_manager"],
            units["BJ1"],
            phone="13800000006",
        )
        _person(org, "周敏", "hospital-viewer", ["viewer"], phone="13800000007")
    return org


def _build_college() -> Organisation:
    org = services.organisation_create(slug="college", name="示例职业技术学院", kind="school")
    with scope(organisation=org):
        main = _site(org, "main", "主校区", "示例市学府路9号")
        teaching = _location(org, main, "JXA", "教学楼A", "building")
        classrooms = {}
        for floor in (1, 2, 3):
            floor_loc = _location(
                org, main, f"JXA-{floor}F", f"教学楼A{floor}层", "floor", None, teaching
            )
            for number in range(1, 5):
                code = f"A{floor}0{number}"
                classrooms[code] = _location(
                    org, main, code, f"教室{code}", "room", "教室", floor_loc
                )
            _location(
                org,
                main,
                f"JXA-{floor}F-WC",
                f"教学楼A{floor}层卫生间",
                "room",
                "卫生间",
                floor_loc,
            )
        _location(org, main, "JXA-JJ", "阶梯教室", "room", "教室", teaching)
        _location(org, main, "JXA-WG", "微格教室", "room", "教室", teaching)
        dorm = _location(org, main, "SS5", "学生宿舍5号楼", "building")
        rooms = {}
        for floor in (3, 4):
            floor_loc = _location(
                org, main, f"SS5-{floor}F", f"宿舍5号楼{floor}层", "floor", None, dorm
            )
            for number in range(11, 17):
                code = f"5{floor}{number}"
                rooms[code] = _location(org, main, code, f"宿舍{code}", "room", "宿舍", floor_loc)
        outdoor = {}
        for code, name in [
            ("WSQ-01", "图书馆前广场"),
            ("WSQ-02", "操场东侧"),
            ("WSQ-03", "教学楼A北侧绿地"),
            ("WSQ-04", "宿舍区主干道"),
            ("WSQ-05", "食堂门前"),
        ]:
            outdoor[code] = _location(org, main, code, name, "area", "卫生区")
        canteen = _location(org, main, "ST1", "第一食堂", "building", "食堂")

        classes = {
            code: _unit(org, code, f"{code}班", "class")
            for code in ("0852", "0853", "0953", "1151", "1152", "1153")
        }
        departments = {
            "XSC": _unit(org, "XSC", "学生处", "department"),
            "ZWC": _unit(org, "ZWC", "后勤管理处", "department"),
            "WSB": _unit(org, "WSB", "学生会卫生部", "department"),
            "WY": _unit(org, "WY", "物业保洁组", "contractor_crew"),
            "ST": _unit(org, "ST", "第一食堂承包方", "contractor_crew"),
            "WX": _unit(org, "WX", "水电维修组", "trade_team"),
        }
        term = (dt.date(2026, 9, 1), dt.date(2027, 1, 20))
        class_codes = list(classes)
        for index, code in enumerate(sorted(rooms)):
            _assign(org, classes[class_codes[index % len(class_codes)]], rooms[code], *term)
        for index, code in enumerate(sorted(classrooms)):
            _assign(org, classes[class_codes[index % len(class_codes)]], classrooms[code], *term)
        for index, code in enumerate(sorted(outdoor)):
            _assign(org, classes[class_codes[index % len(class_codes)]], outdoor[code], *term)
        _assign(org, departments["ST"], canteen, dt.date(2026, 1, 1))

        _person(org, "张伟", "college-admin", ["admin"], phone="13900000001")
        _person(org, "刘洋", "college-inspector", ["inspector"], phone="13900000002")
        _person(org, "黄海", "college-leader", ["patrol_leader"], phone="13900000003")
        _person(org, "吴老师", "college-head", ["unit_head"], classes["0852"], phone="13900000004")
        _person(
            org,
            "郑师傅",
            "college-plumber",
            ["tradesperson"],
            departments["WX"],
            phone="13900000005",
        )
        _person(
            org,
            "钱经理",
            "college-contractor",
            ["contractor_manager"],
            departments["WY"],
            phone="13900000006",
        )
        _person(org, "冯晓", "college-viewer", ["viewer"], phone="13900000007")
    return org


LOGINS = [
    ("admin", "平台管理员（所有组织）/ platform administrator"),
    ("hospital-admin", "医院 组织管理员 / hospital organisation admin"),
    ("hospital-inspector", "医院 检查员 / inspector"),
    ("hospital-leader", "医院 带队领导 / patrol leader"),
    ("hospital-head", "心内科 科室主任 / unit head"),
    ("hospital-electrician", "维修班 电工 / tradesperson"),
    ("hospital-contractor", "保洁公司 经理 / contractor manager"),
    ("hospital-viewer", "医院 查看者 / viewer"),
    ("college-admin", "学院 组织管理员 / college organisation admin"),
    ("college-inspector", "学生会卫生部 检查员 / inspector"),
    ("college-leader", "学院 带队领导 / patrol leader"),
    ("college-head", "0852班 班主任 / unit head"),
    ("college-plumber", "水电维修组 水暖工 / tradesperson"),
    ("college-contractor", "物业保洁组 经理 / contractor manager"),
    ("college-viewer", "学院 查看者 / viewer"),
    ("supervisor", "教育卫生局 监管人员（两个组织只读）/ supervisor of both"),
]


def demo_build(stdout=None, *, history_days: int = 365) -> dict:
    """Create the demo organisations and logins unless they exist; return the logins."""
    created = False
    with transaction.atomic():
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser(
                "admin", "admin@example.org", DEMO_PASSWORD, first_name="管理员"
            )
            created = True
        organisations = []
        for slug, build in (("hospital", _build_hospital), ("college", _build_college)):
            organisation = Organisation.objects.filter(slug=slug).first()
            if organisation is None:
                organisation = build()
                created = True
            organisations.append(organisation)
        for organisation in organisations:
            with scope(organisation=organisation):
                if not Person.objects.filter(
                    organisation=organisation, user__username="supervisor"
                ).exists():
                    _person(organisation, "督导员", "supervisor", ["supervisor"])
                # Demo databases made before inspections existed get their year of checks too.
                if not Standard.objects.filter(organisation=organisation).exists():
                    build_inspections(organisation, days=history_days)
                    created = True
                # … and their rectification and patrol rounds.
                if not Task.objects.filter(organisation=organisation).exists():
                    build_rectification(organisation, days=history_days)
                    created = True
                # … and their bulletins, reports and report schedules.
                if not ReportSchedule.objects.filter(organisation=organisation).exists():
                    build_reports(organisation, days=history_days)
                    created = True
    if stdout is not None:
        stdout.write("demo data ready\n" if created else "demo data already present\n")
    return {"created": created, "logins": [(name, DEMO_PASSWORD, role) for name, role in LOGINS]}
