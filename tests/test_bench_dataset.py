"""The benchmark data set (bench/dataset.py) looks like a year of use: every finding in a check
scored as the product scores it, every kind and task state, photos on disk, audit rows, red flags,
and nothing after today; the product's ranking gives the scores the stored rows add up to, the
classes and the departments ranked apart."""

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from django_scopes import scopes_disabled

from baozhang.core.periods import period_parse, scoring_periods_in
from baozhang.inspections import scoring
from baozhang.inspections.models import (
    ExpectedCheck,
    Finding,
    FindingPhoto,
    Inspection,
    RedFlag,
)
from baozhang.inspections.selectors import unit_standings
from baozhang.orgs.models import Assignment
from baozhang.rectification.models import SpotFix, Task, TaskEvent
from baozhang.standards.models import StandardItem
from bench import dataset

pytestmark = pytest.mark.django_db


def test_the_data_set_looks_like_a_year_of_use():
    # One build (a few seconds), checked from every side.
    with scopes_disabled():
        built = dataset.dataset_build(findings=2000)
        findings_in_scored_checks_and_nothing_after_today(built)
        expected_checks_photos_tasks_history_and_red_flags(built)
        the_ranking_adds_up_the_stored_findings_and_the_build_is_reused(built)


def findings_in_scored_checks_and_nothing_after_today(built):
    today, now = timezone.localdate(), timezone.now()
    assert len(built) == dataset.ORGANISATIONS
    assert Finding.objects.filter(organisation__in=built).count() == 2000
    assert not Finding.objects.filter(inspection__isnull=True).exists()
    for model, field in (
        (Finding, "date"), (Inspection, "date"), (ExpectedCheck, "due_at__date"),
        (TaskEvent, "at__date"), (SpotFix, "fixed_at__date"),
    ):  # fmt: skip
        assert not model.objects.filter(**{f"{field}__gt": today}).exists(), model
    assert not TaskEvent.objects.filter(at__gt=now).exists()
    assert set(Finding.objects.values_list("kind", flat=True)) == {
        "deduction", "scored", "bonus", "red_line", "highlight",
    }  # fmt: skip
    assert set(Task.objects.values_list("status", flat=True)) == {"open", "submitted", "closed"}
    caps = dict(StandardItem.objects.values_list("pk", "cap"))
    findings = defaultdict(list)
    for pk, item, kind, points in Finding.objects.values_list(
        "inspection_id", "item_id", "kind", "points"
    ):
        findings[pk].append(scoring.ScoredFinding(
            item=str(item) if item else f"free-{len(findings[pk])}", kind=kind, points=points,
            cap=caps.get(item),
        ))  # fmt: skip
    inspections = Inspection.objects.select_related("standard_version")
    assert inspections.filter(findings__isnull=True).exists()  # checks that found nothing
    for inspection in inspections:
        version = inspection.standard_version
        score = scoring.check_score(
            findings[inspection.pk], base=version.base_score, floor=version.floor_score
        )
        assert (inspection.score, inspection.is_failed) == (score.score, score.red_lines > 0)
        assert inspection.week_key and inspection.month_key == f"{inspection.date:%Y-%m}"


def expected_checks_photos_tasks_history_and_red_flags(built):
    done = ExpectedCheck.objects.filter(inspection__isnull=False).count()
    missed = ExpectedCheck.objects.filter(inspection__isnull=True).count()
    assert done > 0 and 0 < missed < done
    photos = FindingPhoto.objects.all()
    assert 0 < photos.values("finding").distinct().count() < Finding.objects.count()
    for name in set(photos.values_list("image", flat=True)) | set(
        photos.values_list("thumbnail", flat=True)
    ):
        assert (Path(settings.MEDIA_ROOT) / name).stat().st_size > 0
    for model in (Inspection, Finding, Task, SpotFix):
        assert model.history.filter(history_type="+").count() == model.objects.count() > 0, model
    assert Inspection.history.filter(history_user__isnull=True).count() == 0
    # A task's first audit row is the task as opened; a "~" row at its last step, what it became.
    assert not Task.history.filter(history_type="+").exclude(status="open").exists()
    assert Task.history.filter(history_type="~", status="closed").count() == (
        Task.objects.filter(status="closed").count()
    )
    closed = Task.objects.filter(status="closed").first()
    assert [e.kind for e in closed.events.all()][::len(closed.events.all()) - 1] == [
        "opened", "closed",
    ]  # fmt: skip
    assert RedFlag.objects.filter(organisation=built[0]).count() > 0


def the_ranking_adds_up_the_stored_findings_and_the_build_is_reused(built):
    """Each unit's score over the year is the mean of its weekly scores from the stored rows, in
    the weeks it was checked (a check at a place it holds, or a finding); each kind apart."""
    organisation = built[0]
    period = period_parse(f"{timezone.localdate():%Y}")
    weeks = {week.label for week in scoring_periods_in(period, "week")}
    first = period.start - timezone.timedelta(days=period.start.weekday())
    holders = dict(
        Assignment.objects.filter(organisation=organisation).values_list("location_id", "unit_id")
    )
    caps = dict(StandardItem.objects.values_list("pk", "cap"))
    per_week = defaultdict(lambda: defaultdict(list))
    checks = Inspection.objects.filter(
        organisation=organisation, date__gte=first, date__lte=period.end, week_key__in=weeks
    ).values_list("location_id", "week_key")
    for location, week in checks:
        per_week[holders[location]][week]  # noqa: B018 - a week checked, whatever was found
    rows = Finding.objects.filter(
        organisation=organisation, date__gte=first, date__lte=period.end, week_key__in=weeks
    ).values_list("unit_id", "week_key", "item_id", "kind", "points")
    for unit, week, item, kind, points in rows:
        per_week[unit][week].append(scoring.ScoredFinding(
            item=(item, kind), kind=kind, points=points, cap=caps.get(item)
        ))  # fmt: skip
    standings = unit_standings(organisation=organisation, period=period)
    scored = {row.unit.pk: row for row in standings.ranked if row.score is not None}
    assert set(scored) == set(per_week)
    for unit, found in per_week.items():
        expected = scoring.over_periods(
            scoring.unit_score(week, base=Decimal(100)).score for week in found.values()
        )
        assert (scored[unit].score, scored[unit].periods) == (expected.score, expected.periods)
    assert {row.unit.kind for row in standings.ranked} == {"class", "department"}
    for kind in ("class", "department"):
        assert min(row.rank for row in standings.ranked if row.unit.kind == kind) == 1
    assert {row.unit.pk for row in standings.unchecked}.isdisjoint(scored)
    again = dataset.dataset_build(findings=2000)
    assert [each.pk for each in again] == [each.pk for each in built]
    assert Finding.objects.count() == 2000
