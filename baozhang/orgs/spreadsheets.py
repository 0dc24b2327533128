"""Excel import and export of locations, units, responsibilities and people (docs/formats.md).

An import is all or nothing: every row is checked first, then everything is written in one
transaction; any error leaves the database as it was and names the row and the column.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from baozhang.core.transfers import ImportRun
from baozhang.core.xlsx import (
    RECORD_ID,
    Column,
    ImportRejected,
    RowError,
    SheetRow,
    read_sheet,
    write_workbook,
)
from baozhang.orgs import services
from baozhang.orgs.models import (
    AreaType,
    Assignment,
    Location,
    LocationKind,
    Organisation,
    Person,
    Role,
    Site,
    Unit,
    UnitKind,
    User,
)

# Workbook values of the choice columns: the Chinese label or the English code are both accepted.
LOCATION_KINDS = {"楼栋": "building", "楼层": "floor", "房间": "room", "区域": "area"}
UNIT_KINDS = {
    "部门": "department",
    "科室": "department",
    "班级": "class",
    "保洁班组": "contractor_crew",
    "承包方班组": "contractor_crew",
    "工种班组": "trade_team",
    "维修班组": "trade_team",
}
ROLES = {
    "管理员": "admin",
    "检查员": "inspector",
    "带队领导": "patrol_leader",
    "单位负责人": "unit_head",
    "维修工": "tradesperson",
    "承包方经理": "contractor_manager",
    "查看者": "viewer",
    "监管人员": "supervisor",
}
LOCATION_KIND_LABELS = {value: key for key, value in LOCATION_KINDS.items()}
UNIT_KIND_LABELS = {
    "department": "部门",
    "class": "班级",
    "contractor_crew": "承包方班组",
    "trade_team": "工种班组",
}
ROLE_LABELS = {value: key for key, value in ROLES.items()}

COLUMNS: dict[str, list[Column]] = {
    "locations": [
        Column("编码", "code", required=True, note="位置编码，组织内唯一，如 5413"),
        Column("名称", "name", required=True, note="如 学生宿舍5413"),
        Column("院区/校区", "site", required=True, note="院区/校区的编码或名称"),
        Column("上级编码", "parent", note="上级位置的编码；留空为顶层（楼栋或室外区域）"),
        Column("类型", "kind", note="楼栋、楼层、房间 或 区域；留空为房间"),
        Column("区域类型", "area_type", note="区域类型名称，如 宿舍、教室、卫生区"),
        Column("启用", "is_active", kind="bool", note="是 或 否；留空为是"),
        Column("备注", "notes"),
    ],
    "units": [
        Column("编码", "code", required=True, note="单位编码，组织内唯一，如 0852"),
        Column("名称", "name", required=True, note="如 0852班、内科、保洁一组"),
        Column(
            "类型",
            "kind",
            required=True,
            note="部门、科室、班级、承包方班组（保洁班组）、工种班组（维修班组）",
        ),
        Column("启用", "is_active", kind="bool", note="是 或 否；留空为是"),
    ],
    "responsibilities": [
        Column("位置编码", "location", required=True, note="位置的编码"),
        Column("单位编码", "unit", required=True, note="责任单位的编码"),
        Column("开始日期", "starts_on", required=True, kind="date", note="如 2026-09-01"),
        Column("结束日期", "ends_on", kind="date", note="如 2027-01-20；留空为长期"),
        RECORD_ID,
    ],
    "people": [
        Column("姓名", "name", required=True),
        Column("登录名", "username", note="留空则此人不登录"),
        Column("手机", "phone"),
        Column("邮箱", "email"),
        Column(
            "角色",
            "roles",
            note="管理员、检查员、带队领导、单位负责人、维修工、承包方经理、查看者、监管人员；多个用顿号或逗号分隔",
        ),
        Column("单位编码", "unit", note="单位负责人、维修工、承包方经理所属单位的编码"),
        Column("初始密码", "password", note="仅在新建登录时使用"),
        Column("启用", "is_active", kind="bool", note="是 或 否；留空为是"),
        RECORD_ID,
    ],
}
IMPORT_KINDS = tuple(COLUMNS)
KIND_TITLES = {
    "locations": gettext_lazy("Locations"),
    "units": gettext_lazy("Units"),
    "responsibilities": gettext_lazy("Responsibilities"),
    "people": gettext_lazy("People"),
}
SHEET_NAMES = {"locations": "位置", "units": "单位", "responsibilities": "责任区", "people": "人员"}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0


def _header(kind: str, key: str) -> str:
    return next(column.header for column in COLUMNS[kind] if column.key == key)


def _choice(
    kind: str,
    key: str,
    value,
    mapping: dict[str, str],
    errors: list[RowError],
    row: SheetRow,
    default: str | None = None,
):
    if value is None:
        return default
    if value in mapping:
        return mapping[value]
    if value in mapping.values():
        return value
    errors.append(
        RowError(
            row.number,
            _header(kind, key),
            _("“%(value)s” is not one of: %(choices)s")
            % {"value": value, "choices": "、".join(mapping)},
        )
    )
    return None


def _validation_messages(error: ValidationError) -> list[tuple[str | None, str]]:
    if hasattr(error, "error_dict"):
        return [
            (field, message)
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return [(None, message) for message in error.messages]


FIELD_TO_KEY = {"__all__": None}


def _row_error(kind: str, row: SheetRow, error: ValidationError) -> list[RowError]:
    headers = {column.key: column.header for column in COLUMNS[kind]}
    return [
        RowError(row.number, headers.get(field or ""), message)
        for field, message in _validation_messages(error)
    ]


def import_workbook(
    *, organisation: Organisation, kind: str, upload, by: User | None, run: ImportRun | None = None
) -> ImportResult:
    """Import one kind from a workbook into the organisation, all rows or none, in one
    transaction (also in the background: ``run`` is not needed)."""
    if kind not in COLUMNS:
        raise ImportRejected(
            [RowError(None, None, _("Unknown import kind: %(kind)s") % {"kind": kind})]
        )
    rows = read_sheet(upload, COLUMNS[kind], keep_invalid=True)
    _reject_duplicates(kind, rows)
    cell_errors = [error for row in rows for error in row.errors]
    rows = [row for row in rows if not row.errors]
    importer = {
        "locations": _import_locations,
        "units": _import_units,
        "responsibilities": _import_responsibilities,
        "people": _import_people,
    }[kind]
    errors: list[RowError] = []
    try:
        with transaction.atomic():
            result = importer(organisation, rows, by, errors)
            if errors or cell_errors:
                raise ImportRejected(
                    sorted([*cell_errors, *errors], key=lambda error: error.row or 0)
                )
    except IntegrityError as error:
        raise ImportRejected(
            [
                RowError(
                    None,
                    None,
                    _("The data conflicts with existing records: %(error)s") % {"error": error},
                )
            ]
        ) from error
    return result


# The columns that name one record each: two rows naming the same record are refused.
UNIQUE_KEYS = {
    "locations": ("code",),
    "units": ("code",),
    "responsibilities": ("id",),
    "people": ("username", "id"),
}


def _reject_duplicates(kind: str, rows: list[SheetRow]) -> None:
    errors = []
    for key in UNIQUE_KEYS[kind]:
        seen: dict[object, int] = {}
        for row in rows:
            value = row.values.get(key)
            if value is None or value == "":
                continue
            if value in seen:
                errors.append(
                    RowError(
                        row.number,
                        _header(kind, key),
                        _("“%(value)s” also appears in row %(row)s")
                        % {"value": value, "row": seen[value]},
                    )
                )
            else:
                seen[value] = row.number
    if errors:
        raise ImportRejected(sorted(errors, key=lambda error: error.row or 0))


def _save(kind, row, errors, save, *args, **kwargs) -> bool:
    try:
        save(*args, **kwargs)
    except ValidationError as error:
        errors.extend(_row_error(kind, row, error))
        return False
    return True


def _import_locations(organisation, rows, by, errors) -> ImportResult:
    result = ImportResult()
    sites = {site.code: site for site in Site.objects.filter(organisation=organisation)}
    sites.update({site.name: site for site in sites.copy().values()})
    area_types = {area.name: area for area in AreaType.objects.filter(organisation=organisation)}
    area_types.update({area.code: area for area in list(area_types.values())})
    existing = {
        location.code: location for location in Location.objects.filter(organisation=organisation)
    }
    in_file = {row.values["code"] for row in rows}
    pending = list(rows)
    # Parents first: a row waits until its parent exists (already, or written earlier in this import).
    while pending:
        waiting = []
        for row in pending:
            parent_code = row.values.get("parent")
            if parent_code and parent_code not in existing:
                if parent_code in in_file:
                    waiting.append(row)
                else:
                    errors.append(
                        RowError(
                            row.number,
                            _header("locations", "parent"),
                            _("no location has the code “%(code)s”") % {"code": parent_code},
                        )
                    )
                continue
            _import_location_row(organisation, row, by, errors, result, sites, area_types, existing)
        if len(waiting) == len(pending):
            for row in waiting:
                errors.append(
                    RowError(
                        row.number,
                        _header("locations", "parent"),
                        _(
                            "the parent “%(code)s” could not be placed (a loop, or its own row has errors)"
                        )
                        % {"code": row.values.get("parent")},
                    )
                )
            break
        pending = waiting
    return result


def _import_location_row(organisation, row, by, errors, result, sites, area_types, existing):
    values = row.values
    site = sites.get(values["site"])
    if site is None:
        errors.append(
            RowError(
                row.number,
                _header("locations", "site"),
                _("no site has the code or name “%(value)s”") % {"value": values["site"]},
            )
        )
        return
    area_type = None
    if values.get("area_type"):
        area_type = area_types.get(values["area_type"])
        if area_type is None:
            errors.append(
                RowError(
                    row.number,
                    _header("locations", "area_type"),
                    _("no area type is called “%(value)s”") % {"value": values["area_type"]},
                )
            )
            return
    kind = _choice(
        "locations",
        "kind",
        values.get("kind"),
        LOCATION_KINDS,
        errors,
        row,
        default=LocationKind.ROOM,
    )
    if kind is None:
        return
    location = existing.get(values["code"]) or Location(
        organisation=organisation, code=values["code"]
    )
    created = location.pk is None
    location.name, location.site, location.kind, location.area_type = (
        values["name"],
        site,
        kind,
        area_type,
    )
    location.parent = existing[values["parent"]] if values.get("parent") else None
    location.notes = values.get("notes") or ""
    location.is_active = values.get("is_active") is not False
    if _save("locations", row, errors, services.location_save, location=location, by=by):
        existing[location.code] = location
        result.created += created
        result.updated += not created
    else:
        # Keep the code known so that children report their own problems, not a missing parent.
        existing.setdefault(location.code, location)


def _import_units(organisation, rows, by, errors) -> ImportResult:
    result = ImportResult()
    existing = {unit.code: unit for unit in Unit.objects.filter(organisation=organisation)}
    for row in rows:
        values = row.values
        kind = _choice("units", "kind", values.get("kind"), UNIT_KINDS, errors, row)
        if kind is None:
            continue
        unit = existing.get(values["code"]) or Unit(organisation=organisation, code=values["code"])
        created = unit.pk is None
        unit.name, unit.kind, unit.is_active = (
            values["name"],
            kind,
            values.get("is_active") is not False,
        )
        if _save("units", row, errors, services.record_save, record=unit, by=by):
            result.created += created
            result.updated += not created
    return result


def _import_responsibilities(organisation, rows, by, errors) -> ImportResult:
    result = ImportResult()
    locations = {
        location.code: location for location in Location.objects.filter(organisation=organisation)
    }
    units = {unit.code: unit for unit in Unit.objects.filter(organisation=organisation)}
    assignments = {
        assignment.pk: assignment
        for assignment in Assignment.objects.filter(organisation=organisation)
    }
    by_start = {
        (assignment.location_id, assignment.unit_id, assignment.starts_on): assignment
        for assignment in assignments.values()
    }
    for row in rows:
        values = row.values
        location = _coded("responsibilities", "location", locations, row, errors)
        unit = _coded("responsibilities", "unit", units, row, errors)
        assignment = None
        if values.get("id") is not None:
            assignment = assignments.get(values["id"])
            if assignment is None:
                message = _(
                    "no responsibility of this organisation has the number %(id)s "
                    "(leave it empty for a new responsibility)"
                )
                errors.append(_unknown_id("responsibilities", row, message))
                continue
        if location is None or unit is None:
            continue
        # Without a number (files from before numbers were exported): by location, unit and start.
        assignment = (
            assignment
            or by_start.get((location.pk, unit.pk, values["starts_on"]))
            or Assignment(organisation=organisation)
        )
        created = assignment.pk is None
        assignment.location, assignment.unit = location, unit
        assignment.starts_on, assignment.ends_on = values["starts_on"], values.get("ends_on")
        if _save(
            "responsibilities", row, errors, services.assignment_save, assignment=assignment, by=by
        ):
            result.created += created
            result.updated += not created
    return result


def _coded(kind: str, key: str, records: dict, row: SheetRow, errors: list[RowError]):
    """The location or unit whose code the row gives, or None with the error."""
    record = records.get(row.values[key])
    if record is None:
        message = {
            "location": _("no location has the code “%(code)s”"),
            "unit": _("no unit has the code “%(code)s”"),
        }[key]
        errors.append(RowError(row.number, _header(kind, key), message % {"code": row.values[key]}))
    return record


def _unknown_id(kind: str, row: SheetRow, message: str) -> RowError:
    return RowError(row.number, _header(kind, "id"), message % {"id": row.values["id"]})


def _split_roles(text: str | None) -> list[str]:
    if not text:
        return []
    for separator in ("，", ",", ";", "；", "/"):
        text = text.replace(separator, "、")
    return [part.strip() for part in text.split("、") if part.strip()]


def _import_people(organisation, rows, by, errors) -> ImportResult:
    result = ImportResult()
    units = {unit.code: unit for unit in Unit.objects.filter(organisation=organisation)}
    people = PeopleIndex(organisation)
    for row in rows:
        values = row.values
        roles = [
            _choice("people", "roles", role, ROLES, errors, row)
            for role in _split_roles(values.get("roles"))
        ]
        if None in roles:
            continue
        unit = _coded("people", "unit", units, row, errors) if values.get("unit") else None
        if values.get("unit") and unit is None:
            continue
        person = people.person_for(row, errors)
        if person is None:
            continue
        created = person.pk is None
        person.name, person.phone = values["name"], values.get("phone") or ""
        person.email, person.is_active = (
            values.get("email") or "",
            values.get("is_active") is not False,
        )
        if _save(
            "people",
            row,
            errors,
            services.person_save,
            person=person,
            roles=roles,
            unit_id=unit.pk if unit else None,
            username=values.get("username") or "",
            password=values.get("password") or "",
            by=by,
        ):
            result.created += created
            result.updated += not created
    return result


class PeopleIndex:
    """The organisation's people by number, login and name, to find the person of a row."""

    def __init__(self, organisation: Organisation):
        self.organisation = organisation
        self.by_id: dict[int, Person] = {}
        self.by_username: dict[str, Person] = {}
        self.by_name: dict[str, list[Person]] = {}
        for person in Person.objects.filter(organisation=organisation).select_related("user"):
            self.by_id[person.pk] = person
            if person.user_id:
                self.by_username[person.user.username] = person
            else:
                self.by_name.setdefault(person.name, []).append(person)

    def person_for(self, row: SheetRow, errors: list[RowError]) -> Person | None:
        """The person the row names: by its number, else by its login, else the one person
        without a login of its name; an unsaved Person for a new one; None, with the error, when
        the number names nobody or the name several people."""
        values = row.values
        if values.get("id") is not None:
            person = self.by_id.get(values["id"])
            if person is None:
                message = _(
                    "no person of this organisation has the number %(id)s "
                    "(leave it empty for a new person)"
                )
                errors.append(_unknown_id("people", row, message))
            return person
        if values.get("username"):
            return self.by_username.get(values["username"]) or self._new()
        namesakes = self.by_name.get(values["name"], [])
        if len(namesakes) > 1:
            errors.append(
                RowError(
                    row.number,
                    _header("people", "name"),
                    _(
                        "%(count)s people without a login are called “%(name)s”; give the "
                        "number (系统编号) of the one to update"
                    )
                    % {"count": len(namesakes), "name": values["name"]},
                )
            )
            return None
        return namesakes[0] if namesakes else self._new()

    def _new(self) -> Person:
        return Person(organisation=self.organisation)


# Export ---------------------------------------------------------------------------------------


def _export_rows(kind: str, organisation: Organisation, queryset=None):
    if kind == "locations":
        records = (
            queryset if queryset is not None else Location.objects.filter(organisation=organisation)
        )
        for location in records.select_related("site", "parent", "area_type").order_by(
            "site__code", "path"
        ):
            yield [
                location.code,
                location.name,
                location.site.code,
                location.parent.code if location.parent else "",
                LOCATION_KIND_LABELS.get(location.kind, location.kind),
                location.area_type.name if location.area_type else "",
                location.is_active,
                location.notes,
            ]
    elif kind == "units":
        records = (
            queryset if queryset is not None else Unit.objects.filter(organisation=organisation)
        )
        for unit in records:
            yield [unit.code, unit.name, UNIT_KIND_LABELS.get(unit.kind, unit.kind), unit.is_active]
    elif kind == "responsibilities":
        records = (
            queryset
            if queryset is not None
            else Assignment.objects.filter(organisation=organisation)
        )
        for assignment in records.select_related("location", "unit"):
            yield [
                assignment.location.code,
                assignment.unit.code,
                assignment.starts_on,
                assignment.ends_on,
                assignment.pk,
            ]
    elif kind == "people":
        records = (
            queryset if queryset is not None else Person.objects.filter(organisation=organisation)
        )
        for person in records.select_related("user").prefetch_related("memberships__unit"):
            memberships = list(person.memberships.all())
            unit_codes = sorted({m.unit.code for m in memberships if m.unit_id})
            yield [
                person.name,
                person.user.username if person.user_id else "",
                person.phone,
                person.email,
                "、".join(ROLE_LABELS.get(m.role, m.role) for m in memberships),
                "、".join(unit_codes),
                "",
                person.is_active,
                person.pk,
            ]


def export_workbook(
    *, organisation: Organisation, kind: str, target, queryset=None, progress=None
) -> None:
    """Write the organisation's records of one kind in the import format (re-importable). A
    background export (orgs/tasks.py) passes ``progress``: the set-up records are few enough that
    the job tells only its start and its end."""
    headers = [column.header for column in COLUMNS[kind]]
    write_workbook(
        target, [(SHEET_NAMES[kind], headers, _export_rows(kind, organisation, queryset))]
    )


def template_workbook(*, kind: str, target) -> None:
    """An empty workbook with the headers, and a second sheet explaining each column."""
    columns = COLUMNS[kind]
    notes = [[column.header, "是" if column.required else "否", column.note] for column in columns]
    write_workbook(
        target,
        [
            (SHEET_NAMES[kind], [column.header for column in columns], []),
            ("说明", ["列", "必填", "说明"], notes),
        ],
    )


__all__ = [
    "IMPORT_KINDS",
    "ImportRejected",
    "Role",
    "UnitKind",
    "export_workbook",
    "import_workbook",
]
