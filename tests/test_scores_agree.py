"""Every place that shows a unit's score agrees with every other for a week, a month and a year of
the demo: the figures JSON, the ranking API and page, the notice board, the bulletin and every report
kind; and every report's ranking table reconciles with its overview."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override
from django_scopes import scope, scopes_disabled

from baozhang.core.figures import Scope
from baozhang.core.periods import month_key, period_parse, period_previous, week_key
from baozhang.demo import demo_build
from baozhang.inspections.board import board_enable, board_policy_ensure
from baozhang.inspections.selectors import unit_rankings_by_area_type, unit_standings
from baozhang.orgs.models import AreaType, Organisation
from baozhang.reports.document import build_document
from baozhang.reports.models import ReportKind
from baozhang.reports.services import report_create
from tests.factories import member

pytestmark = pytest.mark.django_db


def periods():
    today = timezone.localdate()
    last_week = period_previous(period_parse(week_key(today)))
    last_month = period_previous(period_parse(month_key(today)))
    half = period_parse(f"{today.year}-H{1 if today.month <= 6 else 2}")
    days = f"{today - dt.timedelta(days=30):%Y-%m-%d}..{today - dt.timedelta(days=1):%Y-%m-%d}"
    return [last_week, last_month, half, period_parse(days), period_parse(str(today.year))]


def rows_of(standings):
    return [
        (row.unit.pk, row.score, row.rank, row.checks, row.problems) for row in standings.ranked
    ]


def test_scores_agree_everywhere_over_the_demo(client):
    """The demo's last 45 days, built once (it takes most of the test's time)."""
    demo_build(history_days=45)
    reports_agree(client)
    bulletin_and_board_agree(client)


def reports_agree(client):
    for slug in ("hospital", "college"):
        with scopes_disabled():
            organisation = Organisation.objects.get(slug=slug)
        client.force_login(member(organisation, "admin", username=f"admin-{slug}"))
        for period in periods():
            with scope(organisation=organisation):
                standings = unit_standings(organisation=organisation, period=period)
            expected = rows_of(standings)
            assert expected, (slug, period.label)  # the demo checks every week
            answer = client.get(f"/api/v1/orgs/{slug}/ranking", {"period": period.label}).json()
            assert [
                (
                    r["unit_id"],
                    r["score"] and float(r["score"]),
                    r["rank"],
                    r["checks"],
                    r["problems"],
                )
                for r in answer["rows"]
            ] == [(u, float(s), r, c, p) for u, s, r, c, p in expected], (slug, period.label)
            assert [r["unit_id"] for r in answer["unchecked"]] == [
                row.unit.pk for row in standings.unchecked
            ]
            page = client.get(
                reverse("inspections:ranking", args=[slug]), {"period": period.label}
            ).content.decode()
            assert page.count("<tr>") - page.count("<thead><tr>") == len(expected)
            kind = {
                "week": ReportKind.WEEKLY,
                "month": ReportKind.MONTHLY,
                "year": ReportKind.ANNUAL,
                "half": ReportKind.HALF_YEAR,
                "range": ReportKind.CUSTOM,
            }
            with scope(organisation=organisation), override("zh-hans"):
                report = report_create(
                    kind=kind[period.kind], scope=Scope(organisation=organisation), period=period
                )
                version = report.versions.get()
                figures = version.figures
                ranked = [u for u in figures["units"] if u["checked"]]
                assert [
                    (u["unit_id"], u["score"], u["rank"], u["checks"], u["findings"])
                    for u in ranked
                ] == [(u, float(s), r, c, p) for u, s, r, c, p in expected], (slug, period.label)
                # The trend step of the same period agrees with the ranking.
                same = [s for s in figures["score_trend"] if s["label"] == period.label]
                if same:
                    scores = [float(s) for _u, s, *_rest in expected]
                    assert same[0]["units"] == len(scores)
                    assert same[0]["average"] == round(sum(scores) / len(scores), 1)
                # The ranking table's problems and the line beside it make up the overview's total.
                document = build_document(version)
                table = next(t for t in document.tables() if t.text == "各单位排名")
                problems = sum(int(str(row[4])) for row in table.rows)
                without = figures["inspections"]["findings_without_unit"]
                assert problems + without == figures["inspections"]["findings"], (
                    slug,
                    period.label,
                )
                text = "\n".join(block.text for block in document.blocks)
                if without:
                    assert f"未落实责任单位的问题{without}个" in text
                # Flags: one row per unit, counts adding up to the flags of the period.
                flags = [t for t in document.tables() if t.text == "流动红旗"]
                if flags:
                    assert sum(int(str(row[1])) for row in flags[0].rows) == len(
                        figures["red_flags"]
                    )
                    units = [str(row[0]) for row in flags[0].rows]
                    assert len(units) == len(set(units))


def bulletin_and_board_agree(client):
    today = timezone.localdate()
    week = period_previous(period_parse(week_key(today)))
    for slug in ("hospital", "college"):
        with scopes_disabled():
            organisation = Organisation.objects.get(slug=slug)
        client.force_login(member(organisation, "admin", username=f"bulletin-{slug}"))
        with scope(organisation=organisation):
            by_area = unit_rankings_by_area_type(organisation=organisation, period=week)
            names = dict(AreaType.objects.filter(pk__in=by_area).values_list("name", "pk"))
        answer = client.get(f"/api/v1/orgs/{slug}/bulletin", {"period": week.label}).json()
        for section in answer["sections"]:
            standings = by_area[names[section["area_type"]]]
            assert [(r["unit_id"], r["rank"]) for r in section["ranking"]] == [
                (row.unit.pk, row.rank) for row in standings.ranked
            ]
            # Only checked units are praised; unchecked ones are never in the ranking.
            ranked = {r["unit"] for r in section["ranking"]}
            assert set(section["praised"]) <= ranked
            assert not ranked & {r["unit"] for r in section["unchecked"]}
        # The notice board shows this week's ranking, each kind apart, as the ranking has it.
        with scope(organisation=organisation):
            policy = board_enable(
                policy=board_policy_ensure(organisation=organisation), enabled=True
            )
            now = unit_standings(organisation=organisation, period=period_parse(week_key(today)))
        board = client.get(reverse("board", args=[policy.board_token])).content.decode()
        tables = board.split('data-testid="board-ranking"')[1:]
        shown = sum(t.split("</table>")[0].count("<tr>") - 1 for t in tables)
        assert shown == len(now.ranked), slug
        assert board.count('data-testid="board-kind"') == len(now.by_kind())
