"""Set-up pages: one list / detail / form / delete / history flow for every set-up record."""

import io
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from baozhang.core.list_documents import list_document_for_kind
from baozhang.core.pagination import paginate, query_without_page
from baozhang.core.selectors import workers_status
from baozhang.core.xlsx import workbook_response
from baozhang.orgs import selectors, services
from baozhang.orgs.access import (
    access_export_job,
    access_import_job,
    access_person,
    organisations_for_user,
)
from baozhang.orgs.decorators import org_view
from baozhang.orgs.entities import ENTITIES, ENTITIES_BY_KEY, PEOPLE, Entity, entity_save
from baozhang.orgs.exports import (
    XLSX,
    ExportStarted,
    export_job_file_response,
    export_start,
    export_title,
    list_export_start,
)
from baozhang.orgs.forms import ImportForm, OrganisationForm, PasswordSetForm, errors_to_fields
from baozhang.orgs.history import history_entries
from baozhang.orgs.imports import ImportStarted, import_start, importable, rejected_lines
from baozhang.orgs.permissions import (
    EXPORT_DATA,
    IMPORT_DATA,
    MANAGE_PEOPLE,
    MANAGE_SETUP,
    VIEW_HISTORY,
    VIEW_SETUP,
)
from baozhang.orgs.spreadsheets import (
    IMPORT_KINDS,
    KIND_TITLES,
    SHEET_NAMES,
    ImportRejected,
    template_workbook,
)


@login_required
def home(request):
    organisations = organisations_for_user(request.user)
    if len(organisations) == 1:
        return redirect("orgs:dashboard", org=organisations[0].slug)
    workers = workers_status() if request.user.is_superuser else None
    return render(request, "orgs/home.html", {"organisations": organisations, "workers": workers})


@login_required
def organisation_create(request):
    if not request.user.is_superuser:
        raise PermissionDenied
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organisation = services.organisation_create(
            slug=form.cleaned_data["slug"],
            name=form.cleaned_data["name"],
            kind=form.cleaned_data["kind"],
            by=request.user,
        )
        messages.success(request, _("Organisation created."))
        return redirect("orgs:dashboard", org=organisation.slug)
    return render(request, "orgs/organisation_form.html", {"form": form})


@org_view(VIEW_SETUP)
def dashboard(request, access):
    counts = selectors.setup_counts(organisation=access.organisation)
    cards = [
        (entity, counts[entity.key]) for entity in ENTITIES if access.can(entity.view_permission)
    ]
    # The background worker's heartbeat, for those who set the organisation up.
    workers = workers_status() if access.can(MANAGE_SETUP) else None
    return render(request, "orgs/dashboard.html", {"cards": cards, "workers": workers})


def _context(access, entity: Entity, **extra):
    record = extra.get("record")
    if record is not None:
        extra.update(
            {
                f"{action}_url": entity.url(action, record)
                for action in ("detail", "edit", "delete", "history")
            }
        )
    return {
        "entity": entity,
        "can_manage": access.can(entity.manage_permission),
        "can_view_history": access.can(VIEW_HISTORY),
        "import_kinds": IMPORT_KINDS,
        **extra,
    }


def entity_list(request, access, *, entity: Entity):
    queryset = entity.list_queryset(access.organisation, request.GET)
    page = paginate(request, queryset)
    rows = [
        (
            record,
            entity.url("detail", record),
            [selectors.attribute(record, path) for _label, path in entity.columns],
        )
        for record in page
    ]
    filters = [
        (
            list_filter,
            list_filter.choices(access.organisation),
            request.GET.get(list_filter.param, ""),
        )
        for list_filter in entity.filters
    ]
    context = _context(
        access,
        entity,
        page=page,
        rows=rows,
        filters=filters,
        query=query_without_page(request),
        q=request.GET.get("q", ""),
        total=page.paginator.count,
    )
    template = (
        "orgs/_entity_rows.html" if request.headers.get("HX-Request") else "orgs/entity_list.html"
    )
    return render(request, template, context)


def entity_detail(request, access, *, entity: Entity, record_id: int):
    record = entity.gate(access, record_id, permission=entity.view_permission)
    fields = selectors.record_fields(record, entity.form)
    return render(
        request, "orgs/entity_detail.html", _context(access, entity, record=record, fields=fields)
    )


def entity_form(request, access, *, entity: Entity, record_id: int | None = None):
    access.require(entity.manage_permission)
    record = (
        entity.gate(access, record_id, permission=entity.manage_permission) if record_id else None
    )
    form = entity.form(request.POST or None, instance=record, organisation=access.organisation)
    if request.method == "POST" and form.is_valid():
        try:
            saved = entity_save(entity, form=form, by=request.user)
        except ValidationError as error:
            form.add_error(None, errors_to_fields(error, form.fields))
        else:
            messages.success(request, _("Saved."))
            return redirect(entity.url("detail", saved))
    return render(
        request, "orgs/entity_form.html", _context(access, entity, form=form, record=record)
    )


@require_POST
def entity_delete(request, access, *, entity: Entity, record_id: int):
    record = entity.gate(access, record_id, permission=entity.manage_permission)
    try:
        services.record_delete(record=record, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(entity.url("detail", record))
    messages.success(request, _("Deleted."))
    return redirect(f"orgs:{entity.key}-list", org=access.organisation.slug)


def entity_history(request, access, *, entity: Entity, record_id: int):
    record = entity.gate(access, record_id, permission=VIEW_HISTORY)
    histories = record.history.all()
    entries = history_entries(histories)
    if entity is PEOPLE:
        for membership_history in selectors.membership_histories(person=record):
            entries.extend(history_entries(membership_history))
        entries.sort(key=lambda entry: entry.when, reverse=True)
    return render(
        request,
        "orgs/entity_history.html",
        _context(access, entity, record=record, entries=entries),
    )


def entity_views(entity: Entity):
    """The five views of one entity, each behind the gate with the entity's permission."""

    def bind(view, permission):
        @org_view(permission)
        def bound(request, access, **kwargs):
            if entity.id_kwarg in kwargs:
                kwargs["record_id"] = kwargs.pop(entity.id_kwarg)
            return view(request, access, entity=entity, **kwargs)

        bound.__name__ = f"{entity.key}_{view.__name__}"
        return bound

    return {
        "list": bind(entity_list, entity.view_permission),
        "detail": bind(entity_detail, entity.view_permission),
        "form": bind(entity_form, entity.view_permission),
        "delete": bind(entity_delete, entity.view_permission),
        "history": bind(entity_history, entity.view_permission),
    }


@org_view(MANAGE_PEOPLE)
@require_POST
def person_password(request, access, person_id: int):
    person = access_person(access, person_id, permission=MANAGE_PEOPLE)
    form = PasswordSetForm(request.POST)
    if form.is_valid():
        try:
            services.person_set_password(
                person=person, password=form.cleaned_data["password"], by=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The password was set."))
    else:
        messages.error(request, _("Enter a password."))
    return redirect(PEOPLE.url("detail", person))


def _xlsx_response(filename: str) -> tuple[HttpResponse, HttpResponse]:
    response = HttpResponse(content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response, response


@org_view(IMPORT_DATA)
def import_page(request, access):
    kind = request.POST.get("kind") or request.GET.get("kind") or "locations"
    if kind not in IMPORT_KINDS:
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            started = import_start(
                organisation=access.organisation,
                kind=kind,
                upload=form.cleaned_data["file"],
                by=request.user,
            )
        except ImportRejected as rejected:
            errors = rejected_lines(rejected)
        else:
            return import_started_redirect(request, access, started, kind)
    kinds = [(key, KIND_TITLES[key]) for key in IMPORT_KINDS]
    return render(
        request, "orgs/import.html", {"form": form, "kind": kind, "kinds": kinds, "errors": errors}
    )


def import_started_redirect(request, access, started: ImportStarted, kind: str):
    """To the job's page for an import in the background, else to the records imported."""
    if started.job is not None:
        return redirect(
            "orgs:import-job", org=access.organisation.slug, import_job_id=started.job.pk
        )
    messages.success(
        request,
        _("Imported: %(created)s new, %(updated)s updated.")
        % {"created": started.created, "updated": started.updated},
    )
    return redirect(importable(kind).records_url, org=access.organisation.slug)


@org_view(IMPORT_DATA)
def import_job(request, access, import_job_id: int):
    """A workbook imported in the background: a progress bar that the page refreshes until the
    job ends, then what was imported, or the problems of the rows."""
    job = access_import_job(access, import_job_id, permission=IMPORT_DATA)
    transfer = importable(job.kind)
    template = (
        "orgs/_import_job.html" if request.headers.get("HX-Request") else "orgs/import_job.html"
    )
    return render(
        request,
        template,
        {
            "job": job,
            "title": transfer.title if transfer else job.kind,
            "records_url": reverse(transfer.records_url, kwargs={"org": access.organisation.slug})
            if transfer and transfer.records_url
            else "",
            "errors_hidden": job.row_errors_total - len(job.row_errors),
        },
    )


@org_view(IMPORT_DATA)
def import_template(request, access, kind: str):
    if kind not in IMPORT_KINDS:
        raise Http404
    response, target = _xlsx_response(f"{SHEET_NAMES[kind]}-模板.xlsx")
    buffer = io.BytesIO()
    template_workbook(kind=kind, target=buffer)
    target.write(buffer.getvalue())
    return response


@org_view(EXPORT_DATA)
def export(request, access, kind: str):
    if kind not in IMPORT_KINDS:
        raise Http404
    access.require(ENTITIES_BY_KEY[kind].view_permission)
    file_name = f"{access.organisation.slug}-{SHEET_NAMES[kind]}.xlsx"
    started = export_start(
        organisation=access.organisation,
        kind=kind,
        params=request.GET,
        by=request.user,
        file_name=file_name,
    )
    return export_started_response(request, access, started, file_name)


def export_started_response(request, access, started: ExportStarted, file_name: str):
    """The workbook written at once, or to the page of the job that writes it."""
    if started.job is not None:
        return redirect(
            "orgs:export-job", org=access.organisation.slug, export_job_id=started.job.pk
        )
    response, target = _xlsx_response(file_name)
    target.write(started.content)
    return response


def list_workbook_response(request, access, name: str):
    """A list page as a workbook (core/list_workbooks.py): written at once, or, past
    BAOZHANG_EXPORT_BACKGROUND_ROWS rows, to the page of the job that writes it."""
    sheet, job = list_export_start(access=access, name=name, params=request.GET)
    if job is not None:
        return redirect("orgs:export-job", org=access.organisation.slug, export_job_id=job.pk)
    return workbook_response(sheet.file_name, sheet.sheet, sheet.headers, sheet.rows)


# Every role may see some list (VIEW_SETUP); the gate asks what the job's own export needs: the
# right to export (and to see the kind's records), or the right to see the list.
@org_view(VIEW_SETUP)
def export_job(request, access, export_job_id: int):
    """A workbook written in the background: a progress bar that the page refreshes until the
    job ends, then the link to the file (until it expires)."""
    job = access_export_job(access, export_job_id, permission=EXPORT_DATA)
    template = (
        "orgs/_export_job.html" if request.headers.get("HX-Request") else "orgs/export_job.html"
    )
    context = {
        "job": job,
        "title": export_title(job.kind),
        "is_document": list_document_for_kind(job.kind) is not None,
    }
    return render(request, template, context)


@org_view(VIEW_SETUP)
def export_job_file(request, access, export_job_id: int):
    """The file of an export job that is done, until it expires."""
    job = access_export_job(access, export_job_id, permission=EXPORT_DATA)
    return export_job_file_response(job)
