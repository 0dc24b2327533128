"""True scores: scoring periods, the mean over a longer period, coverage, like with like, red
flags per kind with their tie rule (issue "True scores everywhere")."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope, scopes_disabled
from hypothesis import given
from hypothesis import strategies as st

from baozhang.core.periods import period_parse, scoring_periods_in
from baozhang.inspections.models import RedFlag, RedFlagQuota, RedFlagTie
from baozhang.inspections.scoring import Contender, flag_winners, over_periods
from baozhang.inspections.selectors import board_policy, unit_standings
from baozhang.inspections.services import (
    FindingInput,
    inspection_submit,
    red_flag_tie_decide,
    red_flags_award,
)
from tests.factories import AssignmentFactory, LocationFactory, UnitFactory
from tests.inspection_data import at, submit

D = Decimal


# The pure rules ---------------------------------------------------------------------------------


def test_a_longer_period_is_the_mean_of_the_scoring_periods_checked():
    assert over_periods([D(90), D(100), D(95), D(99)]) == over_periods(
        [D(90), D(100), D(95), D(99)], total="mean"
    )
    result = over_periods([D(90), D(100), D(95), D(99)])
    assert (result.score, result.periods) == (D("96.0"), 4)
    assert over_periods([D(110), D(120)], total="sum").score == D("230.0")
    assert over_periods([]).score is None


@given(st.lists(st.decimals(min_value=0, max_value=200, places=1), min_size=1, max_size=60))
def test_the_mean_lies_between_the_lowest_and_the_highest_week(scores):
    result = over_periods(scores)
    assert min(scores) - D("0.05") <= result.score <= max(scores) + D("0.05")
    assert result.periods == len(scores)


def test_weeks_belong_to_the_period_their_sunday_falls_in():
    november = period_parse("2026-11")
    weeks = [p.label for p in scoring_periods_in(november, "week")]
    # W44 (Oct 26 – Nov 1) ends on 1 November; W49 (Nov 30 – Dec 6) belongs to December.
    assert weeks == ["2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    assert [p.label for p in scoring_periods_in(period_parse("2026"), "month")][:2] == [
        "2026-01",
        "2026-02",
    ]
    # A week holds no whole month: a monthly standard shows no score for a week.
    assert scoring_periods_in(period_parse("2026-W47"), "month") == []
    assert scoring_periods_in(period_parse("2026-11-03..2026-11-05"), "week") == []


def test_ties_at_the_cut_are_broken_by_fewer_problems_then_more_checks():
    a = Contender("a", D(100), problems=0, checks=3)
    b = Contender("b", D(100), problems=0, checks=5)
    c = Contender("c", D(100), problems=1, checks=9)
    d = Contender("d", D(98), problems=1, checks=1)
    winners, tied = flag_winners([a, b, c, d], flags=1)
    assert [w.key for w in winners] == ["b"] and tied == []
    winners, tied = flag_winners([a, b, c, d], flags=2)
    assert [w.key for w in winners] == ["b", "a"] and tied == []


def test_units_still_tied_wait_for_the_admin_or_share_if_chosen():
    a = Contender("a", D(100), problems=0, checks=3)
    b = Contender("b", D(100), problems=0, checks=3)
    c = Contender("c", D(100), problems=0, checks=4)
    winners, tied = flag_winners([a, b, c], flags=2)
    assert [w.key for w in winners] == ["c"] and sorted(t.key for t in tied) == ["a", "b"]
    winners, tied = flag_winners([a, b, c], flags=2, share_ties=True)
    assert sorted(w.key for w in winners) == ["a", "b", "c"] and tied == []
    assert flag_winners([a, b], flags=0) == ([], [])


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=90, max_value=100),
            st.integers(min_value=0, max_value=3),
            st.integers(min_value=1, max_value=3),
        ),
        max_size=12,
    ),
    st.integers(min_value=0, max_value=5),
    st.booleans(),
)
def test_never_more_flags_than_seats_unless_shared(rows, flags, share):
    contenders = [Contender(n, D(s), p, c) for n, (s, p, c) in enumerate(rows)]
    winners, tied = flag_winners(contenders, flags=flags, share_ties=share)
    if not share:
        assert len(winners) <= flags
        assert not tied or len(winners) + len(tied) > flags
    # Nobody who wins stands below anyone who does not.
    losers = [c for c in contenders if c not in winners and c not in tied]
    for winner in winners:
        for loser in losers:
            assert (-winner.score, winner.problems, -winner.checks) <= (
                -loser.score,
                loser.problems,
                -loser.checks,
            )


# Over the database ------------------------------------------------------------------------------


def test_a_month_is_the_mean_of_its_weeks_checked_not_100_minus_all_deductions(dorms):
    rubbish = dorms["items"]["地面有垃圾"].pk  # −2, capped at −6 a week
    with scope(organisation=dorms["org"]):
        # 0852 holds the room until 18 November: checked in W45 (−6 capped), W46 (−2) and W47.
        for day in ("2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"):
            submit(dorms, day, FindingInput(item_id=rubbish))
        submit(dorms, "2026-11-10", FindingInput(item_id=rubbish))
        submit(dorms, "2026-11-16")  # a check that found nothing
        standings = unit_standings(organisation=dorms["org"], period=period_parse("2026-11"))
    row = {r.unit.code: r for r in standings.ranked}["0852"]
    # (94 + 98 + 100) / 3 weeks, not 100 − 10.
    assert (row.score, row.periods, row.total) == (D("97.3"), 3, "mean")
    assert (row.checks, row.problems, row.deductions, row.capped) == (6, 5, D("10.0"), True)
    # 1151 took the room over on the 19th and nobody checked it since: not ranked.
    assert [r.unit.code for r in standings.unchecked] == ["1151"]
    assert standings.unchecked[0].score is None and standings.unchecked[0].rank is None


def test_the_sum_variant_and_a_monthly_scoring_period(dorms):
    bonus = dorms["items"]["打扫阶梯教室"].pk
    with scope(organisation=dorms["org"]):
        standard = dorms["standard"]
        standard.period_total = "sum"
        standard.save()
        submit(dorms, "2026-11-03", FindingInput(item_id=bonus))
        submit(dorms, "2026-11-10", FindingInput(item_id=bonus))
        summed = unit_standings(organisation=dorms["org"], period=period_parse("2026-11"))
        assert [(r.unit.code, r.score, r.total) for r in summed.ranked] == [
            ("0852", D("220.0"), "sum")
        ]
        standard.scoring_period = "month"
        standard.period_total = "mean"
        standard.save()
        month = unit_standings(organisation=dorms["org"], period=period_parse("2026-11"))
        assert [(r.unit.code, r.score, r.periods) for r in month.ranked] == [
            ("0852", D("120.0"), 1)
        ]
        # A week of a monthly standard shows deductions and bonuses, not a score.
        week = unit_standings(organisation=dorms["org"], period=period_parse("2026-W46"))
        assert [(r.unit.code, r.score, r.bonus, r.rank) for r in week.ranked] == [
            ("0852", None, D("10.0"), 1)
        ]


def test_a_running_period_says_up_to_which_day(dorms):
    with scope(organisation=dorms["org"]):
        running = unit_standings(
            organisation=dorms["org"], period=period_parse("2026-11"), today=dt.date(2026, 11, 20)
        )
        ended = unit_standings(
            organisation=dorms["org"], period=period_parse("2026-11"), today=dt.date(2026, 12, 1)
        )
    assert running.until == dt.date(2026, 11, 20) and ended.until is None


def test_classes_are_ranked_with_classes_and_crews_with_crews(dorms):
    org = dorms["org"]
    with scopes_disabled():
        canteen = LocationFactory(organisation=org, site=dorms["room"].site, code="食堂")
        crew = UnitFactory(
            organisation=org, code="C1", name="第一食堂承包方", kind="contractor_crew"
        )
        AssignmentFactory(organisation=org, location=canteen, unit=crew)
    with scope(organisation=org):
        submit(dorms, "2026-11-10", FindingInput(item_id=dorms["items"]["地面有垃圾"].pk))
        inspection_submit(
            location=canteen, version=dorms["version"], findings=[], done_at=at("2026-11-10")
        )
        standings = unit_standings(organisation=org, period=period_parse("2026-W46"))
    assert [
        (kind, [r.unit.code for r in ranked]) for kind, _l, ranked, _u in standings.by_kind()
    ] == [
        ("class", ["0852"]),
        ("contractor_crew", ["C1"]),
    ]
    # Both first: each among its own kind.
    assert [r.rank for r in standings.ranked] == [1, 1]


def test_red_flags_go_per_kind_only_to_checked_units_and_ties_wait_for_the_admin(dorms, alice):
    org = dorms["org"]
    with scopes_disabled():
        other = LocationFactory(
            organisation=org,
            site=dorms["room"].site,
            code="5414",
            area_type=dorms["room"].area_type,
        )
        third = UnitFactory(organisation=org, code="2001", name="2001班", kind="class")
        AssignmentFactory(organisation=org, location=other, unit=third)
        idle = UnitFactory(organisation=org, code="2002", name="2002班", kind="class")
        AssignmentFactory(
            organisation=org,
            location=LocationFactory(
                organisation=org, site=dorms["room"].site, area_type=dorms["room"].area_type
            ),
            unit=idle,
        )
    with scope(organisation=org):
        RedFlagQuota.objects.create(organisation=org, unit_kind="class", flags=1)
        # W46: 0852 and 2001 both checked once with nothing found: tied on every rule.
        submit(dorms, "2026-11-10")
        inspection_submit(
            location=other, version=dorms["version"], findings=[], done_at=at("2026-11-10")
        )
        flags = red_flags_award(organisation=org, week="2026-W46")
        assert flags == []
        tie = RedFlagTie.objects.get(week_key="2026-W46")
        # The unit nobody checked is never in the running, though it "scores" nothing lost.
        assert {u.code for u in tie.units.all()} == {"0852", "2001"} and tie.seats == 1
        with pytest.raises(ValidationError):
            red_flag_tie_decide(tie=tie, units=list(tie.units.all()), user=alice)
        red_flag_tie_decide(tie=tie, units=[third], user=alice)
        assert [f.unit.code for f in RedFlag.objects.filter(week_key="2026-W46")] == ["2001"]
        with pytest.raises(ValidationError):
            red_flag_tie_decide(tie=tie, units=[third], user=alice)
        # Shared ties where the organisation chose so.
        policy = board_policy(organisation=org)
        policy.red_flag_ties = "share"
        policy.save()
        submit(dorms, "2026-11-03")
        inspection_submit(
            location=other, version=dorms["version"], findings=[], done_at=at("2026-11-03")
        )
        shared = red_flags_award(organisation=org, week="2026-W45")
        assert sorted(f.unit.code for f in shared) == ["0852", "2001"]
