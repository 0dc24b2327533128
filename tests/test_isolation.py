"""An outsider gets nothing of another organisation, through any page or API operation.

The URL patterns come from the resolver and the API operations from the OpenAPI document, so a new
page or operation is covered without touching this file; a new URL parameter must be added to
``victim_values`` (the test fails and says so until then).
"""

import datetime as dt
import io
import re

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_scopes import scopes_disabled
from openpyxl import Workbook, load_workbook

from baozhang.accounts.services import api_token_create
from baozhang.core.periods import month_key, week_key
from baozhang.inspections.models import (
    BoardPolicy,
    Finding,
    FindingPhoto,
    Inspection,
    RedFlagTie,
    Schedule,
)
from baozhang.notifications.models import Delivery, Notification, Webhook
from baozhang.orgs import models
from baozhang.rectification.models import (
    PatrolRound,
    PatrolRoundCheck,
    Referral,
    SpotFix,
    Task,
    TaskEvent,
)
from baozhang.reports.models import Report, ReportJob, ReportSchedule, ReportVersion
from baozhang.standards.models import Standard, StandardItem, StandardVersion
from tests.factories import (
    AreaTypeFactory,
    AssignmentFactory,
    LocationFactory,
    MembershipFactory,
    PersonFactory,
    SiteFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MARK = "VICTIMDATA"


@pytest.fixture
def victim(college, alice):
    """Records of the college, each carrying a marker that must never reach the outsider."""
    site = SiteFactory(organisation=college, code=f"{MARK}-S", name=f"{MARK} site")
    area_type = AreaTypeFactory(organisation=college, code=f"{MARK}-A", name=f"{MARK} area")
    location = LocationFactory(
        organisation=college, site=site, code=f"{MARK}-L", name=f"{MARK} room", area_type=area_type
    )
    unit = UnitFactory(organisation=college, code=f"{MARK}-U", name=f"{MARK} class")
    assignment = AssignmentFactory(organisation=college, unit=unit, location=location)
    person = PersonFactory(
        organisation=college, user=None, name=f"{MARK} person", phone="13999999999"
    )
    MembershipFactory(organisation=college, person=person, role="inspector")
    # An invitation to somebody else's login: only that login's owner may answer it.
    invitation = models.LoginInvitation.objects.create(
        organisation=college, person=person, user=UserFactory(username=f"{MARK}-invited")
    )
    token, _raw = api_token_create(user=alice, name=f"{MARK} token")
    inspection, finding, photo = _victim_inspection(college, location, unit)
    rectification = _victim_rectification(college, inspection, finding, person)
    # A notice board that exists but is switched off: its link gives nothing.
    BoardPolicy.objects.create(organisation=college, board_enabled=False, board_token=MARK)
    # Units tied for a red flag, waiting for the admin's choice.
    tie = RedFlagTie.objects.create(
        organisation=college, week_key="2026-W40", unit_kind="class", seats=1, rank=1, score=100
    )
    tie.units.add(unit)
    return {
        "tie_id": tie.pk,
        "org": college.slug,
        "site_id": site.pk,
        "areatype_id": area_type.pk,
        "location_id": location.pk,
        "unit_id": unit.pk,
        "assignment_id": assignment.pk,
        "person_id": person.pk,
        "token_id": token.pk,
        "invitation_id": invitation.pk,
        "kind": "locations",
        "inspection_id": inspection.pk,
        "finding_id": finding.pk,
        "photo_id": photo.pk,
        "token": MARK,
        "standard_id": inspection.standard_version.standard_id,
        **rectification,
        "schedule_id": Schedule.objects.create(
            organisation=college,
            name=MARK,
            standard_id=inspection.standard_version.standard_id,
            kind="daily",
            times=["07:30"],
            starts_on=timezone.localdate(),
        ).pk,
    }


FINDING_FIELDS = (
    "organisation",
    "inspection",
    "location",
    "unit",
    "item",
    "kind",
    "points",
    "note",
    "observed_at",
    "date",
    "week_key",
    "month_key",
    "year",
)


def _victim_rectification(college, inspection, finding, person):
    """A task with a photographed step, a fix on the spot, a patrol round, a robot, a delivery
    and an inbox message of the college."""
    now = timezone.now()
    with scopes_disabled():
        task = Task.objects.create(
            organisation=college,
            finding=finding,
            unit=finding.unit,
            description=MARK,
            deadline=now + dt.timedelta(days=1),
            opened_at=now,
        )
        event = TaskEvent.objects.create(
            organisation=college,
            task=task,
            kind="submitted",
            at=now,
            note=MARK,
            photo=f"rectification/{MARK}.jpg",
        )
        fixed = Finding.objects.create(
            **{field: getattr(finding, field) for field in FINDING_FIELDS}
        )
        spot_fix = SpotFix.objects.create(
            organisation=college,
            finding=fixed,
            fixed_by=MARK,
            fixed_at=now,
            photo=f"rectification/{MARK}-spot.jpg",
        )
        patrol = PatrolRound.objects.create(
            organisation=college, title=MARK, date=timezone.localdate(), leader=person
        )
        patrol.checks.add(inspection, through_defaults={"organisation": college})
        hook = Webhook.objects.create(
            organisation=college, name=MARK, platform="wecom", url="https://robot.invalid/x"
        )
        Delivery.objects.create(
            organisation=college, channel="webhook", webhook=hook, event="test", title=MARK
        )
        notification = Notification.objects.create(
            organisation=college, person=person, event="test", title=MARK
        )
        referred = Finding.objects.create(
            **{field: getattr(fixed, field) for field in FINDING_FIELDS}
        )
        referral = Referral.objects.create(
            organisation=college, finding=referred, reason=MARK, referred_at=now
        )
        report = Report.objects.create(
            organisation=college, kind="monthly", period="2026-11", title=MARK
        )
        ReportVersion.objects.create(
            organisation=college,
            report=report,
            number=1,
            figures={"marker": MARK},
            narrative={"overview": MARK},
        )
        job = ReportJob.objects.create(
            organisation=college, kind="monthly", period="2026-11", step=MARK, report=report
        )
        import_job = models.ImportJob.objects.create(
            organisation=college, kind="findings", file_name=MARK, file_size=1, language="en"
        )
        export_job = models.ExportJob.objects.create(
            organisation=college,
            kind="findings",
            params={"q": MARK},
            file_name=f"{MARK}.xlsx",
            language="en",
            status="done",
            rows=1,
            expires_at=now + dt.timedelta(hours=24),
        )
        export_job.file.save(f"{export_job.key}.xlsx", ContentFile(MARK.encode()))
    return {
        "job_id": job.pk,
        "import_job_id": import_job.pk,
        "export_job_id": export_job.pk,
        "report_id": report.pk,
        "number": 1,
        "name": "trend",
        "extension": "pdf",
        "referral_id": referral.pk,
        "notification_id": notification.pk,
        "task_id": task.pk,
        "event_id": event.pk,
        "spot_fix_id": spot_fix.pk,
        "round_id": patrol.pk,
        "webhook_id": hook.pk,
    }


def _victim_inspection(college, location, unit):
    with scopes_disabled():
        standard = Standard.objects.create(organisation=college, code=f"{MARK}-STD", name=MARK)
        version = StandardVersion.objects.create(organisation=college, standard=standard, number=1)
        item = StandardItem.objects.create(
            organisation=college, version=version, section=MARK, text=MARK, points=2
        )
        today = timezone.localdate()
        inspection = Inspection.objects.create(
            organisation=college,
            location=location,
            standard_version=version,
            level="department",
            done_at=timezone.now(),
            note=MARK,
            score=98,
            date=today,
            week_key=week_key(today),
            month_key=month_key(today),
        )
        finding = Finding.objects.create(
            organisation=college,
            inspection=inspection,
            location=location,
            unit=unit,
            item=item,
            kind="deduction",
            points=2,
            note=MARK,
            observed_at=timezone.now(),
            date=today,
            week_key=week_key(today),
            month_key=month_key(today),
            year=today.year,
        )
        photo = FindingPhoto.objects.create(
            organisation=college, finding=finding, image=f"findings/{MARK}.jpg"
        )
    return inspection, finding, photo


def snapshot(outsider=None) -> dict[str, list]:
    """Every tenant row and token state, to prove a refused request changed nothing.

    The outsider's own tokens are left out: creating a token for oneself is allowed.
    """
    with scopes_disabled():
        state = {
            model.__name__: sorted(str(row) for row in model.objects.values())
            for model in (
                models.Site,
                models.AreaType,
                models.Location,
                models.Unit,
                models.Assignment,
                models.Person,
                models.Membership,
                models.LoginInvitation,
                models.Organisation,
                Standard,
                StandardItem,
                Inspection,
                Finding,
                FindingPhoto,
                BoardPolicy,
                Schedule,
                Task,
                TaskEvent,
                SpotFix,
                PatrolRound,
                PatrolRoundCheck,
                Webhook,
                Delivery,
                Notification,
                Referral,
                Report,
                ReportVersion,
                ReportJob,
                ReportSchedule,
                models.ImportJob,
                models.ExportJob,
            )
        }
        state["tokens"] = sorted(
            str(row)
            for row in models.ApiToken.objects.exclude(user=outsider).values("id", "revoked_at")
        )
    return state


def walk(resolvers, prefix=""):
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def page_urls(values):
    """Concrete URLs of every page pattern that names a record or an organisation."""
    for route, _pattern in walk(get_resolver().url_patterns):
        if route.startswith("api/"):
            continue
        names = [match.group("name") for match in PARAM.finditer(route)]
        if not names:
            continue
        missing = [name for name in names if name not in values]
        assert not missing, f"add a victim value for URL parameter(s) {missing} of {route}"
        yield "/" + PARAM.sub(lambda match: str(values[match.group("name")]), route)


def xlsx_with_locations(code):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["编码", "名称", "院区/校区"])
    sheet.append([code, "x", f"{MARK}-S"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "x.xlsx"
    return buffer


def test_outsider_gets_404_on_every_page_of_another_organisation(client, victim, charlie):
    client.force_login(charlie)
    before = snapshot()
    urls = list(page_urls(victim))
    assert len(urls) > 30
    for url in urls:
        response = client.get(url)
        if "/o/" in url:
            assert response.status_code in (403, 404), f"GET {url} gave {response.status_code}"
        else:
            assert MARK not in response.content.decode(errors="ignore"), f"GET {url} leaked"
        posted = client.post(
            url, {"name": "hijack", "code": "hijack", "file": xlsx_with_locations("HIJACK")}
        )
        if "/o/" in url:
            assert posted.status_code in (403, 404), f"POST {url} gave {posted.status_code}"
        assert MARK not in posted.content.decode(errors="ignore"), f"POST {url} leaked"
    assert snapshot() == before


def test_outsider_lists_and_exports_show_none_of_another_organisation(
    client, victim, charlie, hospital
):
    client.force_login(charlie)
    own = {**victim, "org": hospital.slug}
    for url in page_urls(own):
        if url.endswith(("/edit/", "/delete/", "/history/")) or re.search(r"/\d+/$", url):
            continue
        response = client.get(url)
        body = response.content
        if response.get("Content-Type", "").startswith("application/vnd.openxml"):
            workbook = load_workbook(io.BytesIO(body), read_only=True)
            body = " ".join(
                str(cell)
                for sheet in workbook
                for row in sheet.iter_rows(values_only=True)
                for cell in row
            ).encode()
        assert MARK.encode() not in body, f"{url} shows another organisation's data"


def api_operations(client, headers):
    document = client.get("/api/v1/openapi.json", **headers).json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


API_PARAM = re.compile(r"\{(\w+)\}")


def test_outsider_gets_404_on_every_api_operation_of_another_organisation(
    client, victim, charlie, hospital
):
    _token, raw = api_token_create(user=charlie, name="outsider")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    before = snapshot(charlie)
    operations = list(api_operations(client, headers))
    assert len(operations) > 20
    api_values = {**victim, "id": None}
    for path, method, _operation in operations:
        names = API_PARAM.findall(path)
        missing = [name for name in names if name not in api_values]
        assert not missing, f"add a victim value for API parameter(s) {missing} of {path}"
        values = dict(api_values)
        if "id" in names:
            values["id"] = _api_record_id(path, victim)
        url = API_PARAM.sub(lambda match, values=values: str(values[match.group(1)]), path)
        caller = getattr(client, method)
        kwargs = dict(headers)
        if method in {"post", "put", "patch"}:
            if "import" in path:
                response = caller(url, {"file": xlsx_with_locations("HIJACK")}, **kwargs)
            else:
                response = caller(
                    url,
                    data={"name": "hijack", "code": "hijack"},
                    content_type="application/json",
                    **kwargs,
                )
        else:
            response = caller(url, **kwargs)
        body = response.content.decode(errors="ignore")
        if "{org}" in path or "/tokens/" in path:
            assert response.status_code in (403, 404), (
                f"{method.upper()} {url} gave {response.status_code}"
            )
        assert MARK not in body, f"{method.upper()} {url} leaked"
    assert snapshot(charlie) == before


RECORD_SEGMENTS = (
    ("/sites/", "site_id"),
    ("/area-types/", "areatype_id"),
    ("/locations/", "location_id"),
    ("/units/", "unit_id"),
    ("/responsibilities/", "assignment_id"),
    ("/people/", "person_id"),
    ("/tokens/", "token_id"),
    ("/inspections/", "inspection_id"),
    ("/findings/", "finding_id"),
    ("/standards/", "standard_id"),
    ("/tasks/", "task_id"),
    ("/rounds/", "round_id"),
    ("/robots/", "webhook_id"),
    ("/referrals/", "referral_id"),
    ("/notifications/", "notification_id"),
    ("/reports/", "report_id"),
    ("/report-jobs/", "job_id"),
    ("/import-jobs/", "import_job_id"),
    ("/export-jobs/", "export_job_id"),
)


def _api_record_key(path: str) -> str:
    """The victim's key of the record an API path names by {id}."""
    for segment, key in RECORD_SEGMENTS:
        if segment in path:
            return key
    raise AssertionError(f"add the record of {path} to RECORD_SEGMENTS")


def _api_record_id(path: str, victim) -> int:
    return victim[_api_record_key(path)]


# The model (by name) of the record each key names.
RECORD_KINDS = {
    "site_id": "site",
    "areatype_id": "areatype",
    "location_id": "location",
    "unit_id": "unit",
    "assignment_id": "assignment",
    "person_id": "person",
    "inspection_id": "inspection",
    "finding_id": "finding",
    "standard_id": "standard",
    "task_id": "task",
    "round_id": "patrolround",
    "webhook_id": "webhook",
    "referral_id": "referral",
    "notification_id": "notification",
    "report_id": "report",
    "job_id": "reportjob",
    "import_job_id": "importjob",
    "export_job_id": "exportjob",
}


def _minimal(schema: dict, document: dict):
    """A value that passes the request schema, so that the operation itself runs."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _minimal(document["components"]["schemas"][name], document)
    if "anyOf" in schema:
        return _minimal(schema["anyOf"][0], document)
    if "allOf" in schema:
        return _minimal(schema["allOf"][0], document)
    kind = schema.get("type")
    if kind == "object":
        return {
            name: _minimal(schema["properties"][name], document)
            for name in schema.get("required", [])
        }
    if kind == "array":
        return []
    if kind == "integer":
        return schema.get("minimum", 1)
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if schema.get("format") == "date":
        return "2030-01-01"
    if schema.get("format") == "date-time":
        return "2030-01-01T08:00:00+08:00"
    if "enum" in schema:
        return schema["enum"][0]
    return "x"


def test_every_api_operation_reaches_its_record_through_a_gate(client, victim, alice):
    """An operation naming a record by id gets it from the record's gatekeeper (which checks tenant
    and permission together), never by a lookup of its own."""
    from baozhang.orgs.access import GATE_OBSERVERS

    _token, raw = api_token_create(user=alice, name="owner")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    # The victim's records are sketches (a report version without figures cannot be drawn): what
    # counts here is how the operation reached its record, not what it answered.
    client.raise_request_exception = False
    # A notification is its person's alone: the owner here is the one it was sent to.
    with scopes_disabled():
        Notification.objects.filter(pk=victim["notification_id"]).update(
            person=models.Person.objects.get(user=alice)
        )
    document = client.get("/api/v1/openapi.json", **headers).json()
    seen: list[tuple[type, int]] = []
    GATE_OBSERVERS.append(lambda model, pk: seen.append((model, pk)))
    try:
        operations = [
            (path, method, operation)
            for path, method, operation in api_operations(client, headers)
            if "{id}" in path and "/tokens/" not in path
        ]
        assert len(operations) > 20
        # Deletions (and voiding a check, which takes its findings away) last, so that every
        # other operation still finds its record.
        operations.sort(key=lambda entry: entry[1] == "delete" or entry[0].endswith("/void"))
        for path, method, operation in operations:
            key = _api_record_key(path)
            values = {**victim, "id": victim[key]}
            url = API_PARAM.sub(lambda match, values=values: str(values[match.group(1)]), path)
            body = operation.get("requestBody", {}).get("content", {})
            kwargs = dict(headers)
            if "application/json" in body:
                payload = _minimal(body["application/json"]["schema"], document)
                kwargs.update(data=payload, content_type="application/json")
            elif "multipart/form-data" in body:
                kwargs.update(data={"file": xlsx_with_locations(f"{MARK}-NEW")})
            seen.clear()
            response = getattr(client, method)(url, **kwargs)
            gated = [pk for kind, pk in seen if kind._meta.model_name == RECORD_KINDS[key]]
            assert victim[key] in gated, (
                f"{method.upper()} {url} ({response.status_code}) did not reach its record "
                f"through a gate; gates handed out {seen}"
            )
    finally:
        GATE_OBSERVERS.clear()
