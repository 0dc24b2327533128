"""Excel import and export of findings: paper check sheets entered in bulk (docs/formats.md).

Headers 日期, 时间, 位置, 责任单位, 检查项, 分值, 说明, 检查人. Each row is one finding; the rows of one
location, date and time form one ad-hoc check, so imported findings count in scores like any other.
All rows or none: one bad row stores nothing and every problem names its row and column.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from baozhang.core.rows import LocalTimes, plain_rows
from baozhang.core.xlsx import (
    Column,
    ImportRejected,
    RowError,
    WorkbookWriter,
    neutralise,
    read_sheet,
)
from baozhang.inspections.models import Finding, FindingKind
from baozhang.inspections.services import FindingInput, inspection_submit
from baozhang.orgs.models import Location, Organisation, Person, Unit, User
from baozhang.orgs.spreadsheets import ImportResult
from baozhang.standards.models import StandardItem
from baozhang.standards.selectors import standard_version_for_location

COLUMNS = [
    Column("日期", "date", required=True, kind="date", note="如 2026-11-16"),
    Column("时间", "time", note="如 07:30；留空为 00:00"),
    Column("位置", "location", required=True, note="位置编码，如 5413"),
    Column("责任单位", "unit", note="单位编码；留空为当天负责该位置的单位"),
    Column("检查项", "item", note="适用检查标准中的检查项原文；留空须填分值，或说明以“亮点”开头"),
    Column("分值", "points", kind="decimal", note="扣分（加分项为加分）；留空取检查项的分值"),
    Column("说明", "note", note="发现的问题或亮点"),
    Column("检查人", "inspector", note="检查人姓名"),
]
HEADERS = {column.key: column.header for column in COLUMNS}
HIGHLIGHT_PREFIX = "亮点"


def _time(text: str | None) -> dt.time | None:
    if not text:
        return dt.time(0, 0)
    for pattern in ("%H:%M", "%H:%M:%S", "%H.%M"):
        try:
            return dt.datetime.strptime(str(text).strip(), pattern).time()
        except ValueError:
            continue
    return None


def findings_import(*, organisation: Organisation, upload, by: User | None) -> ImportResult:
    """Import findings, grouped into one ad-hoc check per location and time; all or nothing."""
    rows = read_sheet(upload, COLUMNS, keep_invalid=True)
    errors = [error for row in rows for error in row.errors]
    locations = {
        location.code: location for location in Location.objects.filter(organisation=organisation)
    }
    units = {unit.code: unit for unit in Unit.objects.filter(organisation=organisation)}
    people = {person.name: person for person in Person.objects.filter(organisation=organisation)}
    checks: dict[tuple, list] = defaultdict(list)
    for row in rows:
        if row.errors:
            continue
        values = row.values

        def problem(key: str, message: str, row=row) -> None:
            errors.append(RowError(row.number, HEADERS[key], message))

        moment = _time(values.get("time"))
        if moment is None:
            problem("time", _("“%(value)s” is not a time like 07:30") % {"value": values["time"]})
            continue
        location = locations.get(values["location"])
        if location is None:
            problem(
                "location", _("no location has the code “%(code)s”") % {"code": values["location"]}
            )
            continue
        version = standard_version_for_location(location=location)
        if version is None:
            problem("location", _("No active standard applies to this location."))
            continue
        finding = _finding(values, version, units, problem)
        if finding is None:
            continue
        inspector = None
        if values.get("inspector"):
            inspector = people.get(values["inspector"])
            if inspector is None:
                problem(
                    "inspector",
                    _("nobody of this organisation is called “%(name)s”")
                    % {"name": values["inspector"]},
                )
                continue
        done_at = timezone.make_aware(dt.datetime.combine(values["date"], moment))
        checks[(location.pk, done_at, inspector.pk if inspector else None)].append(
            (row, location, version, inspector, finding)
        )
    if errors:
        raise ImportRejected(sorted(errors, key=lambda error: error.row or 0))
    result = ImportResult()
    with transaction.atomic():
        for (_location_id, done_at, _inspector_id), entries in checks.items():
            _row, location, version, inspector, _finding_input = entries[0]
            try:
                inspection_submit(
                    location=location,
                    version=version,
                    findings=[entry[4] for entry in entries],
                    done_at=done_at,
                    inspector=inspector,
                    submitted_by=by,
                    note=_("Entered from a workbook"),
                )
            except ValidationError as error:
                errors.append(RowError(entries[0][0].number, None, " ".join(error.messages)))
                continue
            result.created += len(entries)
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise ImportRejected(errors)
    return result


def _finding(values, version, units, problem) -> FindingInput | None:
    items = {item.text: item for item in version.items.all()}
    unit = None
    if values.get("unit"):
        unit = units.get(values["unit"])
        if unit is None:
            problem("unit", _("no unit has the code “%(code)s”") % {"code": values["unit"]})
            return None
    note = values.get("note") or ""
    points: Decimal | None = values.get("points")
    if points is not None and points < 0:
        problem("points", _("cannot be negative"))
        return None
    if values.get("item"):
        item = items.get(values["item"])
        if item is None:
            problem(
                "item",
                _("“%(item)s” is not an item of %(standard)s")
                % {"item": values["item"], "standard": version.standard.name},
            )
            return None
        if points is not None and item.kind != "scored" and points != item.points:
            problem(
                "points",
                _("“%(item)s” is worth %(points)s points.")
                % {"item": item.text, "points": item.points},
            )
            return None
        if points is not None and points > item.points:
            problem(
                "points",
                _("“%(item)s” can lose at most %(points)s points.")
                % {"item": item.text, "points": item.points},
            )
            return None
        return FindingInput(
            item_id=item.pk,
            points=points,
            note=note,
            unit=unit,
            unit_reason=_("as entered in the workbook") if unit else "",
        )
    if note.startswith(HIGHLIGHT_PREFIX):
        return FindingInput(
            kind=FindingKind.HIGHLIGHT,
            note=note,
            unit=unit,
            unit_reason=_("as entered in the workbook") if unit else "",
        )
    if points is None:
        problem("item", _("give an item of the standard, or the points"))
        return None
    return FindingInput(
        kind=FindingKind.DEDUCTION,
        points=points,
        note=note,
        unit=unit,
        unit_reason=_("as entered in the workbook") if unit else "",
    )


def findings_export(*, organisation: Organisation, target, queryset=None) -> None:
    """Write findings in the import layout (newest first), streaming rows.

    The rows are read as the database gives them back, in chunks (core.rows), and each column is
    written by its own writer: a model instance with its location, unit, item and inspector per
    row, or a converter per value, would cost more time and memory than writing the row."""
    findings = (
        queryset if queryset is not None else Finding.objects.filter(organisation=organisation)
    )
    values = findings.order_by("-observed_at", "-id").values_list(
        "date",
        "observed_at",
        "location_id",
        "unit_id",
        "item_id",
        "kind",
        "points",
        "note",
        "inspector_id",
    )

    def names(model, field: str) -> dict[int, str]:
        """The names the rows refer to, read once and made safe once, instead of a join for
        every row."""
        pairs = model.objects.filter(organisation=organisation).values_list("pk", field)
        return {pk: neutralise(name) for pk, name in pairs}

    locations, units = names(Location, "code"), names(Unit, "code")
    items, people = names(StandardItem, "text"), names(Person, "name")
    times = LocalTimes()
    highlight = FindingKind.HIGHLIGHT.value
    with WorkbookWriter(target) as book:
        sheet = book.sheet("检查记录", [column.header for column in COLUMNS])
        text, name, number, day = sheet.text, sheet.name, sheet.number, sheet.day
        rows = plain_rows(values)
        for row, (date, moment, location, unit, item, kind, points, note, who) in enumerate(
            rows, start=1
        ):
            day(row, 0, date)
            name(row, 1, times.hhmm(moment))
            name(row, 2, locations[location])
            if unit is not None:
                name(row, 3, units[unit])
            if item is not None:
                name(row, 4, items[item])
            if kind == highlight:
                if not note.startswith(HIGHLIGHT_PREFIX):
                    note = f"{HIGHLIGHT_PREFIX}：{note}"
            else:
                number(row, 5, float(points))
            if note:
                text(row, 6, note)
            if who is not None:
                name(row, 7, people[who])
