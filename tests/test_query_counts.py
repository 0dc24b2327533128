"""Every page and every API read makes as many queries with twice the records as with once.

The pages come from the URL resolver and the API reads from the OpenAPI document, as in
tests/test_isolation.py, so a new page or operation is counted without touching this file; a new
URL parameter must be given a value in ``url_values`` (its test fails and says so until then). A page
whose view answers ``?format=xlsx`` is counted as a workbook too.

One organisation's records of every kind (tests/query_data.py) are built once for the module: each
page is requested as the organisation's admin, then a second set of the same records is added
(dated the same day, so that the same periods show it, and doubling the children of the records
the detail pages show) and each page is requested again. A list holds fewer rows than a page
(``PAGE_SIZE``) both times, so it shows twice as many rows the second time. A query made per row
shown, an N+1, counts more the second time and fails the page's test, which prints the statements
that were repeated.
"""

import inspect
import re
from collections import Counter
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.signals import request_finished
from django.db import close_old_connections, connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver
from django.utils import timezone
from django_scopes import scopes_disabled

from baozhang.accounts.services import api_token_create
from baozhang.api.api import api
from baozhang.core.periods import month_key
from baozhang.inspections.models import ExpectedCheck, Finding, RedFlagTie
from baozhang.notifications.models import Delivery, Notification
from baozhang.orgs.models import ApiToken
from baozhang.orgs.spreadsheets import IMPORT_KINDS
from baozhang.rectification.models import Task
from baozhang.reports.charts import CHARTS
from baozhang.reports.files import CONTENT_TYPES
from tests.factories import OrganisationFactory, member
from tests.query_data import Records, records_add
from tests.test_isolation import API_PARAM, PARAM, _api_record_key, walk

# Marked so that the test database is set up; the records are built once, by the module's fixture.
# One worker counts the pages with the module's records (--dist loadgroup, scripts/test.sh).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("query-counts")]

# Parameters that name a kind rather than a record: the page is counted once for each.
KINDS = {"kind": IMPORT_KINDS, "name": tuple(CHARTS), "extension": tuple(CONTENT_TYPES)}

# Pages and API reads whose parameters change what they list: each is counted as well.
PAGE_VARIANTS = {
    "o/<slug:org>/check/<int:location_id>/": ["round={round_id}"],
    "o/<slug:org>/checks/": ["state=planned", "state=missed"],
    "o/<slug:org>/rectification/": ["state=found"],
    "o/<slug:org>/rectification/statistics/": ["by=area_type"],
}
API_VARIANTS = {
    "/api/v1/orgs/{org}/tasks": ["state=tracked"],
    "/api/v1/orgs/{org}/referrals": ["decided=true"],
    "/api/v1/orgs/{org}/rectification/statistics": ["by=area_type"],
}
# What the organisation's admin gets where it is not 200 or 405 (an address that only takes a
# POST): the platform administrator's page, and the sign-in page of somebody signed in.
ANSWERED = {"orgs/new/": (403,), "accounts/login/": (302,)}

# Query parameters an API read requires; a name in braces is a record's value, as in the variants.
REQUIRED = {"/api/v1/orgs/{org}/figures": "period={month}"}


def _expand(route: str, pattern) -> list[str]:
    """The route once per value of its kind parameters, then its variants."""
    routes = [route]
    for name, values in KINDS.items():
        routes = [
            re.sub(rf"<(?:\w+:)?{name}>|\{{{name}\}}", value, each)
            for each in routes
            for value in (values if re.search(rf"<(?:\w+:)?{name}>|\{{{name}\}}", each) else [""])
        ]
    variants = list(PAGE_VARIANTS.get(route, [])) + list(API_VARIANTS.get(route, []))
    if pattern is not None and _answers_workbook(pattern):
        variants.append("format=xlsx")
    return routes + [f"{each}?{variant}" for each in routes for variant in variants]


def _answers_workbook(pattern) -> bool:
    """The page's view also answers as a workbook (core/xlsx.py: wants_workbook)."""
    try:
        source = inspect.getsource(inspect.unwrap(pattern.callback))
    except (OSError, TypeError):
        return False
    return "wants_workbook(request)" in source


def page_names() -> list[str]:
    """Every page of an organisation or of a signed-in user, as route patterns."""
    names = []
    for route, pattern in walk(get_resolver().url_patterns):
        if route.startswith("api/"):
            continue
        names += _expand(route, pattern)
    return names


def api_names() -> list[str]:
    """Every GET operation of the API, as paths of the OpenAPI document."""
    document = api.get_openapi_schema(path_prefix="/api/v1/")
    names = []
    for path, operations in document["paths"].items():
        if "get" in operations:
            names += [f"GET {each}" for each in _expand(path, None)]
    return names


PAGES = page_names()
API_READS = api_names()


@dataclass(frozen=True)
class Counted:
    status: int = 0
    queries: int = 0
    statements: tuple[str, ...] = ()
    error: str = ""


def url_values(first: Records, latest: Records, board_token: str) -> dict:
    """The records each URL parameter names: the first set's (whose children the second set
    doubles), and the latest report (made with all the records, its versions doubled too)."""
    with scopes_disabled():
        event = first.task.events.exclude(photo="").first()
        photo = first.finding.photos.first()
        tie = RedFlagTie.objects.create(
            organisation=first.site.organisation,
            week_key="2026-W40",
            unit_kind=first.unit.kind,
            seats=1,
            rank=1,
            score=100,
        )
        tie.units.add(first.unit)
    return {
        "tie_id": tie.pk,
        "org": first.site.organisation.slug,
        "site_id": first.site.pk,
        "areatype_id": first.area_type.pk,
        "location_id": first.location.pk,
        "unit_id": first.unit.pk,
        "assignment_id": first.assignment.pk,
        "person_id": first.person.pk,
        "token_id": first.token.pk,
        "invitation_id": first.invitation.pk,
        "inspection_id": first.inspection.pk,
        "finding_id": first.finding.pk,
        "photo_id": photo.pk,
        "schedule_id": first.schedule.pk,
        "standard_id": first.standard.pk,
        "task_id": first.task.pk,
        "event_id": event.pk,
        "spot_fix_id": first.spot_fix.pk,
        "round_id": first.patrol_round.pk,
        "webhook_id": first.webhook.pk,
        "report_id": latest.report.pk,
        "job_id": latest.job.pk,
        "import_job_id": first.import_job.pk,
        "export_job_id": first.export_job.pk,
        "number": 1,
        "token": board_token,
        "month": month_key(timezone.localdate()),
    }


def name_url(name: str, values: dict) -> tuple[str, str]:
    """(URL, error): the name's route with the records' ids, or why it has none."""
    path, _mark, query = name.removeprefix("GET ").partition("?")
    if name.startswith("GET "):
        wanted = API_PARAM.findall(path)
        if "id" in wanted:
            try:
                values = {**values, "id": values[_api_record_key(path)]}
            except AssertionError as unknown:  # names what to add to test_isolation.py
                return "", str(unknown)
        url = API_PARAM.sub(lambda match: str(values.get(match.group(1))), path)
        query = "&".join(part for part in (REQUIRED.get(path, ""), query) if part)
    else:
        wanted = [match.group("name") for match in PARAM.finditer(path)]
        url = "/" + PARAM.sub(lambda match: str(values.get(match.group("name"))), path)
    wanted += API_PARAM.findall(query)
    missing = [each for each in wanted if each not in values]
    if missing:
        return "", f"add a value for the URL parameter(s) {missing} of {name} to url_values"
    query = API_PARAM.sub(lambda match: str(values[match.group(1)]), query)
    return url + (f"?{query}" if query else ""), ""


def _count(client: Client, names: list[str], values: dict, token) -> dict[str, Counted]:
    """Each name's URL requested once, with its queries counted."""
    token, raw = token
    counted = {}
    for name in names:
        url, error = name_url(name, values)
        if error:
            counted[name] = Counted(error=error)
            continue
        headers = {}
        if name.startswith("GET "):
            headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
            # A token's last use is written once a minute: not within the counting.
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, **headers)
            if response.streaming:
                b"".join(response.streaming_content)
                # Closing a file's response ends the request, which would close the connection
                # and with it the records' transaction.
                request_finished.disconnect(close_old_connections)
                response.close()
                request_finished.connect(close_old_connections)
        counted[name] = Counted(
            status=response.status_code,
            queries=len(queries),
            statements=tuple(query["sql"] for query in queries.captured_queries),
        )
    return counted


def _fits_one_page(organisation, user) -> None:
    """The longest lists of the records hold fewer rows than a page, so that every list shows
    all its rows both times."""
    with scopes_disabled():
        longest = {
            "findings": Finding.objects.filter(organisation=organisation).count(),
            "tasks": Task.objects.filter(organisation=organisation).count(),
            "expected checks": ExpectedCheck.objects.filter(organisation=organisation).count(),
            "deliveries": Delivery.objects.filter(organisation=organisation).count(),
            "inbox": Notification.objects.filter(person__user=user).count(),
        }
    for name, rows in longest.items():
        assert rows < settings.PAGE_SIZE, f"{rows} {name} no longer fit on one page of a list"


@pytest.fixture(scope="module")
def counts(django_db_setup, django_db_blocker, tmp_path_factory):
    """{name: (counted with one set of records, counted with two)} of every page and API read;
    the records are rolled back afterwards."""
    media = tmp_path_factory.mktemp("query-counts-media")
    with (
        django_db_blocker.unblock(),
        # The pages are counted as they are made: the notice board's cache (tests/test_board_cache.py)
        # would serve the second count from the first.
        override_settings(MEDIA_ROOT=media, AXES_ENABLED=False, BAOZHANG_PUBLIC_PAGE_SECONDS=0),
        transaction.atomic(),
    ):
        counted = _counted_twice(PAGES + API_READS)
        transaction.set_rollback(True)
    return counted


def _counted_twice(names: list[str]) -> dict[str, tuple[Counted, Counted]]:
    organisation = OrganisationFactory(slug="college", name="示例职业技术学院")
    alice = member(organisation, "admin", username="alice")
    token = api_token_create(user=alice, name="counting")
    client = Client()
    client.force_login(alice)
    first = records_add(organisation, alice)
    board_token = organisation.board_policy.board_token
    before = _count(client, names, url_values(first, first, board_token), token)
    second = records_add(organisation, alice, first=first)
    _fits_one_page(organisation, alice)
    after = _count(client, names, url_values(first, second, board_token), token)
    return {name: (before[name], after[name]) for name in names}


def _repeated(before: Counted, after: Counted) -> str:
    """The statements run more often with twice the records, numbers replaced by ?."""

    def shape(sql: str) -> str:
        sql = re.sub(r"\b\d+\b|'[^']*'", "?", sql)
        return re.sub(r"\((?:\?, )+\?\)", "(…)", sql)

    def shapes(counted):
        return Counter(shape(sql) for sql in counted.statements)

    grown = shapes(after) - shapes(before)
    return "\n".join(f"  +{times} × {sql[:300]}" for sql, times in grown.most_common(5))


def _check(counted: tuple[Counted, Counted], name: str) -> None:
    before, after = counted
    assert not before.error, before.error
    assert before.status == after.status, f"{name}: {before.status}, then {after.status}"
    assert before.status in ANSWERED.get(name, (200, 405)), f"{name} answered {before.status}"
    assert after.queries == before.queries, (
        f"{name} made {before.queries} queries with one set of records and {after.queries} with "
        f"two; repeated:\n{_repeated(before, after)}"
    )


@pytest.mark.parametrize("name", PAGES)
def test_page_makes_as_many_queries_with_twice_the_records(counts, name):
    _check(counts[name], name)


@pytest.mark.parametrize("name", API_READS)
def test_api_read_makes_as_many_queries_with_twice_the_records(counts, name):
    _check(counts[name], name)


def test_every_page_and_api_read_is_counted_once():
    names = PAGES + API_READS
    assert len(PAGES) > 100 and len(API_READS) > 40
    assert len(set(names)) == len(names)
    # Each kind of a parameter that names one; a list that answers as a workbook, as one too.
    assert {f"o/<slug:org>/export/{kind}.xlsx" for kind in IMPORT_KINDS} <= set(PAGES)
    assert "o/<slug:org>/rectification/?format=xlsx" in PAGES
    assert "GET /api/v1/orgs/{org}/bulletin" in API_READS
