"""Pages of reports: the list and the generate form; a report's version with its editable
narrative, finalisation, new drafts; the files of any version."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes.forms import SafeModelMultipleChoiceField

from baozhang.core.figures import Scope
from baozhang.core.forms import DateInput, StyledFormMixin
from baozhang.core.models import JobStatus
from baozhang.core.pagination import paginate
from baozhang.core.params import id_param
from baozhang.core.periods import (
    month_key,
    period_error,
    period_parse,
    period_previous,
    week_key,
)
from baozhang.core.xlsx import wants_workbook
from baozhang.orgs.decorators import org_view
from baozhang.orgs.forms import TenantForm
from baozhang.orgs.models import AreaType, Person, Site, Unit
from baozhang.orgs.permissions import VIEW_INSPECTIONS, WRITE_REPORTS
from baozhang.orgs.views import list_workbook_response
from baozhang.reports import background, files, services
from baozhang.reports.access import (
    access_report_job,
    access_report_schedule,
    access_report_version,
)
from baozhang.reports.charts import CHARTS
from baozhang.reports.document import build_document
from baozhang.reports.models import (
    ReportKind,
    ReportSchedule,
    ReportVersion,
    VersionStatus,
)
from baozhang.reports.narrative import WRITERS
from baozhang.reports.titles import period_label_text
from baozhang.reports.workbooks import reports_of


class GenerateForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ReportKind.choices)
    period = forms.CharField(
        label=gettext_lazy("Period"),
        help_text=gettext_lazy(
            "2026-W47, 2026-11, 2026-Q4, 2026-H2, 2026 or 2026-09-01..2027-01-20"
        ),
    )
    site = forms.TypedChoiceField(
        label=gettext_lazy("Site"), coerce=int, required=False, empty_value=None
    )
    unit = forms.TypedChoiceField(
        label=gettext_lazy("Unit"), coerce=int, required=False, empty_value=None
    )
    area_type = forms.TypedChoiceField(
        label=gettext_lazy("Area type"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.records = {}
        for name, model in (("site", Site), ("unit", Unit), ("area_type", AreaType)):
            rows = {row.pk: row for row in model.objects.filter(organisation=organisation)}
            self.records[name] = rows
            self.fields[name].choices = [("", _("all"))] + [
                (pk, row.name) for pk, row in rows.items()
            ]
        self.organisation = organisation

    def clean_period(self):
        try:
            return period_parse(self.cleaned_data["period"])
        except ValueError as error:
            raise forms.ValidationError(period_error(self.cleaned_data["period"])) from error

    def clean(self):
        data = super().clean()
        if data.get("kind") and data.get("period"):
            try:
                services.period_check(kind=data["kind"], period=data["period"])
            except ValidationError as error:
                self.add_error("period", error)
        return data

    def scope(self) -> Scope:
        return Scope(
            organisation=self.organisation,
            **{
                name: self.records[name][self.cleaned_data[name]]
                for name in ("site", "unit", "area_type")
                if self.cleaned_data.get(name)
            },
        )


@org_view(VIEW_INSPECTIONS)
def report_list(request, access):
    form = None
    if access.can(WRITE_REPORTS):
        today = timezone.localdate()
        form = GenerateForm(
            request.POST or None,
            organisation=access.organisation,
            initial={
                "kind": ReportKind.MONTHLY,
                "period": period_previous(period_parse(month_key(today))).label,
            },
        )
        if request.method == "POST" and form.is_valid():
            job = background.report_job_request(
                access=access,
                kind=form.cleaned_data["kind"],
                scope=form.scope(),
                period=form.cleaned_data["period"],
            )
            return redirect("reports:job", org=access.organisation.slug, job_id=job.pk)
    elif request.method == "POST":
        raise PermissionDenied
    if wants_workbook(request):
        return list_workbook_response(request, access, "reports")
    today = timezone.localdate()
    page = paginate(request, reports_of(organisation=access.organisation))
    for report in page:  # its period in words, not its code
        report.period_words = period_label_text(report.period)
    return render(
        request,
        "reports/report_list.html",
        {
            "page": page,
            "form": form,
            "examples": [
                (_("Last week"), ReportKind.WEEKLY, week_key(today - dt.timedelta(days=7))),
                (
                    _("Last month"),
                    ReportKind.MONTHLY,
                    period_previous(period_parse(month_key(today))).label,
                ),
                (_("This year"), ReportKind.ANNUAL, str(today.year)),
            ],
        },
    )


@org_view(VIEW_INSPECTIONS)
def report_detail(request, access, report_id: int):
    may_write = access.can(WRITE_REPORTS)
    version = access_report_version(
        access,
        report_id,
        request.GET.get("v"),
        permission=WRITE_REPORTS if request.method == "POST" else VIEW_INSPECTIONS,
    )
    report = version.report
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "save":
                services.report_edit(
                    access=access,
                    version=version,
                    narrative={
                        key: request.POST.get(key, "") for key in WRITERS if key in request.POST
                    },
                )
                messages.success(request, _("Saved."))
            elif action == "finalise":
                services.report_finalise(access=access, version=version)
                messages.success(request, _("Finalised: this version can no longer change."))
            elif action == "redraft":
                version = services.report_redraft(access=access, report=report)
                messages.success(request, _("A new draft was made from the final version."))
            else:
                raise Http404
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        url = f"{request.path}?v={version.number}"
        return redirect(url)
    document = build_document(version)
    return render(
        request,
        "reports/report_detail.html",
        {
            "report": report,
            "version": version,
            "versions": report.versions.order_by("number"),
            "document": document,
            "editable": may_write and version.status == VersionStatus.DRAFT,
            "may_write": may_write,
            "has_draft": report.versions.filter(status=VersionStatus.DRAFT).exists(),
        },
    )


@org_view(VIEW_INSPECTIONS)
def report_chart(request, access, report_id: int, number: int, name: str):
    if name not in CHARTS:
        raise Http404
    version = access_report_version(access, report_id, number, permission=VIEW_INSPECTIONS)
    response = HttpResponse(files.chart_png(version, name), content_type="image/png")
    if version.is_final:
        response["Cache-Control"] = "private, max-age=86400"
    return response


@org_view(VIEW_INSPECTIONS)
def report_file(request, access, report_id: int, number: int, extension: str):
    if extension not in files.CONTENT_TYPES:
        raise Http404
    version = access_report_version(
        access, report_id, number, permission=VIEW_INSPECTIONS, for_file=True
    )
    return file_response(version, extension)


def file_response(version: ReportVersion, extension: str) -> HttpResponse:
    """The version as a download (pdf, docx or xlsx), for the page and the API: a final
    version's file as kept (files.py)."""
    kept = files.kept_file(version, extension)
    if kept is not None:  # streamed from the disk (the server's sendfile where it has one)
        response = FileResponse(kept.file.open("rb"), content_type=files.CONTENT_TYPES[extension])
    else:
        response = HttpResponse(
            files.version_file(version, extension), content_type=files.CONTENT_TYPES[extension]
        )
    filename = f"{version.report.title}-v{version.number}.{extension}"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@org_view(VIEW_INSPECTIONS)
def report_job(request, access, job_id: int):
    """A report being made: a progress bar that the page refreshes until the draft is ready."""
    job = access_report_job(access, job_id, permission=VIEW_INSPECTIONS)
    if job.status == JobStatus.DONE and job.report_id:
        target = reverse(
            "reports:report", kwargs={"org": access.organisation.slug, "report_id": job.report_id}
        )
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        messages.success(request, _("The draft is ready: edit its text, then finalise it."))
        return redirect(target)
    template = (
        "reports/_job_progress.html" if request.headers.get("HX-Request") else "reports/job.html"
    )
    return render(request, template, {"job": job})


class ScheduleForm(TenantForm):
    scoped_fields = {"recipients": Person}

    class Meta:
        model = ReportSchedule
        fields = ["kind", "hour", "recipients", "starts_on", "is_active"]
        field_classes = {"recipients": SafeModelMultipleChoiceField}
        widgets = {
            "recipients": forms.CheckboxSelectMultiple,
            "starts_on": DateInput(),
        }

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, organisation=organisation, **kwargs)
        self.fields["recipients"].queryset = (
            self.fields["recipients"].queryset.filter(is_active=True).exclude(email="")
        )
        self.fields["hour"].widget.attrs.update({"min": 0, "max": 23})

    def clean_hour(self):
        hour = self.cleaned_data["hour"]
        if hour > 23:
            raise forms.ValidationError(_("An hour from 0 to 23."))
        return hour


@org_view(WRITE_REPORTS)
def schedules(request, access):
    """Reports made by themselves and e-mailed: every Monday last week's bulletin, on the 1st
    last month's report, at the hour chosen."""
    editing = None
    if (edit := id_param(request.GET.get("edit"))) is not None:
        editing = access_report_schedule(access, edit, permission=WRITE_REPORTS)
    delete = id_param(request.POST.get("delete")) if request.method == "POST" else None
    if delete is not None:
        services.report_schedule_delete(
            schedule=access_report_schedule(access, delete, permission=WRITE_REPORTS)
        )
        return redirect("reports:schedules", org=access.organisation.slug)
    form = ScheduleForm(request.POST or None, instance=editing, organisation=access.organisation)
    if request.method == "POST" and form.is_valid():
        schedule = form.save(commit=False)
        schedule.organisation = access.organisation
        services.report_schedule_save(schedule=schedule, recipients=form.cleaned_data["recipients"])
        messages.success(request, _("Saved."))
        return redirect("reports:schedules", org=access.organisation.slug)
    rows = ReportSchedule.objects.filter(organisation=access.organisation).prefetch_related(
        "recipients"
    )
    return render(
        request, "reports/schedules.html", {"form": form, "rows": rows, "editing": editing}
    )
