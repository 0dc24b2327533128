"""The wording of reports from figures made up for each rule: one comparison where the previous
period is the year before, no percentage rise from zero, ties named, unchecked units neither best
nor scored, no rate of nothing, dates and periods in words in Chinese and in English; and the
lint finds each fault it is there for."""

from datetime import date

import pytest
from django.utils import translation

from baozhang.core.periods import day_text, period_parse
from baozhang.reports.narrative import narrative_write, score_text
from baozhang.reports.prose_lint import prose_faults, tie_faults, title_faults
from baozhang.reports.titles import period_text, weekday_text

INSPECTIONS = {
    "scheduled": 40,
    "done": 38,
    "missed": 2,
    "findings": 23,
    "deduction_points": 46.0,
    "bonus_points": 10.0,
    "bonuses": 2,
    "highlights": 3,
    "red_lines": 0,
}
FIXES = {
    "found": 23,
    "fixed_on_spot": 13,
    "tracked": 10,
    "referred": 0,
    "closed": 0,
    "closed_in_time": 0,
    "closed_late": 0,
    "overdue": 0,
    "rejected": 0,
}


def unit(name: str, rank: int | None, score: float | None, *, unit_id: int, checked=True):
    return {"unit": name, "unit_id": unit_id, "rank": rank, "score": score, "checked": checked}


def figures(period: str, *, previous: str, year_earlier: str, before: dict, earlier: dict) -> dict:
    parsed = period_parse(period)
    return {
        "scope": {"label": "示例医院"},
        "period": {"start": str(parsed.start), "end": str(parsed.end), "label": period},
        "previous_period": {"label": previous},
        "year_earlier_period": {"label": year_earlier},
        "inspections": INSPECTIONS,
        "rectification": FIXES,
        "units": [
            unit("普外科", 1, 100.0, unit_id=1),
            unit("总务科", 1, 100.0, unit_id=2),
            unit("骨科", 1, 100.0, unit_id=3),
            unit("心内科", 1, 100.0, unit_id=4),
            unit("门诊部", None, None, unit_id=5, checked=False),
        ],
        "comparison": {
            "previous": {"inspections": before, "units": []},
            "year_earlier": {"inspections": earlier, "units": []},
        },
        "red_flags": [],
        "score_trend": [],
        "problems": {"top_items": [], "repeated_units": [{"unit": "门诊部", "count": 3}]},
    }


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def test_a_year_compared_with_the_year_before_says_it_once():
    before = {**INSPECTIONS, "findings": 79}
    text = narrative_write(
        figures("2026", previous="2025", year_earlier="2025", before=before, earlier=before)
    )["results"]
    assert text.count("79个") == 1 and "上年（79个）下降70.9%" in text
    assert "去年同期" not in text
    assert prose_faults(text) == []


def test_a_rise_from_zero_is_told_without_a_percentage():
    zero = {**INSPECTIONS, "findings": 0}
    text = narrative_write(
        figures("2026-11", previous="2026-10", year_earlier="2025-11", before=zero, earlier=zero)
    )["results"]
    assert "上期和去年同期未发现问题，本期发现23个。" in text
    assert "%" not in text.split("。")[0]
    assert prose_faults(text) == []


def test_a_period_compared_with_one_without_records_says_so():
    empty = {key: 0 for key in INSPECTIONS}
    before = {**INSPECTIONS, "findings": 20}
    text = narrative_write(
        figures("2026-11", previous="2026-10", year_earlier="2025-11", before=before, earlier=empty)
    )["results"]
    assert "较上期（20个）上升15.0%" in text and "去年同期无检查记录，无从比较。" in text


def test_four_units_sharing_the_top_are_named_as_a_tie_and_unchecked_ones_left_out():
    made = figures("2026-11", previous="2026-10", year_earlier="2025-11", before={}, earlier={})
    text = narrative_write(made)["results"]
    assert "普外科等4个单位并列第一，均为100分。" in text
    assert "得分最高" not in text and "门诊部" not in text
    assert tie_faults(text, made["units"]) == []
    assert [fault.rule for fault in tie_faults("得分最高的是普外科，100分。", made["units"])] == [
        "tie-not-named"
    ]
    assert score_text(made["units"][-1]) == "未检查"


def test_no_rate_is_given_when_no_task_was_closed():
    made = figures("2026-11", previous="2026-10", year_earlier="2025-11", before={}, earlier={})
    text = narrative_write(made)["results"]
    assert "整改任务尚未销号。" in text and "按期率" not in text and "—" not in text
    assert "门诊部（3个）" in narrative_write(made)["problems"]


def test_dates_and_periods_in_chinese_and_in_english():
    monday = date(2026, 11, 30)
    assert weekday_text(monday) == "11月30日（星期一）"
    assert period_text(period_parse("2026-W49")) == "2026年第49周（11月30日—12月6日）"
    assert period_text(period_parse("2026-W48")) == "2026年第48周（11月23日—29日）"
    assert period_text(period_parse("2026-11"), until=date(2026, 11, 20)) == (
        "2026年11月（截至11月20日）"
    )
    with translation.override("en"):
        assert weekday_text(monday) == "Monday 30 November"
        assert day_text(monday, year=False) == "30 November"
        assert period_text(period_parse("2026-W49")) == "week 49 of 2026 (30 November – 6 December)"
        assert period_text(period_parse("2026-11")) == "November 2026"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (
            "发现问题数较上期（79个）上升622.8%。发现问题数较去年同期（79个）上升622.8%。",
            "said-twice",
        ),
        ("发现问题数较去年同期（0个）上升23。", "rise-from-zero"),
        ("已销号0个，其中按期销号0个（按期率—）。", "dash-for-missing"),
        ("各单位平均得分由2026-W41的100.1分升至2026-W48的98.8分。", "iso-code"),
        ("问题反复出现的单位：门诊部（6）。", "bare-number"),
        ("本周未发现问题,予以表扬：骨科。", "half-width-punctuation"),
        ("本周未发现问题，予以表扬、", "list-ends-with-dunhao"),
        ("11月30日 Monday", "date-in-english"),
    ],
)
def test_the_lint_finds_each_fault(text, rule):
    assert rule in {fault.rule for fault in prose_faults(text)}


def test_the_lint_finds_chinese_dates_in_english_and_titles_alike():
    assert {fault.rule for fault in prose_faults("Monday 11月30日", language="en")} == {
        "date-in-chinese"
    }
    assert (
        prose_faults("Monday 30 November, week 49 of 2026 (23–29 November).", language="en") == []
    )
    assert [str(fault) for fault in title_faults(["11月月报", "11月月报", "10月月报"])] == [
        "same-title: 11月月报"
    ]


def test_the_same_problem_found_twice_in_a_day_is_said_once_with_how_many_times():
    from django.utils import translation

    from baozhang.reports.document import _problems

    found = {"location": "5413", "item": "地面有垃圾、纸屑", "note": "窗台", "points": 2.0}
    with translation.override("zh-hans"):
        text = "；".join(_problems([found, found, {**found, "note": "床下"}])) + "。"
        assert (
            text
            == "5413 地面有垃圾、纸屑（窗台），扣2分，共2次；5413 地面有垃圾、纸屑（床下），扣2分。"
        )
        assert prose_faults(text, language="zh-hans") == []
