"""The demo's organisations: a hospital and a college with their sites, locations, units, people
and logins, built through the organisation services."""

import datetime as dt

from django_scopes import scope, scopes_disabled

from baozhang.orgs import services
from baozhang.orgs.models import (
    AreaType,
    Assignment,
    Location,
    Organisation,
    Person,
    Site,
    Unit,
    User,
)

DEMO_PASSWORD = "baozhang-demo"  # noqa: S105 - the published demo password

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

HOSPITAL_UNITS = [
    ("NK", "心内科", "department"),
    ("HX", "呼吸内科", "department"),
    ("PW", "普外科", "department"),
    ("GK", "骨科", "department"),
    ("KF", "康复医学科", "department"),
    ("MZB", "门诊部", "department"),
    ("ZWK", "总务科", "department"),
    ("BJ1", "洁康保洁公司一组", "contractor_crew"),
    ("BJ2", "洁康保洁公司二组", "contractor_crew"),
    ("ST", "职工食堂承包方", "contractor_crew"),
    ("WX", "维修班", "trade_team"),
]
# (unit, location) held since the start of 2026.
HOSPITAL_HOLDERS = [
    ("NK", "ZY-A-3F-W"),
    ("HX", "ZY-A-4F-W"),
    ("PW", "ZY-A-5F-W"),
    ("GK", "ZY-A-6F-W"),
    ("KF", "DY-1-2F-W"),
    ("MZB", "MZ-1F-HALL"),
    ("BJ1", "MZ-1F-WC"),
    ("BJ1", "OUT-SQ"),
    ("BJ2", "DY-1-1F-HALL"),
    ("BJ2", "DY-1-1F-WC"),
    ("ST", "HQ-1F-ST"),
    ("ST", "HQ-1F-CK"),
    ("ZWK", "HQ-2F-BG"),
]
# (name, login, roles, unit, phone)
HOSPITAL_PEOPLE = [
    ("王建国", "hospital-admin", ["admin"], None, "13800000001"),
    ("李芳", "hospital-inspector", ["inspector"], None, "13800000002"),
    ("赵志强", "hospital-leader", ["patrol_leader"], None, "13800000003"),
    ("陈静", "hospital-head", ["unit_head"], "NK", "13800000004"),
    ("刘师傅", "hospital-electrician", ["tradesperson"], "WX", "13800000005"),
    ("孙丽", "hospital-contractor", ["contractor_manager"], "BJ1", "13800000006"),
    ("周敏", "hospital-viewer", ["viewer"], None, "13800000007"),
]

COLLEGE_CLASSES = ["0852", "0853", "0953", "1151", "1152", "1153"]
COLLEGE_UNITS = [
    ("XSC", "学生处", "department"),
    ("ZWC", "后勤管理处", "department"),
    ("WSB", "学生会卫生部", "department"),
    ("WY", "物业保洁组", "contractor_crew"),
    ("ST", "第一食堂承包方", "contractor_crew"),
    ("WX", "水电维修组", "trade_team"),
]
COLLEGE_OUTDOOR = [
    ("WSQ-01", "图书馆前广场"),
    ("WSQ-02", "操场东侧"),
    ("WSQ-03", "教学楼A北侧绿地"),
    ("WSQ-04", "宿舍区主干道"),
    ("WSQ-05", "食堂门前"),
]
COLLEGE_TERM = (dt.date(2026, 9, 1), dt.date(2027, 1, 20))
COLLEGE_PEOPLE = [
    ("张伟", "college-admin", ["admin"], None, "13900000001"),
    ("刘洋", "college-inspector", ["inspector"], None, "13900000002"),
    ("黄海", "college-leader", ["patrol_leader"], None, "13900000003"),
    ("吴老师", "college-head", ["unit_head"], "0852", "13900000004"),
    ("郑师傅", "college-plumber", ["tradesperson"], "WX", "13900000005"),
    ("钱经理", "college-contractor", ["contractor_manager"], "WY", "13900000006"),
    ("冯晓", "college-viewer", ["viewer"], None, "13900000007"),
]


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


def _units(org, rows) -> dict[str, Unit]:
    return {
        code: services.record_save(
            record=Unit(organisation=org, code=code, name=name, kind=kind), by=None
        )
        for code, name, kind in rows
    }


def _assign(org, unit, location, starts_on, ends_on=None):
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


def _people(org, rows, units: dict[str, Unit]) -> None:
    for name, username, roles, unit, phone in rows:
        _person(org, name, username, roles, units[unit] if unit else None, phone=phone)


def platform_admin_ensure() -> bool:
    """Create the platform administrator unless it exists; True when it was created."""
    if User.objects.filter(username="admin").exists():
        return False
    User.objects.create_superuser("admin", "admin@example.org", DEMO_PASSWORD, first_name="管理员")
    return True


def supervisor_ensure(organisation: Organisation) -> None:
    """Give the supervisor login (one person for every demo organisation) read access here."""
    if not Person.objects.filter(organisation=organisation, user__username="supervisor").exists():
        _person(organisation, "督导员", "supervisor", ["supervisor"])


def _hospital_places(org) -> dict[str, Location]:
    main = _site(org, "main", "总院区", "示例市人民路1号")
    east = _site(org, "east", "东院区", "示例市东环路88号")
    outpatient = _location(org, main, "MZ", "门诊楼", "building")
    _location(org, main, "MZ-1F-HALL", "门诊大厅", "area", "门诊", outpatient)
    mz1 = _location(org, main, "MZ-1F", "门诊楼一层", "floor", None, outpatient)
    _location(org, main, "MZ-1F-WC", "门诊一层卫生间", "room", "卫生间", mz1)
    inpatient = _location(org, main, "ZY-A", "住院部A栋", "building")
    for floor, ward_name in [
        (3, "心内科病区"),
        (4, "呼吸内科病区"),
        (5, "普外科病区"),
        (6, "骨科病区"),
    ]:
        floor_loc = _location(
            org, main, f"ZY-A-{floor}F", f"住院部A栋{floor}层", "floor", None, inpatient
        )
        _location(org, main, f"ZY-A-{floor}F-W", ward_name, "area", "病区", floor_loc)
        _location(
            org, main, f"ZY-A-{floor}F-WC", f"A栋{floor}层卫生间", "room", "卫生间", floor_loc
        )
    logistics = _location(org, main, "HQ", "后勤楼", "building")
    _location(org, main, "HQ-1F-ST", "职工食堂", "room", "食堂", logistics)
    _location(org, main, "HQ-1F-CK", "食堂储存室", "room", "储存室", logistics)
    _location(org, main, "HQ-2F-BG", "总务科办公室", "room", "办公室", logistics)
    east_bld = _location(org, east, "DY-1", "东院区综合楼", "building")
    _location(org, east, "DY-1-2F-W", "康复医学科病区", "area", "病区", east_bld)
    _location(org, east, "DY-1-1F-HALL", "东院区门诊大厅", "area", "门诊", east_bld)
    _location(org, east, "DY-1-1F-WC", "东院区一层卫生间", "room", "卫生间", east_bld)
    _location(org, main, "OUT-SQ", "门诊楼前广场", "area", "卫生区")
    return {location.code: location for location in Location.objects.filter(organisation=org)}


def hospital_build() -> Organisation:
    """The hospital: two sites, wards held by their departments, cleaning crews, seven people."""
    org = services.organisation_create(slug="hospital", name="示例市第一人民医院", kind="hospital")
    with scope(organisation=org):
        places = _hospital_places(org)
        units = _units(org, HOSPITAL_UNITS)
        for unit, location in HOSPITAL_HOLDERS:
            _assign(org, units[unit], places[location], dt.date(2026, 1, 1))
        _people(org, HOSPITAL_PEOPLE, units)
    return org


def _college_places(org, site) -> dict[str, dict[str, Location]]:
    """The college's places by what holds them: dormitory rooms, classrooms, outdoor areas."""
    teaching = _location(org, site, "JXA", "教学楼A", "building")
    classrooms = {}
    for floor in (1, 2, 3):
        floor_loc = _location(
            org, site, f"JXA-{floor}F", f"教学楼A{floor}层", "floor", None, teaching
        )
        for number in range(1, 5):
            code = f"A{floor}0{number}"
            classrooms[code] = _location(org, site, code, f"教室{code}", "room", "教室", floor_loc)
        _location(
            org, site, f"JXA-{floor}F-WC", f"教学楼A{floor}层卫生间", "room", "卫生间", floor_loc
        )
    _location(org, site, "JXA-JJ", "阶梯教室", "room", "教室", teaching)
    _location(org, site, "JXA-WG", "微格教室", "room", "教室", teaching)
    dorm = _location(org, site, "SS5", "学生宿舍5号楼", "building")
    rooms = {}
    for floor in (3, 4):
        floor_loc = _location(
            org, site, f"SS5-{floor}F", f"宿舍5号楼{floor}层", "floor", None, dorm
        )
        for number in range(11, 17):
            code = f"5{floor}{number}"
            rooms[code] = _location(org, site, code, f"宿舍{code}", "room", "宿舍", floor_loc)
    outdoor = {
        code: _location(org, site, code, name, "area", "卫生区") for code, name in COLLEGE_OUTDOOR
    }
    return {"rooms": rooms, "classrooms": classrooms, "outdoor": outdoor}


def college_build() -> Organisation:
    """The college: classes holding their dormitory rooms, classrooms and outdoor areas for the
    term, the canteen's contractor, seven people."""
    org = services.organisation_create(slug="college", name="示例职业技术学院", kind="school")
    with scope(organisation=org):
        main = _site(org, "main", "主校区", "示例市学府路9号")
        places = _college_places(org, main)
        canteen = _location(org, main, "ST1", "第一食堂", "building", "食堂")
        classes = _units(org, [(code, f"{code}班", "class") for code in COLLEGE_CLASSES])
        departments = _units(org, COLLEGE_UNITS)
        # Each kind of place is shared out among the classes in turn.
        for group in ("rooms", "classrooms", "outdoor"):
            for index, code in enumerate(sorted(places[group])):
                unit = classes[COLLEGE_CLASSES[index % len(COLLEGE_CLASSES)]]
                _assign(org, unit, places[group][code], *COLLEGE_TERM)
        _assign(org, departments["ST"], canteen, dt.date(2026, 1, 1))
        _people(org, COLLEGE_PEOPLE, {**classes, **departments})
    return org
