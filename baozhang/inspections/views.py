"""Inspection pages: the check on a phone (the QR label's target), findings, ranking, bulletin."""

import io
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from baozhang.core.pagination import paginate, query_without_page
from baozhang.core.params import id_param
from baozhang.core.periods import month_key, period_parse, period_previous, week_key
from baozhang.core.photos import photos_rate_check
from baozhang.core.xlsx import (
    ImportRejected,
    wants_workbook,
    workbook_response,
    write_workbook,
)
from baozhang.inspections import scoring, selectors
from baozhang.inspections.access import (
    access_finding_photo,
    access_finding_unit,
    access_inspection,
    access_inspection_to_void,
    inspection_void_refusal,
)
from baozhang.inspections.chips import filter_chips
from baozhang.inspections.finding_lines import FindingLines
from baozhang.inspections.models import FindingKind
from baozhang.inspections.occasions import occasion_for_request
from baozhang.inspections.planned_checks import checks_missed
from baozhang.inspections.scores_text import basis_text, change_text, tenths_text, until_text
from baozhang.inspections.services import FindingInput, inspection_submit
from baozhang.inspections.spreadsheets import COLUMNS
from baozhang.inspections.voids import inspection_void
from baozhang.inspections.workbooks import checks_listed, period_of
from baozhang.orgs.access import access_location
from baozhang.orgs.decorators import org_view
from baozhang.orgs.exports import export_start
from baozhang.orgs.forms import ImportForm
from baozhang.orgs.imports import import_start, rejected_lines
from baozhang.orgs.models import AreaType, Unit, UnitKind
from baozhang.orgs.permissions import (
    EXPORT_DATA,
    IMPORT_DATA,
    RECORD_INSPECTIONS,
    VIEW_INSPECTIONS,
)
from baozhang.orgs.selectors import unit_responsible_for
from baozhang.orgs.views import (
    export_started_response,
    import_started_redirect,
    list_workbook_response,
)
from baozhang.standards.models import ItemKind
from baozhang.standards.selectors import items_for_location, standard_version_for_location

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _findings_from_post(request, access, items) -> list[FindingInput]:
    findings = []
    for item in items:
        if item.kind == ItemKind.SCORED:
            raw = request.POST.get(f"points-{item.pk}", "").strip()
            if not raw:
                continue
            try:
                points = Decimal(raw)
            except InvalidOperation:
                raise ValidationError(_("“%(value)s” is not a number") % {"value": raw}) from None
            if points == 0:
                continue
        elif request.POST.get(f"item-{item.pk}") != "1":
            continue
        else:
            points = None
        unit = access_finding_unit(
            access,
            id_param(request.POST.get(f"unit-{item.pk}", "")),
            number=len(findings) + 1,
            permission=RECORD_INSPECTIONS,
        )
        findings.append(
            FindingInput(
                item_id=item.pk,
                points=points,
                note=request.POST.get(f"note-{item.pk}", "").strip()[:500],
                photos=request.FILES.getlist(f"photo-{item.pk}"),
                unit=unit,
                unit_reason=request.POST.get(f"reason-{item.pk}", "").strip()[:300],
            )
        )
    highlight = request.POST.get("highlight-note", "").strip()
    if highlight:
        findings.append(
            FindingInput(
                kind=FindingKind.HIGHLIGHT,
                note=highlight[:500],
                photos=request.FILES.getlist("highlight-photo"),
            )
        )
    return findings


@org_view(RECORD_INSPECTIONS)
def check_location(request, access, location_id: int):
    location = access_location(access, location_id, permission=RECORD_INSPECTIONS)
    version = standard_version_for_location(location=location)
    if version is None:
        return render(request, "inspections/check_no_standard.html", {"location": location})
    items = items_for_location(version=version, location=location)
    error = None
    occasion = occasion_for_request(access, request)
    if request.method == "POST":
        try:
            client_id = uuid.UUID(request.POST.get("client_id", ""))
        except ValueError:
            client_id = uuid.uuid4()
        submit = occasion.submit if occasion is not None else inspection_submit
        try:
            photos_rate_check(request)
            inspection, created = submit(
                location=location,
                version=version,
                findings=_findings_from_post(request, access, items),
                client_id=client_id,
                inspector=access.person,
                submitted_by=request.user,
                level=request.POST.get("level") or None,
                note=request.POST.get("note", "").strip()[:2000],
            )
        except ValidationError as failure:
            error = " ".join(failure.messages)
        else:
            if created:
                messages.success(request, _("The check was saved."))
            else:
                messages.info(request, _("This check had already been saved."))
            return redirect(
                "inspections:inspection-detail",
                org=access.organisation.slug,
                inspection_id=inspection.pk,
            )
    sections: dict[str, list] = {}
    for item in items:
        sections.setdefault(item.section, []).append(item)
    return render(
        request,
        "inspections/check.html",
        {
            "location": location,
            "version": version,
            "sections": sections,
            "client_id": request.POST.get("client_id") or uuid.uuid4(),
            "holder": unit_responsible_for(location=location, on=timezone.localdate()),
            "units": Unit.objects.filter(organisation=access.organisation, is_active=True),
            "error": error,
            "posted": request.POST,
            "occasion": occasion,
        },
    )


@org_view(VIEW_INSPECTIONS)
def inspection_detail(request, access, inspection_id: int):
    inspection = access_inspection(access, inspection_id, permission=VIEW_INSPECTIONS)
    findings = (
        inspection.findings.select_related("item", "unit", "task", "spot_fix", "referral")
        .prefetch_related("photos")
        .order_by("id")
    )
    now = timezone.now()
    may_void = (
        inspection.voided_at is None
        and access.can(RECORD_INSPECTIONS)
        and inspection_void_refusal(access, inspection, now=now) is None
    )
    return render(
        request,
        "inspections/inspection_detail.html",
        {
            "now": now,
            "inspection": inspection,
            "findings": findings,
            "may_void": may_void,
        },
    )


@org_view(RECORD_INSPECTIONS)
def inspection_void_page(request, access, inspection_id: int):
    """Void the check (作废) with the reason the form gives, after its confirmation."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    detail = redirect(
        "inspections:inspection-detail", org=access.organisation.slug, inspection_id=inspection_id
    )
    now = timezone.now()
    try:
        inspection = access_inspection_to_void(access, inspection_id, now=now)
        inspection_void(
            inspection=inspection, reason=request.POST.get("reason", ""), by=request.user, now=now
        )
    except (PermissionDenied, ValidationError) as refused:
        message = refused.args[0] if isinstance(refused, PermissionDenied) and refused.args else ""
        if isinstance(refused, ValidationError):
            message = " ".join(refused.messages)
        messages.error(request, message or _("You do not have permission to do this."))
    else:
        messages.success(request, _("The check was voided."))
    return detail


@org_view(VIEW_INSPECTIONS)
def finding_photo(request, access, photo_id: int):
    photo = access_finding_photo(access, photo_id, permission=VIEW_INSPECTIONS)
    try:
        return FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    except FileNotFoundError:
        raise Http404 from None


@org_view(VIEW_INSPECTIONS)
def findings_list(request, access):
    lines = FindingLines(organisation=access.organisation, params=request.GET)
    page = paginate(request, lines)
    return render(
        request,
        "inspections/findings_list.html",
        {
            "page": page,
            "query": query_without_page(request),
            "filters": request.GET,
            "chips": filter_chips(request, access.organisation),
        },
    )


@dataclass(frozen=True, slots=True)
class RankingLine:
    row: selectors.UnitRow
    link: str
    score: str
    basis: str
    deductions: str
    bonus: str
    change: Decimal | None

    @property
    def change_text(self) -> str:
        return change_text(self.change)


RANKING_HEADERS = ["单位类别", "名次", "单位", "得分", "得分说明", "较上期", "检查次数", "问题数", "扣分", "加分", "亮点"]  # fmt: skip


@org_view(VIEW_INSPECTIONS)
def ranking(request, access):
    """The units by score over a period, one ranking per kind of unit, the units not checked
    apart. Its workbook is written at once whatever its size: one row per unit of the
    organisation (never thousands), figures the page computes in full."""
    period, error = period_of(request.GET)
    area_type_id = id_param(request.GET.get("area_type", ""))
    policy = selectors.board_policy(organisation=access.organisation)
    standings = selectors.unit_standings(
        organisation=access.organisation, period=period, area_type_id=area_type_id, policy=policy
    )
    previous = {
        row.unit.pk: row.score
        for row in selectors.unit_ranking(
            organisation=access.organisation,
            period=period_previous(period),
            area_type_id=area_type_id,
            policy=policy,
        )
    }
    kinds = dict(UnitKind.choices)
    if wants_workbook(request):
        rows = [
            (kinds.get(r.unit.kind, r.unit.kind), r.rank, r.unit.name, r.score, basis_text(r),
             change_text(scoring.trend(r.score, previous.get(r.unit.pk))), r.checks, r.problems,
             r.deductions, r.bonus, r.highlights)
            for r in standings.ranked
        ] + [
            (kinds.get(r.unit.kind, r.unit.kind), None, r.unit.name, None, _("not checked"), "",
             0, r.problems, r.deductions, r.bonus, r.highlights)
            for r in standings.unchecked
        ]  # fmt: skip
        return workbook_response(
            f"{access.organisation.slug}-排名-{period.label}.xlsx", "排名", RANKING_HEADERS, rows
        )
    area_types = list(AreaType.objects.filter(organisation=access.organisation))
    # Each row's link and numbers made here, not by template tags and filters for every row.
    findings_url = reverse("inspections:findings", kwargs={"org": access.organisation.slug})
    query = f"?period={quote(period.label)}" + (
        f"&area_type={area_type_id}" if area_type_id else ""
    )

    def line(row):
        return RankingLine(
            row=row,
            link=f"{findings_url}{query}&unit={row.unit.pk}",
            score="" if row.score is None else tenths_text(row.score),
            basis=basis_text(row),
            deductions=tenths_text(row.deductions),
            bonus=tenths_text(row.bonus),
            change=scoring.trend(row.score, previous.get(row.unit.pk)),
        )

    groups = [
        {"kind": kind, "label": label, "table": [line(r) for r in ranked], "unchecked": unchecked}
        for kind, label, ranked, unchecked in standings.by_kind()
    ]
    today = timezone.localdate()
    return render(
        request,
        "inspections/ranking.html",
        {
            "period": period,
            "until": until_text(standings),
            "error": error,
            "groups": groups,
            "area_types": area_types,
            "area_type_id": area_type_id,
            "shortcuts": [
                (_("This week"), week_key(today)),
                (_("This month"), month_key(today)),
                (_("This year"), str(today.year)),
            ],
            "missed": checks_missed(organisation=access.organisation, period=period).count(),
        },
    )


@org_view(VIEW_INSPECTIONS)
def bulletin(request, access):
    period, error = period_of(request.GET)
    if period.kind != "week":
        period, error = period_parse(week_key(period.start)), error
    return render(
        request,
        "inspections/bulletin.html",
        {
            "period": period,
            "error": error,
            "bulletin": selectors.weekly_bulletin(organisation=access.organisation, week=period),
            "previous": period_previous(period),
        },
    )


@org_view(IMPORT_DATA)
def findings_import_page(request, access):
    access.require(RECORD_INSPECTIONS)
    form = ImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            started = import_start(
                organisation=access.organisation,
                kind="findings",
                upload=form.cleaned_data["file"],
                by=request.user,
                options=["allow_duplicates"] if request.POST.get("allow_duplicates") else [],
            )
        except ImportRejected as rejected:
            errors = rejected_lines(rejected)
        else:
            return import_started_redirect(request, access, started, "findings")
    return render(request, "inspections/findings_import.html", {"form": form, "errors": errors})


@org_view(EXPORT_DATA)
def findings_export_file(request, access):
    """The findings of the list's filters: the workbook at once, or, past
    BAOZHANG_EXPORT_BACKGROUND_ROWS rows, to the page of the job that writes it."""
    access.require(VIEW_INSPECTIONS)
    file_name = f"{access.organisation.slug}-检查记录.xlsx"
    started = export_start(
        organisation=access.organisation,
        kind="findings",
        params=request.GET,
        by=request.user,
        file_name=file_name,
    )
    return export_started_response(request, access, started, file_name)


@org_view(IMPORT_DATA)
def findings_template(request, access):
    buffer = io.BytesIO()
    write_workbook(buffer, [("检查记录", [column.header for column in COLUMNS], [])])
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''" + quote("检查记录-模板.xlsx")
    return response


@org_view(VIEW_INSPECTIONS)
def checks_list(request, access):
    """The checks behind a report's numbers, counted as far as the period has run: planned,
    done, missed, still within their time, or done outside the plan (workbooks.checks_listed)."""
    if wants_workbook(request):
        return list_workbook_response(request, access, "checks")
    checks = checks_listed(organisation=access.organisation, params=request.GET)
    return render(
        request,
        "inspections/checks_list.html",
        {
            "page": paginate(request, checks.rows),
            "state": checks.state,
            "states": [
                ("planned", _("Checks planned")),
                ("done", _("Checks done")),
                ("missed", _("Checks missed")),
                ("open", _("Checks still within their time")),
                ("unscheduled", _("Checks outside the plan")),
            ],
            "period": checks.period,
            "error": checks.error,
            "chips": filter_chips(request, access.organisation, ("site", "unit", "area_type")),
        },
    )
