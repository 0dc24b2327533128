"""Notice board settings, red-flag history, the public board and the QR label sheet."""

import hashlib
import io
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django_scopes import scope

from baozhang.core.forms import StyledFormMixin
from baozhang.core.periods import period_parse, period_previous, week_key
from baozhang.core.public_pages import public_page
from baozhang.core.xlsx import wants_workbook
from baozhang.inspections import selectors
from baozhang.inspections.access import access_red_flag_tie
from baozhang.inspections.board import board_enable, board_policy_ensure, qr_svg
from baozhang.inspections.labels import LABELS_DOCUMENT, PDF, labels_pdf_write
from baozhang.inspections.models import BoardPolicy, RedFlag, RedFlagQuota, RedFlagTie
from baozhang.inspections.scores_text import until_text
from baozhang.inspections.services import red_flag_quotas_replace, red_flag_tie_decide
from baozhang.inspections.workbooks import red_flags_of, red_flags_period
from baozhang.orgs.decorators import org_view
from baozhang.orgs.exports import export_filters, list_document_start
from baozhang.orgs.models import AreaType, UnitKind
from baozhang.orgs.permissions import MANAGE_BOARD, VIEW_INSPECTIONS, VIEW_SETUP
from baozhang.orgs.views import list_workbook_response


class BoardPolicyForm(StyledFormMixin, forms.ModelForm):
    new_link = forms.BooleanField(
        label=gettext_lazy("Make a new link (the old one stops working)"), required=False
    )

    class Meta:
        model = BoardPolicy
        fields = [
            "base_score",
            "floor_score",
            "red_flags_per_week",
            "red_flag_scope",
            "red_flag_ties",
            "board_enabled",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["red_flag_ties"].required = False  # left out: kept as it is

    def clean_red_flag_ties(self):
        return self.cleaned_data.get("red_flag_ties") or self.instance.red_flag_ties


class QuotaForm(StyledFormMixin, forms.Form):
    """One kind of unit's red flags per week (in one area type); a blank row is left out."""

    unit_kind = forms.ChoiceField(
        label=gettext_lazy("kind of unit"),
        choices=[("", "")] + list(UnitKind.choices),
        required=False,
    )
    area_type = forms.ModelChoiceField(
        label=gettext_lazy("area type"),
        queryset=AreaType.objects.none(),
        required=False,
        empty_label=gettext_lazy("every area type"),
    )
    flags = forms.IntegerField(
        label=gettext_lazy("red flags per week"), min_value=0, max_value=50, required=False
    )

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area_type"].queryset = AreaType.objects.filter(organisation=organisation)

    def clean(self):
        data = super().clean()
        if data.get("unit_kind") and data.get("flags") is None:
            self.add_error("flags", _("Say how many red flags."))
        if data.get("flags") is not None and not data.get("unit_kind"):
            self.add_error("unit_kind", _("Choose a kind of unit."))
        return data


QuotaFormSet = forms.formset_factory(QuotaForm, extra=2)


def _quota_formset(request, organisation):
    initial = [
        {"unit_kind": q.unit_kind, "area_type": q.area_type_id, "flags": q.flags}
        for q in RedFlagQuota.objects.filter(organisation=organisation)
    ]
    # A form posted without the quotas (a script, a page made before them) leaves them as they are.
    posted = request.method == "POST" and "quota-TOTAL_FORMS" in request.POST
    return QuotaFormSet(
        request.POST if posted else None,
        initial=initial,
        prefix="quota",
        form_kwargs={"organisation": organisation},
    )


@org_view(MANAGE_BOARD)
def board_settings(request, access):
    if request.method == "POST":
        policy = board_policy_ensure(organisation=access.organisation)
    else:
        policy = selectors.board_policy(organisation=access.organisation)
    form = BoardPolicyForm(request.POST or None, instance=policy)
    quotas = _quota_formset(request, access.organisation)
    if request.method == "POST" and form.is_valid() and (not quotas.is_bound or quotas.is_valid()):
        rows = [
            (row["unit_kind"], row["area_type"].pk if row["area_type"] else None, row["flags"])
            for row in (quotas.cleaned_data if quotas.is_bound else [])
            if row.get("unit_kind")
        ]
        try:
            with transaction.atomic():
                if quotas.is_bound:
                    red_flag_quotas_replace(organisation=access.organisation, quotas=rows)
                policy = board_enable(
                    policy=form.save(commit=False),
                    enabled=form.cleaned_data["board_enabled"],
                    new_link=form.cleaned_data["new_link"],
                )
        except ValidationError as error:
            quotas._non_form_errors = quotas.error_class(error.messages)
        else:
            messages.success(request, _("Saved."))
            return redirect("inspections:board-settings", org=access.organisation.slug)
    link = (
        request.build_absolute_uri(reverse("board", kwargs={"token": policy.board_token}))
        if policy.board_enabled and policy.board_token
        else None
    )
    return render(
        request,
        "inspections/board_settings.html",
        {"form": form, "quotas": quotas, "link": link, "qr": qr_svg(link) if link else None},
    )


@org_view(VIEW_INSPECTIONS)
def red_flags(request, access):
    if wants_workbook(request):
        return list_workbook_response(request, access, "red-flags")
    period, error = red_flags_period(request.GET)
    flags = red_flags_of(organisation=access.organisation, period=period)
    counts: dict = {}
    for flag in flags:
        counts[flag.unit] = counts.get(flag.unit, 0) + 1
    ties = (
        RedFlagTie.objects.filter(organisation=access.organisation, decided_at__isnull=True)
        .select_related("area_type")
        .prefetch_related("units")
    )
    return render(
        request,
        "inspections/red_flags.html",
        {
            "period": period,
            "error": error,
            "flags": flags,
            "ties": ties,
            "can_decide": access.can(MANAGE_BOARD),
            "counts": sorted(counts.items(), key=lambda pair: (-pair[1], pair[0].code)),
        },
    )


@org_view(MANAGE_BOARD)
def red_flag_tie(request, access, tie_id: int):
    """The admin's choice among units tied at the cut of a week's red flags (POST only)."""
    tie = access_red_flag_tie(access, tie_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    chosen = [unit for unit in tie.units.all() if str(unit.pk) in request.POST.getlist("unit")]
    try:
        red_flag_tie_decide(tie=tie, units=chosen, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Red flags awarded."))
    return redirect("inspections:red-flags", org=access.organisation.slug)


def public_board(request, token: str):
    """The notice board for a TV or a phone: no sign-in, no names of people. Kept in the cache
    for BAOZHANG_PUBLIC_PAGE_SECONDS, per board and language, until a check is stored, a finding
    corrected, red flags awarded or the board's settings change (core/public_pages.py); a board
    turned off, or a link made anew, is refused before the cache is read, with a page saying so to
    whoever scanned the old QR code."""
    policy = (
        BoardPolicy.objects.select_related("organisation")
        .filter(board_token=token, board_enabled=True)
        .first()
    )
    if policy is None or not token:
        return render(request, "inspections/board_missing.html", status=404)
    board = hashlib.sha256(token.encode()).hexdigest()[:16]
    page = public_page(
        organisation_id=policy.organisation_id,
        key=f"board:{board}:{get_language()}",
        make=lambda: _board_page(request, policy),
    )
    return HttpResponse(page)


def _board_page(request, policy: BoardPolicy) -> str:
    organisation = policy.organisation
    today = timezone.localdate()
    week = period_parse(week_key(today))
    with scope(organisation=organisation):
        standings = selectors.unit_standings(organisation=organisation, period=week, policy=policy)
        last_week = period_previous(week)
        flags = list(
            RedFlag.objects.filter(organisation=organisation, week_key=last_week.label)
            .select_related("unit", "area_type")
            .order_by("area_type__sort_order", "rank")
        )
        bulletin = selectors.weekly_bulletin(organisation=organisation, week=week)
        return render_to_string(
            "inspections/board_public.html",
            {
                "organisation": organisation,
                "week": week,
                "last_week": last_week,
                "standings": standings,
                "until": until_text(standings),
                "flags": flags,
                "bulletin": bulletin,
                "updated": timezone.localtime(),
            },
            request=request,
        )


@org_view(VIEW_SETUP)
def location_labels(request, access):
    """A printable A4 PDF of QR labels for the locations of a site, a building or an area type:
    written at once, or, past BAOZHANG_LABELS_BACKGROUND labels, to the page of the job that
    writes it."""
    origin = request.build_absolute_uri("/")
    job = list_document_start(
        access=access,
        name=LABELS_DOCUMENT,
        params=request.GET,
        origin=origin,
        background_over=settings.LABELS_BACKGROUND,
        file_name=f"{access.organisation.slug}-二维码标签.pdf",
    )
    if job is not None:
        return redirect("orgs:export-job", org=access.organisation.slug, export_job_id=job.pk)
    buffer = io.BytesIO()
    labels_pdf_write(buffer, access=access, filters=export_filters(request.GET), origin=origin)
    response = HttpResponse(buffer.getvalue(), content_type=PDF)
    filename = f"{access.organisation.slug}-二维码标签.pdf"
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    return response
