"""The rectification lists as workbooks (core/list_workbooks.py): the records behind every number,
the patrol rounds, a person's tasks and the office meeting's referrals; the records page's filters,
read from its URL parameters by the page and by the worker alike."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from baozhang.core.list_workbooks import ListSheet
from baozhang.core.params import id_param
from baozhang.core.periods import Period, period_error, period_parse
from baozhang.inspections.models import Finding
from baozhang.orgs.access import OrgAccess
from baozhang.rectification import selectors
from baozhang.rectification.access import units_headed
from baozhang.rectification.models import PatrolRound, Referral, Task, TaskStatus

STATE_LABELS = {
    "found": gettext_lazy("Found"),
    "spot": gettext_lazy("Fixed on the spot"),
    "tracked": gettext_lazy("Tracked as tasks"),
    "referred": gettext_lazy("Referred to the meeting"),
    "undecided": gettext_lazy("Waiting for the meeting"),
    "undisposed": gettext_lazy("Not yet disposed of"),
    "open": gettext_lazy("Open"),
    "submitted": gettext_lazy("Waiting for verification"),
    "pending": gettext_lazy("Not closed"),
    "closed": gettext_lazy("Closed"),
    "closed_in_time": gettext_lazy("Closed in time"),
    "closed_late": gettext_lazy("Closed late"),
    "overdue": gettext_lazy("Open and overdue"),
    "rejected": gettext_lazy("Rejected at verification"),
}


def records_scope(params) -> tuple[Period | None, dict[str, int], str, str | None]:
    """The scope of the records and statistics pages: period, site, unit, area type, round, state.

    Returns (period or None, filters dict for selectors.problems, state, error message)."""
    error = None
    period = None
    label = params.get("period", "").strip()
    if label:
        try:
            period = period_parse(label)
        except ValueError:
            error = period_error(label)
    filters = {}
    for name, key in (
        ("site", "site_id"),
        ("unit", "unit_id"),
        ("area_type", "area_type_id"),
        ("round", "patrol_round_id"),
    ):
        value = id_param(params.get(name))
        if value is not None:
            filters[key] = value
    state = params.get("state", "pending")
    if state not in STATE_LABELS:
        error = _("Unknown state “%(value)s”.") % {"value": state}
        state = "pending"
    return period, filters, state, error


def records_findings(*, organisation, params, now) -> QuerySet[Finding]:
    """The findings the records page lists for its URL parameters, newest first."""
    period, filters, state, _error = records_scope(params)
    return (
        selectors.problems(organisation=organisation, period=period, **filters)
        .filter(selectors.state_filter(state, now))
        .select_related("location", "unit", "item", "task", "spot_fix", "referral")
        .order_by("-observed_at", "-id")
    )


def disposition_text(finding: Finding, now) -> str:
    if hasattr(finding, "spot_fix"):
        return _("Fixed on the spot")
    if hasattr(finding, "task"):
        task = finding.task
        if task.closed_at:
            return _("Closed in time") if task.closed_in_time else _("Closed late")
        if task.is_overdue(now):
            return _("Open and overdue")
        return task.get_status_display()
    if hasattr(finding, "referral"):
        return _("Referred to the office meeting")
    return _("Not yet disposed of")


PROBLEM_HEADERS = ["时间", "位置", "责任单位", "检查项", "说明", "处置", "整改期限"]


def problem_row(finding: Finding, now) -> tuple:
    """A problem and what became of it, as a workbook row."""
    return (
        timezone.localtime(finding.observed_at).strftime("%Y-%m-%d %H:%M"),
        finding.location.name or finding.location.code,
        finding.unit.name if finding.unit else "",
        finding.item.text if finding.item else "",
        finding.note,
        disposition_text(finding, now),
        timezone.localtime(finding.task.deadline).strftime("%Y-%m-%d %H:%M")
        if hasattr(finding, "task")
        else "",
    )


def records_sheet(*, access: OrgAccess, filters) -> ListSheet:
    """The records page's findings: one row per problem and what became of it."""
    now = timezone.now()
    findings = records_findings(organisation=access.organisation, params=filters, now=now)
    return ListSheet(
        file_name=f"{access.organisation.slug}-整改记录.xlsx",
        sheet="整改记录",
        headers=PROBLEM_HEADERS,
        rows=(problem_row(finding, now) for finding in findings.iterator(chunk_size=500)),
        count=findings.count,
    )


def rounds_sheet(*, access: OrgAccess, filters) -> ListSheet:
    """Every patrol round of the organisation, newest first."""
    rounds = PatrolRound.objects.filter(organisation=access.organisation).select_related("leader")
    return ListSheet(
        file_name=f"{access.organisation.slug}-专项巡查.xlsx",
        sheet="专项巡查",
        headers=["日期", "标题", "带队领导", "说明"],
        rows=((r.date, r.title, str(r.leader), r.note) for r in rounds.iterator()),
        count=rounds.count,
    )


def tasks_of_person(access: OrgAccess) -> QuerySet[Task]:
    """The tasks not closed of the units the person heads or that are assigned to them, by
    deadline."""
    person_id = access.person.pk if access.person else None
    return (
        Task.objects.filter(organisation=access.organisation)
        .filter(Q(unit_id__in=units_headed(access)) | Q(assignee_id=person_id))
        .exclude(status=TaskStatus.CLOSED)
        .select_related("unit", "finding__location", "finding__item")
        .order_by("deadline", "id")
    )


def my_tasks_sheet(*, access: OrgAccess, filters) -> ListSheet:
    """The requester's tasks, as their page lists them."""
    tasks = tasks_of_person(access)
    now = timezone.now()
    return ListSheet(
        file_name=f"{access.organisation.slug}-我的整改任务.xlsx",
        sheet="整改任务",
        headers=["期限", "状态", "逾期", "责任单位", "位置", "问题", "说明"],
        rows=(
            (
                task.deadline,
                str(task.get_status_display()),
                task.is_overdue(now),
                task.unit.name,
                task.finding.location.code,
                task.finding.item.text if task.finding.item else "",
                task.finding.note,
            )
            for task in tasks.iterator(chunk_size=500)
        ),
        count=tasks.count,
    )


def referrals_sheet(*, access: OrgAccess, filters) -> ListSheet:
    """Every referral of the organisation, pending first, then the decided ones newest first."""
    referrals = (
        Referral.objects.filter(organisation=access.organisation)
        .select_related(
            "finding__location", "finding__item", "finding__unit", "referred_by", "task__unit"
        )
        .order_by(F("decided_at").desc(nulls_first=True), "referred_at", "id")
    )
    return ListSheet(
        file_name=f"{access.organisation.slug}-院长办公会事项.xlsx",
        sheet="院长办公会事项",
        headers=["提交时间", "位置", "问题", "责任单位", "提交理由", "提交人", "会议日期", "决定",
                 "决定时间", "整改单位"],
        rows=(
            (
                referral.referred_at,
                referral.finding.location.code,
                referral.finding.item.text if referral.finding.item else referral.finding.note,
                referral.finding.unit.name if referral.finding.unit else "",
                referral.reason,
                referral.referred_by.name if referral.referred_by else "",
                referral.meeting_date,
                referral.decision,
                referral.decided_at,
                _task_unit(referral),
            )
            for referral in referrals.iterator(chunk_size=500)
        ),
        count=referrals.count,
    )  # fmt: skip


def _task_unit(referral: Referral) -> str:
    """The unit of the task the decision opened (none before the decision)."""
    task = getattr(referral, "task", None)  # a missing reverse one-to-one raises AttributeError
    return task.unit.name if task is not None else ""
