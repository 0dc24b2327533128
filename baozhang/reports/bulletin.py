"""The weekly bulletin's lists kept in a report: per area type, each day's problems by unit, the
bonuses, the highlights, the units praised for having none, and the ranking."""

from __future__ import annotations

from baozhang.core.periods import Period
from baozhang.inspections.selectors import weekly_bulletin
from baozhang.reports.figures import Scope


def _finding(finding) -> dict:
    return {
        "id": finding.pk,
        "location": finding.location.code,
        "unit": finding.unit.name if finding.unit else "",
        "item": finding.item.text if finding.item else "",
        "points": float(finding.points),
        "note": finding.note,
    }


def bulletin_snapshot(*, scope: Scope, period: Period) -> list[dict]:
    sections = weekly_bulletin(organisation=scope.organisation, week=period)
    if scope.area_type is not None:
        sections = [s for s in sections if s.area_type.pk == scope.area_type.pk]
    return [
        {
            "area_type": section.area_type.name,
            "area_type_id": section.area_type.pk,
            "days": [
                {
                    "date": day.isoformat(),
                    "units": [
                        {
                            "unit": unit.name if unit else "—",
                            "findings": [_finding(finding) for finding in findings],
                        }
                        for unit, findings in units
                    ],
                }
                for day, units in section.days
            ],
            "bonuses": [_finding(finding) for finding in section.bonuses],
            "highlights": [_finding(finding) for finding in section.highlights],
            "praised": [unit.name for unit in section.praised],
            "ranking": [
                {"unit": row.unit.name, "score": float(row.score), "rank": row.rank}
                for row in section.ranking
            ],
        }
        for section in sections
    ]
