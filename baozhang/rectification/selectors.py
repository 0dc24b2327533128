"""Reads of rectification: the state of findings' dispositions, counted per unit, area type and
period, with the records behind each number.

Every count is a count of problem findings (deductions, scored items and red lines; highlights and
bonuses need no rectification) in a state named in STATES; the records page filters by the same
names, so a number and the list it opens always agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, F, Q, QuerySet

from baozhang.core.periods import Period
from baozhang.inspections.models import Finding, FindingKind, Inspection
from baozhang.rectification.models import PatrolRound, PatrolRoundCheck, TaskStatus

PROBLEM_KINDS = [FindingKind.DEDUCTION, FindingKind.SCORED, FindingKind.RED_LINE]
PENDING = [TaskStatus.OPEN, TaskStatus.SUBMITTED]


def state_filter(state: str, now: datetime) -> Q:
    """The findings in one state of their rectification; raises KeyError for an unknown name."""
    return {
        "found": Q(),
        "spot": Q(spot_fix__isnull=False),
        "tracked": Q(task__isnull=False),
        "referred": Q(referral__isnull=False),
        "undecided": Q(referral__isnull=False, referral__decided_at__isnull=True),
        "undisposed": Q(spot_fix__isnull=True, task__isnull=True, referral__isnull=True),
        "open": Q(task__status=TaskStatus.OPEN),
        "submitted": Q(task__status=TaskStatus.SUBMITTED),
        "pending": Q(task__status__in=PENDING),
        "closed": Q(task__status=TaskStatus.CLOSED),
        "closed_in_time": Q(
            task__status=TaskStatus.CLOSED, task__closed_at__lte=F("task__deadline")
        ),
        "closed_late": Q(task__status=TaskStatus.CLOSED, task__closed_at__gt=F("task__deadline")),
        # Only a task still with its unit: a submitted one waits for verification (Task.is_overdue).
        "overdue": Q(task__status=TaskStatus.OPEN, task__deadline__lt=now),
        "rejected": Q(task__rejections__gt=0),
    }[state]


COUNTED = [
    "found",
    "spot",
    "tracked",
    "referred",
    "closed",
    "closed_in_time",
    "closed_late",
    "overdue",
    "rejected",
]


def problems(
    *,
    organisation,
    period: Period | None = None,
    site_id: int | None = None,
    unit_id: int | None = None,
    area_type_id: int | None = None,
    patrol_round_id: int | None = None,
) -> QuerySet[Finding]:
    """The problem findings of the scope, by the moment they were observed."""
    findings = Finding.objects.filter(organisation=organisation, kind__in=PROBLEM_KINDS)
    if period is not None:
        first, after = period.moments()
        findings = findings.filter(observed_at__gte=first, observed_at__lt=after)
    if site_id is not None:
        findings = findings.filter(location__site_id=site_id)
    if unit_id is not None:
        findings = findings.filter(unit_id=unit_id)
    if area_type_id is not None:
        findings = findings.filter(area_type_id=area_type_id)
    if patrol_round_id is not None:
        findings = findings.filter(inspection__patrol_rounds=patrol_round_id)
    return findings


@dataclass
class Figures:
    key: object = None  # the unit or area type id, None for the total
    label: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    days: list[float] = field(default_factory=list)  # days from opening to closure of each task

    @property
    def average_days(self) -> float | None:
        return round(sum(self.days) / len(self.days), 1) if self.days else None

    @property
    def p90_days(self) -> float | None:
        """The 90th percentile by nearest rank: 90 % of the tasks closed within this many days."""
        if not self.days:
            return None
        ordered = sorted(self.days)
        return round(ordered[math.ceil(0.9 * len(ordered)) - 1], 1)

    def count(self, state: str) -> int:
        return self.counts.get(state, 0)


def figures(findings: QuerySet[Finding], now: datetime, group: str | None = None) -> list[Figures]:
    """Counts of each state for the findings, per group ("unit" or "area_type") or in total."""
    aggregates = {
        state: Count("id", filter=state_filter(state, now)) if state != "found" else Count("id")
        for state in COUNTED
    }
    closed = findings.filter(task__status=TaskStatus.CLOSED)
    if group is None:
        total = Figures(counts=findings.aggregate(**aggregates))
        total.days = [
            _days(a, b) for a, b in closed.values_list("task__opened_at", "task__closed_at")
        ]
        return [total]
    name = {"unit": "unit__name", "area_type": "area_type__name"}[group]
    rows = findings.values(group, name).annotate(**aggregates).order_by(name)
    result = {
        row[group]: Figures(
            key=row[group],
            label=row[name] or "—",
            counts={state: row[state] for state in COUNTED},
        )
        for row in rows
    }
    for key, opened, done in closed.values_list(group, "task__opened_at", "task__closed_at"):
        result[key].days.append(_days(opened, done))
    return list(result.values())


def _days(opened: datetime, closed: datetime) -> float:
    return (closed - opened).total_seconds() / 86400


def total_of(rows: list[Figures]) -> Figures:
    total = Figures(label="")
    for row in rows:
        for state in COUNTED:
            total.counts[state] = total.count(state) + row.count(state)
        total.days += row.days
    return total


def patrol_round_sheet(*, patrol_round: PatrolRound, now: datetime) -> dict:
    """The figures, the problems (with what became of them) and the highlights of a round's sheet."""
    problems_found = problems(
        organisation=patrol_round.organisation, patrol_round_id=patrol_round.pk
    )
    rows = list(
        problems_found.select_related(
            "location", "unit", "item", "task", "spot_fix", "referral"
        ).order_by("observed_at", "id")
    )
    highlights = list(
        Finding.objects.filter(
            organisation=patrol_round.organisation,
            inspection__patrol_rounds=patrol_round,
            kind=FindingKind.HIGHLIGHT,
        )
        .select_related("location", "unit")
        .order_by("observed_at", "id")
    )
    return {
        "figures": figures(problems_found, now)[0],
        "problems": rows,
        "highlights": highlights,
    }


def inspection_patrol_round_id(*, inspection: Inspection) -> int | None:
    """The id of the patrol round the check was recorded in, None for a check of no round."""
    return (
        PatrolRoundCheck.objects.filter(inspection=inspection)
        .values_list("patrol_round_id", flat=True)
        .first()
    )
