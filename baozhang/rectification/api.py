"""Rectification operations: disposing of findings, a task's life, the office meeting's referrals,
patrol rounds with their sheet, statistics, the inbox, robots and the delivery log."""

from __future__ import annotations

import math
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from baozhang.core.api import ApiValidationError, Input, Page, answers, field_failed, named_record
from baozhang.core.periods import month_key, period_parse
from baozhang.inspections.access import access_finding, access_photo_upload
from baozhang.inspections.models import PhotoUpload
from baozhang.orgs.access import (
    access_area_type,
    access_location,
    access_person,
    access_unit,
    org_scope,
    request_access,
)
from baozhang.orgs.permissions import (
    DECIDE_REFERRALS,
    RECORD_INSPECTIONS,
    SUBMIT_RECTIFICATION,
    VIEW_INSPECTIONS,
    VIEW_SETUP,
)
from baozhang.rectification import selectors, services
from baozhang.rectification.access import (
    access_patrol_round,
    access_referral,
    access_task,
    units_headed,
)
from baozhang.rectification.models import PatrolRound, Referral, Task

router = Router(tags=["rectification"])
PAGE_SIZE = 50


# Answers ---------------------------------------------------------------------------------------


class EventOut(Schema):
    kind: str
    at: datetime
    by: str | None
    note: str
    has_photo: bool


class TaskOut(Schema):
    id: int
    finding_id: int
    referral_id: int | None
    unit_id: int
    unit: str
    assignee_id: int | None
    description: str
    severity: str
    deadline: datetime
    status: str
    overdue: bool = Field(
        description="open past its deadline; a submitted fix waits for verification and is not"
    )
    opened_at: datetime
    submitted_at: datetime | None
    closed_at: datetime | None
    closed_in_time: bool | None
    rejections: int
    escalation: int
    events: list[EventOut] = Field(default_factory=list)


class TaskList(Page):
    results: list[TaskOut]


class SpotFixOut(Schema):
    id: int
    finding_id: int
    fixed_by: str
    note: str
    fixed_at: datetime
    has_photo: bool


class ReferralOut(Schema):
    id: int
    finding_id: int
    reason: str
    referred_at: datetime
    meeting_date: date | None
    decision: str
    decided_at: datetime | None
    task_id: int | None


class FiguresOut(Schema):
    key: int | None = Field(None, description="the unit's or area type's id; none in a total")
    label: str
    found: int
    spot: int = Field(description="fixed on the spot")
    tracked: int
    referred: int
    closed: int
    closed_in_time: int
    closed_late: int
    overdue: int = Field(description="tasks open past their deadline (not those submitted)")
    rejected: int = Field(description="tasks rejected at least once at verification")
    average_days: float | None
    p90_days: float | None


class StatisticsOut(Schema):
    period: str
    by: str
    rows: list[FiguresOut]
    total: FiguresOut


class RoundOut(Schema):
    id: int
    title: str
    date: date
    leader_id: int
    member_ids: list[int]
    area_type_ids: list[int]
    location_ids: list[int]
    note: str


class RoundSheetOut(RoundOut):
    figures: FiguresOut
    highlights: int


def _task(task: Task, now: datetime, events: bool = False) -> dict:
    answer = {
        "id": task.pk,
        "finding_id": task.finding_id,
        "referral_id": task.referral_id,
        "unit_id": task.unit_id,
        "unit": task.unit.name,
        "assignee_id": task.assignee_id,
        "description": task.description,
        "severity": task.severity,
        "deadline": task.deadline,
        "status": task.status,
        "overdue": task.is_overdue(now),
        "opened_at": task.opened_at,
        "submitted_at": task.submitted_at,
        "closed_at": task.closed_at,
        "closed_in_time": task.closed_in_time,
        "rejections": task.rejections,
        "escalation": task.escalation,
    }
    if events:
        answer["events"] = [
            {
                "kind": event.kind,
                "at": event.at,
                "by": event.by.name if event.by else None,
                "note": event.note,
                "has_photo": bool(event.photo),
            }
            for event in task.events.select_related("by")
        ]
    return answer


def _figures(row: selectors.Figures) -> dict:
    return {
        "key": row.key,
        "label": str(row.label),
        **{state: row.count(state) for state in selectors.COUNTED},
        "average_days": row.average_days,
        "p90_days": row.p90_days,
    }


def _referral(referral: Referral) -> dict:
    return {
        "id": referral.pk,
        "finding_id": referral.finding_id,
        "reason": referral.reason,
        "referred_at": referral.referred_at,
        "meeting_date": referral.meeting_date,
        "decision": referral.decision,
        "decided_at": referral.decided_at,
        "task_id": getattr(getattr(referral, "task", None), "pk", None),
    }


def _round(patrol: PatrolRound) -> dict:
    return {
        "id": patrol.pk,
        "title": patrol.title,
        "date": patrol.date,
        "leader_id": patrol.leader_id,
        "member_ids": sorted(person.pk for person in patrol.members.all()),
        "area_type_ids": sorted(area.pk for area in patrol.area_types.all()),
        "location_ids": sorted(location.pk for location in patrol.locations.all()),
        "note": patrol.note,
    }


def _upload(access, pk: int | None, permission: str) -> PhotoUpload | None:
    upload = named_record(access_photo_upload, access, pk, field="photo_id", permission=permission)
    if upload is not None and upload.uploaded_by_id != access.user.pk:
        raise ApiValidationError(
            [{"field": "photo_id", "message": _("A photo id is unknown or already used.")}]
        )
    return upload


# Disposing of a finding -------------------------------------------------------------------------


class SpotFixIn(Input):
    fixed_by: str = Field(max_length=100, description="who fixed it on the spot")
    note: str = Field("", max_length=2000)
    photo_id: int | None = Field(None, description="an after-photo sent to POST /photos")


class TaskIn(Input):
    unit_id: int | None = Field(None, description="default: the finding's unit")
    severity: str | None = Field(
        None, description="urgent, normal or minor; default: urgent for a red line, else normal"
    )
    deadline: datetime | None = Field(None, description="default: the policy's for the severity")
    assignee_id: int | None = None
    description: str = Field("", max_length=2000)


class ReferralIn(Input):
    reason: str = Field("", max_length=2000)


@router.post(
    "/orgs/{org}/findings/{id}/spot-fix",
    response=answers({201: SpotFixOut}),
    operation_id="spot_fix_record",
    summary="Record that a finding was fixed on the spot",
)
def spot_fix(request, org: str, id: int, payload: SpotFixIn):  # noqa: A002
    access = request_access(request, org, RECORD_INSPECTIONS)
    with org_scope(access), transaction.atomic():
        finding = access_finding(access, id, permission=RECORD_INSPECTIONS)
        upload = _upload(access, payload.photo_id, RECORD_INSPECTIONS)
        try:
            fix = services.spot_fix_record(
                access=access,
                finding=finding,
                fixed_by=payload.fixed_by,
                note=payload.note,
                photo=upload,
            )
        except ValidationError as error:
            raise field_failed(error) from error
    return Status(
        201,
        {
            "id": fix.pk,
            "finding_id": fix.finding_id,
            "fixed_by": fix.fixed_by,
            "note": fix.note,
            "fixed_at": fix.fixed_at,
            "has_photo": bool(fix.photo),
        },
    )


@router.post(
    "/orgs/{org}/findings/{id}/task",
    response=answers({201: TaskOut}),
    operation_id="task_open",
    summary="Open a rectification task for a finding",
)
def task_open(request, org: str, id: int, payload: TaskIn):  # noqa: A002
    access = request_access(request, org, RECORD_INSPECTIONS)
    with org_scope(access):
        finding = access_finding(access, id, permission=RECORD_INSPECTIONS)
        try:
            task = services.task_open(
                access=access,
                finding=finding,
                unit=named_record(
                    access_unit, access, payload.unit_id, field="unit_id", permission=VIEW_SETUP
                ),
                severity=payload.severity,
                deadline=payload.deadline,
                assignee=named_record(
                    access_person,
                    access,
                    payload.assignee_id,
                    field="assignee_id",
                    permission=VIEW_SETUP,
                ),
                description=payload.description,
            )
        except ValidationError as error:
            raise field_failed(error) from error
        return Status(201, _task(task, timezone.now(), events=True))


@router.post(
    "/orgs/{org}/findings/{id}/referral",
    response=answers({201: ReferralOut}),
    operation_id="referral_create",
    summary="Refer a finding to the office meeting",
)
def referral_create(request, org: str, id: int, payload: ReferralIn):  # noqa: A002
    access = request_access(request, org, RECORD_INSPECTIONS)
    with org_scope(access):
        try:
            referral = services.referral_create(
                access=access,
                finding=access_finding(access, id, permission=RECORD_INSPECTIONS),
                reason=payload.reason,
            )
        except ValidationError as error:
            raise field_failed(error) from error
        return Status(201, _referral(referral))


# Tasks ------------------------------------------------------------------------------------------


class TaskQuery(Schema):
    state: str = Field(
        "pending",
        description="open, submitted, pending, closed, closed_in_time, closed_late, overdue, "
        "rejected or tracked",
    )
    period: str | None = Field(None, description="when the finding was observed, e.g. 2026-11")
    unit: int | None = None
    area_type: int | None = None
    round: int | None = None
    mine: bool = Field(False, description="only the tasks of the units the caller heads")
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(PAGE_SIZE, ge=1, le=500)


TASK_STATES = {
    "open",
    "submitted",
    "pending",
    "closed",
    "closed_in_time",
    "closed_late",
    "overdue",
    "rejected",
    "tracked",
}


def _period_or_none(label: str | None):
    if not label:
        return None
    try:
        return period_parse(label)
    except ValueError as error:
        raise ApiValidationError(
            [{"field": "period", "message": _("Not a period like 2026-W47 or 2026-11.")}]
        ) from error


@router.get(
    "/orgs/{org}/tasks",
    response=answers({200: TaskList}),
    operation_id="task_list",
    summary="Rectification tasks in a state, newest finding first",
)
def task_list(request, org: str, filters: Query[TaskQuery]):
    access = request_access(request, org, VIEW_INSPECTIONS)
    if filters.state not in TASK_STATES:
        raise ApiValidationError([{"field": "state", "message": _("Unknown state.")}])
    now = timezone.now()
    with org_scope(access):
        findings = selectors.problems(
            organisation=access.organisation,
            period=_period_or_none(filters.period),
            unit_id=filters.unit,
            area_type_id=filters.area_type,
            patrol_round_id=filters.round,
        ).filter(selectors.state_filter(filters.state, now), task__isnull=False)
        tasks = Task.objects.filter(finding__in=findings.values("pk")).select_related("unit")
        if filters.mine:
            tasks = tasks.filter(unit_id__in=units_headed(access))
        tasks = tasks.order_by("-finding__observed_at", "-id")
        count = tasks.count()
        start = (filters.page - 1) * filters.page_size
        return {
            "count": count,
            "page": filters.page,
            "pages": max(1, math.ceil(count / filters.page_size)),
            "results": [_task(task, now) for task in tasks[start : start + filters.page_size]],
        }


def _task_of(access, task_id: int, permission: str) -> Task:
    return access_task(
        access, task_id, permission=permission, queryset=Task.objects.select_related("unit")
    )


@router.get(
    "/orgs/{org}/tasks/{id}",
    response=answers({200: TaskOut}),
    operation_id="task_read",
    summary="A task with every step of its life",
)
def task_read(request, org: str, id: int):  # noqa: A002
    access = request_access(request, org, VIEW_INSPECTIONS)
    with org_scope(access):
        return _task(_task_of(access, id, VIEW_INSPECTIONS), timezone.now(), events=True)


class SubmitIn(Input):
    note: str = Field("", max_length=2000)
    photo_id: int | None = Field(None, description="an after-photo sent to POST /photos")


class VerifyIn(Input):
    note: str = Field("", max_length=2000)


class RejectIn(Input):
    reason: str = Field(max_length=2000)


@router.post(
    "/orgs/{org}/tasks/{id}/submit",
    response=answers({200: TaskOut}),
    operation_id="task_submit",
    summary="The unit submits its fix for verification",
)
def task_submit(request, org: str, id: int, payload: SubmitIn):  # noqa: A002
    access = request_access(request, org, SUBMIT_RECTIFICATION)
    with org_scope(access), transaction.atomic():
        upload = _upload(access, payload.photo_id, SUBMIT_RECTIFICATION)
        try:
            task = services.task_submit(
                access=access,
                task=_task_of(access, id, SUBMIT_RECTIFICATION),
                note=payload.note,
                photo=upload,
            )
        except ValidationError as error:
            raise field_failed(error) from error
        return _task(task, timezone.now(), events=True)


@router.post(
    "/orgs/{org}/tasks/{id}/verify",
    response=answers({200: TaskOut}),
    operation_id="task_verify",
    summary="Verify the fix and close the task",
)
def task_verify(request, org: str, id: int, payload: VerifyIn):  # noqa: A002
    access = request_access(request, org, RECORD_INSPECTIONS)
    with org_scope(access):
        try:
            task = services.task_verify(
                access=access, task=_task_of(access, id, RECORD_INSPECTIONS), note=payload.note
            )
        except ValidationError as error:
            raise field_failed(error) from error
        return _task(task, timezone.now(), events=True)


@router.post(
    "/orgs/{org}/tasks/{id}/reject",
    response=answers({200: TaskOut}),
    operation_id="task_reject",
    summary="Reject the fix with a reason: the task goes back to the unit",
)
def task_reject(request, org: str, id: int, payload: RejectIn):  # noqa: A002
    access = request_access(request, org, RECORD_INSPECTIONS)
    with org_scope(access):
        try:
            task = services.task_reject(
                access=access,
                task=_task_of(access, id, RECORD_INSPECTIONS),
                reason=payload.reason,
            )
        except ValidationError as error:
            raise field_failed(error, "reason") from error
        return _task(task, timezone.now(), events=True)


# Referrals --------------------------------------------------------------------------------------


@router.get(
    "/orgs/{org}/referrals",
    response=answers({200: list[ReferralOut]}),
    operation_id="referral_list",
    summary="Findings referred to the office meeting",
)
def referral_list(request, org: str, decided: bool | None = None):
    access = request_access(request, org, VIEW_INSPECTIONS)
    with org_scope(access):
        referrals = Referral.objects.filter(organisation=access.organisation).select_related("task")
        if decided is not None:
            referrals = referrals.filter(decided_at__isnull=not decided)
        return [_referral(referral) for referral in referrals[:500]]


class DecisionIn(Input):
    decision: str = Field(max_length=2000)
    unit_id: int
    deadline: datetime
    meeting_date: date | None = None
    severity: str | None = Field(
        None, description="urgent, normal or minor; default: urgent for a red line, else normal"
    )
    assignee_id: int | None = None


@router.post(
    "/orgs/{org}/referrals/{id}/decision",
    response=answers({201: TaskOut}),
    operation_id="referral_decide",
    summary="Record the meeting's decision; it becomes a task",
)
def referral_decide(request, org: str, id: int, payload: DecisionIn):  # noqa: A002
    access = request_access(request, org, DECIDE_REFERRALS)
    with org_scope(access):
        referral = access_referral(access, id, permission=DECIDE_REFERRALS)
        try:
            task = services.referral_decide(
                access=access,
                referral=referral,
                decision=payload.decision,
                unit=named_record(
                    access_unit, access, payload.unit_id, field="unit_id", permission=VIEW_SETUP
                ),
                deadline=payload.deadline,
                meeting_date=payload.meeting_date,
                severity=payload.severity,
                assignee=named_record(
                    access_person,
                    access,
                    payload.assignee_id,
                    field="assignee_id",
                    permission=VIEW_SETUP,
                ),
            )
        except ValidationError as error:
            raise field_failed(error) from error
        return Status(201, _task(task, timezone.now(), events=True))


# Statistics and rounds --------------------------------------------------------------------------


@router.get(
    "/orgs/{org}/rectification/statistics",
    response=answers({200: StatisticsOut}),
    operation_id="rectification_statistics",
    summary="Found, fixed on the spot, tracked, closed in time or late, overdue, rejected",
)
def statistics(
    request,
    org: str,
    period: str | None = None,
    by: str = "unit",
    round: int | None = None,  # noqa: A002
):
    access = request_access(request, org, VIEW_INSPECTIONS)
    if by not in ("unit", "area_type"):
        raise ApiValidationError([{"field": "by", "message": _("Use unit or area_type.")}])
    chosen = _period_or_none(period) or period_parse(month_key(timezone.localdate()))
    with org_scope(access):
        findings = selectors.problems(
            organisation=access.organisation, period=chosen, patrol_round_id=round
        )
        rows = selectors.figures(findings, timezone.now(), group=by)
        return {
            "period": chosen.label,
            "by": by,
            "rows": [_figures(row) for row in rows],
            "total": _figures(selectors.total_of(rows)),
        }


ROUND_RECORDS_MAX = 1000


class RoundIn(Input):
    title: str = Field(max_length=200)
    date: date
    leader_id: int
    # Each record named goes through its gate, one query each: a bound keeps a request bounded.
    member_ids: list[int] = Field(default_factory=list, max_length=ROUND_RECORDS_MAX)
    area_type_ids: list[int] = Field(default_factory=list, max_length=ROUND_RECORDS_MAX)
    location_ids: list[int] = Field(default_factory=list, max_length=ROUND_RECORDS_MAX)
    note: str = Field("", max_length=2000)


@router.get(
    "/orgs/{org}/rounds",
    response=answers({200: list[RoundOut]}),
    operation_id="round_list",
    summary="Special patrol rounds, newest first",
)
def round_list(request, org: str):
    access = request_access(request, org, VIEW_INSPECTIONS)
    with org_scope(access):
        rounds = PatrolRound.objects.filter(organisation=access.organisation).prefetch_related(
            "members", "area_types", "locations"
        )
        return [_round(patrol) for patrol in rounds[:500]]


def _many(gate, access, ids: list[int], field: str) -> list:
    return [
        named_record(gate, access, record_id, field=field, permission=VIEW_SETUP)
        for record_id in dict.fromkeys(ids)
    ]


@router.post(
    "/orgs/{org}/rounds",
    response=answers({201: RoundOut}),
    operation_id="round_create",
    summary="Create a special patrol round",
)
def round_create(request, org: str, payload: RoundIn):
    access = request_access(request, org, RECORD_INSPECTIONS)
    with org_scope(access), transaction.atomic():
        leader = named_record(
            access_person, access, payload.leader_id, field="leader_id", permission=VIEW_SETUP
        )
        members = _many(access_person, access, payload.member_ids, "member_ids")
        area_types = _many(access_area_type, access, payload.area_type_ids, "area_type_ids")
        locations = _many(access_location, access, payload.location_ids, "location_ids")
        if not payload.title.strip():
            raise ApiValidationError([{"field": "title", "message": _("This field is required.")}])
        patrol = services.patrol_round_create(
            organisation=access.organisation,
            title=payload.title,
            date=payload.date,
            leader=leader,
            note=payload.note,
            members=members,
            area_types=area_types,
            locations=locations,
        )
        return Status(201, _round(patrol))


@router.get(
    "/orgs/{org}/rounds/{id}",
    response=answers({200: RoundSheetOut}),
    operation_id="round_read",
    summary="A patrol round with its sheet's figures",
)
def round_read(request, org: str, id: int):  # noqa: A002
    access = request_access(request, org, VIEW_INSPECTIONS)
    with org_scope(access):
        patrol = access_patrol_round(access, id, permission=VIEW_INSPECTIONS)
        sheet = selectors.patrol_round_sheet(patrol_round=patrol, now=timezone.now())
        return {
            **_round(patrol),
            "figures": _figures(sheet["figures"]),
            "highlights": len(sheet["highlights"]),
        }
