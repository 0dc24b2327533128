"""Report operations: the figures of any scope and period."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from baozhang.core.api import (
    ApiValidationError,
    Input,
    JobOut,
    answers,
    field_failed,
    job_out,
)
from baozhang.core.periods import period_parse
from baozhang.orgs.access import org_scope, request_access
from baozhang.orgs.permissions import VIEW_INSPECTIONS, WRITE_REPORTS
from baozhang.reports import files, services
from baozhang.reports.access import access_report, access_report_job, access_report_version
from baozhang.reports.figures import ScopeUnknown, figures_compute, scope_resolve
from baozhang.reports.models import Report, ReportKind, ReportVersion
from baozhang.reports.views import file_response

router = Router(tags=["reports"])


@router.get(
    "/orgs/{org}/figures",
    response=answers({200: dict}),
    operation_id="figures_read",
    summary="Every number of a report for a scope and a period",
    description=(
        "period: 2026-W47, 2026-11, 2026-Q4, 2026-H2, 2026 or 2026-09-01..2027-01-20; site, unit "
        "and area_type narrow the scope (codes or ids). The answer has scope, period, "
        "previous_period, year_earlier_period, inspections, units, red_flags, rectification, "
        "problems, trend and comparison (the compared sections for the previous period and the "
        "same period a year earlier); see docs/reports.md."
    ),
)
def figures_read(
    request,
    org: str,
    period: str,
    site: str | None = None,
    unit: str | None = None,
    area_type: str | None = None,
):
    access = request_access(request, org, VIEW_INSPECTIONS)
    try:
        chosen_period = period_parse(period)
    except ValueError as error:
        raise ApiValidationError(
            [{"field": "period", "message": _("Not a period like 2026-W47 or 2026-11.")}]
        ) from error
    with org_scope(access):
        try:
            scope = scope_resolve(
                organisation=access.organisation, site=site, unit=unit, area_type=area_type
            )
        except ScopeUnknown as error:
            raise ApiValidationError([{"field": "scope", "message": str(error)}]) from error
        return figures_compute(scope=scope, period=chosen_period)


# Reports, versions and files --------------------------------------------------------------------


class ReportVersionOut(Schema):
    number: int
    status: str
    narrative: dict[str, str]
    finalised_at: datetime | None
    files: dict[str, str] = Field(description="addresses of the version's pdf, docx and xlsx")


class ReportOut(Schema):
    id: int
    kind: str
    period: str
    title: str
    created_at: datetime
    versions: list[ReportVersionOut]


class ReportDetailOut(ReportOut):
    figures: dict = Field(description="the figures kept by the newest version")


class GenerateIn(Input):
    kind: str = Field(description="weekly, monthly, half_year, annual or custom")
    period: str
    site: str | None = None
    unit: str | None = None
    area_type: str | None = None


class NarrativeIn(Input):
    narrative: dict[str, str] = Field(
        description="paragraphs to replace: overview, results, problems, next_steps"
    )


def _version_out(version: ReportVersion) -> dict:
    slug, report = version.report.organisation.slug, version.report
    return {
        "number": version.number,
        "status": version.status,
        "narrative": version.narrative,
        "finalised_at": version.finalised_at,
        "files": {
            extension: reverse(
                "api:report_file",
                kwargs={
                    "org": slug,
                    "id": report.pk,
                    "number": version.number,
                    "extension": extension,
                },
            )
            for extension in ("pdf", "docx", "xlsx")
        },
    }


def _report_out(report: Report, figures: bool = False) -> dict:
    versions = sorted(report.versions.all(), key=lambda version: version.number)
    answer = {
        "id": report.pk,
        "kind": report.kind,
        "period": report.period,
        "title": report.title,
        "created_at": report.created_at,
        "versions": [_version_out(version) for version in versions],
    }
    if figures:
        answer["figures"] = versions[-1].figures
    return answer


@router.get(
    "/orgs/{org}/reports",
    response=answers({200: list[ReportOut]}),
    operation_id="report_list",
    summary="Reports, newest first, with their versions",
)
def report_list(request, org: str):
    access = request_access(request, org, VIEW_INSPECTIONS)
    with org_scope(access):
        reports = (
            Report.objects.filter(organisation=access.organisation)
            .select_related("organisation")
            .prefetch_related("versions")
        )
        return [_report_out(report) for report in reports[:200]]


@router.post(
    "/orgs/{org}/reports",
    response=answers({201: ReportDetailOut}),
    operation_id="report_generate",
    summary="Generate a report: its first version is a draft",
)
def report_generate(request, org: str, payload: GenerateIn):
    access = request_access(request, org, WRITE_REPORTS)
    errors = []
    if payload.kind not in ReportKind.values:
        errors.append({"field": "kind", "message": _("Unknown kind of report.")})
    try:
        period = period_parse(payload.period)
    except ValueError:
        errors.append({"field": "period", "message": _("Not a period like 2026-W47 or 2026-11.")})
    if errors:
        raise ApiValidationError(errors)
    with org_scope(access):
        try:
            scope = scope_resolve(
                organisation=access.organisation,
                site=payload.site,
                unit=payload.unit,
                area_type=payload.area_type,
            )
        except ScopeUnknown as error:
            raise ApiValidationError([{"field": "scope", "message": str(error)}]) from error
        try:
            report = services.report_generate(
                access=access, kind=payload.kind, scope=scope, period=period
            )
        except ValidationError as error:
            raise ApiValidationError(
                [{"field": "period", "message": message} for message in error.messages]
            ) from error
        return Status(201, _report_out(report, figures=True))


class ReportJobOut(JobOut):
    kind: str
    period: str
    report: int | None = Field(None, description="The report made, once done.")


@router.get(
    "/orgs/{org}/report-jobs/{id}",
    response=answers({200: ReportJobOut}),
    operation_id="report_job_read",
    summary="A report being made in the background: its progress, or why it failed",
)
def report_job_read(request, org: str, id: int):  # noqa: A002
    access = request_access(request, org, VIEW_INSPECTIONS)
    with org_scope(access):
        job = access_report_job(access, id, permission=VIEW_INSPECTIONS)
        return {**job_out(job), "kind": job.kind, "period": job.period, "report": job.report_id}


@router.get(
    "/orgs/{org}/reports/{id}",
    response=answers({200: ReportDetailOut}),
    operation_id="report_read",
    summary="A report with its versions and the figures it keeps",
)
def report_read(request, org: str, id: int):  # noqa: A002
    access = request_access(request, org, VIEW_INSPECTIONS)
    with org_scope(access):
        return _report_out(access_report(access, id, permission=VIEW_INSPECTIONS), figures=True)


@router.post(
    "/orgs/{org}/reports/{id}/versions/{number}/narrative",
    response=answers({200: ReportVersionOut}),
    operation_id="report_edit",
    summary="Replace paragraphs of a draft (a final version refuses)",
)
def report_edit(request, org: str, id: int, number: int, payload: NarrativeIn):  # noqa: A002
    access = request_access(request, org, WRITE_REPORTS)
    with org_scope(access):
        version = access_report_version(access, id, number, permission=WRITE_REPORTS)
        try:
            services.report_edit(access=access, version=version, narrative=payload.narrative)
        except ValidationError as error:
            raise field_failed(error) from error
        version.refresh_from_db()
        return _version_out(version)


@router.post(
    "/orgs/{org}/reports/{id}/versions/{number}/finalise",
    response=answers({200: ReportVersionOut}),
    operation_id="report_finalise",
    summary="Freeze a draft: it never changes again",
)
def report_finalise(request, org: str, id: int, number: int):  # noqa: A002
    access = request_access(request, org, WRITE_REPORTS)
    with org_scope(access):
        version = access_report_version(access, id, number, permission=WRITE_REPORTS)
        try:
            return _version_out(services.report_finalise(access=access, version=version))
        except ValidationError as error:
            raise field_failed(error) from error


@router.post(
    "/orgs/{org}/reports/{id}/versions",
    response=answers({201: ReportVersionOut}),
    operation_id="report_redraft",
    summary="A new draft from the newest final version",
)
def report_redraft(request, org: str, id: int):  # noqa: A002
    access = request_access(request, org, WRITE_REPORTS)
    with org_scope(access):
        try:
            version = services.report_redraft(
                access=access, report=access_report(access, id, permission=WRITE_REPORTS)
            )
        except ValidationError as error:
            raise field_failed(error) from error
        return Status(201, _version_out(version))


@router.get(
    "/orgs/{org}/reports/{id}/versions/{number}/{extension}",
    response=answers({200: None}),
    operation_id="report_file",
    summary="A version as pdf, docx or xlsx",
)
def report_file(request, org: str, id: int, number: int, extension: str):  # noqa: A002
    access = request_access(request, org, VIEW_INSPECTIONS)
    if extension not in files.CONTENT_TYPES:
        raise Http404
    with org_scope(access):
        version = access_report_version(
            access, id, number, permission=VIEW_INSPECTIONS, for_file=True
        )
        return file_response(version, extension)
