"""Reads of inspections: unit scores and rankings for a period, missed checks, the week's findings.

Scores are aggregated in the database per unit and item (one GROUP BY on stored period keys and
dates), then the caps, floor and red-line rules of scoring.py are applied to those few rows.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils import timezone

from baozhang.core.compiled import CompiledQuery
from baozhang.core.params import id_param
from baozhang.core.periods import Period, period_days, period_parse
from baozhang.inspections import scoring
from baozhang.inspections.models import (
    BoardPolicy,
    ExpectedCheck,
    Finding,
    FindingKind,
    Inspection,
)
from baozhang.orgs.models import AreaType, Assignment, Organisation, Unit
from baozhang.standards.models import StandardItem, StandardVersion


@dataclass(frozen=True)
class UnitRow:
    unit: Unit
    rank: int
    score: Decimal
    deductions: Decimal
    bonus: Decimal
    findings: int
    highlights: int
    red_lines: int


def board_policy(*, organisation: Organisation) -> BoardPolicy:
    """The organisation's scoring and board settings: the stored ones, else the defaults (a policy
    not stored yet; board.board_policy_ensure stores it)."""
    stored = BoardPolicy.objects.filter(organisation=organisation).first()
    return stored or BoardPolicy(organisation=organisation)


def inspection_for_client_id(*, organisation_id: int, client_id: UUID) -> Inspection | None:
    """The organisation's check stored under the id its client gave it, if any."""
    return Inspection.objects.filter(organisation_id=organisation_id, client_id=client_id).first()


def findings_in_period(*, organisation: Organisation, period: Period, area_type_id=None):
    """The organisation's findings dated within the period."""
    return _findings_between(organisation.pk, period.start, period.end, area_type_id)


def _findings_between(organisation_id, start, end, area_type_id=None):
    findings = Finding.objects.filter(
        organisation_id=organisation_id, date__gte=start, date__lte=end
    )
    if area_type_id is not None:
        findings = findings.filter(area_type_id=area_type_id)
    return findings


def units_in_ranking(*, organisation: Organisation, period: Period, area_type_id=None):
    """Active units that held a location (of the area type) at some time in the period."""
    if area_type_id is None:
        return _UNITS_IN_RANKING.all(organisation.pk, period.start, period.end)
    return _UNITS_IN_AREA_RANKING.all(organisation.pk, period.start, period.end, area_type_id)


def _units_in_ranking(organisation_id, start, end, area_type_id=None):
    """The units of a ranking: read by every ranking (each page, each month of a report's trend,
    each area type of a bulletin). Compiled, a run takes 0.6–2.2 ms instead of the ORM's 4.2–5.3
    ms on SQLite, 1.2–3.0 instead of 5.4–7.6 on PostgreSQL (bench (h), docs/performance.md)."""
    held = Assignment.objects.filter(organisation_id=organisation_id, starts_on__lte=end).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=start)
    )
    if area_type_id is not None:
        held = held.filter(location__area_type_id=area_type_id)
    return Unit.objects.filter(
        organisation_id=organisation_id, is_active=True, pk__in=held.values("unit_id")
    )


_UNITS_IN_RANKING = CompiledQuery(_units_in_ranking, int, date, date)
_UNITS_IN_AREA_RANKING = CompiledQuery(_units_in_ranking, int, date, date, int)


def _grouped(organisation_id, start, end, area_type_id=None):
    """The findings of a ranking grouped per unit, item and kind, as SQL to join to their items'
    rules: built by every ranking. Compiled, its SQL takes 0.1 ms instead of the ORM's 1.0–1.6
    ms on either database (bench (h), docs/performance.md)."""
    return (
        _findings_between(organisation_id, start, end, area_type_id)
        .filter(unit__isnull=False)
        .values("unit_id", "item_id", "kind")
        .annotate(total=Sum("points"), count=Count("id"))
        .order_by()
    )


_GROUPED = CompiledQuery(_grouped, int, date, date)
_GROUPED_IN_AREA = CompiledQuery(_grouped, int, date, date, int)


ZERO = Decimal(0)


def _grouped_with_rules(*, organisation: Organisation, period: Period, area_type_id=None):
    """(unit_id, item_id, kind, points, count, cap, red-line rule, red-line score) per unit, item
    and kind of the period's findings (of the area type) that have a unit.

    The findings are grouped alone and the groups then joined to their items and versions: joining
    first would join every finding, and a separate query for the rules costs a round trip."""
    try:
        if area_type_id is None:
            sql, params = _GROUPED.sql(organisation.pk, period.start, period.end)
        else:
            sql, params = _GROUPED_IN_AREA.sql(
                organisation.pk, period.start, period.end, area_type_id
            )
    except EmptyResultSet:  # an area type id no column holds
        return []
    statement = (
        'SELECT g.unit_id, g.item_id, g.kind, g.total, g."count", i.cap, v.red_line_rule,'  # noqa: S608
        f" v.red_line_score FROM ({sql}) g"
        f" LEFT JOIN {StandardItem._meta.db_table} i ON i.id = g.item_id"
        f" LEFT JOIN {StandardVersion._meta.db_table} v ON v.id = i.version_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    if connection.vendor == "postgresql":
        return rows

    # SQLite gives numbers back as integers or floats: the points are tenths.
    tenths = scoring.tenths
    return [
        (unit, item, kind, tenths(total), count, tenths(cap), rule, tenths(score))
        for unit, item, kind, total, count, cap, rule, score in rows
    ]


def unit_ranking(
    *, organisation: Organisation, period: Period, area_type_id=None, policy=None
) -> list[UnitRow]:
    """Every responsible unit's score for the period, best first, with shared ranks for ties.

    A caller ranking several periods or area types passes the organisation's board policy once."""
    policy = policy or board_policy(organisation=organisation)
    grouped = _grouped_with_rules(
        organisation=organisation, period=period, area_type_id=area_type_id
    )
    units = {
        unit.pk: unit
        for unit in units_in_ranking(
            organisation=organisation, period=period, area_type_id=area_type_id
        )
    }
    found = {row[0] for row in grouped} - set(units)
    units.update({unit.pk: unit for unit in Unit.objects.filter(pk__in=found)})
    return _ranked(grouped, units, policy)


def unit_rankings_by_area_type(
    *, organisation: Organisation, period: Period, policy=None
) -> dict[int, list[UnitRow]]:
    """The ranking of every area type that a unit held a place of or was found in during the
    period, as ``unit_ranking`` gives it for one, in four queries whatever the number of area
    types (a ranking of each costs three)."""
    policy = policy or board_policy(organisation=organisation)
    grouped: dict[int, list[tuple]] = defaultdict(list)
    # The rules joined to each finding, not to each group as in unit_ranking: one query, over
    # the period's findings of a bulletin (a week).
    rows = (
        findings_in_period(organisation=organisation, period=period)
        .filter(unit__isnull=False, area_type__isnull=False)
        .values_list(
            "area_type_id",
            "unit_id",
            "item_id",
            "kind",
            "item__cap",
            "item__version__red_line_rule",
            "item__version__red_line_score",
        )
        .annotate(total=Sum("points"), count=Count("id"))
        .order_by()
    )
    for area_type_id, unit_id, item_id, kind, cap, rule, score, total, count in rows:
        grouped[area_type_id].append((unit_id, item_id, kind, total, count, cap, rule, score))
    held: dict[int, set[int]] = defaultdict(set)
    holders = (
        Assignment.objects.filter(
            organisation=organisation,
            starts_on__lte=period.end,
            location__area_type__isnull=False,
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=period.start))
        .values_list("location__area_type_id", "unit_id")
        .distinct()
    )
    for area_type_id, unit_id in holders:
        held[area_type_id].add(unit_id)
    found = {row[0] for rows in grouped.values() for row in rows}
    units = Unit.objects.filter(pk__in=found | set().union(*held.values())).in_bulk()
    rankings = {}
    for area_type_id in set(grouped) | set(held):
        # As units_in_ranking: the active units of the organisation that held a place of the
        # area type; then any unit its findings name.
        mine = {
            unit.pk: unit
            for unit in (units.get(unit_id) for unit_id in held[area_type_id])
            if unit is not None and unit.is_active and unit.organisation_id == organisation.pk
        }
        for unit_id, *_rest in grouped[area_type_id]:
            if unit_id not in mine and unit_id in units:
                mine[unit_id] = units[unit_id]
        rankings[area_type_id] = _ranked(grouped[area_type_id], mine, policy)
    return rankings


def _ranked(grouped: list[tuple], units: dict[int, Unit], policy) -> list[UnitRow]:
    """The units ranked by their scores from the grouped findings with their rules."""
    by_unit: dict[int, list[scoring.ScoredFinding]] = defaultdict(list)
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for unit_id, item_id, kind, total, count, cap, rule, rule_score in grouped:
        counts[unit_id][kind] += count
        by_unit[unit_id].append(
            scoring.ScoredFinding(
                item=(item_id, kind),
                kind=kind,
                points=total,
                cap=cap,
                red_line_rule=rule or "fail_check",
                red_line_score=rule_score or ZERO,
            )
        )
    scores = {
        unit_id: scoring.unit_score(
            by_unit.get(unit_id, []), base=policy.base_score, floor=policy.floor_score
        )
        for unit_id in units
    }
    ranked = scoring.rank({unit_id: score.score for unit_id, score in scores.items()})
    rows = []
    for unit_id, position in ranked:
        score, kinds = scores[unit_id], counts.get(unit_id, {})
        rows.append(
            UnitRow(
                unit=units[unit_id],
                rank=position,
                score=score.score,
                deductions=score.deductions,
                bonus=score.bonus,
                findings=sum(n for kind, n in kinds.items() if kind != FindingKind.HIGHLIGHT),
                highlights=kinds.get(FindingKind.HIGHLIGHT, 0),
                red_lines=kinds.get(FindingKind.RED_LINE, 0),
            )
        )
    return rows


def checks_missed(*, organisation: Organisation, period: Period, now=None):
    """Expected checks of the period whose window has passed without an inspection."""
    now = now or timezone.now()
    first, after = period.moments()  # by moment: the (organisation, due_at) index serves it
    return ExpectedCheck.objects.filter(
        organisation=organisation,
        due_at__gte=first,
        due_at__lt=after,
        window_ends_at__lt=now,
        inspection__isnull=True,
    )


@dataclass(frozen=True)
class FindingFilters:
    """The findings list's parameters, checked: period, site, unit, area_type, location, item,
    kind, q.

    Unknown or malformed values are ignored rather than failing the page; each number on the
    ranking and bulletin pages links to the list with the parameters it was computed from.
    """

    moments: tuple | None = None  # [first, after) of the period, by moment
    ids: tuple = ()  # (column, id) pairs: unit_id, area_type_id, location_id, item_id
    site: int | None = None  # the site of the finding's location
    kind: str = ""  # a finding kind, or "problems"
    term: str = ""

    @classmethod
    def parse(cls, params) -> "FindingFilters":
        moments = None
        label = (params.get("period") or "").strip()
        if label:
            try:
                # By moment rather than by date: the index in observed_at order then serves both
                # the range and the newest-first order, and page 1 reads only its own rows.
                moments = period_parse(label).moments()
            except ValueError:
                moments = None
        ids = tuple(
            (column, value)
            for param, column in (
                ("unit", "unit_id"),
                ("area_type", "area_type_id"),
                ("location", "location_id"),
                ("item", "item_id"),
            )
            if (value := id_param(params.get(param))) is not None
        )
        kind = params.get("kind", "")
        kind = kind if kind == "problems" or kind in FindingKind.values else ""
        return cls(
            moments=moments,
            ids=ids,
            site=id_param(params.get("site")),
            kind=kind,
            term=(params.get("q") or "").strip(),
        )


def findings_filtered(*, organisation: Organisation, params):
    """Findings narrowed by the list's parameters (see FindingFilters), newest first."""
    filters = FindingFilters.parse(params)
    findings = Finding.objects.filter(organisation=organisation).select_related(
        "location", "unit", "item"
    )
    if filters.moments is not None:
        first, after = filters.moments
        findings = findings.filter(observed_at__gte=first, observed_at__lt=after)
    if filters.ids:
        findings = findings.filter(**dict(filters.ids))
    if filters.site is not None:
        findings = findings.filter(location__site_id=filters.site)
    if filters.kind == "problems":
        findings = findings.exclude(kind__in=[FindingKind.BONUS, FindingKind.HIGHLIGHT])
    elif filters.kind:
        findings = findings.filter(kind=filters.kind)
    if filters.term:
        findings = findings.filter(
            Q(note__icontains=filters.term)
            | Q(location__code__icontains=filters.term)
            | Q(item__text__icontains=filters.term)
        )
    return findings.order_by("-observed_at", "-id")


@dataclass
class BulletinSection:
    """One area type's part of the weekly bulletin (本周卫生量化通报)."""

    area_type: AreaType
    days: list[tuple[date, list[tuple[Unit | None, list[Finding]]]]]
    bonuses: list[Finding]
    highlights: list[Finding]
    praised: list[Unit]
    ranking: list[UnitRow]

    @property
    def problem_count(self) -> int:
        return sum(len(findings) for _day, units in self.days for _unit, findings in units)


def weekly_bulletin(
    *, organisation: Organisation, week: Period, photos: bool = False
) -> list[BulletinSection]:
    """Per area type: each day's problems by unit, the bonuses, the units praised, the ranking;
    with ``photos``, each finding's photos read with them."""
    findings = (
        findings_in_period(organisation=organisation, period=week)
        .select_related("location", "unit", "item", "area_type")
        .order_by("date", "unit__code", "observed_at", "id")
    )
    findings = list(findings.prefetch_related("photos") if photos else findings)
    rankings = unit_rankings_by_area_type(organisation=organisation, period=week)
    area_ids = {finding.area_type_id for finding in findings if finding.area_type_id}
    area_ids |= set(rankings)
    sections = []
    for area_type in AreaType.objects.filter(pk__in=area_ids).order_by("sort_order", "name"):
        mine = [finding for finding in findings if finding.area_type_id == area_type.pk]
        problems = [f for f in mine if f.kind not in (FindingKind.BONUS, FindingKind.HIGHLIGHT)]
        days = []
        for day in period_days(week):
            by_unit: dict[Unit | None, list[Finding]] = {}
            for finding in problems:
                if finding.date == day:
                    by_unit.setdefault(finding.unit, []).append(finding)
            if by_unit:
                days.append((day, list(by_unit.items())))
        ranking = rankings.get(area_type.pk, [])
        with_problems = {finding.unit_id for finding in problems}
        sections.append(
            BulletinSection(
                area_type=area_type,
                days=days,
                bonuses=[f for f in mine if f.kind == FindingKind.BONUS],
                highlights=[f for f in mine if f.kind == FindingKind.HIGHLIGHT],
                praised=[row.unit for row in ranking if row.unit.pk not in with_problems],
                ranking=ranking,
            )
        )
    return sections
