"""Rectification in the browser's pages: disposing of findings, a task's life through its page,
the statistics with their drill-down, and a patrol round's sheet in the shape of the hospital's
weekly special patrol (13 problems, 6 fixed on the spot, 7 tracked: 5 closed in time, 2 overdue,
2 highlights)."""

import io
import re
from functools import partial

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from openpyxl import load_workbook

from baozhang.inspections.models import Inspection
from baozhang.inspections.occasions import occasion_register
from baozhang.inspections.services import FindingInput
from baozhang.orgs.models import Person
from baozhang.rectification import services
from baozhang.rectification.models import PatrolRound, SpotFix, Task, TaskStatus
from tests.factories import member
from tests.inspection_data import at, submit
from tests.test_rectification import access, photo

pytestmark = pytest.mark.django_db


def figures_on(html: str) -> dict[str, int]:
    """The numbers of a page's cells marked data-state, by state (first occurrence)."""
    found = {}
    for state, value in re.findall(r'data-state="(\w+)">(?:<a [^>]*>)?(\d+)', html):
        found.setdefault(state, int(value))
    return found


def drill(client, html: str, state: str) -> int:
    """Follow the link of a state's number and count the records listed."""
    link = re.search(rf'data-state="{state}"><a href="([^"]+)"', html)[1].replace("&amp;", "&")
    page = client.get(link).content.decode()
    return int(re.search(r'data-testid="records-count">共 (\d+) 条', page)[1])


@pytest.fixture
def people(dorms):
    org = dorms["org"]
    return {
        "inspector": member(org, "inspector", username="inspector"),
        "head": member(org, "unit_head", username="head0852", unit=dorms["first"]),
        "leader": member(org, "patrol_leader", username="leader"),
        "viewer": member(org, "viewer", username="viewer"),
    }


def test_a_finding_is_disposed_of_from_its_page_and_its_task_lives_on_the_task_page(
    client, dorms, people
):
    org = dorms["org"]
    with scope(organisation=org):
        inspection, _created = submit(
            dorms,
            "2026-11-16",
            FindingInput(item_id=dorms["items"]["地面有垃圾"].pk, note="门后"),
            FindingInput(item_id=dorms["items"]["地面有垃圾"].pk, note="床下"),
            FindingInput(item_id=dorms["items"]["地面有垃圾"].pk, note="楼道"),
        )
        first, second, third = inspection.findings.order_by("id")
    url = lambda finding: reverse("rectification:finding", args=[org.slug, finding.pk])  # noqa: E731
    # A viewer sees the finding but cannot dispose of it.
    client.force_login(people["viewer"])
    assert 'data-testid="form-task"' not in client.get(url(first)).content.decode()
    assert client.post(url(first), {"action": "refer", "refer-reason": "x"}).status_code == 403
    client.force_login(people["inspector"])
    page = client.get(url(first)).content.decode()
    assert 'data-testid="form-task"' in page and "0852班" in page
    # A deadline in the past is refused with a message; nothing is stored.
    response = client.post(
        url(first),
        {
            "action": "task",
            "task-unit": dorms["first"].pk,
            "task-severity": "normal",
            "task-deadline": "2020-01-01T10:00",
        },
    )
    assert "整改期限必须晚于现在" in response.content.decode()
    with scopes_disabled():
        assert not Task.objects.exists()
    response = client.post(
        url(first),
        {"action": "task", "task-unit": dorms["first"].pk, "task-severity": "urgent"},
    )
    with scopes_disabled():
        task = Task.objects.get()
    assert response["Location"] == reverse("rectification:task-detail", args=[org.slug, task.pk])
    assert task.severity == "urgent" and task.unit == dorms["first"]
    response = client.post(
        url(second),
        {"action": "spot", "spot-fixed_by": "宿舍长", "spot-photo": photo()},
    )
    assert response.status_code == 302
    with scopes_disabled():
        assert SpotFix.objects.get().finding == second
    client.post(url(third), {"action": "refer", "refer-reason": "需更换地面"})
    assert "提交院长办公会" in client.get(url(third)).content.decode()
    with scopes_disabled():
        assert third.__class__.objects.get(pk=third.pk).referral.reason == "需更换地面"
    # A second disposition of the same finding is not offered and not accepted.
    assert client.post(url(second), {"action": "refer", "refer-reason": "x"}).status_code == 403

    # The task's life on its page: the unit head submits, the inspector rejects, then verifies.
    task_url = reverse("rectification:task-detail", args=[org.slug, task.pk])
    client.force_login(people["head"])
    page = client.get(task_url).content.decode()
    assert 'data-testid="form-submit"' in page and 'data-testid="form-verify"' not in page
    client.post(task_url, {"action": "submit", "note": "已清扫", "photo": photo()})
    assert client.post(task_url, {"action": "verify"}).status_code == 403
    client.force_login(people["inspector"])
    page = client.get(task_url).content.decode()
    assert 'data-testid="form-verify"' in page and "已清扫" in page
    response = client.post(task_url, {"action": "reject", "note": ""})
    assert "退回" in response.content.decode()  # a rejection needs its reason
    client.post(task_url, {"action": "reject", "note": "仍有纸屑"})
    client.force_login(people["head"])
    client.post(task_url, {"action": "submit", "note": "已重新清扫"})
    client.force_login(people["inspector"])
    client.post(task_url, {"action": "verify", "note": "已复查"})
    with scopes_disabled():
        task.refresh_from_db()
        assert task.status == TaskStatus.CLOSED and task.rejections == 1
        event = task.events.filter(kind="submitted").first()
    page = client.get(task_url).content.decode()
    assert "按期销号" in page and "退回 1 次" in page
    photo_url = reverse("rectification:event-photo", args=[org.slug, event.pk])
    assert photo_url in page and client.get(photo_url).status_code == 200

    stats = client.get(
        reverse("rectification:statistics", args=[org.slug]), {"period": "2026-11"}
    ).content.decode()
    numbers = figures_on(stats)
    row = re.search(r'data-testid="statistics-row">(.*?)</tr>', stats, re.S)[1]
    assert "0852班" in row  # the unit's name, its figures, and the days to close
    assert re.findall(r"<td>([\d.—]+)</td>", row) == ["0.0", "0.0"]
    assert numbers == {
        "found": 3,
        "spot": 1,
        "tracked": 1,
        "referred": 1,
        "closed": 1,
        "closed_in_time": 1,
        "closed_late": 0,
        "overdue": 0,
        "rejected": 1,
    }
    for state, value in numbers.items():
        assert drill(client, stats, state) == value, state


def seed_round(dorms, people) -> PatrolRound:
    """The hospital's weekly patrol in small: 13 problems, 6 fixed on the spot, 7 tracked of which
    5 closed in time and 2 still open past their deadline, and 2 highlights."""
    org = dorms["org"]
    inspector = access(people["inspector"], org)
    head = access(people["head"], org)
    leader = access(people["leader"], org)
    with scope(organisation=org):
        patrol = PatrolRound.objects.create(
            organisation=org,
            title="第47周后勤专项巡查",
            date=at("2026-11-16").date(),
            leader=Person.objects.get(user=people["leader"]),
        )
        problems = []
        for number, notes in enumerate((range(5), range(5, 10), range(10, 13))):
            findings = [
                FindingInput(item_id=dorms["items"]["地面有垃圾"].pk, note=f"问题{n + 1}")
                for n in notes
            ]
            if number == 0:
                findings += [
                    FindingInput(kind="highlight", note="晨间护理规范"),
                    FindingInput(kind="highlight", note="物品定位管理"),
                ]
            inspection, _created = submit(
                dorms,
                "2026-11-16",
                *findings,
                submit_with=partial(services.round_inspection_submit, patrol_round=patrol),
            )
            problems += list(inspection.findings.exclude(kind="highlight").order_by("id"))
        # One check outside the round does not count on its sheet.
        submit(dorms, "2026-11-16", FindingInput(item_id=dorms["items"]["地面有垃圾"].pk))
        for finding in problems[:6]:
            services.spot_fix_record(access=inspector, finding=finding, fixed_by="科室")
        for finding in problems[6:]:
            task = services.task_open(
                access=inspector, finding=finding, now=at("2026-11-16", "11:00")
            )
            if len(Task.objects.filter(status=TaskStatus.CLOSED)) < 5:
                services.task_submit(access=head, task=task, note="已整改", now=at("2026-11-17"))
                services.task_verify(access=leader, task=task, now=at("2026-11-18"))
    return patrol


def test_the_round_sheet_shows_the_seed_figures_printable_and_exported(client, dorms, people):
    patrol = seed_round(dorms, people)
    org = dorms["org"]
    client.force_login(people["leader"])
    sheet = client.get(reverse("rectification:round", args=[org.slug, patrol.pk])).content.decode()
    expected = {
        "found": 13,
        "spot": 6,
        "tracked": 7,
        "referred": 0,
        "closed": 5,
        "closed_in_time": 5,
        "closed_late": 0,
        "overdue": 2,
        "rejected": 0,
    }
    assert figures_on(sheet) == {**expected, "highlights": 2}
    assert 'data-state="highlights">2<' in sheet
    # The print button (data-print: static/baozhang/baozhang.js prints the page) and print styles.
    assert "晨间护理规范" in sheet and "data-print>" in sheet and "@media print" in sheet
    for state in ("found", "spot", "tracked", "closed_in_time", "overdue"):
        assert drill(client, sheet, state) == expected[state], state
    # The workbook carries the same figures, every problem and both highlights.
    response = client.get(reverse("rectification:round-export", args=[org.slug, patrol.pk]))
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    summary = dict(workbook["汇总"].iter_rows(min_row=2, values_only=True))
    assert summary["发现问题"] == 13 and summary["现场整改"] == 6 and summary["跟踪整改"] == 7
    assert summary["按期销号"] == 5 and summary["逾期未销号"] == 2 and summary["亮点"] == 2
    problems = list(workbook["问题"].iter_rows(min_row=2, values_only=True))
    assert len(problems) == 13
    assert sorted(row[5] for row in problems).count("现场整改") == 6
    assert len(list(workbook["亮点"].iter_rows(min_row=2, values_only=True))) == 2
    # The statistics of the month show the round's numbers plus the one check outside it.
    stats = client.get(
        reverse("rectification:statistics", args=[org.slug]), {"period": "2026-11"}
    ).content.decode()
    assert figures_on(stats) == {**expected, "found": 14}
    by_round = client.get(
        reverse("rectification:tasks", args=[org.slug]), {"round": patrol.pk, "state": "found"}
    ).content.decode()
    assert "共 13 条" in by_round


def test_rounds_are_created_and_checks_recorded_in_them(client, dorms, people, hospital):
    org = dorms["org"]
    client.force_login(people["leader"])
    with scopes_disabled():
        leader = Person.objects.get(user=people["leader"])
        inspector = Person.objects.get(user=people["inspector"])
    response = client.post(
        reverse("rectification:rounds", args=[org.slug]),
        {
            "title": "周一专项巡查",
            "date": "2026-11-16",
            "leader": leader.pk,
            "members": [inspector.pk],
            "locations": [dorms["room"].pk],
        },
    )
    with scopes_disabled():
        patrol = PatrolRound.objects.get()
    assert response["Location"] == reverse("rectification:round", args=[org.slug, patrol.pk])
    sheet = client.get(response["Location"]).content.decode()
    check_url = reverse("inspections:check", args=[org.slug, dorms["room"].pk])
    assert f"{check_url}?round={patrol.pk}" in sheet
    page = client.get(check_url, {"round": patrol.pk}).content.decode()
    assert 'data-testid="check-round"' in page
    client.post(
        check_url,
        {
            "client_id": "6f1c1d2e-0000-4000-8000-000000000001",
            "round": patrol.pk,
            f"item-{dorms['items']['地面有垃圾'].pk}": "1",
        },
    )
    with scopes_disabled():
        inspection = Inspection.objects.get()
    assert inspection.patrol_rounds.get() == patrol and inspection.level == "leader"
    # A viewer cannot create rounds; another organisation's round id gives nothing.
    client.force_login(people["viewer"])
    assert (
        'data-testid="round-form"'
        not in client.get(reverse("rectification:rounds", args=[org.slug])).content.decode()
    )
    with scopes_disabled():
        other = PatrolRound.objects.create(
            organisation=hospital,
            title="x",
            date=patrol.date,
            leader=Person.objects.create(organisation=hospital, name="x"),
        )
    client.force_login(people["leader"])
    assert client.get(check_url, {"round": other.pk}).status_code == 404


def test_the_check_pages_round_parameter_belongs_to_the_rounds_alone():
    with pytest.raises(ImproperlyConfigured):
        occasion_register(
            parameter="round",
            field="patrol_round_id",
            find=lambda access, record_id: None,
            of_check=lambda inspection: None,
        )
