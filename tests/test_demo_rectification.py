"""The demo's rectification: patrol rounds every Monday and tasks in every state across the
demo period, each with a consistent life."""

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from baozhang.demo import demo_build
from baozhang.inspections.models import Inspection
from baozhang.rectification.models import PatrolRound, Referral, SpotFix, Task, TaskStatus
from baozhang.reports.models import Report, ReportSchedule

pytestmark = pytest.mark.django_db


def test_the_demo_has_rounds_tasks_in_every_state_and_reports():
    demo_build(history_days=120)
    now = timezone.now()
    with scopes_disabled():
        for slug in ("hospital", "college"):
            tasks = list(
                Task.objects.filter(organisation__slug=slug)
                .select_related("finding")
                .prefetch_related("events")
            )
            # A red line (rare: none in some demo periods) is urgent, whatever the demo draws.
            red_lines = [task for task in tasks if task.finding.kind == "red_line"]
            assert all(task.severity == "urgent" for task in red_lines), slug
            closed = [task for task in tasks if task.status == TaskStatus.CLOSED]
            assert any(task.closed_in_time for task in closed), slug
            assert any(task.closed_in_time is False for task in closed), slug
            assert any(task.rejections == 1 for task in closed), slug
            assert any(task.is_overdue(now) and task.escalation > 0 for task in tasks), slug
            assert any(task.referral_id for task in tasks), slug
            assert SpotFix.objects.filter(organisation__slug=slug).exists()
            for task in tasks:
                moments = [event.at for event in task.events.all()]
                assert moments == sorted(moments) and max(moments) <= now
                kinds = [event.kind for event in task.events.all()]
                assert kinds[0] == "opened"
                assert (kinds[-1] == "closed") == (task.status == TaskStatus.CLOSED)
                assert kinds.count("rejected") == task.rejections
            rounds = PatrolRound.objects.filter(organisation__slug=slug)
            assert rounds.count() >= 15
            assert all(patrol.date.weekday() == 0 for patrol in rounds)
            assert Inspection.objects.filter(
                patrol_rounds__organisation__slug=slug, level="leader"
            ).exists()
        # The demo's unit head has something to do on "my tasks".
        assert Task.objects.filter(
            unit__memberships__person__user__username="hospital-head",
            status__in=["open", "submitted"],
        ).exists()
        assert Referral.objects.filter(decided_at__isnull=False, task__isnull=False).exists()
        # Reports: finalised bulletins and monthly reports, a draft for this month, schedules.
        for slug in ("hospital", "college"):
            reports = Report.objects.filter(organisation__slug=slug)
            finals = reports.filter(versions__status="final")
            assert finals.filter(kind="weekly").count() == 4
            assert finals.filter(kind="monthly").count() == 3
            assert reports.filter(versions__status="draft", kind="monthly").count() == 1
            assert ReportSchedule.objects.filter(organisation__slug=slug).count() == 2
