"""A list page's workbook of more than BAOZHANG_EXPORT_BACKGROUND_ROWS rows is written by the
background worker, as the findings' export is: the page goes to the job's page, and the job's file
has the cells the page writes at once for the same filters; only those who may see the list (and,
for a list of their own records, only its requester) get the job and its file."""

import io
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from baozhang.core.models import JobStatus
from baozhang.orgs.models import ExportJob, Organisation, Person, User
from baozhang.orgs.tasks import export_job_run
from tests.factories import OrganisationFactory, member
from tests.query_data import records_add
from tests.shared_records import shared_records

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("list-export-jobs")]

TODAY = timezone.localdate()
MONTH, YEAR = f"{TODAY:%Y-%m}", str(TODAY.year)

# Each list that the worker may write: its page, its filters, and who asks (the admin, or the
# head of the first set's unit for their own tasks).
LISTS = {
    "standards": ("standards:standard-list", {"q": "标准"}, "alice"),
    "rounds": ("rectification:rounds", {}, "alice"),
    "records": ("rectification:tasks", {"state": "found", "period": MONTH}, "alice"),
    "my-tasks": ("rectification:my-tasks", {}, "head0"),
    "referrals": ("rectification:referrals", {}, "alice"),
    "inbox": ("notifications:inbox", {}, "alice"),
    "deliveries": ("notifications:deliveries", {"status": "sent"}, "alice"),
    "schedules": ("inspections:schedule-list", {}, "alice"),
    "checks": ("inspections:checks", {"state": "unscheduled", "period": MONTH}, "alice"),
    "red-flags": ("inspections:red-flags", {"period": YEAR}, "alice"),
    "reports": ("reports:list", {}, "alice"),
}


def _two_sets() -> None:
    college = OrganisationFactory(slug="college", name="示例职业技术学院", kind="school")
    alice = member(college, "admin", username="alice")
    first = records_add(college, alice)
    records_add(college, alice, first=first)


@pytest.fixture(scope="module")
def _records(django_db_setup, django_db_blocker, tmp_path_factory):
    """Two sets of records of every kind (tests/query_data.py), made once for the module's tests
    (tests/shared_records.py): each list has rows of both."""
    yield from shared_records(django_db_blocker, tmp_path_factory, _two_sets)


@pytest.fixture
def college(_records, db):
    return Organisation.objects.get(slug="college")


@pytest.fixture
def alice(college):
    return User.objects.get(username="alice")


@pytest.fixture
def lists(college, alice):
    return college


def cells(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def at_once(client, url: str, params: dict, *, named: str = "") -> list[tuple]:
    response = client.get(url, {**params, "format": "xlsx"})
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].endswith(".sheet")
    assert quote(named) in response["Content-Disposition"]
    return cells(b"".join(response.streaming_content))


def job_file(client, job: ExportJob) -> list[tuple]:
    served = client.get(reverse("orgs:export-job-file", args=["college", job.pk]))
    assert served.status_code == 200 and "attachment" in served["Content-Disposition"]
    return cells(b"".join(served.streaming_content))


def queued(client, url: str, params: dict, name: str) -> ExportJob:
    response = client.get(url, {**params, "format": "xlsx", "page": "2"})
    job = ExportJob._base_manager.order_by("pk").last()
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:export-job", args=["college", job.pk])
    assert (job.kind, job.params, job.status) == (f"list.{name}", params, JobStatus.QUEUED)
    return job


@pytest.mark.parametrize("name", LISTS)
def test_a_long_list_becomes_a_job_writing_the_workbook_the_page_writes_at_once(
    lists, client, settings, name, django_capture_on_commit_callbacks
):
    page, params, username = LISTS[name]
    client.force_login(User.objects.get(username=username))
    url = reverse(page, args=["college"])
    expected = at_once(client, url, params)
    rows = len(expected) - 1
    assert rows >= 2, f"{name}: {rows} rows"

    jobs = ExportJob._base_manager.count()  # the records' own (tests/query_data.py)
    settings.EXPORT_BACKGROUND_ROWS = rows  # as many rows as the limit: written at once
    assert at_once(client, url, params) == expected
    assert ExportJob._base_manager.count() == jobs

    settings.EXPORT_BACKGROUND_ROWS = rows - 1
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = queued(client, url, params, name)
    assert len(callbacks) == 1 and ExportJob._base_manager.count() == jobs + 1
    waiting = client.get(reverse("orgs:export-job", args=["college", job.pk]))
    assert 'data-status="queued"' in waiting.content.decode()

    export_job_run.call(job.pk)

    job = ExportJob._base_manager.get(pk=job.pk)
    assert (job.status, job.progress, job.rows) == (JobStatus.DONE, 100, rows)
    settings.EXPORT_BACKGROUND_ROWS = rows
    assert at_once(client, url, params, named=job.file_name) == expected  # the same file name
    done = client.get(reverse("orgs:export-job", args=["college", job.pk])).content.decode()
    assert reverse("orgs:export-job-file", args=["college", job.pk]) in done
    assert job_file(client, job) == expected


def test_the_job_keeps_the_lists_filters(lists, alice_client, settings):
    url = reverse("rectification:tasks", args=["college"])
    everything = at_once(alice_client, url, {"state": "found", "period": MONTH})
    closed = at_once(alice_client, url, {"state": "closed", "period": MONTH})
    assert 1 < len(closed) < len(everything)
    settings.EXPORT_BACKGROUND_ROWS = 0
    job = queued(alice_client, url, {"state": "closed", "period": MONTH}, "records")
    export_job_run.call(job.pk)
    assert job_file(alice_client, ExportJob._base_manager.get(pk=job.pk)) == closed


def test_whoever_may_see_the_list_gets_its_job_and_no_one_else(
    lists, client, alice, bob, charlie, settings
):
    settings.EXPORT_BACKGROUND_ROWS = 0
    client.force_login(alice)
    jobs = {}
    for name in ("records", "deliveries", "inbox"):
        page, params, _username = LISTS[name]
        jobs[name] = queued(client, reverse(page, args=["college"]), params, name)
        export_job_run.call(jobs[name].pk)

    def answers(name: str) -> list[int]:
        job = jobs[name]
        urls = (
            reverse("orgs:export-job", args=["college", job.pk]),
            reverse("orgs:export-job-file", args=["college", job.pk]),
        )
        return [client.get(url).status_code for url in urls]

    assert [answers(name) for name in jobs] == [[200, 200]] * 3
    client.force_login(bob)  # a viewer: sees the records but not the delivery log, may not export
    assert answers("records") == [200, 200]
    assert answers("deliveries") == [403, 403]
    assert answers("inbox") == [404, 404]  # another person's inbox
    client.force_login(member(lists, "admin", username="dora"))  # an admin, but not the requester
    assert answers("deliveries") == [200, 200]
    assert answers("inbox") == [404, 404]
    client.force_login(charlie)  # of another organisation
    assert [answers(name) for name in jobs] == [[404, 404]] * 3


def test_a_requester_who_may_no_longer_see_the_list_gets_no_file(lists, client, settings):
    settings.EXPORT_BACKGROUND_ROWS = 0
    head = User.objects.get(username="head0")
    client.force_login(head)
    job = queued(client, reverse("rectification:my-tasks", args=["college"]), {}, "my-tasks")
    with scopes_disabled():
        Person.objects.filter(user=head).update(is_active=False)
    export_job_run.call(job.pk)
    job = ExportJob._base_manager.get(pk=job.pk)
    assert (job.status, job.file.name, job.rows) == (JobStatus.FAILED, "", 0)
