"""Schedule pages: the plans of checks and, for each, the checks expected and missed."""

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from baozhang.core.pagination import paginate
from baozhang.core.periods import Period
from baozhang.core.xlsx import wants_workbook, workbook_response
from baozhang.inspections.access import access_schedule
from baozhang.inspections.models import ExpectedCheck, Schedule
from baozhang.inspections.schedule_forms import WEEKDAYS, ScheduleForm
from baozhang.inspections.schedules import schedule_save
from baozhang.inspections.selectors import checks_missed
from baozhang.orgs.decorators import org_view
from baozhang.orgs.permissions import MANAGE_STANDARDS, VIEW_INSPECTIONS

DAY_NAMES = dict(WEEKDAYS)


@org_view(VIEW_INSPECTIONS)
def schedule_list(request, access):
    schedules = Schedule.objects.filter(organisation=access.organisation).select_related(
        "standard", "team"
    )
    if wants_workbook(request):
        return workbook_response(
            f"{access.organisation.slug}-检查计划.xlsx",
            "检查计划",
            ["名称", "类型", "时间", "星期", "每月日期", "每周抽查次数", "督查层级", "检查标准",
             "检查班组", "检查人", "开始", "结束", "启用"],
            (
                (
                    schedule.name,
                    str(schedule.get_kind_display()),
                    "、".join(schedule.times),
                    "、".join(str(DAY_NAMES[day]) for day in schedule.weekdays if day in DAY_NAMES),
                    schedule.month_day,
                    schedule.checks_per_week,
                    str(schedule.get_level_display()),
                    schedule.standard.name,
                    schedule.team.name if schedule.team else None,
                    "、".join(person.name for person in schedule.assignees.all()),
                    schedule.starts_on,
                    schedule.ends_on,
                    schedule.is_active,
                )
                for schedule in schedules.prefetch_related("assignees").iterator(chunk_size=500)
            ),
        )  # fmt: skip
    return render(
        request,
        "inspections/schedule_list.html",
        {"page": paginate(request, schedules), "can_manage": access.can(MANAGE_STANDARDS)},
    )


@org_view(VIEW_INSPECTIONS)
def schedule_detail(request, access, schedule_id: int):
    schedule = access_schedule(access, schedule_id, permission=VIEW_INSPECTIONS)
    now = timezone.now()
    upcoming = (
        ExpectedCheck.objects.filter(schedule=schedule, due_at__gte=now)
        .select_related("location")
        .order_by("due_at")[:30]
    )
    last_month = Period(
        start=timezone.localdate() - dt.timedelta(days=30),
        end=timezone.localdate(),
        label="",
        kind="range",
    )
    missed = (
        checks_missed(organisation=access.organisation, period=last_month, now=now)
        .filter(schedule=schedule)
        .select_related("location")
        .order_by("-due_at")
    )
    return render(
        request,
        "inspections/schedule_detail.html",
        {
            "schedule": schedule,
            "upcoming": upcoming,
            "missed": missed[:50],
            "missed_count": missed.count(),
            "can_manage": access.can(MANAGE_STANDARDS),
        },
    )


@org_view(MANAGE_STANDARDS)
def schedule_form(request, access, schedule_id: int | None = None):
    schedule = (
        access_schedule(access, schedule_id, permission=MANAGE_STANDARDS) if schedule_id else None
    )
    form = ScheduleForm(request.POST or None, instance=schedule, organisation=access.organisation)
    if request.method == "POST" and form.is_valid():
        saved, created = schedule_save(
            schedule=form.instance,
            assignees=form.cleaned_data["assignees"],
            locations=form.cleaned_data["locations"],
            area_types=form.cleaned_data["area_types"],
            by=request.user,
            today=timezone.localdate(),
        )
        messages.success(
            request,
            _("Saved; %(count)s checks are expected in the next two weeks.") % {"count": created},
        )
        return redirect(
            "inspections:schedule-detail", org=access.organisation.slug, schedule_id=saved.pk
        )
    return render(request, "inspections/schedule_form.html", {"form": form, "schedule": schedule})
