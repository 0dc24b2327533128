"""Rectification services: every transition of a finding's disposition and of a task's life, and
every forbidden one."""

import datetime as dt
import io
import re
import uuid
from functools import partial

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django_scopes import scope, scopes_disabled
from PIL import Image

from baozhang.inspections.access import access_finding
from baozhang.inspections.models import Finding, FindingKind, Inspection
from baozhang.inspections.services import FindingInput
from baozhang.orgs.access import access_organisation
from baozhang.orgs.models import Person
from baozhang.orgs.permissions import (
    DECIDE_REFERRALS,
    RECORD_INSPECTIONS,
    SUBMIT_RECTIFICATION,
    VIEW_INSPECTIONS,
    VIEW_SETUP,
)
from baozhang.rectification import notices, selectors, services
from baozhang.rectification.access import access_referral, access_task
from baozhang.rectification.models import (
    Escalation,
    PatrolRound,
    PatrolRoundCheck,
    Task,
    TaskStatus,
)
from tests.factories import member
from tests.forms import form_as_sent
from tests.inspection_data import at, submit

pytestmark = pytest.mark.django_db


def photo(name="after.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def access(user, organisation):
    return access_organisation(user=user, slug=organisation.slug, permission=VIEW_SETUP)


@pytest.fixture
def world(dorms):
    """A finding against class 0852 on Monday 16 November; its inspector, unit head and leader."""
    org = dorms["org"]
    inspector = member(org, "inspector", username="inspector")
    head = member(org, "unit_head", username="head0852", unit=dorms["first"])
    other_head = member(org, "unit_head", username="head1151", unit=dorms["second"])
    leader = member(org, "patrol_leader", username="leader")
    with scope(organisation=org):
        inspection, _created = submit(
            dorms,
            "2026-11-16",
            FindingInput(item_id=dorms["items"]["地面有垃圾"].pk, note="门后有垃圾"),
            FindingInput(item_id=dorms["items"]["被褥叠放"].pk, points=2),
            FindingInput(kind=FindingKind.HIGHLIGHT, note="窗台整洁"),
        )
        findings = list(inspection.findings.order_by("id"))
    return {
        **dorms,
        "finding": findings[0],
        "second_finding": findings[1],
        "highlight": findings[2],
        "inspector": access(inspector, org),
        "head": access(head, org),
        "other_head": access(other_head, org),
        "leader": access(leader, org),
    }


def opened(world, **extra) -> Task:
    return services.task_open(
        access=world["inspector"], finding=world["finding"], now=at("2026-11-16", "10:05"), **extra
    )


def test_a_task_goes_open_submitted_rejected_submitted_closed(world):
    with scope(organisation=world["org"]):
        task = opened(world)
        # The organisation's default for a normal task: 72 hours.
        assert task.deadline == at("2026-11-19", "10:05")
        assert task.unit == world["first"] and task.status == TaskStatus.OPEN
        assert task.description == "地面有垃圾 — 门后有垃圾"

        task = services.task_submit(
            access=world["head"], task=task, note="已清扫", photo=photo(), now=at("2026-11-17")
        )
        assert task.status == TaskStatus.SUBMITTED
        task = services.task_reject(
            access=world["inspector"],
            task=task,
            reason="门后仍有纸屑",
            now=at("2026-11-17", "11:00"),
        )
        assert (task.status, task.rejections) == (TaskStatus.OPEN, 1)
        task = services.task_submit(
            access=world["head"], task=task, photo=photo(), now=at("2026-11-18", "09:00")
        )
        task = services.task_verify(
            access=world["leader"], task=task, note="已复查", now=at("2026-11-18", "15:00")
        )
        assert task.status == TaskStatus.CLOSED
        assert task.closed_in_time is True
        assert task.closed_by == world["leader"].person
        events = list(task.events.values_list("kind", "by__user__username", "note"))
        assert events == [
            ("opened", "inspector", ""),
            ("submitted", "head0852", "已清扫"),
            ("rejected", "inspector", "门后仍有纸屑"),
            ("submitted", "head0852", ""),
            ("closed", "leader", "已复查"),
        ]
        assert all(event.photo for event in task.events.filter(kind="submitted"))
        # The audit trail keeps each state of the task with who changed it.
        states = [
            (row.status, row.history_user.username if row.history_user else None)
            for row in task.history.order_by("history_id")
        ]
        assert [status for status, _user in states] == [
            "open",
            "submitted",
            "open",
            "submitted",
            "closed",
        ]


def test_nothing_closes_without_verification(world):
    with scope(organisation=world["org"]):
        task = opened(world)
        with pytest.raises(ValidationError, match="尚未提交|not submitted"):
            services.task_verify(access=world["inspector"], task=task)
        with pytest.raises(ValidationError):
            services.task_reject(access=world["inspector"], task=task, reason="x")
        task.refresh_from_db()
        assert task.status == TaskStatus.OPEN and task.closed_at is None


def test_who_may_not_do_what(world, hospital):
    with scope(organisation=world["org"]):
        task = opened(world)
        # Another unit's head, and an inspector, cannot submit this unit's fix.
        for who in ("other_head", "inspector"):
            with pytest.raises(PermissionDenied):
                access_task(world[who], task.pk, permission=SUBMIT_RECTIFICATION)
        # A fix needs a word or a photo.
        with pytest.raises(ValidationError):
            services.task_submit(access=world["head"], task=task)
        # A unit head cannot open tasks, nor verify.
        with pytest.raises(PermissionDenied):
            access_finding(world["head"], world["second_finding"].pk, permission=RECORD_INSPECTIONS)
        services.task_submit(access=world["head"], task=task, note="已清扫")
        with pytest.raises(PermissionDenied):
            access_task(world["head"], task.pk, permission=RECORD_INSPECTIONS)
        # A rejection needs its reason.
        with pytest.raises(ValidationError):
            services.task_reject(access=world["inspector"], task=task, reason=" ")
    # An admin who is also this unit's head cannot verify the unit's task.
    org = world["org"]
    admin_head = member(org, "admin", username="admin-head")
    with scopes_disabled():
        person = Person.objects.get(user=admin_head)
        person.memberships.create(organisation=org, role="unit_head", unit=world["first"])
    with scope(organisation=org), pytest.raises(ValidationError, match="own unit|本单位"):
        services.task_verify(access=access(admin_head, org), task=task)
    # Somebody from another organisation gets nothing of it.
    outsider = member(hospital, "admin", username="outsider")
    with scope(organisation=hospital):
        for gate, record in (
            (access_task, task),  # to verify or reject it
            (access_finding, world["second_finding"]),  # to open a task or record a fix
        ):
            with pytest.raises(Http404):
                gate(access(outsider, hospital), record.pk, permission=RECORD_INSPECTIONS)
    with scope(organisation=org):
        task.refresh_from_db()
        assert task.status == TaskStatus.SUBMITTED


def test_the_submitter_does_not_verify_their_own_fix(world):
    org = world["org"]
    admin = member(org, "admin", username="boss")
    boss = access(admin, org)
    with scope(organisation=org):
        task = opened(world, assignee=boss.person)
        services.task_submit(access=boss, task=task, note="我来修")
        with pytest.raises(ValidationError, match="[Ss]omebody else|他人"):
            services.task_verify(access=boss, task=task)
        assert services.task_verify(access=world["inspector"], task=task).status == "closed"


def test_one_disposition_per_finding_and_none_for_highlights(world):
    with scope(organisation=world["org"]):
        fix = services.spot_fix_record(
            access=world["inspector"],
            finding=world["finding"],
            fixed_by="保洁员李阿姨",
            photo=photo(),
        )
        assert fix.photo and fix.recorded_by == world["inspector"].person
        for action in (
            lambda: opened(world),
            lambda: services.referral_create(access=world["inspector"], finding=world["finding"]),
            lambda: services.spot_fix_record(
                access=world["inspector"], finding=world["finding"], fixed_by="x"
            ),
            lambda: services.task_open(access=world["inspector"], finding=world["highlight"]),
        ):
            with pytest.raises(ValidationError):
                action()
        with pytest.raises(ValidationError):
            services.spot_fix_record(
                access=world["inspector"], finding=world["second_finding"], fixed_by=" "
            )
        assert not Task.objects.exists()


def test_the_meeting_decides_and_its_decision_becomes_a_task(world):
    with scope(organisation=world["org"]):
        referral = services.referral_create(
            access=world["inspector"], finding=world["finding"], reason="需更换门板"
        )
        deadline = at("2026-11-30", "18:00")
        with pytest.raises(PermissionDenied):  # an inspector does not record decisions
            access_referral(world["inspector"], referral.pk, permission=DECIDE_REFERRALS)
        with pytest.raises(ValidationError):
            services.referral_decide(
                access=world["leader"], referral=referral, decision="", unit=world["second"],
                deadline=deadline,
            )  # fmt: skip
        task = services.referral_decide(
            access=world["leader"],
            referral=referral,
            decision="由1151班负责更换门板",
            unit=world["second"],
            deadline=deadline,
            meeting_date=dt.date(2026, 11, 20),
            now=at("2026-11-20", "17:00"),
        )
        referral.refresh_from_db()
        assert referral.is_decided and referral.meeting_date == dt.date(2026, 11, 20)
        assert (task.unit, task.deadline, task.referral) == (world["second"], deadline, referral)
        assert task.description == "由1151班负责更换门板"
        with pytest.raises(ValidationError):
            services.referral_decide(
                access=world["leader"], referral=referral, decision="再议", unit=world["second"],
                deadline=deadline,
            )  # fmt: skip


def test_a_deadline_in_the_past_or_an_unknown_severity_is_refused(world):
    with scope(organisation=world["org"]):
        with pytest.raises(ValidationError):
            opened(world, deadline=at("2026-11-15"))
        with pytest.raises(ValidationError):
            opened(world, severity="whenever")
        task = opened(world, severity="urgent")
        assert task.deadline == at("2026-11-17", "10:05")


def test_reminders_and_escalations_come_once_each(world):
    org = world["org"]
    with scope(organisation=org):
        task = opened(world)  # due Thursday 19th 10:05; reminder 12 hours before
        closed = services.task_open(
            access=world["inspector"], finding=world["second_finding"], now=at("2026-11-16")
        )
        services.task_submit(access=world["head"], task=closed, note="ok", now=at("2026-11-17"))
        services.task_verify(access=world["inspector"], task=closed, now=at("2026-11-17", "12:00"))

        def run(moment):
            changed = services.deadlines_process(organisation=org, now=moment)
            return [t.pk for t in changed["reminded"]], [t.pk for t in changed["escalated"]]

        assert run(at("2026-11-18", "21:00")) == ([], [])
        assert run(at("2026-11-18", "22:10")) == ([task.pk], [])
        assert run(at("2026-11-18", "23:00")) == ([], [])
        assert run(at("2026-11-19", "10:10")) == ([], [task.pk])
        task.refresh_from_db()
        assert task.escalation == Escalation.DEPARTMENT and task.is_overdue(
            at("2026-11-19", "11:00")
        )
        assert run(at("2026-11-20")) == ([], [])
        assert run(at("2026-11-22", "10:05")) == ([], [task.pk])  # 72 hours overdue: a leader
        task.refresh_from_db()
        assert task.escalation == Escalation.LEADER
        assert run(at("2026-11-25")) == ([], [])
        assert list(task.events.values_list("kind", flat=True)) == [
            "opened",
            "reminded",
            "escalated",
            "escalated",
        ]


def test_unit_head_submits_from_my_tasks_and_a_leader_records_a_decision(world, client):
    org = world["org"]
    with scope(organisation=org):
        task = opened(world)
        referral = services.referral_create(
            access=world["inspector"], finding=world["second_finding"]
        )
    client.force_login(world["head"].user)
    page = client.get(f"/o/{org.slug}/my-tasks/").content.decode()
    assert f'data-testid="task-{task.pk}"' in page and "地面有垃圾" in page
    # Due on 19 November 2026, so overdue from then on: listed first, among the overdue.
    assert (
        page.index('data-testid="tasks-overdue"')
        < page.index(f'data-testid="task-{task.pk}"')
        < page.index('data-testid="tasks-due-soon"')
    )
    response = client.post(
        f"/o/{org.slug}/my-tasks/", {"task": task.pk, "note": "已清扫", "photo": photo()}
    )
    assert response.status_code == 302
    with scope(organisation=org):
        task.refresh_from_db()
        assert task.status == TaskStatus.SUBMITTED
        assert task.events.get(kind="submitted").photo
    # Another unit's head cannot submit it.
    client.force_login(world["other_head"].user)
    assert (
        client.post(f"/o/{org.slug}/my-tasks/", {"task": task.pk, "note": "x"}).status_code == 404
    )

    client.force_login(world["leader"].user)
    prefix = f"r{referral.pk}"
    response = client.post(
        f"/o/{org.slug}/referrals/",
        {
            "referral": referral.pk,
            f"{prefix}-decision": "更换被褥",
            f"{prefix}-meeting_date": "2026-11-20",
            f"{prefix}-unit": world["first"].pk,
            f"{prefix}-deadline": "2030-01-01T12:00",
            f"{prefix}-severity": "normal",
        },
    )
    assert response.status_code == 302
    with scope(organisation=org):
        made = Task.objects.get(referral=referral)
        assert (made.unit, made.description) == (world["first"], "更换被褥")


def in_round(patrol_round: PatrolRound):
    return partial(services.round_inspection_submit, patrol_round=patrol_round)


def test_a_check_of_a_round_is_a_leaders_inspection_linked_to_it_once(world):
    org = world["org"]
    with scope(organisation=org):
        patrol = PatrolRound.objects.create(
            organisation=org,
            title="周一专项巡查",
            date=dt.date(2026, 11, 16),
            leader=world["leader"].person,
        )
        client_id = uuid.uuid4()
        finding = FindingInput(item_id=world["items"]["地面有垃圾"].pk)
        check, created = submit(
            world, "2026-11-16", finding, client_id=client_id, submit_with=in_round(patrol)
        )
        resent, created_again = submit(
            world, "2026-11-16", finding, client_id=client_id, submit_with=in_round(patrol)
        )
        assert created and not created_again and resent == check
        assert check.level == "leader"
        assert list(patrol.checks.all()) == [check]
        # Another level, when given, is kept.
        other, _created = submit(
            world, "2026-11-16", level="organisation", submit_with=in_round(patrol)
        )
        assert other.level == "organisation" and other.patrol_rounds.get() == patrol
        # A check belongs to one round at most.
        second = PatrolRound.objects.create(
            organisation=org, title="x", date=patrol.date, leader=patrol.leader
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            PatrolRoundCheck.objects.create(organisation=org, patrol_round=second, inspection=check)
        assert list(second.checks.all()) == []


def test_a_check_is_not_recorded_in_another_organisations_round(world, hospital):
    with scopes_disabled():
        foreign = PatrolRound.objects.create(
            organisation=hospital,
            title="x",
            date=dt.date(2026, 11, 16),
            leader=Person.objects.create(organisation=hospital, name="x"),
        )
    with scope(organisation=world["org"]):
        before = Inspection.objects.count()
        with pytest.raises(ValidationError):
            submit(world, "2026-11-16", submit_with=in_round(foreign))
        assert Inspection.objects.count() == before
    with scopes_disabled():
        assert not PatrolRoundCheck.objects.exists()


def test_a_gate_given_a_queryset_reads_only_its_record(world):
    """A gate narrowed by a queryset (the finding's and the task's pages join what they show) reads
    the one record; testing the queryset for emptiness would read every finding or task first."""
    task = opened(world)
    with scope(organisation=world["org"]):
        for gate, queryset, pk in [
            (access_finding, Finding.objects.select_related("location"), world["finding"].pk),
            (access_task, Task.objects.select_related("unit"), task.pk),
        ]:
            with CaptureQueriesContext(connection) as queries:
                record = gate(
                    world["inspector"], pk, permission=VIEW_INSPECTIONS, queryset=queryset
                )
            assert record.pk == pk
            assert len(queries) == 1, [query["sql"] for query in queries]


def test_a_submitted_fix_past_its_deadline_waits_for_verification_and_is_not_overdue(world, client):
    org = world["org"]
    with scope(organisation=org):
        waiting = opened(world)  # due Thursday 19 November 10:05
        services.task_submit(
            access=world["head"], task=waiting, note="已清扫", now=at("2026-11-18")
        )
        late = services.task_open(
            access=world["inspector"], finding=world["second_finding"], now=at("2026-11-16")
        )  # left open past its deadline
        now = at("2026-11-20")
        waiting.refresh_from_db()
        assert not waiting.is_overdue(now) and late.is_overdue(now)
        problems = selectors.problems(organisation=org)
        total = selectors.figures(problems, now)[0]
        assert total.count("overdue") == 1 and total.count("tracked") == 2
        for state, expected in (("overdue", [late.pk]), ("submitted", [waiting.pk])):
            assert [f.task.pk for f in problems.filter(selectors.state_filter(state, now))] == (
                expected
            )
        with translation.override("en"):
            _title, digest = notices.digest_text(org, now)
        assert "of which overdue: 1;" in digest and "waiting for verification: 1;" in digest

    # The pages and the API, today: both deadlines are long past.
    client.force_login(world["head"].user)
    page = client.get(f"/o/{org.slug}/my-tasks/").content.decode()
    overdue_part, submitted_part = (
        page[page.index(f'data-testid="tasks-{key}"') :].split("<h2", 1)[0]
        for key in ("overdue", "submitted")
    )
    assert f'data-testid="task-{late.pk}"' in overdue_part
    assert f'data-testid="task-{waiting.pk}"' not in overdue_part
    assert f'data-testid="task-{waiting.pk}"' in submitted_part
    assert re.search(r'已逾期 <span class="badge text-bg-danger">1</span>', page)
    assert re.search(r'等待复查 <span class="badge text-bg-secondary">1</span>', page)
    for state, count in (("overdue", 1), ("submitted", 1), ("pending", 2)):
        records = client.get(f"/o/{org.slug}/rectification/", {"state": state}).content.decode()
        assert f'data-testid="records-count">共 {count} 条' in records, state
    task_page = client.get(f"/o/{org.slug}/tasks/{waiting.pk}/").content.decode()
    assert 'data-testid="overdue"' not in task_page and "待复查" in task_page
    api = f"/api/v1/orgs/{org.slug}"
    overdue = client.get(f"{api}/tasks", {"state": "overdue"}).json()["results"]
    assert [task["id"] for task in overdue] == [late.pk]
    [submitted] = client.get(f"{api}/tasks", {"state": "submitted"}).json()["results"]
    assert (submitted["id"], submitted["overdue"]) == (waiting.pk, False)
    statistics = client.get(f"{api}/rectification/statistics", {"period": "2026-11"}).json()
    assert statistics["total"]["overdue"] == 1


def test_a_red_line_becomes_an_urgent_task_unless_another_severity_is_chosen(world, client):
    org = world["org"]
    red_line = world["items"]["使用违章电器"]
    with scope(organisation=org):
        inspection, _created = submit(
            world,
            "2026-11-17",
            FindingInput(item_id=red_line.pk),
            FindingInput(item_id=red_line.pk, note="热得快"),
            FindingInput(item_id=red_line.pk, note="电热毯"),
            FindingInput(item_id=red_line.pk, note="电炉"),
        )
        first, chosen, referred, on_page = inspection.findings.order_by("id")
        task = services.task_open(
            access=world["inspector"], finding=first, now=at("2026-11-17", "10:00")
        )
        # The organisation's time for an urgent task: 24 hours.
        assert (task.severity, task.deadline) == ("urgent", at("2026-11-18", "10:00"))
        minor = services.task_open(access=world["inspector"], finding=chosen, severity="minor")
        assert minor.severity == "minor"
        referral = services.referral_create(access=world["inspector"], finding=referred)
        decided = services.referral_decide(
            access=world["leader"],
            referral=referral,
            decision="更换线路",
            unit=world["first"],
            deadline=at("2026-12-30"),
        )
        assert decided.severity == "urgent"
        assert opened(world).severity == "normal"  # any other problem
    # The finding page offers urgent for a red line, normal for another problem.
    client.force_login(world["leader"].user)
    url = f"/o/{org.slug}/findings/{on_page.pk}/"
    data = {
        key: value
        for key, value in form_as_sent(client.get(url).content.decode()).items()
        if key.startswith("task-") or key == "csrfmiddlewaretoken"
    }
    assert data["task-severity"] == "urgent"
    response = client.post(url, {**data, "action": "task"})
    assert response.status_code == 302
    with scopes_disabled():
        assert Task.objects.get(finding=on_page).severity == "urgent"
    normal_page = client.get(f"/o/{org.slug}/findings/{world['second_finding'].pk}/")
    assert form_as_sent(normal_page.content.decode())["task-severity"] == "normal"
