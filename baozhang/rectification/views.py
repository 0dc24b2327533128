"""Pages of rectification: a unit's tasks on the phone, the office meeting's referrals, settings."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from baozhang.core.forms import DateInput, DateTimeInput, StyledFormMixin
from baozhang.core.photos import photos_rate_check
from baozhang.core.xlsx import wants_workbook
from baozhang.orgs.decorators import org_view
from baozhang.orgs.models import Unit
from baozhang.orgs.permissions import DECIDE_REFERRALS, MANAGE_RECTIFICATION, SUBMIT_RECTIFICATION
from baozhang.orgs.views import list_workbook_response
from baozhang.rectification import services
from baozhang.rectification.models import (
    RectificationPolicy,
    Referral,
    Severity,
    TaskStatus,
    severity_default,
)
from baozhang.rectification.workbooks import tasks_of_person

DUE_SOON_HOURS = 24


class PolicyForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = RectificationPolicy
        fields = [
            "urgent_hours",
            "normal_hours",
            "minor_hours",
            "remind_hours",
            "leader_after_hours",
            "digest_hour",
        ]


@org_view(MANAGE_RECTIFICATION)
def policy_settings(request, access):
    policy = services.rectification_policy(organisation=access.organisation)
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        services.rectification_policy_save(policy=form.save(commit=False))
        messages.success(request, _("Saved."))
        return redirect("rectification:settings", org=access.organisation.slug)
    return render(request, "rectification/settings.html", {"form": form})


@org_view(SUBMIT_RECTIFICATION)
def my_tasks(request, access):
    """The tasks of the units the person heads or that are assigned to them: overdue, due soon,
    open and waiting for verification; a fix is submitted from here with a note and a photo."""
    if wants_workbook(request):
        return list_workbook_response(request, access, "my-tasks")
    tasks = list(tasks_of_person(access))
    if request.method == "POST":
        # Only a task of this list, the person's own: any other is not found here.
        task = next((t for t in tasks if str(t.pk) == request.POST.get("task")), None)
        if task is None:
            raise Http404
        try:
            photos_rate_check(request)
            services.task_submit(
                access=access,
                task=task,
                note=request.POST.get("note", ""),
                photo=request.FILES.get("photo"),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Submitted for verification."))
        return redirect("rectification:my-tasks", org=access.organisation.slug)
    now = timezone.now()
    soon = now + timedelta(hours=DUE_SOON_HOURS)
    groups = [
        (_("Overdue"), "overdue", [t for t in tasks if t.is_overdue(now)]),
        (
            _("Due within a day"),
            "due-soon",
            [t for t in tasks if t.status == TaskStatus.OPEN and now <= t.deadline <= soon],
        ),
        (
            _("Open"),
            "open",
            [t for t in tasks if t.status == TaskStatus.OPEN and t.deadline > soon],
        ),
        (
            _("Waiting for verification"),
            "submitted",
            [t for t in tasks if t.status == TaskStatus.SUBMITTED],
        ),
    ]
    return render(request, "rectification/my_tasks.html", {"groups": groups})


class DecisionForm(StyledFormMixin, forms.Form):
    decision = forms.CharField(
        label=gettext_lazy("Decision"), widget=forms.Textarea(attrs={"rows": 2})
    )
    meeting_date = forms.DateField(label=gettext_lazy("Meeting date"), widget=DateInput())
    unit = forms.TypedChoiceField(label=gettext_lazy("Unit"), coerce=int)
    deadline = forms.DateTimeField(label=gettext_lazy("Deadline"), widget=DateTimeInput())
    severity = forms.ChoiceField(label=gettext_lazy("Severity"), choices=Severity.choices)

    def __init__(self, *args, units: dict[int, Unit], **kwargs):
        # The units are read once for all the forms of the page, not once per form.
        super().__init__(*args, **kwargs)
        self.units = units
        self.fields["unit"].choices = [("", "---------")] + [
            (pk, str(unit)) for pk, unit in units.items()
        ]

    def clean_unit(self) -> Unit:
        return self.units[self.cleaned_data["unit"]]


@org_view(DECIDE_REFERRALS)
def referrals(request, access):
    """Findings referred to the office meeting: pending ones get the meeting's decision."""
    if wants_workbook(request):
        return list_workbook_response(request, access, "referrals")
    pending = list(
        Referral.objects.filter(organisation=access.organisation, decided_at__isnull=True)
        .select_related("finding__location", "finding__item", "finding__unit", "referred_by")
        .order_by("referred_at")
    )
    decided = list(
        Referral.objects.filter(organisation=access.organisation, decided_at__isnull=False)
        .select_related("finding__location", "task__unit")
        .order_by("-decided_at")[:50]
    )
    units = {
        unit.pk: unit
        for unit in Unit.objects.filter(organisation=access.organisation, is_active=True)
    }
    forms_by_id = {}
    for referral in pending:
        posted = request.method == "POST" and request.POST.get("referral") == str(referral.pk)
        form = DecisionForm(
            request.POST if posted else None,
            units=units,
            prefix=f"r{referral.pk}",
            initial={
                "unit": referral.finding.unit_id,
                "meeting_date": timezone.localdate(),
                "severity": severity_default(finding_kind=referral.finding.kind),
            },
        )
        if posted and form.is_valid():
            try:
                services.referral_decide(
                    access=access,
                    referral=referral,
                    decision=form.cleaned_data["decision"],
                    unit=form.cleaned_data["unit"],
                    deadline=form.cleaned_data["deadline"],
                    meeting_date=form.cleaned_data["meeting_date"],
                    severity=form.cleaned_data["severity"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The decision is recorded and the task is open."))
                return redirect("rectification:referrals", org=access.organisation.slug)
        forms_by_id[referral.pk] = form
    return render(
        request,
        "rectification/referrals.html",
        {
            "pending": [(referral, forms_by_id[referral.pk]) for referral in pending],
            "decided": decided,
        },
    )
