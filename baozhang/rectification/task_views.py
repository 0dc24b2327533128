"""Pages of a finding's disposition and of a task's life, the records list and the statistics."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from baozhang.core.forms import DateTimeInput, StyledFormMixin
from baozhang.core.pagination import paginate
from baozhang.core.periods import month_key, period_parse, week_key
from baozhang.core.photos import photos_rate_check
from baozhang.core.xlsx import wants_workbook, workbook_response
from baozhang.inspections.access import access_finding
from baozhang.inspections.models import Finding, FindingKind
from baozhang.orgs.decorators import org_view
from baozhang.orgs.models import AreaType, Person, Site, Unit
from baozhang.orgs.permissions import RECORD_INSPECTIONS, SUBMIT_RECTIFICATION, VIEW_INSPECTIONS
from baozhang.orgs.views import list_workbook_response
from baozhang.rectification import selectors, services
from baozhang.rectification.access import (
    access_spot_fix,
    access_task,
    access_task_event,
    task_is_theirs,
    units_headed,
)
from baozhang.rectification.models import Severity, Task, TaskStatus, severity_default
from baozhang.rectification.workbooks import STATE_LABELS, records_findings, records_scope


class SpotFixForm(StyledFormMixin, forms.Form):
    fixed_by = forms.CharField(label=gettext_lazy("Fixed by"), max_length=100)
    note = forms.CharField(label=gettext_lazy("Note"), required=False)
    photo = forms.FileField(
        label=gettext_lazy("After-photo"),
        required=False,
        widget=forms.ClearableFileInput({"accept": "image/*", "capture": "environment"}),
    )


class TaskForm(StyledFormMixin, forms.Form):
    unit = forms.TypedChoiceField(label=gettext_lazy("Responsible unit"), coerce=int)
    severity = forms.ChoiceField(
        label=gettext_lazy("Severity"), choices=Severity.choices, initial=Severity.NORMAL
    )
    deadline = forms.DateTimeField(
        label=gettext_lazy("Deadline"),
        required=False,
        help_text=gettext_lazy("Empty: the organisation's default for the severity."),
        widget=DateTimeInput(),
    )
    assignee = forms.TypedChoiceField(
        label=gettext_lazy("Assignee"), coerce=int, required=False, empty_value=None
    )
    description = forms.CharField(
        label=gettext_lazy("What to fix"),
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = {
            unit.pk: unit for unit in Unit.objects.filter(organisation=organisation, is_active=True)
        }
        self.people = {
            person.pk: person
            for person in Person.objects.filter(organisation=organisation, is_active=True)
        }
        self.fields["unit"].choices = [("", "---------")] + [
            (pk, str(unit)) for pk, unit in self.units.items()
        ]
        self.fields["assignee"].choices = [("", "---------")] + [
            (pk, str(person)) for pk, person in self.people.items()
        ]

    def clean_unit(self) -> Unit:
        return self.units[self.cleaned_data["unit"]]

    def clean_assignee(self) -> Person | None:
        pk = self.cleaned_data["assignee"]
        return self.people[pk] if pk else None


class ReferForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why the office meeting should decide"),
        widget=forms.Textarea({"rows": 2}),
    )


FINDING_SHOWN = ("location", "unit", "item", "inspection", "spot_fix", "task", "referral")


def _disposition(finding: Finding):
    for attribute in ("spot_fix", "task", "referral"):
        if hasattr(finding, attribute):
            return attribute, getattr(finding, attribute)
    return None, None


@org_view(VIEW_INSPECTIONS)
def finding_detail(request, access, finding_id: int):
    """A finding and what became of it; an inspector or leader disposes of it here: fixed on the
    spot, a rectification task, or referred to the office meeting."""
    posted = request.POST.get("action") if request.method == "POST" else None
    finding = access_finding(
        access,
        finding_id,
        permission=RECORD_INSPECTIONS if posted else VIEW_INSPECTIONS,
        queryset=Finding.objects.select_related(*FINDING_SHOWN),
    )
    kind, record = _disposition(finding)
    may_dispose = (
        kind is None
        and access.can(RECORD_INSPECTIONS)
        and finding.kind not in (FindingKind.HIGHLIGHT, FindingKind.BONUS)
    )
    if posted and not may_dispose:
        raise PermissionDenied
    spot_form = SpotFixForm(
        request.POST if posted == "spot" else None,
        request.FILES if posted == "spot" else None,
        prefix="spot",
        initial={"fixed_by": finding.unit.name if finding.unit else ""},
    )
    task_form = TaskForm(
        request.POST if posted == "task" else None,
        prefix="task",
        organisation=access.organisation,
        initial={
            "unit": finding.unit_id,
            "severity": severity_default(finding_kind=finding.kind),
        },
    )
    refer_form = ReferForm(request.POST if posted == "refer" else None, prefix="refer")
    form = {"spot": spot_form, "task": task_form, "refer": refer_form}.get(posted)
    if form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            photos_rate_check(request)
            if posted == "spot":
                services.spot_fix_record(
                    access=access,
                    finding=finding,
                    fixed_by=data["fixed_by"],
                    note=data["note"],
                    photo=data["photo"],
                )
                messages.success(request, _("Recorded as fixed on the spot."))
            elif posted == "task":
                task = services.task_open(
                    access=access,
                    finding=finding,
                    unit=data["unit"],
                    severity=data["severity"],
                    deadline=data["deadline"],
                    assignee=data["assignee"],
                    description=data["description"],
                )
                messages.success(request, _("The rectification task is open."))
                return redirect(
                    "rectification:task-detail", org=access.organisation.slug, task_id=task.pk
                )
            else:
                services.referral_create(access=access, finding=finding, reason=data["reason"])
                messages.success(request, _("Referred to the office meeting."))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(
                "rectification:finding", org=access.organisation.slug, finding_id=finding.pk
            )
    return render(
        request,
        "rectification/finding_detail.html",
        {
            "finding": finding,
            "now": timezone.now(),
            "disposition": kind,
            "record": record,
            "may_dispose": may_dispose,
            "spot_form": spot_form,
            "task_form": task_form,
            "refer_form": refer_form,
            "active": posted or "task",
        },
    )


class VerifyForm(StyledFormMixin, forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Verification note or reason for rejection"),
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )


class SubmitForm(StyledFormMixin, forms.Form):
    note = forms.CharField(label=gettext_lazy("What was done"), required=False)
    photo = forms.FileField(
        label=gettext_lazy("Photo of the fix"),
        required=False,
        widget=forms.ClearableFileInput({"accept": "image/*", "capture": "environment"}),
    )


# The permission each action on a task's page needs; the gate checks it with the task.
TASK_ACTIONS = {
    "submit": SUBMIT_RECTIFICATION,
    "verify": RECORD_INSPECTIONS,
    "reject": RECORD_INSPECTIONS,
}


@org_view(VIEW_INSPECTIONS)
def task_detail(request, access, task_id: int):
    """A task with its whole life; the unit submits here, an inspector or leader verifies or
    rejects."""
    action = request.POST.get("action") if request.method == "POST" else None
    task = access_task(
        access,
        task_id,
        permission=TASK_ACTIONS.get(action, VIEW_INSPECTIONS),
        queryset=Task.objects.select_related(
            "unit",
            "assignee",
            "finding__location",
            "finding__item",
            "finding__inspection",
            "referral",
            "opened_by",
            "closed_by",
        ),
    )
    headed = units_headed(access)
    may_submit = (
        task.status == TaskStatus.OPEN
        and access.can(SUBMIT_RECTIFICATION)
        and task_is_theirs(access, task)
    )
    may_verify = (
        task.status == TaskStatus.SUBMITTED
        and access.can(RECORD_INSPECTIONS)
        and task.unit_id not in headed
        and not (access.person is not None and task.submitted_by_id == access.person.pk)
    )
    submit_form = SubmitForm(
        request.POST if action == "submit" else None,
        request.FILES if action == "submit" else None,
    )
    verify_form = VerifyForm(request.POST if action in ("verify", "reject") else None)
    if action:
        if (action == "submit" and not may_submit) or (
            action in ("verify", "reject") and not may_verify
        ):
            raise PermissionDenied
        form = submit_form if action == "submit" else verify_form
        if form.is_valid():
            try:
                photos_rate_check(request)
                if action == "submit":
                    services.task_submit(
                        access=access,
                        task=task,
                        note=form.cleaned_data["note"],
                        photo=form.cleaned_data["photo"],
                    )
                    messages.success(request, _("Submitted for verification."))
                elif action == "verify":
                    services.task_verify(access=access, task=task, note=form.cleaned_data["note"])
                    messages.success(request, _("Verified: the task is closed."))
                else:
                    services.task_reject(access=access, task=task, reason=form.cleaned_data["note"])
                    messages.success(request, _("Rejected: the task is back with the unit."))
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect(
                    "rectification:task-detail", org=access.organisation.slug, task_id=task.pk
                )
    return render(
        request,
        "rectification/task_detail.html",
        {
            "task": task,
            "events": task.events.select_related("by").order_by("at", "id"),
            "now": timezone.now(),
            "may_submit": may_submit,
            "may_verify": may_verify,
            "submit_form": submit_form,
            "verify_form": verify_form,
        },
    )


def _image(field) -> FileResponse:
    if not field:
        raise Http404
    try:
        return FileResponse(field.open("rb"), content_type="image/jpeg")
    except FileNotFoundError:
        raise Http404 from None


@org_view(VIEW_INSPECTIONS)
def event_photo(request, access, event_id: int):
    """The photo of one step of a task (the unit's after-photo)."""
    return _image(access_task_event(access, event_id, permission=VIEW_INSPECTIONS).photo)


@org_view(VIEW_INSPECTIONS)
def spot_fix_photo(request, access, spot_fix_id: int):
    """The after-photo of a fix on the spot."""
    spot_fix = access_spot_fix(access, spot_fix_id, permission=VIEW_INSPECTIONS)
    return _image(spot_fix.photo)


@org_view(VIEW_INSPECTIONS)
def records(request, access):
    """The findings behind every rectification number: filtered by state, period, unit, area type
    and round. Overdue tasks are marked on every row until closed."""
    if wants_workbook(request):
        return list_workbook_response(request, access, "records")
    period, filters, state, error = records_scope(request.GET)
    now = timezone.now()
    findings = records_findings(organisation=access.organisation, params=request.GET, now=now)
    page = paginate(request, findings)
    query = request.GET.copy()
    query.pop("page", None)
    today = timezone.localdate()
    return render(
        request,
        "rectification/records.html",
        {
            "page": page,
            "now": now,
            "state": state,
            "states": STATE_LABELS,
            "period": period,
            "error": error,
            "query": query.urlencode(),
            "sites": Site.objects.filter(organisation=access.organisation),
            "units": Unit.objects.filter(organisation=access.organisation, is_active=True),
            "area_types": AreaType.objects.filter(organisation=access.organisation),
            "filters": filters,
            "shortcuts": [
                (_("This week"), week_key(today)),
                (_("This month"), month_key(today)),
                (_("This year"), str(today.year)),
            ],
        },
    )


@org_view(VIEW_INSPECTIONS)
def statistics(request, access):
    """Per unit or per area type over a period: found, fixed on the spot, tracked, referred,
    closed in time and late, open overdue, rejected, average and 90th-percentile days to close.
    Its workbook is written at once whatever its size: one row per unit or area type of the
    organisation (never thousands) and a total, figures the page computes in full anyway."""
    period, filters, _state, error = records_scope(request.GET)
    today = timezone.localdate()
    if period is None:
        period = period_parse(month_key(today))
    group = "area_type" if request.GET.get("by") == "area_type" else "unit"
    now = timezone.now()
    findings = selectors.problems(organisation=access.organisation, period=period, **filters)
    rows = selectors.figures(findings, now, group=group)
    if wants_workbook(request):
        total = selectors.total_of(rows)
        return workbook_response(
            f"{access.organisation.slug}-整改统计-{period.label}.xlsx",
            "整改统计",
            ["单位" if group == "unit" else "区域类型"]
            + [str(STATE_LABELS[state]) for state in selectors.COUNTED]
            + ["平均销号天数", "90%销号天数"],
            [
                [row.label]
                + [row.count(state) for state in selectors.COUNTED]
                + [row.average_days, row.p90_days]
                for row in [*rows, total]
            ],
        )
    return render(
        request,
        "rectification/statistics.html",
        {
            "period": period,
            "error": error,
            "group": group,
            "rows": rows,
            "sites": Site.objects.filter(organisation=access.organisation),
            "filters": filters,
            "total": selectors.total_of(rows),
            "columns": [(state, STATE_LABELS[state]) for state in selectors.COUNTED],
            "shortcuts": [
                (_("This week"), week_key(today)),
                (_("This month"), month_key(today)),
                (_("This year"), str(today.year)),
            ],
        },
    )
