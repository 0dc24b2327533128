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
    FindingPhoto,
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
    """The organisation's check stored under the id its client gave it, if any (voided too)."""
    return Inspection.with_voided.filter(
        organisation_id=organisation_id, client_id=client_id
    ).first()


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
    return ExpectedCheck.objects.filter(
        organisation=organisation,
        **period.moments_filter("due_at"),
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


@dataclass(slots=True, eq=False)
class BulletinPlace:
    """A finding's location as the bulletin shows it (its code and name)."""

    pk: int
    code: str
    name: str

    def __str__(self) -> str:  # as Location's
        return self.name if self.code in self.name else f"{self.code} {self.name}"


@dataclass(slots=True, eq=False)
class BulletinItem:
    pk: int
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(slots=True, eq=False)
class BulletinFinding:
    """A finding as the bulletin, the board and a weekly report show it: read as plain values, not
    as a model with its location, unit and item models (a busy week has thousands of findings;
    building the models took most of the bulletin's time)."""

    pk: int
    inspection_id: int | None
    location: BulletinPlace
    unit: Unit | None
    unit_reason: str
    item: BulletinItem | None
    kind: str
    points: Decimal
    note: str
    observed_at: object
    date: date
    area_type_id: int | None
    photo_ids: list[int]

    @property
    def id(self) -> int:
        return self.pk

    @property
    def location_id(self) -> int:
        return self.location.pk

    @property
    def unit_id(self) -> int | None:
        return self.unit.pk if self.unit is not None else None

    @property
    def item_id(self) -> int | None:
        return self.item.pk if self.item is not None else None

    def get_kind_display(self) -> str:
        return str(FindingKind(self.kind).label)


@dataclass
class BulletinSection:
    """One area type's part of the weekly bulletin (本周卫生量化通报)."""

    area_type: AreaType
    days: list[tuple[date, list[tuple[Unit | None, list[BulletinFinding]]]]]
    bonuses: list[BulletinFinding]
    highlights: list[BulletinFinding]
    praised: list[Unit]
    ranking: list[UnitRow]

    @property
    def problem_count(self) -> int:
        return sum(len(findings) for _day, units in self.days for _unit, findings in units)


BULLETIN_FIELDS = (
    "pk", "inspection_id", "location_id", "location__code", "location__name", "unit_id",
    "unit_reason", "item_id", "item__text", "kind", "points", "note", "observed_at", "date",
    "area_type_id",
)  # fmt: skip


def bulletin_findings(
    *, organisation: Organisation, week: Period, photos: bool = False
) -> list[BulletinFinding]:
    """The week's findings in the bulletin's order, with their photos' ids if asked: two
    queries, whatever the number of findings."""
    rows = (
        findings_in_period(organisation=organisation, period=week)
        .order_by("date", "unit__code", "observed_at", "id")
        .values_list(*BULLETIN_FIELDS)
    )
    rows = list(rows)
    shown: dict[int, list[int]] = defaultdict(list)
    if photos and rows:
        taken = FindingPhoto.objects.filter(
            organisation=organisation, finding__date__gte=week.start, finding__date__lte=week.end
        )
        for finding_id, photo_id in taken.order_by("id").values_list("finding_id", "id"):
            shown[finding_id].append(photo_id)
    units = Unit.objects.filter(pk__in={row[5] for row in rows if row[5]}).in_bulk()
    places: dict[int, BulletinPlace] = {}
    items: dict[int, BulletinItem] = {}
    findings = []
    for (pk, inspection_id, location_id, code, name, unit_id, reason, item_id, text, kind,
         points, note, observed_at, day, area_type_id) in rows:  # fmt: skip
        place = places.get(location_id)
        if place is None:
            place = places[location_id] = BulletinPlace(location_id, code, name)
        item = None
        if item_id is not None:
            item = items.get(item_id)
            if item is None:
                item = items[item_id] = BulletinItem(item_id, text)
        findings.append(
            BulletinFinding(
                pk,
                inspection_id,
                place,
                units.get(unit_id),
                reason,
                item,
                kind,
                points,
                note,
                observed_at,
                day,
                area_type_id,
                shown.get(pk, []),
            )  # fmt: skip
        )
    return findings


def weekly_bulletin(
    *, organisation: Organisation, week: Period, photos: bool = False
) -> list[BulletinSection]:
    """Per area type: each day's problems by unit, the bonuses, the units praised, the ranking;
    with ``photos``, each finding's photos' ids read with them."""
    findings = bulletin_findings(organisation=organisation, week=week, photos=photos)
    rankings = unit_rankings_by_area_type(organisation=organisation, period=week)
    area_ids = {finding.area_type_id for finding in findings if finding.area_type_id}
    area_ids |= set(rankings)
    # One pass over the findings, in their order: by area type, then by day and unit.
    by_area: dict[int, list[BulletinFinding]] = defaultdict(list)
    found: dict[int, dict[date, dict[Unit | None, list[BulletinFinding]]]] = defaultdict(dict)
    for finding in findings:
        by_area[finding.area_type_id].append(finding)
        if finding.kind not in (FindingKind.BONUS, FindingKind.HIGHLIGHT):
            by_day = found[finding.area_type_id].setdefault(finding.date, {})
            by_day.setdefault(finding.unit, []).append(finding)
    sections = []
    for area_type in AreaType.objects.filter(pk__in=area_ids).order_by("sort_order", "name"):
        mine = by_area.get(area_type.pk, [])
        problems = [f for f in mine if f.kind not in (FindingKind.BONUS, FindingKind.HIGHLIGHT)]
        by_day = found.get(area_type.pk, {})
        days = [(day, list(by_day[day].items())) for day in period_days(week) if day in by_day]
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
