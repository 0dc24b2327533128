"""The pure scoring rules: caps, floor, bonuses, red lines, ties; and the reporting periods."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baozhang.core.periods import (
    period_days,
    period_parse,
    period_previous,
    period_steps,
    period_weeks,
    period_year_before,
    week_key,
)
from baozhang.inspections.scoring import ScoredFinding, check_score, rank, trend, unit_score

D = Decimal


def deduction(item="a", points=2, cap=None):
    return ScoredFinding(item=item, kind="deduction", points=D(points), cap=cap and D(cap))


def test_base_minus_deductions_plus_bonus():
    findings = [deduction("a", 2), deduction("b", 1), ScoredFinding("c", "bonus", D(10))]
    score = unit_score(findings, base=D(100))
    assert (score.score, score.deductions, score.bonus, score.findings) == (
        D("107.0"),
        D("3.0"),
        D("10.0"),
        3,
    )


def test_cap_limits_what_one_item_takes_in_a_period():
    score = unit_score([deduction("a", 2, cap=6)] * 4 + [deduction("b", 2)], base=D(100))
    assert score.deductions == D(8) and score.score == D(92) and score.capped


def test_bonus_cap_and_highlights_do_not_count_as_findings():
    findings = [ScoredFinding("x", "bonus", D(10), cap=D(15))] * 3
    findings.append(ScoredFinding("h", "highlight", D(0)))
    score = unit_score(findings, base=D(100))
    assert score.score == D(115) and score.findings == 3 and score.highlights == 1


def test_score_never_falls_below_the_floor():
    assert unit_score([deduction("a", 80), deduction("b", 80)], base=D(100)).score == D(0)
    assert unit_score([deduction("a", 80)], base=D(100), floor=D(40)).score == D(40)


def test_red_line_with_the_period_rule_sets_the_period_score():
    red = ScoredFinding("r", "red_line", D(5), red_line_rule="period_floor", red_line_score=D(60))
    assert unit_score([red, ScoredFinding("b", "bonus", D(20))], base=D(100)).score == D(60)
    # A score already lower stays lower; the floor still holds.
    assert unit_score([red, deduction("a", 50)], base=D(100)).score == D(45)


def test_red_line_that_fails_the_check_deducts_in_the_period_and_fails_the_check():
    red = ScoredFinding("r", "red_line", D(20))
    assert unit_score([red], base=D(100)).score == D(80)
    result = check_score([red], base=D(100))
    assert result.score == D(0) and result.red_lines == 1


def test_ties_share_a_rank_and_the_next_rank_skips():
    ranked = rank({"0852": D(98), "1151": D(100), "0953": D(98), "1152": D(90)})
    assert ranked == [("1151", 1), ("0852", 2), ("0953", 2), ("1152", 4)]
    assert rank({}) == []


def test_trend_needs_both_periods():
    assert trend(D(95), D(90)) == D(5)
    assert trend(D(95), None) is None


def test_a_location_changing_unit_mid_week_scores_each_unit_for_its_own_days():
    # 0852 held dorm 5413 Monday to Wednesday, 1151 from Thursday; each finding went to the holder.
    by_unit = {"0852": [deduction("a", 2)] * 2, "1151": [deduction("a", 2)]}
    scores = {unit: unit_score(f, base=D(100)).score for unit, f in by_unit.items()}
    assert scores == {"0852": D(96), "1151": D(98)}


kinds = st.sampled_from(["deduction", "scored", "bonus", "red_line", "highlight"])
findings_strategy = st.lists(
    st.builds(
        ScoredFinding,
        item=st.sampled_from(["a", "b", "c"]),
        kind=kinds,
        points=st.decimals(min_value=0, max_value=50, places=1),
        cap=st.none() | st.decimals(min_value=0, max_value=30, places=1),
        red_line_rule=st.sampled_from(["fail_check", "period_floor"]),
        red_line_score=st.decimals(min_value=0, max_value=100, places=1),
    ),
    max_size=30,
)


@given(findings_strategy, st.decimals(min_value=0, max_value=40, places=0))
def test_any_findings_score_at_least_the_floor(findings, floor):
    assert unit_score(findings, base=D(100), floor=floor).score >= floor
    assert check_score(findings, base=D(100), floor=floor).score >= floor


@given(findings_strategy)
def test_deductions_never_exceed_the_points_found(findings):
    lost = sum((f.points for f in findings if f.kind in ("deduction", "scored", "red_line")), D(0))
    assert unit_score(findings, base=D(100)).deductions <= lost


@given(findings_strategy, st.decimals(min_value=0, max_value=20, places=1))
def test_a_bonus_never_lowers_the_score(findings, points):
    before = unit_score(findings, base=D(100)).score
    after = unit_score([*findings, ScoredFinding("new", "bonus", points)], base=D(100)).score
    assert after >= before


@given(st.dictionaries(st.text(min_size=1, max_size=4), st.integers(0, 5).map(D), max_size=12))
def test_rank_orders_every_unit_once_and_equal_scores_share_ranks(scores):
    ranked = rank(scores)
    assert sorted(key for key, _ in ranked) == sorted(scores)
    for (key, position), (other, other_position) in zip(ranked, ranked[1:], strict=False):
        assert scores[key] >= scores[other]
        assert (position == other_position) == (scores[key] == scores[other])


# Periods -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "start", "end"),
    [
        ("2026-W47", "2026-11-16", "2026-11-22"),
        ("2026-W53", "2026-12-28", "2027-01-03"),
        ("2026-11", "2026-11-01", "2026-11-30"),
        ("2024-02", "2024-02-01", "2024-02-29"),
        ("2026-Q4", "2026-10-01", "2026-12-31"),
        ("2026-H2", "2026-07-01", "2026-12-31"),
        ("2026", "2026-01-01", "2026-12-31"),
        ("2026-09-01..2027-01-20", "2026-09-01", "2027-01-20"),
    ],
)
def test_period_labels(label, start, end):
    period = period_parse(label)
    assert (period.start.isoformat(), period.end.isoformat(), period.label) == (start, end, label)


@pytest.mark.parametrize("label", ["2025-W53", "2026-13", "2026-Q5", "2027-01-20..2026-09-01", "x"])
def test_bad_period_labels_are_refused(label):
    with pytest.raises(ValueError):
        period_parse(label)


def test_a_week_spanning_two_months_and_years_belongs_to_its_iso_year():
    assert week_key(dt.date(2027, 1, 1)) == "2026-W53"
    assert week_key(dt.date(2026, 12, 1)) == "2026-W49"
    assert period_weeks(period_parse("2026-12")) == [
        "2026-W49",
        "2026-W50",
        "2026-W51",
        "2026-W52",
        "2026-W53",
    ]


def test_previous_and_year_before():
    assert period_previous(period_parse("2026-W01")).label == "2025-W52"
    assert period_previous(period_parse("2026-01")).label == "2025-12"
    assert period_previous(period_parse("2026-Q1")).label == "2025-Q4"
    assert period_previous(period_parse("2026-H1")).label == "2025-H2"
    assert period_previous(period_parse("2026-09-11..2026-09-20")).label == (
        "2026-09-01..2026-09-10"
    )
    assert period_year_before(period_parse("2026-W53")).label == "2025-W52"
    assert period_year_before(period_parse("2026-11")).label == "2025-11"
    assert period_year_before(period_parse("2024-02-29..2024-03-01")).label == (
        "2023-02-28..2023-03-01"
    )


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_every_day_lies_in_its_week_and_the_previous_week_ends_the_day_before(day):
    week = period_parse(week_key(day))
    assert week.start <= day <= week.end and len(list(period_days(week))) == 7
    assert period_previous(week).end == week.start - dt.timedelta(days=1)


@given(
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31)),
    st.integers(min_value=0, max_value=800),
)
def test_a_trends_periods_follow_each_other_and_end_with_the_period(start, length):
    period = period_parse(f"{start.isoformat()}..{(start + dt.timedelta(days=length)).isoformat()}")
    steps = period_steps(period)
    for before, after in zip(steps, steps[1:], strict=False):
        assert after.start == before.end + dt.timedelta(days=1)
    if length < 31:  # eight whole weeks up to the week of the range's end
        assert len(steps) == 8 and all(step.kind == "week" for step in steps)
        assert steps[-1].start <= period.end <= steps[-1].end
    else:  # the months of the range, the first and last cut to it
        assert (steps[0].start, steps[-1].end) == (period.start, period.end)
        assert all(step.start.month == step.end.month for step in steps)


def test_a_trends_periods_of_a_week_a_month_and_a_year():
    assert [s.label for s in period_steps(period_parse("2026-W02"))] == [
        "2025-W47", "2025-W48", "2025-W49", "2025-W50", "2025-W51", "2025-W52",
        "2026-W01", "2026-W02",
    ]  # fmt: skip
    assert [s.label for s in period_steps(period_parse("2026-02"))] == [
        "2025-09", "2025-10", "2025-11", "2025-12", "2026-01", "2026-02",
    ]  # fmt: skip
    assert [s.label for s in period_steps(period_parse("2026-H2"))] == [
        f"2026-{month:02d}" for month in range(7, 13)
    ]
    assert len(period_steps(period_parse("2026"))) == 12
