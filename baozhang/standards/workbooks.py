"""The standards list as a workbook (core/list_workbooks.py)."""

from django.db.models import QuerySet

from baozhang.core.list_workbooks import ListSheet
from baozhang.orgs.access import OrgAccess
from baozhang.standards.models import Standard


def standards_listed(*, organisation, term: str) -> QuerySet[Standard]:
    """The organisation's standards whose name or code contains the term (all without one)."""
    standards = Standard.objects.filter(organisation=organisation).prefetch_related("area_types")
    if term:
        standards = standards.filter(name__icontains=term) | standards.filter(code__icontains=term)
    return standards


def standards_sheet(*, access: OrgAccess, filters) -> ListSheet:
    """The standards of the list's search, by code."""
    term = filters.get("q", "").strip()
    standards = standards_listed(organisation=access.organisation, term=term).order_by("code")
    return ListSheet(
        file_name=f"{access.organisation.slug}-检查标准.xlsx",
        sheet="检查标准",
        headers=["编码", "名称", "适用区域", "说明", "启用"],
        rows=(
            (
                standard.code,
                standard.name,
                "、".join(area.name for area in standard.area_types.all()),
                standard.description,
                standard.is_active,
            )
            for standard in standards.iterator(chunk_size=500)
        ),
        count=standards.count,
    )
