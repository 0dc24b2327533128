"""Reads of inspections: unit scores and rankings for a period, missed checks, the week's findings.

Scores are aggregated in the database per unit and item (one GROUP BY on stored period keys and
dates), then the caps, floor and red-line rules of scoring.py are applied to those few rows.
"""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils import timezone

from baozhang.core.compiled import CompiledQuery
from baozhang.core.params import id_param
from baozhang.core.periods import (
    Period,
    month_key,
    period_days,
    period_parse,
    scoring_periods_in,
)
from baozhang.inspections import scoring
from baozhang.inspections.models import (
    BoardPolicy,
    ExpectedCheck,
    Finding,
    FindingKind,
    FindingPhoto,
    Inspection,
    Schedule,
)
from baozhang.inspections.planned_checks import period_counted
from baozhang.orgs.models import AreaType, Assignment, Location, Organisation, Unit, UnitKind
from baozhang.standards.models import Standard, StandardItem, StandardVersion


@dataclass(frozen=True)
class UnitRow:
    """A unit's line in a ranking for a period.

    ``score`` is the unit's score for the period: its score in the one scoring period, or the
    mean (or sum) of its scores in the ``periods`` scoring periods in which it was checked; None
    when it was not checked, or when the period is shorter than a scoring period (a day, or a week
    of a monthly standard), which shows deductions and bonuses only. ``rank`` is its place among
    the checked units of its kind; None for a unit not checked. The counts are those of the
    checks and findings dated in the period."""

    unit: Unit
    rank: int | None
    score: Decimal | None
    deductions: Decimal
    bonus: Decimal
    findings: int  # problems and bonuses
    highlights: int
    red_lines: int
    checks: int = 0
    problems: int = 0
    periods: int = 0
    total: str = ""  # "mean" or "sum" over several scoring periods; "" for one
    scoring_period: str = "week"
    capped: bool = False
    checked: bool = True
    missed: int = 0

    @property
    def kind(self) -> str:
        return self.unit.kind

    @property
    def net(self) -> Decimal:
        return self.bonus - self.deductions


@dataclass(frozen=True)
class Standings:
    """The units of a period: the checked ones ranked among their own kind, the others apart."""

    period: Period
    ranked: list[UnitRow]  # by kind (UnitKind's order), then rank
    unchecked: list[UnitRow]  # by kind, then code
    until: date | None  # the period is running: the figures reach this day

    def by_kind(self) -> list[tuple[str, str, list[UnitRow], list[UnitRow]]]:
        """(kind, its name, ranked rows, unchecked rows) for each kind of unit present."""
        labels = dict(UnitKind.choices)
        result = []
        for kind in labels:
            ranked = [row for row in self.ranked if row.unit.kind == kind]
            unchecked = [row for row in self.unchecked if row.unit.kind == kind]
            if ranked or unchecked:
                result.append((kind, labels[kind], ranked, unchecked))
        return result


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
    """The findings of a ranking grouped per unit, item, kind, week and month, as SQL to join to
    their items' rules: built by every ranking. Compiled, its SQL takes 0.1 ms instead of the ORM's
    1.0–1.6 ms on either database (bench (h), docs/performance.md)."""
    return (
        _findings_between(organisation_id, start, end, area_type_id)
        .filter(unit__isnull=False)
        .values("unit_id", "item_id", "kind", "week_key", "month_key")
        .annotate(total=Sum("points"), count=Count("id"))
        .order_by()
    )


def _grouped_by_area(organisation_id, start, end):
    """As _grouped, per area type too: the rankings of every area type at once."""
    return (
        _findings_between(organisation_id, start, end)
        .filter(unit__isnull=False, area_type__isnull=False)
        .values("area_type_id", "unit_id", "item_id", "kind", "week_key", "month_key")
        .annotate(total=Sum("points"), count=Count("id"))
        .order_by()
    )


_GROUPED = CompiledQuery(_grouped, int, date, date)
_GROUPED_IN_AREA = CompiledQuery(_grouped, int, date, date, int)
_GROUPED_BY_AREA = CompiledQuery(_grouped_by_area, int, date, date)

ZERO = Decimal(0)
EVERY_AREA = "every"  # standings per area type, all at once


def _grouped_with_rules(*, organisation_id: int, start: date, end: date, area=None):
    """(area type id or None, unit_id, item_id, kind, week_key, month_key, points, count, cap,
    red-line rule, red-line score, scoring period, period total) per unit, item, kind, week and
    month (and area type, for EVERY_AREA) of the findings dated from start to end (of the area
    type) that have a unit.

    The findings are grouped alone and the groups then joined to their items, versions and
    standards: joining first would join every finding, and a separate query for the rules costs
    a round trip."""
    try:
        if area == EVERY_AREA:
            sql, params = _GROUPED_BY_AREA.sql(organisation_id, start, end)
        elif area is None:
            sql, params = _GROUPED.sql(organisation_id, start, end)
        else:
            sql, params = _GROUPED_IN_AREA.sql(organisation_id, start, end, area)
    except EmptyResultSet:  # an area type id no column holds
        return []
    statement = (
        f"SELECT {'g.area_type_id' if area == EVERY_AREA else 'NULL'},"  # noqa: S608
        " g.unit_id, g.item_id, g.kind, g.week_key, g.month_key, g.total,"
        ' g."count", i.cap, v.red_line_rule, v.red_line_score, s.scoring_period,'
        f" s.period_total FROM ({sql}) g"
        f" LEFT JOIN {StandardItem._meta.db_table} i ON i.id = g.item_id"
        f" LEFT JOIN {StandardVersion._meta.db_table} v ON v.id = i.version_id"
        f" LEFT JOIN {Standard._meta.db_table} s ON s.id = v.standard_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    if connection.vendor == "postgresql":
        return rows

    # SQLite gives numbers back as integers or floats: the points are tenths. A year's rows hold
    # a few distinct numbers (points, caps, red-line scores): each is converted once.
    converted: dict = {}

    def tenths(value):
        if value not in converted:
            converted[value] = scoring.tenths(value)
        return converted[value]

    return [
        (area_id, unit, item, kind, week, month, tenths(total), count, tenths(cap), rule,
         tenths(score), period, total_rule)
        for (area_id, unit, item, kind, week, month, total, count, cap, rule, score, period,
             total_rule) in rows
    ]  # fmt: skip


def _checks_per_unit(*, organisation_id: int, start: date, end: date, area=None):
    """(area type id or None, unit_id, scoring period, period total, week_key, month_key, checks)
    of the checks dated from start to end (at places of the area type, or per area type for
    EVERY_AREA): a check counts for the unit that held its place on its day."""
    every = area == EVERY_AREA
    statement = (
        f"SELECT {'l.area_type_id' if every else 'NULL'}, a.unit_id, s.scoring_period,"  # noqa: S608
        " s.period_total, c.week_key, c.month_key, COUNT(*) FROM"
        f" {Inspection._meta.db_table} c"
        f" JOIN {StandardVersion._meta.db_table} v ON v.id = c.standard_version_id"
        f" JOIN {Standard._meta.db_table} s ON s.id = v.standard_id"
        f" JOIN {Assignment._meta.db_table} a ON a.location_id = c.location_id"
        " AND a.starts_on <= c.date AND (a.ends_on IS NULL OR a.ends_on >= c.date)"
    )
    where = (
        " WHERE c.organisation_id = %s AND c.date >= %s AND c.date <= %s"
        " AND c.voided_at IS NULL"  # a voided check never counts
    )
    adapt = connection.ops.adapt_datefield_value
    params: list = [organisation_id, adapt(start), adapt(end)]
    if area is not None:
        statement += f" JOIN {Location._meta.db_table} l ON l.id = c.location_id"
        if every:
            where += " AND l.area_type_id IS NOT NULL"
        else:
            where += " AND l.area_type_id = %s"
            params.append(area)
    statement += (
        where + " GROUP BY "
        f"{'l.area_type_id, ' if every else ''}"
        "a.unit_id, s.scoring_period, s.period_total, c.week_key, c.month_key"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


@dataclass
class _Tally:
    """What a unit gathers in one scoring period, or over the period's own days."""

    findings: list = field(default_factory=list)
    checks: int = 0
    totals: set = field(default_factory=set)
    kinds: dict = field(default_factory=lambda: defaultdict(int))
    lost: Decimal = ZERO
    gained: Decimal = ZERO


def _tally_of(periods: dict, key) -> _Tally:
    """The unit's tally of the scoring period, made on its first row (not for every row: a
    year's ranking reads thousands)."""
    tally = periods.get(key)
    if tally is None:
        tally = periods[key] = _Tally()
    return tally


def unit_standings(
    *, organisation: Organisation, period: Period, area_type_id=None, policy=None, today=None
) -> Standings:
    """Every responsible unit of the period: the checked ones scored and ranked among their own
    kind, the others listed apart as not checked (with their missed checks).

    One function for every place that shows a score (ranking page and API, notice board,
    bulletin, red flags, figures, reports, exports). A unit's score is that of its scoring
    period (a week, or a month where its standard says so: base − deductions + bonuses with
    caps, floor and red-line rules); over a longer period, the mean (or sum) of its scores in
    the scoring periods that end in the period and in which it was checked. A unit was checked
    when a check covered a place it held that day or a finding or bonus was credited to it.
    A caller ranking several periods or area types passes the organisation's board policy once."""
    standings = _standings(
        organisation=organisation, period=period, area=area_type_id, policy=policy, today=today
    )
    return standings.get(None) or Standings(
        period=period, ranked=[], unchecked=[], until=_until(period, today)
    )


def unit_rankings_by_area_type(
    *, organisation: Organisation, period: Period, policy=None, today=None
) -> dict[int, Standings]:
    """The standings of every area type that a unit held a place of or was found in during the
    period, as ``unit_standings`` gives them for one, in the same number of queries."""
    return _standings(
        organisation=organisation, period=period, area=EVERY_AREA, policy=policy, today=today
    )


def unit_ranking(
    *, organisation: Organisation, period: Period, area_type_id=None, policy=None
) -> list[UnitRow]:
    """The checked units of the period, ranked among their own kind (unit_standings), for a
    caller that needs their scores only (a trend, the previous period's scores): their missed
    checks are not counted (``missed`` is 0), which saves a query."""
    standings = _standings(
        organisation=organisation,
        period=period,
        area=area_type_id,
        policy=policy,
        today=None,
        missed=False,
    )
    return standings[None].ranked if None in standings else []


def _until(period: Period, today: date | None) -> date | None:
    if period.running:  # counted up to a moment (core.periods.Period.until)
        return period.last_day()
    today = today or timezone.localdate()
    return today if period.end >= today else None


def _standings(*, organisation, period, area, policy, today, missed=True) -> dict:
    if isinstance(area, int) and not -(2**63) <= area < 2**63:
        return {}  # an area type id no column holds names nothing, as in the ORM
    policy = policy or board_policy(organisation=organisation)
    weeks = {p.label for p in scoring_periods_in(period, "week")}
    months = {p.label for p in scoring_periods_in(period, "month")}
    # A week that ends in the period is scored whole, from its Monday.
    first = period.start - timedelta(days=period.start.weekday()) if weeks else period.start
    args = {"organisation_id": organisation.pk, "area": area}
    grouped = _grouped_with_rules(start=first, end=period.end, **args)
    checks = _checks_per_unit(start=first, end=period.end, **args)
    if first < period.start and period.start.day == 1:
        # The days before a period that begins a month are those of the month before: the
        # counts of the period's own days are those of its own months, read already.
        month = month_key(period.start)
        own_findings = [row for row in grouped if row[5] >= month]
        own_checks = [row for row in checks if row[5] >= month]
    elif first < period.start:  # the counts of the period's own days
        own_findings = _grouped_with_rules(start=period.start, end=period.end, **args)
        own_checks = _checks_per_unit(start=period.start, end=period.end, **args)
    else:
        own_findings, own_checks = grouped, checks

    def scoring_key(scoring_period, week, month):
        if scoring_period == "month":
            return ("month", month) if month in months else None
        return ("week", week) if week in weeks else None

    # Per area (None unless EVERY_AREA), per unit: its scoring periods, and the period's counts.
    tallies: dict = defaultdict(lambda: defaultdict(dict))
    own: dict = defaultdict(lambda: defaultdict(_Tally))
    for (area_id, unit_id, item_id, kind, week, month, total, _count, cap, rule, rule_score,
         scoring_period, total_rule) in grouped:  # fmt: skip
        key = scoring_key(scoring_period or "week", week, month)
        if key is None:
            continue
        tally = _tally_of(tallies[area_id][unit_id], key)
        tally.totals.add(total_rule or "mean")
        tally.findings.append(
            scoring.ScoredFinding(
                item=(item_id, kind),
                kind=kind,
                points=total,
                cap=cap,
                red_line_rule=rule or "fail_check",
                red_line_score=rule_score or ZERO,
            )
        )
    for area_id, unit_id, scoring_period, total_rule, week, month, count in checks:
        key = scoring_key(scoring_period or "week", week, month)
        if key is not None:
            tally = _tally_of(tallies[area_id][unit_id], key)
            tally.checks += count
            tally.totals.add(total_rule or "mean")
    for area_id, unit_id, _item, kind, _w, _m, total, count, *_rest in own_findings:
        tally = own[area_id][unit_id]
        tally.kinds[kind] += count
        if kind in scoring.LOSING:
            tally.lost += total or ZERO
        elif kind == FindingKind.BONUS:
            tally.gained += total or ZERO
    for area_id, unit_id, *_rest, count in own_checks:
        own[area_id][unit_id].checks += count

    # The units of each ranking: the active units that held a place (of the area type) in the
    # period, and any unit a finding or check names.
    held, units = _held(organisation=organisation, period=period, area=area)
    named = {unit for by_unit in (*tallies.values(), *own.values()) for unit in by_unit}
    unread = (set().union(*held.values()) | named) - set(units)
    if unread:  # units not read with the holders: inactive ones, or named by a finding only
        units.update(Unit.objects.filter(organisation=organisation, pk__in=unread).in_bulk())
    missed = _missed_per_unit(organisation=organisation, period=period, area=area) if missed else {}
    until = _until(period, today)
    result = {}
    for area_id in sorted(set(held) | set(tallies) | set(own), key=lambda a: (a is None, a)):
        mine = {u for u in held.get(area_id, ()) if u in units and units[u].is_active}
        mine |= {u for u in (*tallies[area_id], *own[area_id]) if u in units}
        rows = [
            _unit_row(
                units[unit_id],
                tallies[area_id].get(unit_id, {}),
                own[area_id].get(unit_id) or _Tally(),
                missed.get((area_id, unit_id), 0),
                policy,
            )
            for unit_id in mine
        ]
        result[area_id] = _ranked(period, rows, until)
    return result


def _unit_row(unit: Unit, periods: dict, counts: _Tally, missed: int, policy) -> UnitRow:
    scores = [
        scoring.unit_score(t.findings, base=policy.base_score, floor=policy.floor_score)
        for t in periods.values()
    ]
    totals = set().union(*(t.totals for t in periods.values())) if periods else set()
    total = "sum" if totals == {"sum"} else "mean"
    over = scoring.over_periods((s.score for s in scores), total=total)
    kinds = counts.kinds
    return UnitRow(
        unit=unit,
        rank=None,
        score=over.score,
        deductions=scoring.tenths(counts.lost),
        bonus=scoring.tenths(counts.gained),
        findings=sum(n for kind, n in kinds.items() if kind != FindingKind.HIGHLIGHT),
        highlights=kinds.get(FindingKind.HIGHLIGHT, 0),
        red_lines=kinds.get(FindingKind.RED_LINE, 0),
        checks=counts.checks,
        problems=sum(n for kind, n in kinds.items() if kind in scoring.LOSING),
        periods=over.periods,
        total=total if over.periods > 1 else "",
        scoring_period=next(iter(periods))[0] if periods else "week",
        capped=any(s.capped for s in scores),
        checked=bool(periods) or bool(counts.checks) or bool(kinds),
        missed=missed,
    )


def _ranked(period: Period, rows: list[UnitRow], until) -> Standings:
    """The checked units ranked among their own kind, scored ones first; a unit checked only in
    a period too short for a score ranks after them by its bonuses less its deductions."""
    order = {kind: n for n, kind in enumerate(UnitKind.values)}
    ranked, unchecked = [], []
    for kind in sorted({row.unit.kind for row in rows}, key=lambda k: order.get(k, 99)):
        mine = [row for row in rows if row.unit.kind == kind]
        checked = {row.unit.pk: row for row in mine if row.checked}
        scored = {pk: row.score for pk, row in checked.items() if row.score is not None}
        short = {pk: row.net for pk, row in checked.items() if row.score is None}
        for values in (scored, short):
            ranked.extend(replace(checked[pk], rank=n) for pk, n in scoring.rank(values))
        unchecked.extend(sorted((r for r in mine if not r.checked), key=lambda r: r.unit.code))
    return Standings(period=period, ranked=ranked, unchecked=unchecked, until=until)


def _held(*, organisation: Organisation, period: Period, area) -> tuple[dict, dict]:
    """Per area type for EVERY_AREA, else under None: the units that held a place (of the area
    type) in the period; and the units read on the way, by id (none for EVERY_AREA)."""
    if area != EVERY_AREA:
        units = units_in_ranking(organisation=organisation, period=period, area_type_id=area)
        read = {unit.pk: unit for unit in units}
        return {None: set(read)}, read
    held: dict = defaultdict(set)
    rows = (
        Assignment.objects.filter(
            organisation=organisation,
            starts_on__lte=period.end,
            location__area_type__isnull=False,
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=period.start))
        .values_list("location__area_type_id", "unit_id")
        .distinct()
    )
    for area_id, unit_id in rows:
        held[area_id].add(unit_id)
    return held, {}


def _missed_per_unit(*, organisation: Organisation, period: Period, area) -> dict:
    """Missed checks of the period per (area, unit) that held the place during it, in one
    statement: the planned checks (planned_checks.checks_missed: due in the period as far as it
    has run, not before their schedule was created, their window passed, not done) joined to
    the assignments of their places in force in the period. Written in SQL: built with the ORM,
    this read cost a ranking more time than its database work (bench (a))."""
    counted, now = period_counted(period)
    first, after = counted.moments()
    moment = connection.ops.adapt_datetimefield_value
    day = connection.ops.adapt_datefield_value
    every = area == EVERY_AREA
    statement = (
        f"SELECT {'l.area_type_id' if every else 'NULL'}, a.unit_id,"  # noqa: S608
        " COUNT(DISTINCT e.id)"
        f" FROM {ExpectedCheck._meta.db_table} e"
        f" JOIN {Schedule._meta.db_table} s ON s.id = e.schedule_id"
        f" JOIN {Location._meta.db_table} l ON l.id = e.location_id"
        f" JOIN {Assignment._meta.db_table} a ON a.location_id = e.location_id"
        " AND a.starts_on <= %s AND (a.ends_on IS NULL OR a.ends_on >= %s)"
        f" LEFT JOIN {Inspection._meta.db_table} c ON c.expected_id = e.id"
        " WHERE e.organisation_id = %s AND e.due_at >= %s AND e.due_at < %s"
        " AND e.due_at >= s.created_at AND e.window_ends_at < %s AND c.id IS NULL"
    )
    params = [
        day(period.end),
        day(period.start),
        organisation.pk,
        moment(first),
        moment(after),
        moment(now),
    ]
    if area not in (None, EVERY_AREA):
        statement += " AND l.area_type_id = %s"
        params.append(area)
    statement += f" GROUP BY {'l.area_type_id, ' if every else ''}a.unit_id"
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return {(area_id, unit_id): count for area_id, unit_id, count in cursor.fetchall()}


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
    unchecked: list[UnitRow] = field(default_factory=list)

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
        standings = rankings.get(area_type.pk)
        ranking = standings.ranked if standings else []
        with_problems = {finding.unit_id for finding in problems}
        sections.append(
            BulletinSection(
                area_type=area_type,
                days=days,
                bonuses=[f for f in mine if f.kind == FindingKind.BONUS],
                highlights=[f for f in mine if f.kind == FindingKind.HIGHLIGHT],
                # Only a unit that was checked can be praised for having no problems.
                praised=[row.unit for row in ranking if row.unit.pk not in with_problems],
                ranking=ranking,
                unchecked=standings.unchecked if standings else [],
            )
        )
    return sections
