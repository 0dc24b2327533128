"""The rectification section of a report's figures."""

from __future__ import annotations

from django.utils import timezone

from baozhang.core.figures import Scope, figures_section
from baozhang.core.periods import Period
from baozhang.rectification import selectors

# The report's names of the states counted by the rectification statistics.
NAMES = {
    "found": "found",
    "spot": "fixed_on_spot",
    "tracked": "tracked",
    "referred": "referred",
    "closed": "closed",
    "closed_in_time": "closed_in_time",
    "closed_late": "closed_late",
    "overdue": "overdue",
    "rejected": "rejected",
}


@figures_section("rectification", order=35)
def rectification_figures(scope: Scope, period: Period) -> dict:
    """What became of the period's problems: fixed on the spot, tracked, closed in time or late,
    still open past the deadline, rejected at verification; days to close."""
    findings = selectors.problems(
        organisation=scope.organisation,
        period=period,
        unit_id=scope.unit.pk if scope.unit else None,
        area_type_id=scope.area_type.pk if scope.area_type else None,
    )
    if scope.site is not None:
        findings = findings.filter(location__site_id=scope.site.pk)
    total = selectors.figures(findings, timezone.now())[0]
    return {
        **{name: total.count(state) for state, name in NAMES.items()},
        "average_days": total.average_days,
        "p90_days": total.p90_days,
    }
