"""The figures of a report on hand-built data, every expected number counted by hand: dorm 5413
passes from class 0852 to class 1151 on Thursday 19 November 2026."""

import datetime as dt
import json

import pytest
from django_scopes import scope

from baozhang.core.periods import period_parse
from baozhang.inspections.models import RedFlag
from baozhang.inspections.services import FindingInput
from baozhang.rectification import services
from baozhang.reports.figures import figures_compute, scope_resolve
from baozhang.reports.narrative import narrative_write
from tests.console import console
from tests.factories import member
from tests.inspection_data import at, submit
from tests.test_rectification import access

pytestmark = pytest.mark.django_db


def problem(dorms, text="地面有垃圾", **extra):
    return FindingInput(item_id=dorms["items"][text].pk, **extra)


@pytest.fixture
def records(dorms):
    """Week 2026-W47 (16–22 Nov): Monday 地面有垃圾 −2 and Tuesday 被褥叠放 −3 for 0852 (the first
    tracked and closed in time, the second fixed on the spot); Thursday 地面有垃圾 −2 for 1151
    (tracked, overdue); Friday a bonus +10 and a highlight for 1151. Week W46: two problems of
    0852. A year earlier (2025-W47): one problem, no unit. Monday 30 Nov and Tuesday 1 Dec: one
    problem each (a week across two months)."""
    org = dorms["org"]
    inspector = access(member(org, "inspector", username="inspector"), org)
    head = access(member(org, "unit_head", username="head", unit=dorms["first"]), org)
    leader = access(member(org, "patrol_leader", username="leader"), org)
    with scope(organisation=org):
        monday, _ = submit(dorms, "2026-11-16", problem(dorms))
        tuesday, _ = submit(dorms, "2026-11-17", problem(dorms, "被褥叠放", points=3))
        thursday, _ = submit(dorms, "2026-11-19", problem(dorms))
        submit(
            dorms,
            "2026-11-20",
            problem(dorms, "打扫阶梯教室"),
            FindingInput(kind="highlight", note="窗台整洁"),
        )
        submit(dorms, "2026-11-10", problem(dorms), problem(dorms, "被褥叠放", points=1))
        submit(dorms, "2025-11-18", problem(dorms))
        submit(dorms, "2026-11-30", problem(dorms))
        submit(dorms, "2026-12-01", problem(dorms))
        task = services.task_open(
            access=inspector, finding=monday.findings.get(), now=at("2026-11-16", "10:10")
        )
        services.task_submit(access=head, task=task, note="已清扫", now=at("2026-11-16", "15:00"))
        services.task_verify(access=leader, task=task, now=at("2026-11-17", "10:10"))
        services.spot_fix_record(
            access=inspector, finding=tuesday.findings.get(), fixed_by="宿舍长"
        )
        services.task_open(
            access=inspector, finding=thursday.findings.get(), now=at("2026-11-19", "10:10")
        )
        RedFlag.objects.create(
            organisation=org, unit=dorms["second"], week_key="2026-W47", rank=1, score=108
        )
    return dorms


def compute(dorms, label, **codes):
    with scope(organisation=dorms["org"]):
        chosen = scope_resolve(organisation=dorms["org"], **codes)
        return figures_compute(scope=chosen, period=period_parse(label))


def test_a_week_with_comparisons_counted_by_hand(records):
    figures = compute(records, "2026-W47")
    assert figures["period"] == {
        "start": "2026-11-16",
        "end": "2026-11-22",
        "label": "2026-W47",
        "as_of": "2026-11-22",
        "running": False,
    }
    assert figures["previous_period"]["label"] == "2026-W46"
    assert figures["year_earlier_period"]["label"] == "2025-W47"
    assert figures["scope"]["organisation"] == "college"
    assert figures["inspections"] == {
        "scheduled": 0,
        "done": 0,
        "missed": 0,
        "open": 0,
        "unscheduled": 4,  # Monday, Tuesday, Thursday, Friday: no schedule planned them
        "findings": 3,
        "deduction_points": 7.0,  # 2 + 3 + 2
        "bonus_points": 10.0,
        "bonuses": 1,
        "highlights": 1,
        "red_lines": 0,
        "findings_without_unit": 0,
    }
    # 1151: 100 − 2 + 10 = 108; 0852: 100 − 2 − 3 = 95.
    assert [(row["unit"], row["score"], row["rank"]) for row in figures["units"]] == [
        ("1151班", 108.0, 1),
        ("0852班", 95.0, 2),
    ]
    assert figures["units"][1]["deductions"] == 5.0 and figures["units"][1]["findings"] == 2
    assert figures["units"][0]["bonus"] == 10.0
    assert figures["red_flags"] == [
        {"unit": "1151班", "unit_id": records["second"].pk, "week": "2026-W47", "area_type": None}
    ]
    rectification = figures["rectification"]
    assert {key: rectification[key] for key in rectification if key[-4:] != "days"} == {
        "found": 3,
        "fixed_on_spot": 1,
        "tracked": 2,
        "referred": 0,
        "closed": 1,
        "closed_in_time": 1,
        "closed_late": 0,
        "overdue": 1,  # Thursday's task, due Sunday 22nd 10:10, still open
        "rejected": 0,
    }
    assert rectification["average_days"] == 1.0  # opened Monday 10:10, closed Tuesday 10:10
    previous = figures["comparison"]["previous"]
    assert previous["inspections"]["findings"] == 2
    assert previous["inspections"]["deduction_points"] == 3.0
    assert [(row["unit"], row["score"]) for row in previous["units"]] == [("0852班", 97.0)]
    assert figures["comparison"]["year_earlier"]["inspections"]["findings"] == 1
    assert [(row["item"], row["count"]) for row in figures["problems"]["top_items"]] == [
        ("地面有垃圾", 2),
        ("被褥叠放", 1),
    ]
    assert [row["findings"] for row in figures["trend"]] == [1, 1, 0, 1, 0, 0, 0]

    text = narrative_write(figures)
    assert "2026年第47周（11月16日—22日）" in text["overview"] and "问题3个" in text["overview"]
    assert "2026-11" not in text["overview"]
    assert "1151班" in text["results"]


def test_a_week_across_two_months_and_its_months(records):
    week = compute(records, "2026-W49")  # Monday 30 Nov – Sunday 6 Dec
    assert week["inspections"]["findings"] == 2
    november = compute(records, "2026-11")
    december = compute(records, "2026-12")
    assert november["inspections"]["findings"] == 3 + 2 + 1  # W47, W46 and Monday 30th
    assert december["inspections"]["findings"] == 1
    assert november["comparison"]["year_earlier"]["inspections"]["findings"] == 1
    # A week counts its red flag in the month its Sunday falls in.
    assert [flag["week"] for flag in november["red_flags"]] == ["2026-W47"]


def test_a_unit_scope_and_a_range(records):
    figures = compute(records, "2026-11-16..2026-11-22", unit="0852")
    assert figures["scope"]["unit"] == "0852"
    assert figures["inspections"]["findings"] == 2
    assert figures["inspections"]["unscheduled"] == 4  # the room was 0852's during the range
    assert [row["unit"] for row in figures["units"]] == ["0852班"]
    assert figures["rectification"]["tracked"] == 1 and figures["rectification"]["overdue"] == 0
    assert figures["red_flags"] == []
    assert figures["previous_period"]["label"] == "2026-11-09..2026-11-15"


def test_the_trend_of_scores_counted_by_hand(records, monkeypatch):
    """0852 holds the room from 1 September to 18 November, 1151 from the 19th. A unit is scored
    only in the weeks in which it was checked; a month is the mean of its units' weekly scores
    over the weeks that end in it."""
    monkeypatch.setattr("baozhang.inspections.figures.local_today", lambda: dt.date(2026, 12, 2))
    week = compute(records, "2026-W47")
    steps = [
        (s["label"], s["units"], s["average"], s["best"], s["lowest"]) for s in week["score_trend"]
    ]
    assert steps == [
        # Nobody checked the room from W40 to W45: no unit is scored, none scores 100.
        *[(f"2026-W{n}", 0, None, None, None) for n in range(40, 46)],
        ("2026-W46", 1, 97.0, 97.0, 97.0),  # 0852: −2 −1 on the 10th
        ("2026-W47", 2, 101.5, 108.0, 95.0),  # 1151: 108, 0852: 95
    ]
    month = compute(records, "2026-11")["score_trend"]
    assert [s["label"] for s in month] == [f"2026-{n:02d}" for n in range(6, 12)]
    assert [s["units"] for s in month[:5]] == [0, 0, 0, 0, 0] and month[3]["average"] is None
    # November's weeks W44–W48: 0852 (97 + 95) / 2 = 96; 1151 108 (W47). Monday the 30th
    # belongs to W49, which ends in December.
    assert (month[5]["units"], month[5]["average"], month[5]["best"], month[5]["lowest"]) == (
        2,
        102.0,
        108.0,
        96.0,
    )
    quarter = compute(records, "2026-Q4")["score_trend"]
    assert [s["label"] for s in quarter] == ["2026-10", "2026-11", "2026-12"]
    # December: W49, 1151's problems on the 30th and the 1st: 96.
    assert quarter[2]["average"] == 96.0
    cut = compute(records, "2026-10-15..2026-12-10")["score_trend"]
    assert [s["label"] for s in cut] == [
        "2026-10-15..2026-10-31",
        "2026-11",
        "2026-12-01..2026-12-10",
    ]
    # A period not begun yet is left out of the trend.
    monkeypatch.setattr("baozhang.inspections.figures.local_today", lambda: dt.date(2026, 11, 29))
    assert [s["label"] for s in compute(records, "2026-Q4")["score_trend"]] == [
        "2026-10",
        "2026-11",
    ]
    unit = compute(records, "2026-W47", unit="0852")["score_trend"]
    assert (unit[-1]["units"], unit[-1]["average"]) == (1, 95.0)
    text = narrative_write(week)["results"]
    assert (
        "各单位平均得分由2026年第46周（11月9日—15日）的97分升至2026年第47周（11月16日—22日）的101.5分。"
        in text
    )


def test_an_empty_period_has_zeros_and_says_so(records):
    figures = compute(records, "2025-03")
    assert figures["inspections"] == {
        "scheduled": 0,
        "done": 0,
        "missed": 0,
        "open": 0,
        "unscheduled": 0,
        "findings": 0,
        "deduction_points": 0.0,
        "bonus_points": 0.0,
        "bonuses": 0,
        "highlights": 0,
        "red_lines": 0,
        "findings_without_unit": 0,
    }
    assert figures["units"] == [] and figures["red_flags"] == []
    assert figures["rectification"]["found"] == 0
    assert figures["rectification"]["average_days"] is None
    text = narrative_write(figures)
    assert text["overview"].endswith("未记录检查和问题，本期无相关工作记录。")
    assert text["problems"] == "本期记录中没有发现问题。"


def test_figures_on_the_console_and_in_the_api(records, client):
    shown = console("figures", "--org", "college", "--period", "2026-W47", "--json")
    printed = json.loads(shown.stdout)
    assert printed["inspections"]["findings"] == 3
    assert printed["units"][0]["unit"] == "1151班"
    unknown = console(
        "figures", "--org", "college", "--period", "2026-W47", "--unit", "9999", check_code=2
    )
    assert "9999" in unknown.stderr
    console("figures", "--org", "college", "--period", "W47", check_code=2)
    admin = member(records["org"], "admin", username="admin")
    client.force_login(admin)
    answer = client.get("/api/v1/orgs/college/figures", {"period": "2026-W47"})
    assert answer.status_code == 200 and answer.json()["rectification"]["overdue"] == 1
    bad = client.get("/api/v1/orgs/college/figures", {"period": "2026-W47", "site": "nowhere"})
    assert bad.status_code == 422 and "nowhere" in bad.json()["detail"][0]["message"]
