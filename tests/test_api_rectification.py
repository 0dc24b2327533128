"""The rectification API: disposing of findings, a task's life with a photo sent ahead, the
meeting's decision, rounds with their sheet, statistics, the inbox, robots and the delivery log."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from baozhang.inspections.models import Inspection
from baozhang.inspections.services import FindingInput
from baozhang.orgs.models import Person
from baozhang.rectification.models import PatrolRound, PatrolRoundCheck, Task, TaskEvent
from tests.factories import member
from tests.inspection_data import submit
from tests.test_api_inspections import client_for, jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(dorms):
    org = dorms["org"]
    users = {
        "inspector": member(org, "inspector", username="inspector"),
        "head": member(org, "unit_head", username="head0852", unit=dorms["first"]),
        "leader": member(org, "patrol_leader", username="leader"),
        "admin": member(org, "admin", username="admin"),
    }
    with scope(organisation=org):
        inspection, _created = submit(
            dorms,
            "2026-11-16",
            *[
                FindingInput(item_id=dorms["items"]["地面有垃圾"].pk, note=f"问题{n}")
                for n in range(3)
            ],
        )
        findings = list(inspection.findings.order_by("id"))
    return {
        **dorms,
        "findings": findings,
        "base": f"/api/v1/orgs/{org.slug}",
        **{name: client_for(user) for name, user in users.items()},
    }


def call(api, who, method, path, body=None, **extra):
    client, auth = api[who]
    url = api["base"] + path
    if method == "get":
        return client.get(url, body or {}, **auth)
    if method == "upload":
        return client.post(url, body, **auth)
    return getattr(client, method)(url, body or {}, content_type="application/json", **auth)


def test_a_task_through_the_api_with_a_photo_sent_ahead(api):
    first, second, third = api["findings"]
    # A unit head cannot open tasks.
    assert call(api, "head", "post", f"/findings/{first.pk}/task", {}).status_code == 403
    answer = call(api, "inspector", "post", f"/findings/{first.pk}/task", {"severity": "minor"})
    assert answer.status_code == 201, answer.content
    task = answer.json()
    assert task["unit"] == "0852班" and task["status"] == "open" and task["severity"] == "minor"
    assert [event["kind"] for event in task["events"]] == ["opened"]
    # A second disposition is refused in the caller's language.
    again = call(api, "inspector", "post", f"/findings/{first.pk}/spot-fix", {"fixed_by": "x"})
    assert again.status_code == 422 and "已有整改任务" in again.json()["detail"][0]["message"]

    photo_id = call(api, "head", "upload", "/photos", {"file": jpeg()}).json()["id"]
    submitted = call(
        api, "head", "post", f"/tasks/{task['id']}/submit", {"note": "已清扫", "photo_id": photo_id}
    )
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert submitted.json()["events"][-1]["has_photo"] is True
    # The photo id is used up.
    reused = call(api, "head", "post", f"/tasks/{task['id']}/submit", {"photo_id": photo_id})
    assert reused.status_code == 422
    assert call(api, "head", "post", f"/tasks/{task['id']}/verify", {}).status_code == 403
    empty = call(api, "inspector", "post", f"/tasks/{task['id']}/reject", {"reason": " "})
    assert empty.status_code == 422
    rejected = call(api, "inspector", "post", f"/tasks/{task['id']}/reject", {"reason": "仍有纸屑"})
    assert rejected.json()["rejections"] == 1 and rejected.json()["status"] == "open"
    call(api, "head", "post", f"/tasks/{task['id']}/submit", {"note": "再次清扫"})
    closed = call(api, "leader", "post", f"/tasks/{task['id']}/verify", {"note": "已复查"})
    assert closed.json()["status"] == "closed" and closed.json()["closed_in_time"] is True
    with scopes_disabled():
        assert TaskEvent.objects.filter(task_id=task["id"], kind="submitted").first().photo

    # Fixed on the spot with an after-photo; referred, then decided by the meeting.
    photo_id = call(api, "inspector", "upload", "/photos", {"file": jpeg()}).json()["id"]
    fix = call(
        api,
        "inspector",
        "post",
        f"/findings/{second.pk}/spot-fix",
        {"fixed_by": "宿舍长", "photo_id": photo_id},
    )
    assert fix.status_code == 201 and fix.json()["has_photo"] is True
    referral = call(
        api, "inspector", "post", f"/findings/{third.pk}/referral", {"reason": "需更换地板"}
    ).json()
    pending = call(api, "leader", "get", "/referrals", {"decided": "false"}).json()
    assert [row["id"] for row in pending] == [referral["id"]]
    decision = {
        "decision": "由总务处更换地板",
        "unit_id": api["first"].pk,
        "deadline": "2099-01-31T17:00:00+08:00",
    }
    assert (
        call(
            api, "inspector", "post", f"/referrals/{referral['id']}/decision", decision
        ).status_code
        == 403
    )
    decided = call(api, "leader", "post", f"/referrals/{referral['id']}/decision", decision)
    assert decided.status_code == 201 and decided.json()["referral_id"] == referral["id"]

    listed = call(api, "leader", "get", "/tasks", {"state": "pending"}).json()
    assert [row["referral_id"] for row in listed["results"]] == [referral["id"]]
    mine = call(api, "head", "get", "/tasks", {"state": "tracked", "mine": "true"}).json()
    assert mine["count"] == 2
    assert call(api, "leader", "get", "/tasks", {"state": "nonsense"}).status_code == 422

    stats = call(api, "leader", "get", "/rectification/statistics", {"period": "2026-11"}).json()
    total = stats["total"]
    assert (total["found"], total["spot"], total["tracked"], total["referred"]) == (3, 1, 2, 1)
    assert (total["closed_in_time"], total["rejected"], total["overdue"]) == (1, 1, 0)
    assert stats["rows"][0]["label"] == "0852班"
    assert total["average_days"] is not None


def test_rounds_inbox_robots_and_deliveries_through_the_api(api):
    with scopes_disabled():
        leader = Person.objects.get(user__username="leader")
    created = call(
        api,
        "leader",
        "post",
        "/rounds",
        {
            "title": "周一专项巡查",
            "date": "2026-11-16",
            "leader_id": leader.pk,
            "location_ids": [api["room"].pk],
        },
    )
    assert created.status_code == 201, created.content
    patrol = created.json()
    bad = call(api, "leader", "post", "/rounds", {**patrol, "leader_id": 10**9, "title": "x"})
    assert bad.status_code == 422
    check = call(
        api,
        "leader",
        "post",
        "/inspections",
        {
            "client_id": str(uuid.uuid4()),
            "location_id": api["room"].pk,
            "patrol_round_id": patrol["id"],
            "findings": [{"item_id": api["items"]["地面有垃圾"].pk}, {"kind": "highlight"}],
        },
    )
    assert check.status_code == 201 and check.json()["patrol_round_id"] == patrol["id"]
    assert check.json()["level"] == "leader"
    with scopes_disabled():
        finding = Inspection.objects.get(pk=check.json()["id"]).findings.get(kind="deduction")
    call(api, "leader", "post", f"/findings/{finding.pk}/spot-fix", {"fixed_by": "值班员"})
    sheet = call(api, "leader", "get", f"/rounds/{patrol['id']}").json()
    assert sheet["figures"]["found"] == 1 and sheet["figures"]["spot"] == 1
    assert sheet["highlights"] == 1

    # Robots: admin only; bad platform and address refused; deliveries listed with attempts.
    assert call(api, "leader", "get", "/robots").status_code == 403
    refused = call(
        api, "admin", "post", "/robots", {"name": "群", "platform": "qq", "url": "ftp://x"}
    )
    fields = {error["field"] for error in refused.json()["detail"]}
    assert refused.status_code == 422 and fields == {"platform", "url"}
    robot = call(
        api,
        "admin",
        "post",
        "/robots",
        {"name": "飞书群", "platform": "feishu", "url": "https://open.feishu.cn/x", "secret": "s"},
    ).json()
    assert robot["has_secret"] is True and "secret" not in robot
    call(api, "inspector", "post", f"/findings/{api['findings'][0].pk}/task", {})
    deliveries = call(api, "admin", "get", "/deliveries").json()
    assert [row["channel"] for row in deliveries] == ["webhook"]
    assert deliveries[0]["status"] == "pending" and deliveries[0]["attempts"] == []
    inbox = call(api, "head", "get", "/notifications", {"unread": "true"}).json()
    assert [note["event"] for note in inbox] == ["task_opened"]
    read = call(api, "head", "post", f"/notifications/{inbox[0]['id']}/read")
    assert read.json()["read_at"] is not None
    assert call(api, "head", "get", "/notifications", {"unread": "true"}).json() == []
    assert call(api, "admin", "delete", f"/robots/{robot['id']}").status_code == 204
    with scopes_disabled():
        assert Task.objects.count() == 1


def test_a_round_check_resent_or_read_names_its_round(api):
    with scopes_disabled():
        leader = Person.objects.get(user__username="leader")
    patrol = call(
        api,
        "leader",
        "post",
        "/rounds",
        {"title": "周一专项巡查", "date": "2026-11-16", "leader_id": leader.pk},
    ).json()
    body = {
        "client_id": str(uuid.uuid4()),
        "location_id": api["room"].pk,
        "patrol_round_id": patrol["id"],
        "findings": [{"item_id": api["items"]["地面有垃圾"].pk}],
    }
    first = call(api, "leader", "post", "/inspections", body)
    again = call(api, "leader", "post", "/inspections", body)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["patrol_round_id"] == patrol["id"]
    read = call(api, "leader", "get", f"/inspections/{first.json()['id']}").json()
    assert read["patrol_round_id"] == patrol["id"] and read["level"] == "leader"
    plain = call(api, "leader", "get", f"/inspections/{api['findings'][0].inspection_id}").json()
    assert plain["patrol_round_id"] is None
    with scopes_disabled():
        assert PatrolRoundCheck.objects.count() == 1


def test_a_number_past_what_the_database_stores_is_refused_or_finds_nothing(api):
    """SQLite refuses such a number as it reads (an OverflowError, once a 500); PostgreSQL
    compares it and finds nothing."""
    huge = str(2**63)
    for path, query, field in [
        ("/tasks", {"unit": huge}, "unit"),
        ("/rectification/statistics", {"round": huge}, "round"),
    ]:
        answer = call(api, "admin", "get", path, query)
        if connection.vendor == "sqlite":
            assert answer.status_code == 422, (path, answer.content)
            assert answer.json()["detail"] == [
                {"field": field, "message": "不能大于 9223372036854775807"}
            ]
        else:
            assert answer.status_code == 200, (path, answer.content)
    assert call(api, "admin", "get", f"/tasks/{huge}").status_code == 404


def test_a_round_naming_more_records_than_allowed_is_refused_before_any_is_read(api):
    with scopes_disabled():
        leader = Person.objects.get(user__username="leader")
    body = {
        "title": "全校专项巡查",
        "date": "2026-11-16",
        "leader_id": leader.pk,
        "location_ids": [api["room"].pk] * 1001,
    }
    with CaptureQueriesContext(connection) as queries:
        refused = call(api, "leader", "post", "/rounds", body)
    assert refused.status_code == 422
    assert refused.json()["detail"] == [{"field": "location_ids", "message": "太长"}]
    assert not [query for query in queries if "location" in query["sql"].lower()]
    with scopes_disabled():
        assert not PatrolRound.objects.exists()
    body["location_ids"] = [api["room"].pk] * 1000
    assert call(api, "leader", "post", "/rounds", body).status_code == 201


def test_a_red_line_through_the_api_is_urgent_unless_another_severity_is_sent(api):
    red_line = api["items"]["使用违章电器"]
    with scope(organisation=api["org"]):
        inspection, _created = submit(
            api, "2026-11-17", *[FindingInput(item_id=red_line.pk, note=f"电器{n}") for n in (1, 2)]
        )
        first, second = inspection.findings.order_by("id")
    answer = call(api, "inspector", "post", f"/findings/{first.pk}/task", {})
    assert answer.status_code == 201 and answer.json()["severity"] == "urgent"
    chosen = call(api, "inspector", "post", f"/findings/{second.pk}/task", {"severity": "minor"})
    assert chosen.status_code == 201 and chosen.json()["severity"] == "minor"
    normal = call(api, "inspector", "post", f"/findings/{api['findings'][0].pk}/task", {})
    assert normal.json()["severity"] == "normal"
    with scopes_disabled():
        assert list(Task.objects.order_by("id").values_list("severity", flat=True)) == [
            "urgent",
            "minor",
            "normal",
        ]
