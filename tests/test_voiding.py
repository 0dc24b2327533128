"""Voiding a check entered by mistake (作废): who may, within what time, with a reason; the check
and its findings stay in the history while every score, count, flag and list leaves it out."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from baozhang.core.figures import Scope
from baozhang.core.periods import period_parse
from baozhang.inspections.access import access_inspection_to_void
from baozhang.inspections.figures import inspections_figures
from baozhang.inspections.models import ExpectedCheck, Finding, Inspection, RedFlag, Schedule
from baozhang.inspections.planned_checks import checks_missed
from baozhang.inspections.schedules import expected_checks_ensure
from baozhang.inspections.selectors import unit_ranking
from baozhang.inspections.services import FindingInput, inspection_submit, red_flags_award
from baozhang.inspections.voids import inspection_void
from baozhang.inspections.workbooks import checks_listed
from baozhang.orgs.access import access_organisation
from baozhang.orgs.models import Person
from baozhang.orgs.permissions import VIEW_SETUP
from baozhang.rectification import services as rectification
from baozhang.rectification.models import Task
from baozhang.standards.selectors import standard_versions_with_use
from tests.factories import member, schedule_created
from tests.inspection_data import at, submit

pytestmark = pytest.mark.django_db
AFTER_W47 = at("2026-11-30")  # the week of the checks below has ended


def person_of(user, org):
    with scopes_disabled():
        return Person.objects.get(organisation=org, user=user)


@pytest.fixture
def week(dorms):
    """W47, by the inspector: 0852 loses 4 on Tuesday (check A) and nothing on Wednesday, 1151
    loses 2 on Friday; the week's red flag awarded (1151, 98 against 96)."""
    org = dorms["org"]
    inspector = member(org, "inspector", username="inspector")
    rubbish = dorms["items"]["地面有垃圾"].pk
    by = {"inspector": person_of(inspector, org), "submitted_by": inspector}
    with scope(organisation=org):
        first, _ = submit(
            dorms,
            "2026-11-17",
            FindingInput(item_id=rubbish, note="门后有垃圾"),
            FindingInput(item_id=rubbish),
            **by,
        )
        submit(dorms, "2026-11-18", **by)
        submit(dorms, "2026-11-20", FindingInput(item_id=rubbish), **by)
        red_flags_award(organisation=org, week="2026-W47", today=AFTER_W47.date())
    return {**dorms, "inspector": inspector, "first": first}


def live(pk) -> bool:
    with scopes_disabled():
        return Inspection.objects.filter(pk=pk).exists()


def ranking(org, label="2026-W47"):
    return [
        (row.unit.code, row.score)
        for row in unit_ranking(organisation=org, period=period_parse(label))
    ]


def test_a_voided_checks_deduction_no_longer_counts_and_the_weeks_flag_follows(week, alice):
    org = week["org"]
    with scope(organisation=org):
        assert ranking(org) == [("1151", Decimal("98.0")), ("0852", Decimal("96.0"))]
        assert [flag.unit.code for flag in RedFlag.objects.all()] == ["1151"]
        inspection_void(inspection=week["first"], reason="录错了位置", by=alice, now=AFTER_W47)
        # 0852's −4 no longer counts: its clean check leaves it 100, and the flag is its own.
        assert ranking(org) == [("0852", Decimal("100.0")), ("1151", Decimal("98.0"))]
        assert [flag.unit.code for flag in RedFlag.objects.all()] == ["0852"]
        assert Inspection.objects.count() == 2  # every count of checks leaves it out
        figures = inspections_figures(Scope(organisation=org), period_parse("2026-W47"))
        # Checks without a schedule are counted outside the plan.
        assert (figures["done"] + figures["unscheduled"], figures["findings"]) == (2, 1)
        listed = checks_listed(
            organisation=org, params={"period": "2026-W47", "state": "unscheduled"}
        )
        assert listed.rows.count() == 2
        assert list(Inspection.voided.values_list("pk", flat=True)) == [week["first"].pk]
        assert Finding.objects.filter(inspection=week["first"]).count() == 0
        version = standard_versions_with_use(standard=week["standard"])[0]
        assert version.inspection_count == 2


def test_the_voided_check_and_its_findings_stay_in_the_history(week, alice):
    org = week["org"]
    with scope(organisation=org):
        finding_id = week["first"].findings.order_by("id").first().pk
        inspection_void(inspection=week["first"], reason="录错了位置", by=alice, now=AFTER_W47)
        voided = Inspection.with_voided.get(pk=week["first"].pk)
        assert (voided.voided_at, voided.voided_by, voided.void_reason) == (
            AFTER_W47,
            alice,
            "录错了位置",
        )
        assert voided.voided_findings[0]["item"] == "地面有垃圾"
        assert voided.voided_findings[0]["note"] == "门后有垃圾"
        assert voided.voided_findings[0]["points"] == "2.0"
        last = Inspection.history.filter(id=voided.pk).latest("history_id")
        assert (last.history_user, last.history_change_reason) == (alice, "录错了位置")
        removed = Finding.history.get(id=finding_id, history_type="-")
        assert (removed.history_user, removed.history_change_reason) == (alice, "录错了位置")
        assert removed.note == "门后有垃圾"


def test_a_reason_is_required_and_a_check_is_voided_once(week, alice):
    org = week["org"]
    with scope(organisation=org):
        with pytest.raises(ValidationError, match="作废"):
            inspection_void(inspection=week["first"], reason="  ", by=alice)
        assert Inspection.objects.count() == 3 and Finding.objects.count() == 3
        inspection_void(inspection=week["first"], reason="重复录入", by=alice)
        with pytest.raises(ValidationError, match="已作废"):
            inspection_void(inspection=week["first"], reason="再次", by=alice)


def test_its_inspector_may_void_within_24_hours_an_admin_at_any_time(week, alice):
    org = week["org"]
    inspector = access_organisation(user=week["inspector"], slug=org.slug, permission=VIEW_SETUP)
    admin = access_organisation(user=alice, slug=org.slug, permission=VIEW_SETUP)
    other = member(org, "inspector", username="other")
    someone_else = access_organisation(user=other, slug=org.slug, permission=VIEW_SETUP)
    submitted = week["first"].created_at
    within, after = submitted + dt.timedelta(hours=23), submitted + dt.timedelta(hours=25)
    pk = week["first"].pk
    assert access_inspection_to_void(inspector, pk, now=within).pk == pk
    with pytest.raises(PermissionDenied, match="24小时"):
        access_inspection_to_void(inspector, pk, now=after)
    with pytest.raises(PermissionDenied, match="管理员"):
        access_inspection_to_void(someone_else, pk, now=within)
    assert access_inspection_to_void(admin, pk, now=after + dt.timedelta(days=300)).pk == pk


def test_the_expected_check_it_fulfilled_is_missed_again(dorms, alice):
    org = dorms["org"]
    with scope(organisation=org):
        schedule = Schedule.objects.create(
            organisation=org,
            name="宿舍早检",
            standard=dorms["standard"],
            kind="daily",
            times=["07:30"],
            starts_on=dt.date(2026, 11, 16),
            window_minutes=60,
        )
        schedule.locations.add(dorms["room"])
        schedule_created(schedule, at("2026-11-15"))
        expected_checks_ensure(
            schedule=schedule, start=dt.date(2026, 11, 16), end=dt.date(2026, 11, 16)
        )
        inspection, _ = inspection_submit(
            location=dorms["room"],
            version=dorms["version"],
            findings=[],
            done_at=at("2026-11-16", "07:45"),
            schedule=schedule,
        )
        expected = ExpectedCheck.objects.get()
        week = period_parse("2026-W47")
        assert checks_missed(organisation=org, period=week, now=AFTER_W47).count() == 0
        inspection_void(inspection=inspection, reason="没去检查", by=alice, now=AFTER_W47)
        assert list(checks_missed(organisation=org, period=week, now=AFTER_W47)) == [expected]


def test_an_open_task_of_its_findings_is_cancelled_with_a_note(week, alice):
    org = week["org"]
    admin = access_organisation(user=alice, slug=org.slug, permission=VIEW_SETUP)
    with scope(organisation=org):
        finding = week["first"].findings.order_by("id").first()
        task = rectification.task_open(access=admin, finding=finding, now=at("2026-11-17", "11:00"))
        inspection_void(inspection=week["first"], reason="录错了位置", by=alice, now=AFTER_W47)
        assert not Task.objects.filter(pk=task.pk).exists()
        cancelled = Task.history.get(id=task.pk, history_type="-")
        assert cancelled.history_change_reason == "录错了位置"
        voided = Inspection.with_voided.get(pk=week["first"].pk)
        assert voided.voided_findings[0]["settled"] == [
            f"整改任务 #{task.pk}（0852班，待整改）已取消：录错了位置"
        ]


def test_the_check_page_voids_with_a_reason_and_shows_the_voided_check(week, client):
    client.force_login(week["inspector"])
    org, pk = week["org"], week["first"].pk
    page = reverse("inspections:inspection-detail", kwargs={"org": org.slug, "inspection_id": pk})
    void = reverse("inspections:inspection-void", kwargs={"org": org.slug, "inspection_id": pk})
    assert 'data-testid="void-check"' in client.get(page).content.decode()
    refused = client.post(void, {"reason": ""}, follow=True)
    assert "说明作废的原因" in refused.content.decode()
    assert live(pk)
    done = client.post(void, {"reason": "录错了位置"}, follow=True)
    text = done.content.decode()
    assert done.redirect_chain[-1][0] == page
    assert "检查已作废" in text and 'data-testid="inspection-voided"' in text
    assert "录错了位置" in text and "门后有垃圾" in text
    assert 'data-testid="void-check"' not in text
    assert not live(pk)


def test_the_api_voids_a_check_and_refuses_with_the_reason(week, alice):
    from tests.test_api_inspections import client_for

    org, pk = week["org"], week["first"].pk
    url = f"/api/v1/orgs/{org.slug}/inspections/{pk}/void"
    client, auth = client_for(week["inspector"])
    with scopes_disabled():
        Inspection.objects.filter(pk=pk).update(created_at=timezone.now() - dt.timedelta(hours=25))
    late = client.post(url, {"reason": "录错了"}, content_type="application/json", **auth)
    assert late.status_code == 403
    assert "24小时" in late.json()["detail"]
    admin, admin_auth = client_for(alice)
    empty = admin.post(url, {"reason": " "}, content_type="application/json", **admin_auth)
    assert empty.status_code == 422 and empty.json()["detail"][0]["field"] == "reason"
    assert live(pk)
    done = admin.post(url, {"reason": "录错了"}, content_type="application/json", **admin_auth)
    assert done.status_code == 200
    answer = done.json()
    assert answer["void_reason"] == "录错了" and answer["findings"] == []
    assert answer["voided_findings"][0]["item"] == "地面有垃圾"
    read = admin.get(f"/api/v1/orgs/{org.slug}/inspections/{pk}", **admin_auth)
    assert read.json()["voided_at"] is not None
    again = admin.post(url, {"reason": "再次"}, content_type="application/json", **admin_auth)
    assert again.status_code == 422
