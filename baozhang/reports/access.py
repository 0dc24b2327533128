"""The gatekeepers of reports: tenant and permission checked together (see orgs/access.py)."""

from django.http import Http404

from baozhang.core.params import id_param
from baozhang.orgs.access import OrgAccess, tenant_record
from baozhang.reports.models import Report, ReportJob, ReportSchedule, ReportVersion


def access_report(access: OrgAccess, report_id: int, *, permission: str) -> Report:
    return tenant_record(
        access, Report.objects.select_related("organisation"), report_id, permission=permission
    )


def access_report_version(
    access: OrgAccess,
    report_id: int,
    number: int | str | None,
    *,
    permission: str,
    for_file: bool = False,
) -> ReportVersion:
    """A version of the report by its number; the newest one when no number is given. For a
    file, its figures and narrative are read only if the file must be made (a draft, or a final
    version's first download): a year's figures can be megabytes."""
    versions = access_report(access, report_id, permission=permission).versions.all()
    if for_file:
        versions = versions.defer("figures", "narrative")
    if number is None or number == "":
        version = versions.order_by("-number").first()
    else:
        chosen = id_param(number)
        version = versions.filter(number=chosen).first() if chosen is not None else None
    if version is None:
        raise Http404
    return version


def access_report_job(access: OrgAccess, job_id: int, *, permission: str) -> ReportJob:
    return tenant_record(access, ReportJob, job_id, permission=permission)


def access_report_schedule(
    access: OrgAccess, schedule_id: int, *, permission: str
) -> ReportSchedule:
    return tenant_record(access, ReportSchedule, schedule_id, permission=permission)
