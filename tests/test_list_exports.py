"""Every list page of inspections, standards, rectification, notifications and reports also comes
as a workbook with the same rows (all pages of them)."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django_scopes import scope
from openpyxl import load_workbook

from baozhang.inspections.models import Finding, Schedule
from baozhang.notifications.services import notify
from baozhang.orgs.models import Person, User
from baozhang.rectification import services
from tests.factories import PersonFactory, member
from tests.inspection_data import at
from tests.test_figures import records  # noqa: F401 - the fixture
from tests.test_rectification import access

pytestmark = pytest.mark.django_db


def rows_of(response) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Cache-Control"] == "private"
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return list(workbook.active.iter_rows(values_only=True))


def test_list_pages_export_their_rows(records, client, settings):  # noqa: F811
    settings.PAGE_SIZE = 2  # the workbook has every row, not one page
    client.force_login(member(records["org"], "admin", username="admin"))

    def get(name, **params):
        page = client.get(reverse(name, args=["college"]), params)
        assert 'data-testid="export-xlsx"' in page.content.decode(), name
        return rows_of(client.get(reverse(name, args=["college"]), {**params, "format": "xlsx"}))

    found = get("rectification:tasks", state="found", period="2026-11")
    assert found[0][:3] == ("时间", "位置", "责任单位") and len(found) == 1 + 6
    assert sorted(row[5] for row in found[1:]).count("现场整改") == 1
    statistics = get("rectification:statistics", period="2026-W47")
    assert statistics[-1][1:4] == (3, 1, 2)
    ranking = get("inspections:ranking", period="2026-W47")
    assert [row[:4] for row in ranking[1:]] == [
        ("班级", 1, "1151班", 108),
        ("班级", 2, "0852班", 95),
    ]
    checks = get("inspections:checks", period="2026-W47", state="unscheduled")
    assert len(checks) == 1 + 4  # no schedule planned them
    assert len(get("inspections:checks", period="2026-W47", state="done")) == 1
    flags = get("inspections:red-flags", period="2026")
    assert flags[1][:2] == ("2026-W47", "1151班")
    assert get("rectification:rounds")[0][0] == "日期"
    assert get("reports:list")[0][0] == "标题"
    assert get("notifications:deliveries")[0][0] == "创建时间"


def test_an_outsider_exports_nothing(records, client, charlie):  # noqa: F811
    client.force_login(charlie)
    for name in (
        "rectification:tasks",
        "inspections:checks",
        "inspections:schedule-list",
        "standards:standard-list",
        "rectification:referrals",
        "rectification:my-tasks",
        "notifications:inbox",
        "reports:list",
    ):
        response = client.get(reverse(name, args=["college"]), {"format": "xlsx"})
        assert response.status_code == 404


def test_more_list_pages_export_their_rows(records, client):  # noqa: F811
    """Schedules, standards, the office meeting's referrals, a unit head's tasks and the inbox."""
    org = records["org"]
    admin = member(org, "admin", username="admin")
    with scope(organisation=org):
        schedule = Schedule.objects.create(
            organisation=org,
            name="宿舍周检",
            standard=records["standard"],
            kind="weekly",
            times=["16:00"],
            weekdays=[1, 5],
            starts_on=dt.date(2026, 11, 16),
            team=records["second"],
        )
        schedule.assignees.add(PersonFactory(organisation=org, name="刘洋"))
        spare = Finding.objects.filter(date=dt.date(2026, 11, 10)).order_by("id")
        decider = access(admin, org)
        services.referral_create(access=decider, finding=spare[0], reason="涉及维修")
        decided = services.referral_create(access=decider, finding=spare[1], reason="需协调")
        services.referral_decide(
            access=decider,
            referral=decided,
            decision="后勤处三日内更换",
            unit=records["first"],
            deadline=at("2030-01-31", "18:00"),
            meeting_date=dt.date(2026, 11, 12),
        )
        notify(
            organisation=org,
            people=[Person.objects.get(organisation=org, user=admin)],
            event="task_new",
            title="新的整改任务",
            body="5413 地面有垃圾",
        )
    client.force_login(admin)

    def get(name, **params):
        page = client.get(reverse(name, args=["college"]), params)
        assert 'data-testid="export-xlsx"' in page.content.decode(), name
        return rows_of(client.get(reverse(name, args=["college"]), {**params, "format": "xlsx"}))

    schedules = get("inspections:schedule-list")
    assert schedules[0][:4] == ("名称", "类型", "时间", "星期")
    assert schedules[1][0] == "宿舍周检" and schedules[1][2] == "16:00"
    assert schedules[1][3] == "一、五" and schedules[1][8:10] == ("1151班", "刘洋")
    assert schedules[1][-1] == "是"
    standards = get("standards:standard-list")
    assert standards[0] == ("编码", "名称", "适用区域", "说明", "启用")
    assert [row[1] for row in standards[1:]] == [records["standard"].name]
    referrals = get("rectification:referrals")
    assert [row[4] for row in referrals[1:]] == ["涉及维修", "需协调"]  # pending first
    assert referrals[2][6:8] == (dt.datetime(2026, 11, 12), "后勤处三日内更换")
    assert referrals[2][9] == "0852班" and referrals[1][9] is None
    inbox = get("notifications:inbox")
    assert inbox[0] == ("时间", "事件", "标题", "内容", "已读")
    assert inbox[1][2:] == ("新的整改任务", "5413 地面有垃圾", "否")

    client.force_login(User.objects.get(username="head"))  # the head of class 0852
    tasks = get("rectification:my-tasks")
    assert tasks[0] == ("期限", "状态", "逾期", "责任单位", "位置", "问题", "说明")
    # Monday's task is closed; the meeting's decision opened one for 0852.
    assert [row[:1] + row[2:6] for row in tasks[1:]] == [
        ("2030-01-31 18:00", "否", "0852班", "5413", "被褥叠放")
    ]
