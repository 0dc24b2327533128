"""Report operations: the figures of any scope and period."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Router

from baozhang.api import schemas
from baozhang.api.setup import ApiValidationError, gate
from baozhang.core.periods import period_parse
from baozhang.orgs.access import org_scope
from baozhang.orgs.permissions import VIEW_INSPECTIONS
from baozhang.reports.figures import ScopeUnknown, figures_compute, scope_resolve

router = Router(tags=["reports"])


@router.get(
    "/orgs/{org}/figures",
    response=schemas.answers({200: dict}),
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
    access = gate(request, org, VIEW_INSPECTIONS)
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
