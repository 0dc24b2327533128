"""The reports list as a workbook (core/list_workbooks.py)."""

from django.db.models import QuerySet
from django.utils import timezone

from baozhang.core.list_workbooks import ListSheet
from baozhang.orgs.access import OrgAccess
from baozhang.reports.models import Report


def reports_of(*, organisation) -> QuerySet[Report]:
    """The organisation's reports, newest first, with their versions."""
    return Report.objects.filter(organisation=organisation).prefetch_related("versions")


def reports_sheet(*, access: OrgAccess, filters) -> ListSheet:
    """Every report with its versions."""
    reports = reports_of(organisation=access.organisation)
    return ListSheet(
        file_name=f"{access.organisation.slug}-报告.xlsx",
        sheet="报告",
        headers=["标题", "期间", "版本", "创建时间"],
        rows=(
            (
                report.title,
                report.period,
                "、".join(f"v{v.number} {v.get_status_display()}" for v in report.versions.all()),
                timezone.localtime(report.created_at).strftime("%Y-%m-%d %H:%M"),
            )
            for report in reports.iterator(chunk_size=500)
        ),
        count=reports.count,
    )
