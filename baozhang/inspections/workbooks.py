"""The inspections' lists as workbooks (core/list_workbooks.py): the checks behind a report's
numbers, the red flags and the schedules; the checks page's filters, read from its URL parameters
by the page and by the worker alike.

The ranking stays a workbook written at once (inspections/views.py): it has one row per unit of
the organisation, figures the page computes in full for every request anyway.
"""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from baozhang.core.figures import Scope
from baozhang.core.list_workbooks import ListSheet
from baozhang.core.params import id_param
from baozhang.core.periods import Period, month_key, period_parse, week_key
from baozhang.inspections.models import RedFlag, Schedule
from baozhang.inspections.planned_checks import (
    checks_missed,
    checks_open,
    checks_planned,
    inspections_planned_done,
    inspections_unscheduled,
)
from baozhang.inspections.schedule_forms import WEEKDAYS
from baozhang.orgs.access import OrgAccess
from baozhang.orgs.models import AreaType, Site, Unit
from baozhang.orgs.selectors import scope_location_filter

DAY_NAMES = dict(WEEKDAYS)


def period_of(params, default_kind: str = "week") -> tuple[Period, str | None]:
    """The period named by ?period=, else the current week (or month); errors told, not raised."""
    today = timezone.localdate()
    default = week_key(today) if default_kind == "week" else month_key(today)
    label = (params.get("period") or default).strip()
    try:
        return period_parse(label), None
    except ValueError:
        return period_parse(default), _(
            "“%(value)s” is not a period like 2026-W47, 2026-11, 2026-Q4, 2026 or 2026-09-01..2027-01-20."
        ) % {"value": label}


@dataclass
class Checks:
    """The checks page's choice: the period, its error, the state and the rows."""

    period: Period
    error: str | None
    state: str
    rows: QuerySet


# The checks behind each number of the figures (inspections/figures.py), counted as far as the
# period has run: planned = done + missed + open; unscheduled are done outside the plan.
CHECK_STATES = {
    "planned": checks_planned,
    "done": inspections_planned_done,
    "missed": checks_missed,
    "open": checks_open,
    "unscheduled": inspections_unscheduled,
}
INSPECTION_STATES = ("done", "unscheduled")


def checks_listed(*, organisation, params) -> Checks:
    """The checks behind a report's numbers: planned, done, missed, open (still within their
    time) or done outside the plan in a period as far as it has run, for the whole organisation
    or the locations of a site, a unit or an area type."""
    period, error = period_of(params, default_kind="month")
    period = period.until(timezone.now())
    state = params.get("state", "done")
    state = state if state in CHECK_STATES else "done"
    chosen = {}
    for name, model in (("site", Site), ("unit", Unit), ("area_type", AreaType)):
        value = id_param(params.get(name))
        if value is not None:
            chosen[name] = model.objects.filter(organisation=organisation, pk=value).first()
    scope = Scope(organisation=organisation, **chosen)
    where = scope_location_filter(scope=scope, period=period)
    rows = CHECK_STATES[state](organisation=organisation, period=period).filter(where)
    if state in INSPECTION_STATES:
        rows = rows.select_related("location", "inspector").order_by("-done_at", "-id")
    else:
        rows = rows.select_related("location", "schedule").order_by("due_at", "id")
    return Checks(period=period, error=error, state=state, rows=rows)


def checks_sheet(*, access: OrgAccess, filters) -> ListSheet:
    """The checks page's rows: when, where, and who checked or which schedule planned it."""
    checks = checks_listed(organisation=access.organisation, params=filters)
    done = checks.state in INSPECTION_STATES
    return ListSheet(
        file_name=f"{access.organisation.slug}-检查-{checks.period.label}.xlsx",
        sheet="检查",
        headers=["时间", "位置", "检查人" if done else "检查计划"],
        rows=(
            (
                timezone.localtime(row.done_at if done else row.due_at).strftime("%Y-%m-%d %H:%M"),
                str(row.location),
                (str(row.inspector) if row.inspector else "") if done else row.schedule.name,
            )
            for row in checks.rows.iterator(chunk_size=500)
        ),
        count=checks.rows.count,
    )


def red_flags_period(params) -> tuple[Period, str | None]:
    """The red flags page's period: ?period=, else this year; a wrong one is told back as is."""
    label = params.get("period") or str(timezone.localdate().year)
    try:
        return period_parse(label), None
    except ValueError:
        return period_parse(str(timezone.localdate().year)), label


def red_flags_of(*, organisation, period: Period) -> QuerySet[RedFlag]:
    """The red flags of the weeks of the period, newest week first."""
    return RedFlag.objects.filter(
        organisation=organisation,
        week_key__gte=week_key(period.start),
        week_key__lte=week_key(period.end),
    ).select_related("unit", "area_type")


def red_flags_sheet(*, access: OrgAccess, filters) -> ListSheet:
    period, _error = red_flags_period(filters)
    flags = red_flags_of(organisation=access.organisation, period=period)
    return ListSheet(
        file_name=f"{access.organisation.slug}-流动红旗-{period.label}.xlsx",
        sheet="流动红旗",
        headers=["周", "单位", "区域类型", "名次", "得分"],
        rows=(
            (f.week_key, f.unit.name, f.area_type.name if f.area_type else "", f.rank, f.score)
            for f in flags.iterator(chunk_size=500)
        ),
        count=flags.count,
    )


def schedules_of(*, organisation) -> QuerySet[Schedule]:
    return Schedule.objects.filter(organisation=organisation).select_related("standard", "team")


def schedules_sheet(*, access: OrgAccess, filters) -> ListSheet:
    schedules = schedules_of(organisation=access.organisation)
    return ListSheet(
        file_name=f"{access.organisation.slug}-检查计划.xlsx",
        sheet="检查计划",
        headers=["名称", "类型", "时间", "星期", "每月日期", "每周抽查次数", "督查层级", "检查标准",
                 "检查班组", "检查人", "开始", "结束", "启用"],
        rows=(
            (
                schedule.name,
                str(schedule.get_kind_display()),
                "、".join(schedule.times),
                "、".join(str(DAY_NAMES[day]) for day in schedule.weekdays if day in DAY_NAMES),
                schedule.month_day,
                schedule.checks_per_week,
                str(schedule.get_level_display()),
                schedule.standard.name,
                schedule.team.name if schedule.team else None,
                "、".join(person.name for person in schedule.assignees.all()),
                schedule.starts_on,
                schedule.ends_on,
                schedule.is_active,
            )
            for schedule in schedules.prefetch_related("assignees").iterator(chunk_size=500)
        ),
        count=schedules.count,
    )  # fmt: skip
