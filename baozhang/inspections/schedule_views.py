"""Schedule pages: the plans of checks and, for each, the checks expected and missed."""

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from baozhang.core.pagination import paginate
from baozhang.core.periods import Period
from baozhang.core.xlsx import wants_workbook
from baozhang.inspections.access import access_schedule
from baozhang.inspections.models import ExpectedCheck
from baozhang.inspections.planned_checks import checks_missed, checks_open
from baozhang.inspections.schedule_forms import ScheduleForm
from baozhang.inspections.schedules import schedule_save
from baozhang.inspections.workbooks import schedules_of
from baozhang.orgs.decorators import org_view
from baozhang.orgs.permissions import MANAGE_STANDARDS, VIEW_INSPECTIONS
from baozhang.orgs.views import list_workbook_response


@org_view(VIEW_INSPECTIONS)
def schedule_list(request, access):
    if wants_workbook(request):
        return list_workbook_response(request, access, "schedules")
    schedules = schedules_of(organisation=access.organisation)
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
        ExpectedCheck.objects.filter(schedule=schedule, due_at__gt=now)
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
    open_now = (
        checks_open(organisation=access.organisation, period=last_month, now=now)
        .filter(schedule=schedule)
        .select_related("location")
        .order_by("due_at")
    )
    return render(
        request,
        "inspections/schedule_detail.html",
        {
            "schedule": schedule,
            "upcoming": upcoming,
            "open": open_now[:50],
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
