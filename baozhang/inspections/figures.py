"""The inspections' sections of a report's figures: checks, findings and points; units' scores and
ranks; red flags; the most frequent problems and the units that repeat them; the trend of
problems and of scores. Also the weekly bulletin's lists that a weekly report keeps."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from baozhang.core.figures import Scope, figures_provider, figures_section
from baozhang.core.periods import Period, period_steps, week_key
from baozhang.inspections import selectors
from baozhang.inspections.models import Finding, FindingKind, RedFlag
from baozhang.inspections.planned_checks import check_counts, inspections_unscheduled
from baozhang.inspections.scores_text import basis_text
from baozhang.orgs.selectors import assignments_held, scope_location_filter

PROBLEMS = [FindingKind.DEDUCTION, FindingKind.SCORED, FindingKind.RED_LINE]


def number(value: Decimal | None) -> float:
    return float(value or 0)


def findings_in_scope(scope: Scope, period: Period):
    """The period's findings at the scope's site and of its area type, attributed to its unit."""
    condition = Q()
    if scope.site is not None:
        condition &= Q(location__site_id=scope.site.pk)
    if scope.area_type is not None:
        condition &= Q(area_type_id=scope.area_type.pk)
    if scope.unit is not None:
        condition &= Q(unit_id=scope.unit.pk)
    return Finding.objects.filter(
        condition,
        organisation=scope.organisation,
        date__gte=period.start,
        date__lte=period.end,
    )


@figures_section("inspections", order=10)
def inspections_figures(scope: Scope, period: Period) -> dict:
    """Checks planned up to the moment counted (period.as_of while it runs), by state: done,
    missed, open (still within their window), so scheduled = done + missed + open; checks done
    outside any counted plan; problems found, their points, bonuses and highlights."""
    organisation = scope.organisation
    where = scope_location_filter(scope=scope, period=period)
    counts = check_counts(organisation=organisation, period=period, where=where)
    unscheduled = inspections_unscheduled(organisation=organisation, period=period).filter(where)
    totals = findings_in_scope(scope, period).aggregate(
        findings=Count("id", filter=Q(kind__in=PROBLEMS)),
        deduction_points=Sum("points", filter=Q(kind__in=PROBLEMS)),
        bonus_points=Sum("points", filter=Q(kind=FindingKind.BONUS)),
        bonuses=Count("id", filter=Q(kind=FindingKind.BONUS)),
        highlights=Count("id", filter=Q(kind=FindingKind.HIGHLIGHT)),
        red_lines=Count("id", filter=Q(kind=FindingKind.RED_LINE)),
        without_unit=Count("id", filter=Q(kind__in=PROBLEMS, unit__isnull=True)),
    )
    return {
        "scheduled": counts.planned,
        "done": counts.done,
        "missed": counts.missed,
        "open": counts.open,
        "unscheduled": unscheduled.count(),
        "findings": totals["findings"],
        "deduction_points": number(totals["deduction_points"]),
        "bonus_points": number(totals["bonus_points"]),
        "bonuses": totals["bonuses"],
        "highlights": totals["highlights"],
        "red_lines": totals["red_lines"],
        # Problems at places no unit held: in the total, in no unit's row.
        "findings_without_unit": totals["without_unit"],
    }


def _units_in_scope(scope: Scope, period: Period) -> set[int] | None:
    if scope.unit is not None:
        return {scope.unit.pk}
    if scope.site is None:
        return None
    held = assignments_held(organisation=scope.organisation, period=period)
    return set(held.filter(location__site_id=scope.site.pk).values_list("unit_id", flat=True))


@figures_section("units", order=20)
def units_figures(scope: Scope, period: Period) -> list[dict]:
    """The units of the period (of the area type when the scope names one): the checked ones in
    rank order among their own kind, then those not checked (``checked`` false, no score, no
    rank). A score over several scoring periods is their mean (or sum), ``basis`` says so."""
    standings = selectors.unit_standings(
        organisation=scope.organisation,
        period=period,
        area_type_id=scope.area_type.pk if scope.area_type else None,
    )
    chosen = _units_in_scope(scope, period)
    return [
        {
            "unit": row.unit.name,
            "unit_code": row.unit.code,
            "unit_id": row.unit.pk,
            "unit_kind": row.unit.kind,
            "checked": row.checked,
            "checks": row.checks,
            "score": None if row.score is None else number(row.score),
            "basis": basis_text(row),
            "periods": row.periods,
            "deductions": number(row.deductions),
            "bonus": number(row.bonus),
            "findings": row.problems,
            "highlights": row.highlights,
            "missed": row.missed,
            "rank": row.rank,
        }
        for row in (*standings.ranked, *standings.unchecked)
        if chosen is None or row.unit.pk in chosen
    ]


def weeks_closing_in(period: Period) -> list[str]:
    """The ISO weeks whose Sunday falls in the period (a week counts where it ends)."""
    keys, sunday = [], period.start + timedelta(days=6 - period.start.weekday())
    while sunday <= period.end:
        keys.append(week_key(sunday))
        sunday += timedelta(days=7)
    return keys


@figures_section("red_flags", order=30)
def red_flags_figures(scope: Scope, period: Period) -> list[dict]:
    """Red flags of the weeks that close in the period."""
    flags = RedFlag.objects.filter(
        organisation=scope.organisation, week_key__in=weeks_closing_in(period)
    ).select_related("unit", "area_type")
    chosen = _units_in_scope(scope, period)
    if scope.area_type is not None:
        flags = flags.filter(area_type=scope.area_type)
    return [
        {
            "unit": flag.unit.name,
            "unit_id": flag.unit_id,
            "week": flag.week_key,
            "area_type": flag.area_type.name if flag.area_type else None,
        }
        for flag in flags.order_by("week_key", "rank", "unit__code")
        if chosen is None or flag.unit_id in chosen
    ]


@figures_section("problems", order=40, compared=False)
def problems_figures(scope: Scope, period: Period) -> dict:
    """What the data shows as problems: the most frequent items, the units with repeated
    findings, and the problems by area type."""
    findings = findings_in_scope(scope, period).filter(kind__in=PROBLEMS)
    items = (
        findings.filter(item__isnull=False)
        .values("item_id", "item__text")
        .annotate(count=Count("id"))
        .order_by("-count", "item__text")[:5]
    )
    repeated = (
        findings.filter(unit__isnull=False)
        .values("unit_id", "unit__name")
        .annotate(count=Count("id"))
        .filter(count__gte=3)
        .order_by("-count", "unit__name")[:10]
    )
    areas = findings.values("area_type__name").annotate(count=Count("id")).order_by("-count")
    return {
        "top_items": [
            {"item": row["item__text"], "item_id": row["item_id"], "count": row["count"]}
            for row in items
        ],
        "repeated_units": [
            {"unit": row["unit__name"], "unit_id": row["unit_id"], "count": row["count"]}
            for row in repeated
        ],
        "by_area_type": [
            {"area_type": row["area_type__name"] or _("no area type"), "count": row["count"]}
            for row in areas
        ],
    }


@figures_section("trend", order=50, compared=False)
def trend_figures(scope: Scope, period: Period) -> list[dict]:
    """Problems and points per day (a week or month) or per month (longer periods)."""
    findings = findings_in_scope(scope, period).filter(kind__in=PROBLEMS)
    by_day = (period.end - period.start).days <= 31
    key = "date" if by_day else "month_key"
    rows = findings.values(key).annotate(count=Count("id"), points=Sum("points")).order_by(key)
    found = {str(row[key]): (row["count"], number(row["points"])) for row in rows}
    labels = []
    day = period.start
    while day <= period.end:
        label = day.isoformat() if by_day else f"{day.year}-{day.month:02d}"
        if label not in labels:
            labels.append(label)
        day += timedelta(days=1)
    return [
        {
            "label": label,
            "findings": found.get(label, (0, 0.0))[0],
            "points": found.get(label, (0, 0.0))[1],
        }
        for label in labels
    ]


def local_today():
    return timezone.localdate()


@figures_section("score_trend", order=55, compared=False)
def score_trend_figures(scope: Scope, period: Period) -> list[dict]:
    """The units' scores period by period (core.periods.period_steps): the average, the best and
    the lowest score of the units in the scope, each period ranked as the ranking page ranks it.
    Periods that have not begun yet are left out."""
    policy = selectors.board_policy(organisation=scope.organisation)
    today = local_today()
    steps = []
    for step in (step for step in period_steps(period) if step.start <= today):
        rows = selectors.unit_ranking(
            organisation=scope.organisation,
            period=step,
            area_type_id=scope.area_type.pk if scope.area_type else None,
            policy=policy,
        )
        chosen = _units_in_scope(scope, step)
        scores = [
            number(row.score)
            for row in rows
            if row.score is not None and (chosen is None or row.unit.pk in chosen)
        ]
        steps.append(
            {
                "label": step.label,
                "start": step.start.isoformat(),
                "end": step.end.isoformat(),
                "units": len(scores),
                "average": round(sum(scores) / len(scores), 1) if scores else None,
                "best": max(scores, default=None),
                "lowest": min(scores, default=None),
            }
        )
    return steps


def _finding_out(finding: Finding) -> dict:
    return {
        "id": finding.pk,
        "location": finding.location.code,
        "unit": finding.unit.name if finding.unit else "",
        "item": finding.item.text if finding.item else "",
        "points": float(finding.points),
        "note": finding.note,
    }


def _bulletin_section_out(
    section: selectors.BulletinSection, finding_ids: set[int], unit_ids: set[int]
) -> dict:
    """One area type's part of the bulletin with only the given findings and units."""

    def listed(findings: list[Finding]) -> list[dict]:
        return [_finding_out(finding) for finding in findings if finding.pk in finding_ids]

    days = []
    for day, by_unit in section.days:
        rows = [
            {"unit": unit.name if unit else _("no responsible unit"), "findings": listed(findings)}
            for unit, findings in by_unit
        ]
        if rows := [row for row in rows if row["findings"]]:
            days.append({"date": day.isoformat(), "units": rows})
    return {
        "area_type": section.area_type.name,
        "area_type_id": section.area_type.pk,
        "days": days,
        "bonuses": listed(section.bonuses),
        "highlights": listed(section.highlights),
        "praised": [unit.name for unit in section.praised if unit.pk in unit_ids],
        "ranking": [
            {"unit": row.unit.name, "score": float(row.score), "rank": row.rank}
            for row in section.ranking
            if row.unit.pk in unit_ids
        ],
    }


@figures_provider("bulletin")
def bulletin_figures(scope: Scope, period: Period) -> list[dict]:
    """The weekly bulletin's lists narrowed to the scope: per area type of its locations or
    findings, each day's problems by unit, the bonuses, the highlights, and the units praised and
    ranked (those that held its locations of the area type or have its findings there, with their
    ranks in the organisation)."""
    found = list(findings_in_scope(scope, period).values_list("pk", "area_type_id", "unit_id"))
    held = list(
        assignments_held(organisation=scope.organisation, period=period)
        .filter(scope_location_filter(scope=scope, period=period))
        .values_list("location__area_type_id", "unit_id")
    )
    pairs = [*held, *((area_type_id, unit_id) for _pk, area_type_id, unit_id in found)]
    chosen = _units_in_scope(scope, period)
    units: dict[int, set[int]] = defaultdict(set)
    for area_type_id, unit_id in pairs:
        if chosen is None or unit_id in chosen:
            units[area_type_id].add(unit_id)
    areas = {area_type_id for area_type_id, _unit_id in pairs}
    finding_ids = {pk for pk, _area_type_id, _unit_id in found}
    return [
        _bulletin_section_out(section, finding_ids, units[section.area_type.pk])
        for section in selectors.weekly_bulletin(organisation=scope.organisation, week=period)
        if section.area_type.pk in areas
    ]
