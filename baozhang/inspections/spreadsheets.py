"""Excel import and export of findings: paper check sheets entered in bulk (docs/formats.md).

Headers 日期, 时间, 位置, 责任单位, 检查项, 分值, 说明, 检查人, 系统编号. Each row is one finding; the
rows of one location, date and time form one ad-hoc check, so imported findings count in scores like
any other. A row with a 系统编号 (an export edited and imported again) corrects that finding instead.
All rows or none: one bad row stores nothing and every problem names its row and column; the
import itself is in imports.py.
"""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from baozhang.core.rows import LocalTimes, plain_rows
from baozhang.core.xlsx import (
    RECORD_ID,
    Column,
    WorkbookWriter,
    neutralise,
)
from baozhang.inspections.models import Finding, FindingKind
from baozhang.inspections.services import (
    FindingInput,
)
from baozhang.orgs.models import Location, Organisation, Person, Unit
from baozhang.standards.models import StandardItem, StandardVersion
from baozhang.standards.selectors import standard_version_for_location, standard_version_items

COLUMNS = [
    Column("日期", "date", required=True, kind="date", note="如 2026-11-16"),
    Column("时间", "time", note="如 07:30；留空为 00:00"),
    Column("位置", "location", required=True, note="位置编码，如 5413"),
    Column("责任单位", "unit", note="单位编码；留空为当天负责该位置的单位"),
    Column(
        "检查项",
        "item",
        note="适用检查标准中的检查项原文；留空须填分值，或说明以“亮点”开头；"
        "检查项、分值、说明都留空为一次未发现问题的检查（合格）",
    ),
    Column("分值", "points", kind="decimal", note="扣分（加分项为加分）；留空取检查项的分值"),
    Column("说明", "note", note="发现的问题或亮点"),
    Column("检查人", "inspector", note="检查人姓名"),
    RECORD_ID,
]
HEADERS = {column.key: column.header for column in COLUMNS}
HIGHLIGHT_PREFIX = "亮点"
NOTHING_FOUND = "nothing_found"  # a row that records a check and no finding
NOTE_LENGTH = Finding._meta.get_field("note").max_length
ID_CHUNK = 2000  # numbers looked up per query
Problem = Callable[[str, str], None]


def _time(text: str | None) -> dt.time | None:
    if not text:
        return dt.time(0, 0)
    text = str(text).strip()
    if len(text) == 5 and text[2] == ":" and text.isascii() and (text[:2] + text[3:]).isdigit():
        try:  # the usual HH:MM, without strptime's cost
            return dt.time(int(text[:2]), int(text[3:]))
        except ValueError:
            pass  # strptime says
    for pattern in ("%H:%M", "%H:%M:%S", "%H.%M"):
        try:
            return dt.datetime.strptime(text, pattern).time()
        except ValueError:
            continue
    return None


def _exported_note(kind: str, note: str) -> str:
    """The 说明 an export writes: a highlight's note starts with 亮点, so that it imports as one."""
    if kind == FindingKind.HIGHLIGHT and not note.startswith(HIGHLIGHT_PREFIX):
        return f"{HIGHLIGHT_PREFIX}：{note}"
    return note


class _Known:
    """The organisation's locations, units and people, read once per import; the standard version
    of each area type and the items of each version, read once each."""

    def __init__(self, organisation: Organisation):
        self.organisation = organisation
        self.locations = {
            location.code: location
            for location in Location.objects.filter(organisation=organisation).select_related(
                "area_type"
            )
        }
        self.units = {unit.code: unit for unit in Unit.objects.filter(organisation=organisation)}
        self.people = {
            person.name: person for person in Person.objects.filter(organisation=organisation)
        }
        self._versions: dict[int | None, StandardVersion | None] = {}
        self._items: dict[int, dict[str, StandardItem]] = {}

    def version(self, location: Location) -> StandardVersion | None:
        if location.area_type_id not in self._versions:
            self._versions[location.area_type_id] = standard_version_for_location(location=location)
        return self._versions[location.area_type_id]

    def items(self, version: StandardVersion) -> dict[str, StandardItem]:
        if version.pk not in self._items:
            self._items[version.pk] = {
                item.text: item for item in standard_version_items(version=version)
            }
        return self._items[version.pk]


def _correction(values: dict, finding: Finding, known: _Known, problem: Problem):
    """The corrected finding a numbered row gives, or None with the problem.

    A value as the export wrote it keeps what is stored (the unit, a highlight's note); the
    finding keeps its kind (a highlight stays one, a finding without an item stays a deduction
    or a bonus) and its check's date, time, location and inspector."""
    if not _same_check(values, finding, problem) or finding.inspection is None:
        return None
    version = finding.inspection.standard_version
    same_unit = values.get("unit") == (finding.unit.code if finding.unit else None)
    note = values.get("note") or ""
    if note == _exported_note(finding.kind, finding.note).strip():
        note = finding.note
    given = {**values, "unit": None if same_unit else values.get("unit"), "note": note}
    parts = _finding_parts(given, known.items(version), version, known.units, problem)
    if parts is None:
        return None
    unit, item, points, note = parts
    if finding.kind == FindingKind.HIGHLIGHT:
        if points is not None:
            problem("points", _("a highlight has no points; leave the cell empty"))
            return None
        kind = FindingKind.HIGHLIGHT
    elif item is not None:
        kind = None  # the item's
    elif points is None:
        problem("item", _("give an item of the standard, or the points"))
        return None
    else:
        kind = FindingKind.BONUS if finding.kind == FindingKind.BONUS else FindingKind.DEDUCTION
    return FindingInput(
        item_id=item.pk if item else None,
        kind=kind,
        points=points,
        note=note,
        unit=finding.unit if same_unit else unit,
        unit_reason=_("as entered in the workbook"),
    )


def _same_check(values: dict, finding: Finding, problem: Problem) -> bool:
    moment = _time(values.get("time"))
    if moment is None:
        problem("time", _("“%(value)s” is not a time like 07:30") % {"value": values["time"]})
        return False
    recorded = {
        "date": finding.date,
        "time": timezone.localtime(finding.observed_at).strftime("%H:%M"),
        "location": finding.location.code,
        "inspector": finding.inspector.name if finding.inspector else "",
    }
    given = {
        "date": values["date"],
        "time": moment.strftime("%H:%M"),
        "location": values["location"],
        "inspector": values.get("inspector") or "",
    }
    for key, value in recorded.items():
        if given[key] != value:
            problem(
                key,
                _(
                    "the finding %(id)s belongs to a check whose value here is “%(value)s”; a "
                    "finding keeps the date, time, location and inspector of its check (leave "
                    "系统编号 empty to record a new finding)"
                )
                % {"id": finding.pk, "value": value or "—"},
            )
            return False
    return True


def _finding(values, items, version, units, problem) -> FindingInput | None:
    """The finding of a row without a number: of an item, a highlight (说明 starts with 亮点) or
    a deduction of the points given."""
    parts = _finding_parts(values, items, version, units, problem)
    if parts is None:
        return None
    unit, item, points, note = parts
    reason = _("as entered in the workbook") if unit else ""
    if item is not None:
        return FindingInput(
            item_id=item.pk, points=points, note=note, unit=unit, unit_reason=reason
        )
    if note.startswith(HIGHLIGHT_PREFIX):
        return FindingInput(kind=FindingKind.HIGHLIGHT, note=note, unit=unit, unit_reason=reason)
    if points is None and not note.strip():
        # Only 位置 and 日期 (and 时间, 检查人): a check that found nothing, as a paper sheet's
        # "合格" line; it counts as a check of the place's unit that day.
        return FindingInput(kind=NOTHING_FOUND, unit=unit, unit_reason=reason)
    if points is None:
        problem("item", _("give an item of the standard, or the points"))
        return None
    return FindingInput(
        kind=FindingKind.DEDUCTION, points=points, note=note, unit=unit, unit_reason=reason
    )


def _finding_parts(
    values, items, version, units, problem
) -> tuple[Unit | None, StandardItem | None, Decimal | None, str] | None:
    """The unit, item, points and note a row gives, checked against the standard version; None
    with the problem."""
    unit = None
    if values.get("unit"):
        unit = units.get(values["unit"])
        if unit is None:
            problem("unit", _("no unit has the code “%(code)s”") % {"code": values["unit"]})
            return None
    note = values.get("note") or ""
    if len(note) > NOTE_LENGTH:
        problem("note", _("at most %(count)s characters") % {"count": NOTE_LENGTH})
        return None
    points: Decimal | None = values.get("points")
    if points is not None and points < 0:
        problem("points", _("cannot be negative"))
        return None
    item = None
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
    return unit, item, points, note


# A background export reports its progress after every this many rows.
PROGRESS_ROWS = 10_000


def findings_export(*, organisation: Organisation, target, queryset=None, progress=None) -> None:
    """Write findings in the import layout (newest first), streaming rows; ``progress(rows)`` is
    called every PROGRESS_ROWS rows (a background export, orgs/tasks.py).

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
        "id",
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
        for row, (date, moment, location, unit, item, kind, points, note, who, pk) in enumerate(
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
                note = _exported_note(kind, note)
            else:
                number(row, 5, float(points))
            if note:
                text(row, 6, note)
            if who is not None:
                name(row, 7, people[who])
            number(row, 8, pk)
            if progress is not None and row % PROGRESS_ROWS == 0:
                progress(row)
