"""The benchmarks' baselines (bench/baselines.py, bench/document.py) give the product's results: on
a small benchmark data set, each page and API operation that bench/run.py times is asked of the
product and of its baseline, and the bench's own comparison (bench/stack.py) finds them equal.
So a change to what the product computes fails here, not first in a benchmark run."""

import json

import pytest
from django.test import Client, override_settings
from django_scopes import scopes_disabled

from baozhang.orgs.models import Organisation
from bench import dataset, full, stack
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
    with scopes_disabled():
        organisation = dataset.dataset_build(findings=3000)[0]
    return organisation.pk, full.prepare(organisation)


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
def test_every_baseline_gives_the_products_result(data_set):
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
def test_a_different_result_is_caught(data_set):
    organisation, made = data_set
    api = Client(HTTP_AUTHORIZATION=f"Bearer {made['token']}")
    product = Answer(api.get(f"/api/v1/orgs/{organisation.slug}/ranking?period={full.MONTH}"))
    baseline = Answer(Client().get(f"/bench/ranking/{organisation.slug}/?period={full.MONTH}"))
    answer = baseline.json()
    answer["rows"][0]["score"] = "1.5"
    baseline.content = json.dumps(answer).encode()
    with pytest.raises(stack.Mismatch, match="ranking"):
        stack.same_ranking_api(product, baseline)
