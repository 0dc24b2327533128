"""Pages of the special patrol rounds (专项巡查): the list, a new round, the round's sheet, and the
check page recording a check during a round (`?round=`)."""

from __future__ import annotations

import io
from functools import partial
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes.forms import SafeModelChoiceField, SafeModelMultipleChoiceField

from baozhang.core.forms import DateInput
from baozhang.core.xlsx import wants_workbook, write_workbook
from baozhang.inspections.models import Inspection
from baozhang.inspections.occasions import Occasion
from baozhang.orgs.access import OrgAccess
from baozhang.orgs.decorators import org_view
from baozhang.orgs.forms import TenantForm
from baozhang.orgs.models import AreaType, Location, Person
from baozhang.orgs.permissions import RECORD_INSPECTIONS, VIEW_INSPECTIONS
from baozhang.orgs.views import list_workbook_response
from baozhang.rectification import selectors, services
from baozhang.rectification.access import access_patrol_round
from baozhang.rectification.models import PatrolRound
from baozhang.rectification.workbooks import PROBLEM_HEADERS, disposition_text, problem_row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RoundForm(TenantForm):
    scoped_fields = {
        "leader": Person,
        "members": Person,
        "area_types": AreaType,
        "locations": Location,
    }

    class Meta:
        model = PatrolRound
        fields = ["title", "date", "leader", "members", "area_types", "locations", "note"]
        field_classes = {
            "leader": SafeModelChoiceField,
            "members": SafeModelMultipleChoiceField,
            "area_types": SafeModelMultipleChoiceField,
            "locations": SafeModelMultipleChoiceField,
        }
        widgets = {
            "date": DateInput(),
            "note": forms.Textarea({"rows": 2}),
            "area_types": forms.CheckboxSelectMultiple,
            "members": forms.SelectMultiple(attrs={"size": 5}),
            "locations": forms.SelectMultiple(attrs={"size": 8}),
        }


@org_view(VIEW_INSPECTIONS)
def round_list(request, access):
    if wants_workbook(request):
        return list_workbook_response(request, access, "rounds")
    rounds = PatrolRound.objects.filter(organisation=access.organisation).select_related("leader")
    form = None
    if access.can(RECORD_INSPECTIONS):
        form = RoundForm(
            request.POST or None,
            organisation=access.organisation,
            initial={"date": timezone.localdate(), "leader": access.person},
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            patrol = services.patrol_round_create(
                organisation=access.organisation,
                title=data["title"],
                date=data["date"],
                leader=data["leader"],
                note=data["note"],
                members=data["members"],
                area_types=data["area_types"],
                locations=data["locations"],
            )
            messages.success(request, _("The patrol round is created."))
            return redirect("rectification:round", org=access.organisation.slug, round_id=patrol.pk)
    elif request.method == "POST":
        access.require(RECORD_INSPECTIONS)
    return render(request, "rectification/round_list.html", {"rounds": rounds, "form": form})


SHEET_ROWS = [
    ("found", gettext_lazy("Problems found")),
    ("spot", gettext_lazy("Fixed on the spot")),
    ("tracked", gettext_lazy("Tracked to closure")),
    ("referred", gettext_lazy("Referred to the office meeting")),
    ("closed", gettext_lazy("Closed")),
    ("closed_in_time", gettext_lazy("Closed in time")),
    ("closed_late", gettext_lazy("Closed late")),
    ("overdue", gettext_lazy("Open and overdue")),
    ("rejected", gettext_lazy("Rejected at verification")),
]


@org_view(VIEW_INSPECTIONS)
def round_detail(request, access, round_id: int):
    patrol = access_patrol_round(access, round_id, permission=VIEW_INSPECTIONS)
    prefetch_related_objects([patrol], "leader", "members", "area_types", "locations")
    now = timezone.now()
    sheet = selectors.patrol_round_sheet(patrol_round=patrol, now=now)
    return render(
        request,
        "rectification/round_detail.html",
        {
            "round": patrol,
            "now": now,
            **sheet,
            "sheet_rows": [(key, label, sheet["figures"].count(key)) for key, label in SHEET_ROWS],
            "lines": [(finding, disposition_text(finding, now)) for finding in sheet["problems"]],
        },
    )


@org_view(VIEW_INSPECTIONS)
def round_export(request, access, round_id: int):
    """The round's sheet as a workbook: the figures, the problems and the highlights."""
    patrol = access_patrol_round(access, round_id, permission=VIEW_INSPECTIONS)
    now = timezone.now()
    sheet = selectors.patrol_round_sheet(patrol_round=patrol, now=now)
    figures = [(str(label), sheet["figures"].count(key)) for key, label in SHEET_ROWS]
    figures.append((_("Highlights"), len(sheet["highlights"])))
    problems = [problem_row(finding, now) for finding in sheet["problems"]]
    highlights = [
        (
            timezone.localtime(finding.observed_at).strftime("%Y-%m-%d %H:%M"),
            finding.location.name or finding.location.code,
            finding.unit.name if finding.unit else "",
            finding.note,
        )
        for finding in sheet["highlights"]
    ]
    buffer = io.BytesIO()
    write_workbook(
        buffer,
        [
            ("汇总", ["项目", "数量"], figures),
            ("问题", PROBLEM_HEADERS, problems),
            ("亮点", ["时间", "位置", "单位", "说明"], highlights),
        ],
    )
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    filename = f"{patrol.date:%Y-%m-%d}-{patrol.title}-专项巡查.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def round_check_occasion(access: OrgAccess, round_id: int) -> Occasion:
    """The round a check is recorded in from the check page (`?round=`); registered in apps.py."""
    patrol = access_patrol_round(access, round_id, permission=RECORD_INSPECTIONS)
    return Occasion(
        parameter="round",
        record_id=patrol.pk,
        label=gettext_lazy("Patrol round"),
        title=str(patrol),
        submit=partial(services.round_inspection_submit, patrol_round=patrol),
    )


def round_of_check(inspection: Inspection) -> int | None:
    """The round a stored check was recorded in (the API answers it); registered in apps.py."""
    return selectors.inspection_patrol_round_id(inspection=inspection)
