"""Standards pages: list, detail with versions, the standard's form, items editor, Excel."""

import io
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from baozhang.core.pagination import paginate
from baozhang.core.xlsx import ImportRejected, wants_workbook, write_workbook
from baozhang.orgs.decorators import org_view
from baozhang.orgs.forms import errors_to_fields
from baozhang.orgs.history import history_entries
from baozhang.orgs.permissions import MANAGE_STANDARDS, VIEW_HISTORY, VIEW_SETUP
from baozhang.orgs.views import list_workbook_response
from baozhang.standards.access import access_standard
from baozhang.standards.forms import ItemFormSet, ItemsUploadForm, StandardForm
from baozhang.standards.selectors import (
    standard_current_version,
    standard_version_histories,
    standard_versions_with_use,
)
from baozhang.standards.services import ItemInput, standard_save, standard_save_items
from baozhang.standards.spreadsheets import COLUMNS, standard_export, standard_import
from baozhang.standards.workbooks import standards_listed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(filename: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@org_view(VIEW_SETUP)
def standard_list(request, access):
    if wants_workbook(request):
        return list_workbook_response(request, access, "standards")
    term = request.GET.get("q", "").strip()
    standards = standards_listed(organisation=access.organisation, term=term)
    return render(
        request,
        "standards/standard_list.html",
        {"page": paginate(request, standards), "q": term},
    )


@org_view(VIEW_SETUP)
def standard_detail(request, access, standard_id: int):
    standard = access_standard(access, standard_id, permission=VIEW_SETUP)
    versions = standard_versions_with_use(standard=standard)
    number = request.GET.get("version", "")
    shown = next(
        (v for v in versions if str(v.number) == number), versions[0] if versions else None
    )
    sections: dict[str, list] = {}
    if shown is not None:
        for item in shown.items.prefetch_related("area_types"):
            sections.setdefault(item.section, []).append(item)
    return render(
        request,
        "standards/standard_detail.html",
        {
            "standard": standard,
            "versions": [(version, version.inspection_count) for version in versions],
            "shown": shown,
            "sections": sections,
            "can_manage": access.can(MANAGE_STANDARDS),
            "can_view_history": access.can(VIEW_HISTORY),
        },
    )


@org_view(MANAGE_STANDARDS)
def standard_form(request, access, standard_id: int | None = None):
    standard = (
        access_standard(access, standard_id, permission=MANAGE_STANDARDS) if standard_id else None
    )
    version = standard_current_version(standard=standard) if standard else None
    form = StandardForm(
        request.POST or None,
        instance=standard,
        organisation=access.organisation,
        version=version,
    )
    if request.method == "POST" and form.is_valid():
        try:
            version = standard_save(
                standard=form.instance,
                area_types=form.cleaned_data["area_types"],
                by=request.user,
                **{
                    name: form.cleaned_data[name]
                    for name in ("base_score", "floor_score", "red_line_rule", "red_line_score")
                },
            )
        except ValidationError as error:
            form.add_error(None, errors_to_fields(error, form.fields))
        else:
            messages.success(request, _("Saved."))
            target = "standards:standard-detail"
            if not version.items.exists():
                target = "standards:standard-items"
            return redirect(target, org=access.organisation.slug, standard_id=version.standard_id)
    return render(request, "standards/standard_form.html", {"form": form, "standard": standard})


@org_view(MANAGE_STANDARDS)
def standard_items(request, access, standard_id: int):
    standard = access_standard(access, standard_id, permission=MANAGE_STANDARDS)
    current = standard_current_version(standard=standard)
    initial = [
        {
            "section": item.section,
            "text": item.text,
            "kind": item.kind,
            "points": item.points,
            "cap": item.cap,
        }
        for item in (current.items.all() if current else [])
    ]
    # Bound without initial data: a row left as it was must count as a row, not as unchanged.
    if request.method == "POST":
        formset = ItemFormSet(request.POST, prefix="items")
    else:
        formset = ItemFormSet(initial=initial, prefix="items")
    error = None
    if request.method == "POST" and formset.is_valid():
        items = [
            ItemInput(
                section=data["section"],
                text=data["text"],
                kind=data["kind"],
                points=data["points"],
                cap=data.get("cap"),
            )
            for data in formset.cleaned_data
            if data and not data.get("DELETE")
        ]
        try:
            version = standard_save_items(standard=standard, items=items, by=request.user)
        except ValidationError as failure:
            error = " ".join(failure.messages)
        else:
            messages.success(
                request, _("Saved as version %(number)s.") % {"number": version.number}
            )
            return redirect(
                "standards:standard-detail", org=access.organisation.slug, standard_id=standard.pk
            )
    return render(
        request,
        "standards/standard_items.html",
        {"standard": standard, "formset": formset, "error": error, "current": current},
    )


@org_view(MANAGE_STANDARDS)
def standard_items_import(request, access, standard_id: int):
    standard = access_standard(access, standard_id, permission=MANAGE_STANDARDS)
    form = ItemsUploadForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            version = standard_import(
                standard=standard, upload=form.cleaned_data["file"], by=request.user
            )
        except ImportRejected as rejected:
            errors = [str(error) for error in rejected.errors]
        except ValidationError as failure:
            errors = failure.messages
        else:
            messages.success(
                request,
                _("Imported %(count)s items as version %(number)s.")
                % {"count": version.items.count(), "number": version.number},
            )
            return redirect(
                "standards:standard-detail", org=access.organisation.slug, standard_id=standard.pk
            )
    return render(
        request,
        "standards/standard_import.html",
        {"standard": standard, "form": form, "errors": errors},
    )


@org_view(VIEW_SETUP)
def standard_items_export(request, access, standard_id: int):
    standard = access_standard(access, standard_id, permission=VIEW_SETUP)
    buffer = io.BytesIO()
    standard_export(standard=standard, target=buffer)
    return _xlsx(f"{standard.code}-{standard.name}.xlsx", buffer.getvalue())


@org_view(VIEW_SETUP)
def standard_template(request, access):
    buffer = io.BytesIO()
    write_workbook(buffer, [("检查标准", [column.header for column in COLUMNS], [])])
    return _xlsx("检查标准-模板.xlsx", buffer.getvalue())


@org_view(VIEW_HISTORY)
def standard_history(request, access, standard_id: int):
    standard = access_standard(access, standard_id, permission=VIEW_HISTORY)
    entries = history_entries(standard.history.all())
    entries.extend(history_entries(standard_version_histories(standard=standard)))
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return render(
        request, "standards/standard_history.html", {"standard": standard, "entries": entries}
    )
