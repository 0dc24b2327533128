"""Periodic jobs: run by the real background worker at a controlled moment, at most once per
interval, a failing job kept on record without stopping the others or leaving half its work."""

import datetime as dt

import pytest
from django.core.management import call_command
from django_scopes import scope, scopes_disabled
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from baozhang.core import clock
from baozhang.core.models import PeriodicJob
from baozhang.core.tasks import clock_tick
from baozhang.inspections.models import ExpectedCheck, RedFlag, Schedule
from baozhang.inspections.services import FindingInput
from tests.console import console
from tests.factories import schedule_created
from tests.inspection_data import at, submit

pytestmark = pytest.mark.django_db(transaction=True)


def worker_run(moment: dt.datetime) -> dict:
    """Enqueue the tick for `moment` and let the worker run it in batch mode."""
    result = clock_tick.enqueue(at=moment.isoformat())
    call_command("db_worker", "--batch", "--interval", "0", verbosity=0)
    stored = DBTaskResult.objects.get(pk=result.id)
    assert stored.status == TaskResultStatus.SUCCESSFUL, stored.exception_class_path
    return stored.return_value


def test_red_flags_are_awarded_by_the_worker_when_the_week_closes(dorms):
    rubbish = dorms["items"]["地面有垃圾"].pk
    with scope(organisation=dorms["org"]):
        submit(dorms, "2026-11-10", FindingInput(item_id=rubbish))  # 0852, week 2026-W46
    outcome = worker_run(at("2026-11-15", "23:58"))  # Sunday night: W46 still open
    assert outcome["inspections.red-flags"] == ["ran", "0"]
    assert not RedFlag.objects.exists()

    outcome = worker_run(at("2026-11-16", "00:05"))  # Monday: W46 has closed
    assert outcome["inspections.red-flags"] == ["skipped", ""]  # ran 7 minutes ago
    outcome = worker_run(at("2026-11-16", "00:15"))
    assert outcome["inspections.red-flags"] == ["ran", "1"]
    with scopes_disabled():
        flags = list(RedFlag.objects.values_list("week_key", "unit__code", "rank"))
    assert flags == [("2026-W46", "0852", 1)]

    worker_run(at("2026-11-16", "00:30"))  # again: nothing more
    assert RedFlag.objects.count() == 1
    assert PeriodicJob.objects.get(name="inspections.red-flags").runs == 3


def test_expected_checks_stay_planned_two_weeks_ahead(dorms):
    with scopes_disabled():
        schedule = Schedule.objects.create(
            organisation=dorms["org"],
            name="宿舍早检",
            standard=dorms["standard"],
            kind="daily",
            times=["07:30"],
            starts_on=dt.date(2026, 11, 2),
        )
        schedule_created(schedule, at("2026-11-01", "09:00"))
        schedule.locations.add(dorms["room"])
    outcome = worker_run(at("2026-11-02", "06:00"))
    assert outcome["inspections.plan-ahead"] == ["ran", "15"]  # 2 to 16 November
    outcome = worker_run(at("2026-11-03", "06:00"))
    assert outcome["inspections.plan-ahead"] == ["ran", "1"]  # the 17th
    with scopes_disabled():
        days = sorted(ExpectedCheck.objects.values_list("due_at", flat=True))
    assert days[0] == at("2026-11-02", "07:30") and days[-1] == at("2026-11-17", "07:30")
    assert len(days) == 16


def test_a_failing_job_is_recorded_leaves_nothing_half_done_and_others_still_run(
    dorms, monkeypatch
):
    def half_then_fail(now):
        PeriodicJob.objects.create(name="written-before-the-failure")
        raise RuntimeError("the mail server is down")

    monkeypatch.setitem(
        clock.JOBS,
        "a-failing-job",
        clock.Job("a-failing-job", dt.timedelta(minutes=1), half_then_fail),
    )
    outcome = worker_run(at("2026-11-16", "00:15"))
    assert outcome["a-failing-job"][0] == "failed"
    assert "the mail server is down" in outcome["a-failing-job"][1]
    assert outcome["inspections.red-flags"] == ["ran", "0"]
    failing = PeriodicJob.objects.get(name="a-failing-job")
    assert failing.failures == 1 and failing.runs == 0
    assert "RuntimeError: the mail server is down" in failing.last_error
    assert not PeriodicJob.objects.filter(name="written-before-the-failure").exists()


def test_tick_on_the_console(dorms):
    rubbish = dorms["items"]["地面有垃圾"].pk
    with scope(organisation=dorms["org"]):
        submit(dorms, "2026-11-10", FindingInput(item_id=rubbish))

    def run(*arguments):
        result = console("tick", *arguments, check_code=None)
        return result.returncode, result.stdout.splitlines(), result.stderr

    code, out, err = run("--at", "2026-11-16T08:00")
    assert code == 0, err
    assert "inspections.red-flags\t已运行\t1" in out
    code, out, err = run("--at", "2026-11-16T08:01")
    assert "inspections.red-flags\t已跳过" in out
    code, out, err = run("--at", "2026-11-16T08:01", "--force")
    assert "inspections.red-flags\t已运行\t0" in out
    code, out, err = run("--at", "next monday")
    assert code == 2
    assert "不是形如 2026-11-23T08:00 的日期和时间：next monday" in err


def test_rectification_deadlines_are_reminded_and_escalated_by_the_worker(dorms):
    from baozhang.orgs.access import access_organisation
    from baozhang.rectification.models import Escalation, Task
    from baozhang.rectification.services import task_open
    from tests.factories import member

    inspector = member(dorms["org"], "inspector", username="inspector")
    access = access_organisation(user=inspector, slug="college", permission="setup.view")
    with scope(organisation=dorms["org"]):
        inspection, _created = submit(
            dorms, "2026-11-16", FindingInput(item_id=dorms["items"]["地面有垃圾"].pk)
        )
        task = task_open(
            access=access,
            finding=inspection.findings.get(),
            severity="urgent",  # 24 hours: due Tuesday 17th 10:00
            now=at("2026-11-16"),
        )
    assert worker_run(at("2026-11-16", "21:00"))["rectification.deadlines"] == ["ran", "0"]
    assert worker_run(at("2026-11-16", "22:30"))["rectification.deadlines"] == ["ran", "1"]
    assert worker_run(at("2026-11-17", "10:06"))["rectification.deadlines"] == ["ran", "1"]
    assert worker_run(at("2026-11-17", "10:20"))["rectification.deadlines"] == ["ran", "0"]
    assert worker_run(at("2026-11-20", "10:10"))["rectification.deadlines"] == ["ran", "1"]
    with scopes_disabled():
        task = Task.objects.get(pk=task.pk)
        assert task.escalation == Escalation.LEADER
        assert list(task.events.values_list("kind", flat=True)) == [
            "opened",
            "reminded",
            "escalated",
            "escalated",
        ]
