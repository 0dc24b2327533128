"""The benchmarks' baselines (bench/baselines.py, bench/document.py) give the product's results: on
a small benchmark data set, each page and API operation that bench/run.py times is asked of the
product and of its baseline, and the bench's own comparison (bench/stack.py) finds them equal.
So a change to what the product computes fails here, not first in a benchmark run."""

import json
from decimal import Decimal as D

import pytest
from django.test import Client, override_settings
from django_scopes import scope, scopes_disabled

from baozhang.core.periods import period_parse
from baozhang.inspections.selectors import unit_standings
from baozhang.inspections.services import FindingInput, inspection_submit
from baozhang.orgs.models import Organisation
from baozhang.standards.models import Standard, StandardVersion
from bench import baselines, dataset, full, stack
from bench.baselines import tenth
from tests.factories import AssignmentFactory, LocationFactory, UnitFactory
from tests.inspection_data import at, submit
from tests.shared_records import shared_records

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("bench-baselines")]


class Answer:
    """A test client's response with the attributes of a requests response the bench reads."""

    def __init__(self, response):
        assert response.status_code == 200, (response.status_code, response.content[:300])
        self.content = response.getvalue()
        self.text = self.content.decode(errors="replace")

    def json(self):
        return json.loads(self.content)


def _small_data_set() -> tuple[int, dict]:
    # The report of the bulletin's week: a week this small data set surely checked (only units
    # checked are ranked, and an empty ranking compares nothing).
    report_week, full.REPORT_WEEK = full.REPORT_WEEK, full.WEEK
    try:
        with scopes_disabled():
            organisation = dataset.dataset_build(findings=3000)[0]
        return organisation.pk, full.prepare(organisation)
    finally:
        full.REPORT_WEEK = report_week


@pytest.fixture(scope="module")
def _data_set(django_db_setup, django_db_blocker, tmp_path_factory):
    """A small benchmark data set, prepared as bench/full.py does, made once for the module's
    tests (tests/shared_records.py)."""
    yield from shared_records(django_db_blocker, tmp_path_factory, _small_data_set)


@pytest.fixture
def data_set(_data_set, db):
    """The data set's organisation and what bench/full.py's prepare made for it."""
    pk, made = _data_set
    return Organisation.objects.get(pk=pk), made


@override_settings(ROOT_URLCONF="bench.urls")
def test_every_baseline_gives_the_products_result(data_set, monkeypatch):
    monkeypatch.setattr(full, "REPORT_WEEK", full.WEEK)
    organisation, made = data_set
    listed = stack.cases(
        organisation.slug, month=full.MONTH, week=full.WEEK, year=full.YEAR,
        deep_page=full.deep_page(organisation), version=made["version"], language="zh-hans",
    )  # fmt: skip
    page, api = Client(), Client(HTTP_AUTHORIZATION=f"Bearer {made['token']}")
    page.login(username=made["user"], password=full.PASSWORD)
    clients = {"page": page, "api": api, "public": Client()}
    compared = []
    for case in listed:
        product = Answer(clients[case.who].get(case.product))
        asked = page if case.who == "page" else Client()
        baseline = Answer(asked.get(case.check or case.baseline))
        case.same(product, baseline)
        compared.append(case.key)
    assert compared == ["a1", "a2", "c1", "c2", "j1", "j2", "d", "k"]
    # The Word document of a draft, and the public board, as bench/full.py asks for them.
    slug = organisation.slug
    stack.same_docx(
        Answer(page.get(f"/o/{slug}/reports/{made['draft']}/v1.docx")),
        Answer(Client().get(f"/bench/report-docx/{slug}/?period={full.REPORT_WEEK}")),
    )
    stack.same_board(
        Answer(Client().get(f"/board/{made['board']}/")),
        Answer(Client().get(f"/bench/board/{slug}/")),
    )


@override_settings(ROOT_URLCONF="bench.urls")
def test_a_different_result_is_caught(data_set, monkeypatch):
    monkeypatch.setattr(full, "REPORT_WEEK", full.WEEK)
    organisation, made = data_set
    api = Client(HTTP_AUTHORIZATION=f"Bearer {made['token']}")
    product = Answer(api.get(f"/api/v1/orgs/{organisation.slug}/ranking?period={full.MONTH}"))
    baseline = Answer(Client().get(f"/bench/ranking/{organisation.slug}/?period={full.MONTH}"))
    answer = baseline.json()
    answer["rows"][0]["score"] = "1.5"
    baseline.content = json.dumps(answer).encode()
    with pytest.raises(stack.Mismatch, match="ranking"):
        stack.same_ranking_api(product, baseline)


def _product(standings) -> tuple[list, list]:
    rows = [
        (row.rank, row.unit.pk, row.unit.kind, None if row.score is None else tenth(row.score),
         row.periods, row.checks, row.problems, tenth(row.deductions), tenth(row.bonus),
         row.findings, row.highlights, row.red_lines, row.capped)
        for row in standings.ranked
    ]  # fmt: skip
    return rows, [(row.unit.pk, row.unit.kind, row.missed) for row in standings.unchecked]


def _baseline(found: dict) -> tuple[list, list]:
    rows = [
        (row["rank"], row["unit_id"], row["unit_kind"], row["score"], row["periods"],
         row["checks"], row["problems"], row["deductions"], row["bonus"], row["findings"],
         row["highlights"], row["red_lines"], row["capped"])
        for row in found["ranked"]
    ]  # fmt: skip
    return rows, [(row["unit_id"], row["unit_kind"], row["missed"]) for row in found["unchecked"]]


def test_the_ranking_baseline_scores_as_the_product_does_on_awkward_data(dorms):
    """Caps, both red-line rules, a week scored whole from its Monday before the period, a check
    that found nothing, a unit taking a place over mid-week, a unit checked only in days too few
    for a score, another kind of unit, an inactive unit, monthly and summed standards: the
    baseline's one statement gives the product's standings, in the product's order."""
    org, items = dorms["org"], dorms["items"]
    rubbish, bonus = items["地面有垃圾"].pk, items["打扫阶梯教室"].pk
    tidy, red = items["被褥叠放"].pk, items["使用违章电器"].pk
    with scopes_disabled():
        site, dorm = dorms["room"].site, dorms["room"].area_type
        canteen = LocationFactory(organisation=org, site=site, code="食堂")
        crew = UnitFactory(organisation=org, code="C1", name="承包方", kind="contractor_crew")
        AssignmentFactory(organisation=org, location=canteen, unit=crew)
        gone = UnitFactory(organisation=org, code="9999", name="旧班", is_active=False)
        AssignmentFactory(
            organisation=org, unit=gone,
            location=LocationFactory(organisation=org, site=site, area_type=dorm),
        )  # fmt: skip
        idle = UnitFactory(organisation=org, code="2002", name="2002班")
        AssignmentFactory(
            organisation=org, unit=idle,
            location=LocationFactory(organisation=org, site=site, area_type=dorm),
        )  # fmt: skip
        StandardVersion.objects.filter(pk=dorms["version"].pk).update(
            red_line_rule="period_floor", red_line_score=60
        )
    with scope(organisation=org):
        submit(dorms, "2026-10-27", FindingInput(item_id=rubbish))  # W44 ends on 1 November
        for day in ("2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"):
            submit(
                dorms,
                day,
                FindingInput(item_id=rubbish),
                FindingInput(item_id=tidy, points=D("1.3")),
            )
        submit(dorms, "2026-11-10", FindingInput(item_id=red), FindingInput(item_id=bonus))
        submit(dorms, "2026-11-12", FindingInput(kind="highlight", note="整洁"))
        submit(dorms, "2026-11-16")  # found nothing
        submit(dorms, "2026-11-30", FindingInput(item_id=rubbish))  # 1151; W49 ends in December
        inspection_submit(
            location=canteen, version=dorms["version"], findings=[], done_at=at("2026-11-11")
        )
        periods = ["2026-11", "2026-W45", "2026-W46", "2026-W49", "2026", "2026-11-03..2026-11-05"]
        for variant in ({}, {"period_total": "sum"}, {"scoring_period": "month"}):
            Standard.objects.filter(pk=dorms["standard"].pk).update(**variant)
            for label in periods:
                period = period_parse(label)
                for area in (None, dorms["room"].area_type_id):
                    product = _product(
                        unit_standings(organisation=org, period=period, area_type_id=area)
                    )
                    assert product == _baseline(baselines.standings(org.pk, period, area)), (
                        variant, label, area,
                    )  # fmt: skip
    Standard.objects.filter(pk=dorms["standard"].pk).update(scoring_period="week")
    by_kind = _product(unit_standings(organisation=org, period=period_parse("2026-11")))
    assert {row[2] for row in by_kind[0]} == {"class", "contractor_crew"}
    assert any(row[3] is None for row in by_kind[0])  # 1151: too few days for a score
    assert [row[0] for row in by_kind[1]] == [idle.pk]
