"""Notice board settings, red-flag history, the public board and the QR label sheet."""

import hashlib
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django_scopes import scope
from weasyprint import HTML

from baozhang.core.forms import StyledFormMixin
from baozhang.core.periods import period_parse, period_previous, week_key
from baozhang.core.public_pages import public_page
from baozhang.core.xlsx import wants_workbook
from baozhang.inspections import selectors
from baozhang.inspections.board import board_enable, board_policy_ensure, qr_data_uri, qr_svg
from baozhang.inspections.models import BoardPolicy, RedFlag
from baozhang.inspections.workbooks import red_flags_of, red_flags_period
from baozhang.orgs.decorators import org_view
from baozhang.orgs.entities import LOCATIONS
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
            "board_enabled",
        ]


@org_view(MANAGE_BOARD)
def board_settings(request, access):
    if request.method == "POST":
        policy = board_policy_ensure(organisation=access.organisation)
    else:
        policy = selectors.board_policy(organisation=access.organisation)
    form = BoardPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        policy = form.save(commit=False)
        policy = board_enable(
            policy=policy,
            enabled=form.cleaned_data["board_enabled"],
            new_link=form.cleaned_data["new_link"],
        )
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
        {"form": form, "link": link, "qr": qr_svg(link) if link else None},
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
    return render(
        request,
        "inspections/red_flags.html",
        {
            "period": period,
            "error": error,
            "flags": flags,
            "counts": sorted(counts.items(), key=lambda pair: (-pair[1], pair[0].code)),
        },
    )


def public_board(request, token: str):
    """The notice board for a TV or a phone: no sign-in, no names of people. Kept in the cache
    for BAOZHANG_PUBLIC_PAGE_SECONDS, per board and language, until a check is stored, a finding
    corrected, red flags awarded or the board's settings change (core/public_pages.py); a board
    turned off, or a link made anew, is refused before the cache is read."""
    policy = (
        BoardPolicy.objects.select_related("organisation")
        .filter(board_token=token, board_enabled=True)
        .first()
    )
    if policy is None or not token:
        raise Http404
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
        ranking = selectors.unit_ranking(organisation=organisation, period=week, policy=policy)
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
                "ranking": ranking,
                "flags": flags,
                "bulletin": bulletin,
                "updated": timezone.localtime(),
            },
            request=request,
        )


LABELS_PER_SHEET_LIMIT = 2000


@org_view(VIEW_SETUP)
def location_labels(request, access):
    """A printable A4 PDF of QR labels for the locations of a site, a building or an area type."""
    locations = LOCATIONS.list_queryset(access.organisation, request.GET).filter(is_active=True)
    locations = list(locations.order_by("path")[:LABELS_PER_SHEET_LIMIT])
    labels = [
        (
            location,
            qr_data_uri(
                request.build_absolute_uri(
                    reverse(
                        "inspections:check",
                        kwargs={"org": access.organisation.slug, "location_id": location.pk},
                    )
                )
            ),
        )
        for location in locations
    ]
    html = render_to_string(
        "inspections/labels.html",
        {"organisation": access.organisation, "labels": labels},
        request=request,
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"{access.organisation.slug}-二维码标签.pdf"
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    return response
