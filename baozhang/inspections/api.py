"""Inspection operations: the check form of a location, submitting a whole check (once), photos,
findings, ranking, bulletin, missed checks, red flags and standards."""

import math

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from baozhang.core.api import ApiValidationError, Message, answers, named_record, shaped_response
from baozhang.core.periods import Period, period_parse, week_key
from baozhang.core.photos import PhotoRateExceeded, photos_rate_check
from baozhang.inspections import schemas as out
from baozhang.inspections import selectors
from baozhang.inspections.access import (
    access_finding,
    access_finding_unit,
    access_inspection,
    access_inspection_sent,
    access_inspection_to_void,
    access_photo_upload,
    access_schedule,
)
from baozhang.inspections.models import (
    ExpectedCheck,
    Inspection,
    PhotoUpload,
    RedFlag,
)
from baozhang.inspections.occasions import occasion_named, occasions_of_check
from baozhang.inspections.planned_checks import checks_missed
from baozhang.inspections.scores_text import basis_text
from baozhang.inspections.services import FindingInput, inspection_submit, photo_upload_create
from baozhang.inspections.voids import inspection_void
from baozhang.orgs.access import access_location, org_scope, request_access
from baozhang.orgs.api import XLSX, ExportJobOut, export_answer
from baozhang.orgs.permissions import (
    EXPORT_DATA,
    RECORD_INSPECTIONS,
    SUBMIT_RECTIFICATION,
    VIEW_INSPECTIONS,
    VIEW_SETUP,
)
from baozhang.standards.access import access_location_with_version
from baozhang.standards.schemas import item_answer, version_answer
from baozhang.standards.selectors import (
    items_for_location,
    standard_version_for_location,
)

router = Router(tags=["inspections"])
PAGE_SIZE = 50


def _finding(finding, photo_ids: list[int] | None = None) -> dict:
    return {
        "id": finding.pk,
        "inspection_id": finding.inspection_id,
        "location_id": finding.location_id,
        "location": str(finding.location),
        "unit_id": finding.unit_id,
        "unit": finding.unit.name if finding.unit_id else None,
        "unit_reason": finding.unit_reason,
        "item_id": finding.item_id,
        "item": finding.item.text if finding.item_id else None,
        "kind": finding.kind,
        "points": finding.points,
        "note": finding.note,
        "observed_at": finding.observed_at,
        "date": finding.date,
        "photo_ids": (
            photo_ids if photo_ids is not None else [photo.pk for photo in finding.photos.all()]
        ),
    }


def _inspection(inspection: Inspection, occasions: dict[str, int | None]) -> dict:
    stored = getattr(inspection, "stored_findings", None)
    if stored is not None:  # just submitted: the rows are at hand
        findings = [_finding(finding, finding.photo_ids) for finding in stored]
    else:
        # Ordered by id, not by the model's observed_at: the index on inspection_id answers it.
        findings = [
            _finding(finding)
            for finding in inspection.findings.select_related("location", "unit", "item")
            .prefetch_related("photos")
            .order_by("id")
        ]
    return {
        "id": inspection.pk,
        "client_id": inspection.client_id,
        "location_id": inspection.location_id,
        "location": str(inspection.location),
        "standard_version_id": inspection.standard_version_id,
        "schedule_id": inspection.schedule_id,
        **occasions,
        "level": inspection.level,
        "done_at": inspection.done_at,
        "score": inspection.score,
        "is_failed": inspection.is_failed,
        "note": inspection.note,
        "findings": findings,
        **_voided(inspection),
    }


def _voided(inspection: Inspection) -> dict:
    if inspection.voided_at is None:
        return {}
    return {
        "voided_at": inspection.voided_at,
        "voided_by": str(inspection.voided_by) if inspection.voided_by_id else None,
        "void_reason": inspection.void_reason,
        "voided_findings": inspection.voided_findings or [],
    }


def _period(label: str | None) -> Period:
    try:
        return period_parse(label or week_key(timezone.localdate()))
    except ValueError as error:
        raise ApiValidationError([{"field": "period", "message": _period_message(label)}]) from (
            error
        )


def _period_message(label) -> str:
    return _(
        "“%(value)s” is not a period like 2026-W47, 2026-11, 2026-Q4, 2026 or "
        "2026-09-01..2027-01-20."
    ) % {"value": label}


def _period_out(period: Period) -> dict:
    return {"label": period.label, "start": period.start, "end": period.end}


@router.get(
    "/orgs/{org}/locations/{id}/check",
    response=answers({200: out.CheckFormOut}),
    operation_id="check_form",
    summary="What a phone needs to check a location",
    description="The standard version that applies to the location and its items, by section.",
)
def check_form(request, org: str, id: int):  # noqa: A002
    access = request_access(request, org, RECORD_INSPECTIONS)
    with org_scope(access):
        location = access_location(access, id, permission=RECORD_INSPECTIONS)
        version = standard_version_for_location(location=location)
        items = items_for_location(version=version, location=location) if version else []
        return {
            "location_id": location.pk,
            "location": str(location),
            "area_type": location.area_type.name if location.area_type_id else None,
            "version": version_answer(version),
            "items": [item_answer(item) for item in items],
        }


@router.post(
    "/orgs/{org}/photos",
    response=answers({201: out.PhotoOut, 429: Message}),
    operation_id="photo_upload",
    summary="Send a photo ahead of its check",
    description=(
        "Returns an id to put in a finding's photo_ids when the check is submitted, or in the "
        "photo_id of a fix (on the spot, or a task's fix submitted by its unit). The photo is "
        "re-encoded as a JPEG without its metadata; a file that is not a JPEG, PNG or WebP photo, "
        "is damaged or has too many pixels is a 422. 429 (with Retry-After) when the user has "
        "sent more photos within the hour than allowed."
    ),
)
def photo_upload(request, org: str, file: File[UploadedFile], response: HttpResponse):
    access = request_access(request, org, VIEW_SETUP)
    if not (access.can(RECORD_INSPECTIONS) or access.can(SUBMIT_RECTIFICATION)):
        raise PermissionDenied
    try:
        photos_rate_check(request)
    except PhotoRateExceeded as refused:
        response["Retry-After"] = str(refused.retry_after)
        return Status(429, {"detail": refused.messages[0]})
    with org_scope(access):
        try:
            upload = photo_upload_create(
                organisation=access.organisation, photo=file, uploaded_by=access.user
            )
        except ValidationError as error:
            raise ApiValidationError(
                [{"field": "file", "message": message} for message in error.messages]
            ) from error
    return Status(201, {"id": upload.pk})


def _uploads(access, ids: list[int], index: int) -> list[PhotoUpload]:
    try:
        uploads = [
            access_photo_upload(access, upload_id, permission=RECORD_INSPECTIONS)
            for upload_id in set(ids)
        ]
    except Http404:
        raise ApiValidationError(
            [
                {
                    "field": f"findings.{index}.photo_ids",
                    "message": _("A photo id is unknown or already used."),
                }
            ]
        ) from None
    return sorted(uploads, key=lambda upload: upload.pk)


@router.post(
    "/orgs/{org}/inspections",
    response=answers({201: out.InspectionOut, 200: out.InspectionOut}),
    operation_id="inspection_submit",
    summary="Submit a whole check with its findings",
    description=(
        "All or nothing. 201 when stored; 200 with the stored check when the same client_id "
        "was already submitted (a resend after a network drop stores nothing new)."
    ),
)
def inspection_create(request, org: str, payload: out.InspectionIn):
    access = request_access(request, org, RECORD_INSPECTIONS)
    with org_scope(access):
        try:
            inspection, created = _inspection_store(access, payload)
        except (ApiValidationError, Http404) as refused:
            # A resend of a stored check may no longer name what it named (its photos are used,
            # the location was given up): the stored check is the answer.
            try:
                inspection = access_inspection_sent(
                    access, payload.client_id, permission=RECORD_INSPECTIONS
                )
            except Http404:
                raise refused from None
            created = False
        # A new check is on the occasion the payload names; a resend answers the stored one's.
        if created:
            occasions = {"patrol_round_id": payload.patrol_round_id}
        else:
            occasions = occasions_of_check(inspection)
        return Status(201 if created else 200, _inspection(inspection, occasions))


def _named(access, gatekeeper, record_id: int | None, field: str, message: str):
    """The organisation's record the payload names in the field, None when it names none."""
    return named_record(
        gatekeeper, access, record_id, field=field, permission=RECORD_INSPECTIONS, message=message
    )


def _inspection_store(access, payload: out.InspectionIn) -> tuple[Inspection, bool]:
    location, version = access_location_with_version(
        access, payload.location_id, permission=RECORD_INSPECTIONS
    )
    schedule = _named(
        access,
        access_schedule,
        payload.schedule_id,
        "schedule_id",
        _("There is no such schedule."),
    )
    try:
        # A check made during a patrol round: rectification registers the round (occasions.py).
        occasion = occasion_named(access, "patrol_round_id", payload.patrol_round_id)
    except Http404:
        raise ApiValidationError(
            [{"field": "patrol_round_id", "message": _("There is no such patrol round.")}]
        ) from None
    if version is None:
        raise ApiValidationError(
            [
                {
                    "field": "location_id",
                    "message": _("No active standard applies to this location."),
                }
            ]
        )
    if payload.level is not None and payload.level not in dict(
        Inspection._meta.get_field("level").choices
    ):
        raise ApiValidationError([{"field": "level", "message": _("Unknown supervision level.")}])
    try:
        findings = [
            FindingInput(
                item_id=finding.item_id,
                kind=finding.kind,
                points=finding.points,
                note=finding.note,
                unit=access_finding_unit(
                    access, finding.unit_id, number=index + 1, permission=RECORD_INSPECTIONS
                ),
                unit_reason=finding.unit_reason,
                uploads=_uploads(access, finding.photo_ids, index),
            )
            for index, finding in enumerate(payload.findings)
        ]
        submit = occasion.submit if occasion is not None else inspection_submit
        return submit(
            location=location,
            version=version,
            findings=findings,
            client_id=payload.client_id,
            done_at=payload.done_at,
            inspector=access.person,
            submitted_by=access.user,
            schedule=schedule,
            level=payload.level,
            note=payload.note,
        )
    except ValidationError as error:
        raise ApiValidationError(
            [{"field": _finding_field(error), "message": message} for message in error.messages]
        ) from error


def _finding_field(error: ValidationError) -> str:
    """The field a finding's error names: the finding's own (findings.0.item_id) when the error
    says which, else the findings."""
    number, field = getattr(error, "finding_number", None), getattr(error, "finding_field", None)
    return f"findings.{number - 1}.{field}" if number and field else "findings"


@router.get(
    "/orgs/{org}/inspections/{id}",
    response=answers({200: out.InspectionOut}),
    operation_id="inspection_read",
    summary="A check with its findings",
)
def inspection_read(request, org: str, id: int):  # noqa: A002
    access = request_access(request, org, VIEW_INSPECTIONS)
    with org_scope(access):
        inspection = access_inspection(access, id, permission=VIEW_INSPECTIONS)
        return _inspection(inspection, occasions_of_check(inspection))


@router.post(
    "/orgs/{org}/inspections/{id}/void",
    response=answers({200: out.InspectionOut}),
    operation_id="inspection_void",
    summary="Void a check entered by mistake (作废)",
    description=(
        "With the reason. Its inspector may void a check within 24 hours of submitting it, an "
        "administrator at any time; otherwise a 403 that says why. The voided check stays, "
        "with its findings as they were in voided_findings; every score, ranking, red flag, "
        "figure and list follows as if it had never been made, and the check it fulfilled is "
        "expected again (missed once its window has passed). A check already voided is a 422."
    ),
)
def inspection_void_operation(request, org: str, id: int, payload: out.InspectionVoidIn):  # noqa: A002
    access = request_access(request, org, RECORD_INSPECTIONS)
    with org_scope(access):
        now = timezone.now()
        inspection = access_inspection_to_void(access, id, now=now)
        if inspection.voided_at is not None:
            raise ApiValidationError(
                [{"field": None, "message": _("This check has already been voided.")}]
            )
        try:
            inspection_void(inspection=inspection, reason=payload.reason, by=access.user, now=now)
        except ValidationError as error:
            raise ApiValidationError(
                [{"field": "reason", "message": message} for message in error.messages]
            ) from error
        return _inspection(inspection, occasions_of_check(inspection))


class FindingFiltersQuery(Schema):
    period: str | None = Field(None, description="e.g. 2026-W47, 2026-11")
    site: str | None = Field(None, description="the id of the site of the findings' locations")
    unit: str | None = None
    area_type: str | None = None
    location: str | None = None
    kind: str | None = Field(None, description="a finding kind, or problems")
    q: str | None = None


class FindingQuery(FindingFiltersQuery):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(PAGE_SIZE, ge=1, le=500)


@router.get(
    "/orgs/{org}/findings",
    response=answers({200: out.FindingList}),
    operation_id="finding_list",
    summary="Findings, filtered like the findings page",
)
def finding_list(request, org: str, filters: Query[FindingQuery]):
    access = request_access(request, org, VIEW_INSPECTIONS)
    params = {key: str(value) for key, value in filters.dict().items() if value is not None}
    with org_scope(access):
        findings = selectors.findings_filtered(
            organisation=access.organisation, params=params
        ).prefetch_related("photos")
        count = findings.count()
        start = (filters.page - 1) * filters.page_size
        return {
            "count": count,
            "page": filters.page,
            "pages": max(1, math.ceil(count / filters.page_size)),
            "results": [_finding(f) for f in findings[start : start + filters.page_size]],
        }


@router.get(
    "/orgs/{org}/findings/export",
    response=answers({200: bytes, 202: ExportJobOut}),
    operation_id="finding_export",
    summary="Findings in the import layout (.xlsx), filtered like the findings page",
    description="At most BAOZHANG_EXPORT_BACKGROUND_ROWS rows: the workbook at once. More: 202"
    " with the export job, written by the background worker and followed with GET"
    " /orgs/{org}/export-jobs/{id}, whose `download` gives the file once done.",
    openapi_extra={
        "responses": {200: {"description": "The workbook", "content": {XLSX: {}}}},
    },
)
def finding_export(request, org: str, filters: Query[FindingFiltersQuery]):
    access = request_access(request, org, EXPORT_DATA)
    access.require(VIEW_INSPECTIONS)
    params = {key: str(value) for key, value in filters.dict().items() if value is not None}
    file_name = f"{access.organisation.slug}-检查记录.xlsx"
    return export_answer(access, kind="findings", params=params, file_name=file_name)


@router.get(
    "/orgs/{org}/findings/{id}",
    response=answers({200: out.FindingOut}),
    operation_id="finding_read",
    summary="One finding",
)
def finding_read(request, org: str, id: int):  # noqa: A002
    access = request_access(request, org, VIEW_INSPECTIONS)
    with org_scope(access):
        return _finding(access_finding(access, id, permission=VIEW_INSPECTIONS))


def _rows(rows) -> list[dict]:
    return [
        {
            "rank": row.rank,
            "unit_id": row.unit.pk,
            "unit": row.unit.name,
            "unit_kind": row.unit.kind,
            "score": row.score,
            "basis": basis_text(row),
            "periods": row.periods,
            "checks": row.checks,
            "problems": row.problems,
            "deductions": row.deductions,
            "bonus": row.bonus,
            "findings": row.findings,
            "highlights": row.highlights,
            "red_lines": row.red_lines,
            "capped": row.capped,
        }
        for row in rows
    ]


def _unchecked(rows) -> list[dict]:
    return [
        {
            "unit_id": row.unit.pk,
            "unit": row.unit.name,
            "unit_kind": row.unit.kind,
            "missed": row.missed,
        }
        for row in rows
    ]


@router.get(
    "/orgs/{org}/ranking",
    response=answers({200: out.RankingOut}),
    operation_id="ranking",
    summary="Unit scores and ranks for a period",
    description="period: 2026-W47 (default: this week), 2026-11, 2026-Q4, 2026, or a range.",
)
def ranking(request, org: str, period: str | None = None, area_type: int | None = None):
    access = request_access(request, org, VIEW_INSPECTIONS)
    chosen = _period(period)
    with org_scope(access):
        standings = selectors.unit_standings(
            organisation=access.organisation, period=chosen, area_type_id=area_type
        )
        return {
            "period": _period_out(chosen),
            "until": standings.until,
            "area_type_id": area_type,
            "rows": _rows(standings.ranked),
            "unchecked": _unchecked(standings.unchecked),
        }


@router.get(
    "/orgs/{org}/bulletin",
    response=answers({200: out.BulletinOut}),
    operation_id="bulletin",
    summary="The weekly bulletin",
    description="Per area type: each day's problems by unit, bonuses, highlights, praise, ranking.",
)
def bulletin(request, org: str, period: str | None = None):
    access = request_access(request, org, VIEW_INSPECTIONS)
    chosen = _period(period)
    week = period_parse(week_key(chosen.start))
    with org_scope(access):
        sections = selectors.weekly_bulletin(
            organisation=access.organisation, week=week, photos=True
        )
        return shaped_response({
            "period": _period_out(week),
            "sections": [
                {
                    "area_type": section.area_type.name,
                    "days": [
                        {
                            "date": day,
                            "units": [
                                {
                                    "unit": unit.name if unit else None,
                                    "findings": [_finding(f, f.photo_ids) for f in findings],
                                }
                                for unit, findings in units
                            ],
                        }
                        for day, units in section.days
                    ],
                    "bonuses": [_finding(f, f.photo_ids) for f in section.bonuses],
                    "highlights": [_finding(f, f.photo_ids) for f in section.highlights],
                    "praised": [unit.name for unit in section.praised],
                    "ranking": _rows(section.ranking),
                    "unchecked": _unchecked(section.unchecked),
                }
                for section in sections
            ],
        })  # fmt: skip


@router.get(
    "/orgs/{org}/missed-checks",
    response=answers({200: list[out.MissedCheckOut]}),
    operation_id="missed_checks",
    summary="Expected checks whose time passed without a check",
)
def missed_checks(request, org: str, period: str | None = None):
    access = request_access(request, org, VIEW_INSPECTIONS)
    chosen = _period(period)
    with org_scope(access):
        missed: list[ExpectedCheck] = list(
            checks_missed(organisation=access.organisation, period=chosen)
            .select_related("schedule", "location")
            .order_by("due_at")[:1000]
        )
        return [
            {
                "id": check.pk,
                "schedule": check.schedule.name,
                "location_id": check.location_id,
                "location": str(check.location),
                "due_at": check.due_at,
            }
            for check in missed
        ]


@router.get(
    "/orgs/{org}/red-flags",
    response=answers({200: list[out.RedFlagOut]}),
    operation_id="red_flags",
    summary="Red flags awarded in a period",
)
def red_flags(request, org: str, period: str | None = None):
    access = request_access(request, org, VIEW_INSPECTIONS)
    chosen = _period(period or str(timezone.localdate().year))
    with org_scope(access):
        flags = RedFlag.objects.filter(
            organisation=access.organisation,
            week_key__gte=week_key(chosen.start),
            week_key__lte=week_key(chosen.end),
        ).select_related("unit", "area_type")
        return [
            {
                "week": flag.week_key,
                "unit_id": flag.unit_id,
                "unit": flag.unit.name,
                "area_type": flag.area_type.name if flag.area_type_id else None,
                "rank": flag.rank,
                "score": flag.score,
            }
            for flag in flags
        ]
