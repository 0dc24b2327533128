"""Reads of the checks schedules plan, counted honestly: only the checks due up to the moment of
counting (a period still running is counted to ``period.as_of``, core/periods.py), and only those
due once their schedule existed (a schedule created at 18:16 plans nothing for 07:30 that day).

Each counted check is in exactly one state: done (an inspection fulfilled it), missed (its window
passed without one) or open (待检: still within its window). So planned = done + missed + open.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from baozhang.core.periods import Period
from baozhang.inspections.models import ExpectedCheck, Inspection
from baozhang.orgs.models import Organisation


@dataclass(frozen=True)
class CheckCounts:
    """The planned checks of a period as far as it has run, by state."""

    planned: int
    done: int
    missed: int
    open: int


def period_counted(period: Period, now: datetime | None = None) -> tuple[Period, datetime]:
    """The period as far as it has run at ``now`` (by default the moment a running period was
    counted to, else the present moment), and that moment."""
    if now is None:
        now = period.as_of or timezone.now()
    return period.until(now), now


def _planned(counted: Period, prefix: str = "") -> Q:
    """Expected checks (reached through ``prefix``) due in the counted period and not before
    their schedule was created."""
    due = {f"{prefix}{key}": value for key, value in counted.moments_filter("due_at").items()}
    return Q(**due) & Q(**{f"{prefix}due_at__gte": F(f"{prefix}schedule__created_at")})


def checks_planned(
    *, organisation: Organisation, period: Period, now: datetime | None = None
) -> QuerySet[ExpectedCheck]:
    """The expected checks of the period due up to ``now`` and not before their schedule was
    created."""
    counted, _now = period_counted(period, now)
    return ExpectedCheck.objects.filter(_planned(counted), organisation=organisation)


def checks_missed(
    *, organisation: Organisation, period: Period, now: datetime | None = None
) -> QuerySet[ExpectedCheck]:
    """Planned checks of the period whose window has passed without an inspection."""
    now = period_counted(period, now)[1]
    planned = checks_planned(organisation=organisation, period=period, now=now)
    return planned.filter(window_ends_at__lt=now, inspection__isnull=True)


def checks_open(
    *, organisation: Organisation, period: Period, now: datetime | None = None
) -> QuerySet[ExpectedCheck]:
    """Planned checks of the period not done yet but still within their window (待检)."""
    now = period_counted(period, now)[1]
    planned = checks_planned(organisation=organisation, period=period, now=now)
    return planned.filter(window_ends_at__gte=now, inspection__isnull=True)


def inspections_planned_done(
    *, organisation: Organisation, period: Period, now: datetime | None = None
) -> QuerySet[Inspection]:
    """The inspections that fulfilled the period's planned checks, one for each."""
    counted, _now = period_counted(period, now)
    return Inspection.objects.filter(_planned(counted, "expected__"), organisation=organisation)


def inspections_unscheduled(
    *, organisation: Organisation, period: Period, now: datetime | None = None
) -> QuerySet[Inspection]:
    """The inspections done in the period up to ``now`` that fulfilled none of its planned
    checks: spot checks outside any schedule, or done for a check not counted in the period."""
    counted, _now = period_counted(period, now)
    return Inspection.objects.filter(
        Q(expected__isnull=True) | ~_planned(counted, "expected__"),
        organisation=organisation,
        **counted.moments_filter("done_at"),
    )


def check_counts(
    *, organisation: Organisation, period: Period, where: Q | None = None, now=None
) -> CheckCounts:
    """The planned checks of the period (narrowed by ``where``) by state, in one query."""
    now = period_counted(period, now)[1]
    planned = checks_planned(organisation=organisation, period=period, now=now)
    waiting = Q(inspection__isnull=True)
    totals = planned.filter(where or Q()).aggregate(
        planned=Count("id"),
        done=Count("id", filter=Q(inspection__isnull=False)),
        missed=Count("id", filter=waiting & Q(window_ends_at__lt=now)),
        open=Count("id", filter=waiting & Q(window_ends_at__gte=now)),
    )
    return CheckCounts(**totals)
