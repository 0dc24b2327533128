"""Set-up records over JSON: one list / create / read / update / delete / history set per entity.

Every operation goes through the same gate as the pages (``access_organisation`` and the record
gates) and writes through the same forms and services, so the API can do nothing a page cannot.
"""

import io
import math
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.urls import reverse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field, create_model

from baozhang.core import api as shared
from baozhang.core.api import ApiValidationError, validation_errors
from baozhang.core.models import JobStatus
from baozhang.orgs import schemas, services
from baozhang.orgs.access import (
    OrgAccess,
    access_export_job,
    access_import_job,
    org_scope,
    request_access,
)
from baozhang.orgs.entities import (
    AREA_TYPES,
    ASSIGNMENTS,
    LOCATIONS,
    PEOPLE,
    SITES,
    UNITS,
    Entity,
    entity_save,
)
from baozhang.orgs.exports import export_job_file_response, export_start
from baozhang.orgs.forms import errors_to_fields
from baozhang.orgs.history import history_entries
from baozhang.orgs.imports import import_start, importable
from baozhang.orgs.models import ExportJob, ImportJob
from baozhang.orgs.permissions import EXPORT_DATA, IMPORT_DATA, MANAGE_PEOPLE, VIEW_HISTORY
from baozhang.orgs.selectors import membership_histories
from baozhang.orgs.spreadsheets import (
    IMPORT_KINDS,
    SHEET_NAMES,
    ImportRejected,
    template_workbook,
)

router = Router(tags=["set-up"])

PAGE_SIZE = 50
PAGE_SIZE_MAX = 500
PAGE_MAX = 1_000_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Resource:
    entity: Entity
    out: type[Schema]
    create: type[Schema]
    patch: type[Schema]
    name: str  # singular, for operation ids


RESOURCES = [
    Resource(SITES, schemas.SiteOut, schemas.SiteIn, schemas.SitePatch, "site"),
    Resource(
        AREA_TYPES, schemas.AreaTypeOut, schemas.AreaTypeIn, schemas.AreaTypePatch, "area_type"
    ),
    Resource(LOCATIONS, schemas.LocationOut, schemas.LocationIn, schemas.LocationPatch, "location"),
    Resource(UNITS, schemas.UnitOut, schemas.UnitIn, schemas.UnitPatch, "unit"),
    Resource(
        ASSIGNMENTS,
        schemas.AssignmentOut,
        schemas.AssignmentIn,
        schemas.AssignmentPatch,
        "responsibility",
    ),
    Resource(PEOPLE, schemas.PersonOut, schemas.PersonIn, schemas.PersonPatch, "person"),
]


# Reading ---------------------------------------------------------------------------------------


def record_out(entity: Entity, record) -> dict:
    """A record as its Out schema's fields."""
    if entity is PEOPLE:
        return {
            "id": record.pk,
            "name": record.name,
            "phone": record.phone,
            "email": record.email,
            "is_active": record.is_active,
            "username": record.user.username if record.user_id else None,
            "memberships": [
                {"role": membership.role, "unit_id": membership.unit_id}
                for membership in record.memberships.all()
            ],
        }
    data = {
        field.attname: getattr(record, field.attname)
        for field in record._meta.concrete_fields
        if field.name not in {"organisation", "created_at", "updated_at"}
    }
    if entity is LOCATIONS:
        data["label"] = str(record)
    return data


def _list_query(entity: Entity) -> type[Schema]:
    """The query parameters of a list: search, the entity's own filters, page."""
    fields = {
        "q": (str | None, Field(None, description="Search text.")),
        "page": (int, Field(1, ge=1, le=PAGE_MAX)),
        "page_size": (int, Field(PAGE_SIZE, ge=1, le=PAGE_SIZE_MAX)),
    }
    for list_filter in entity.filters:
        description = {
            "within": "Tree path of a building or floor: the locations under it.",
            "active": "1 for active records, 0 for inactive ones.",
        }.get(list_filter.param, f"Filter by {list_filter.param} (its id or value).")
        fields[list_filter.param] = (str | None, Field(None, description=description))
    name = "".join(part.title() for part in entity.key.split("-")) + "Query"
    return create_model(name, __base__=Schema, **fields)


def _list_out(resource: Resource) -> type[Schema]:
    name = resource.out.__name__.removesuffix("Out") + "List"
    return create_model(name, __base__=shared.Page, results=(list[resource.out], ...))


# Writing ---------------------------------------------------------------------------------------


def _form_name(api_name: str) -> str:
    return api_name.removesuffix("_id")


def _api_name(resource: Resource, form_name: str | None) -> str | None:
    if form_name in (None, "__all__"):
        return None
    if f"{form_name}_id" in resource.create.model_fields:
        return f"{form_name}_id"
    return form_name


def save_record(resource: Resource, access: OrgAccess, payload: Schema, record=None):
    """Validate the payload with the entity's form and save it with its service; all or nothing."""
    entity = resource.entity
    current = entity.form(instance=record, organisation=access.organisation)
    data = {name: current.initial.get(name) for name in current.fields}
    for name, value in payload.dict(exclude_unset=record is not None).items():
        data[_form_name(name)] = value
    data = {name: "" if value is None else value for name, value in data.items()}
    form = entity.form(data, instance=record, organisation=access.organisation)
    if not form.is_valid():
        raise ApiValidationError(
            [
                {"field": _api_name(resource, name), "message": str(message)}
                for name, messages in form.errors.items()
                for message in messages
            ]
        )
    try:
        saved = entity_save(entity, form=form, by=access.user)
    except ValidationError as error:
        error = errors_to_fields(error, form.fields)
        raise ApiValidationError(
            validation_errors(error, lambda name: _api_name(resource, name))
        ) from error
    return type(saved).objects.get(pk=saved.pk)


# The operations --------------------------------------------------------------------------------


def register(resource: Resource) -> None:
    entity = resource.entity
    base = f"/orgs/{{org}}/{entity.key}"
    query_schema = _list_query(entity)
    list_schema = _list_out(resource)
    name = resource.name
    title = str(entity.title)

    @router.get(
        base,
        response=shared.answers({200: list_schema}),
        operation_id=f"{name}_list",
        summary=f"List {entity.key}",
        description=f"{title}: search with q, filter, page through the results.",
    )
    def list_records(request, org: str, filters: Query[query_schema]):
        access = request_access(request, org, entity.view_permission)
        params = {key: value for key, value in filters.dict().items() if value is not None}
        with org_scope(access):
            queryset = entity.list_queryset(access.organisation, params)
            count = queryset.count()
            start = (filters.page - 1) * filters.page_size
            records = list(queryset[start : start + filters.page_size])
            return {
                "count": count,
                "page": filters.page,
                "pages": max(1, math.ceil(count / filters.page_size)),
                "results": [record_out(entity, record) for record in records],
            }

    @router.post(
        base,
        response=shared.answers({201: resource.out, 422: shared.ValidationErrors}),
        operation_id=f"{name}_create",
        summary=f"Create a {name.replace('_', ' ')}",
    )
    def create_record(request, org: str, payload: resource.create):
        access = request_access(request, org, entity.manage_permission)
        with org_scope(access):
            record = save_record(resource, access, payload)
            return Status(201, record_out(entity, record))

    @router.get(
        f"{base}/{{id}}",
        response=shared.answers({200: resource.out}),
        operation_id=f"{name}_read",
        summary=f"Read a {name.replace('_', ' ')}",
    )
    def read_record(request, org: str, id: int):  # noqa: A002 - the path parameter's name
        access = request_access(request, org, entity.view_permission)
        with org_scope(access):
            return record_out(entity, entity.gate(access, id, permission=entity.view_permission))

    @router.patch(
        f"{base}/{{id}}",
        response=shared.answers({200: resource.out, 422: shared.ValidationErrors}),
        operation_id=f"{name}_update",
        summary=f"Change a {name.replace('_', ' ')}",
        description="Only the fields sent are changed.",
    )
    def update_record(request, org: str, id: int, payload: resource.patch):  # noqa: A002
        access = request_access(request, org, entity.manage_permission)
        with org_scope(access):
            record = save_record(
                resource,
                access,
                payload,
                entity.gate(access, id, permission=entity.manage_permission),
            )
            return Status(200, record_out(entity, record))

    @router.delete(
        f"{base}/{{id}}",
        response=shared.answers({204: None, 422: shared.ValidationErrors}),
        operation_id=f"{name}_delete",
        summary=f"Delete a {name.replace('_', ' ')}",
        description="A record still used by others is refused; deactivate it instead.",
    )
    def delete_record(request, org: str, id: int):  # noqa: A002
        access = request_access(request, org, entity.manage_permission)
        with org_scope(access):
            record = entity.gate(access, id, permission=entity.manage_permission)
            try:
                services.record_delete(record=record, by=access.user)
            except ValidationError as error:
                raise ApiValidationError(validation_errors(error)) from error
            return Status(204, None)

    @router.get(
        f"{base}/{{id}}/history",
        response=shared.answers({200: list[schemas.HistoryOut]}),
        operation_id=f"{name}_history",
        summary=f"History of a {name.replace('_', ' ')}",
        description="Every change: who, when, each field before and after; newest first.",
    )
    def record_history(request, org: str, id: int):  # noqa: A002
        access = request_access(request, org, entity.view_permission)
        with org_scope(access):
            record = entity.gate(access, id, permission=VIEW_HISTORY)
            entries = history_entries(record.history.all())
            if entity is PEOPLE:
                for histories in membership_histories(person=record):
                    entries.extend(history_entries(histories))
                entries.sort(key=lambda entry: entry.when, reverse=True)
            return [
                {
                    "when": entry.when,
                    "who": entry.who,
                    "action": entry.kind,
                    "action_label": entry.action,
                    "record": entry.record,
                    "changes": [change.__dict__ for change in entry.changes],
                }
                for entry in entries
            ]


for _resource in RESOURCES:
    register(_resource)


@router.post(
    "/orgs/{org}/people/{id}/password",
    response=shared.answers({204: None, 422: shared.ValidationErrors}),
    operation_id="person_set_password",
    summary="Set the password of a person's login",
)
def person_password(request, org: str, id: int, payload: schemas.PasswordIn):  # noqa: A002
    access = request_access(request, org, MANAGE_PEOPLE)
    with org_scope(access):
        person = PEOPLE.gate(access, id, permission=MANAGE_PEOPLE)
        try:
            services.person_set_password(person=person, password=payload.password, by=access.user)
        except ValidationError as error:
            raise ApiValidationError(validation_errors(error)) from error
    return Status(204, None)


# Workbooks -------------------------------------------------------------------------------------


def _kind(kind: str) -> str:
    if kind not in IMPORT_KINDS:
        raise Http404
    return kind


def xlsx_answer(filename: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


KIND_DESCRIPTION = "One of: " + ", ".join(IMPORT_KINDS) + ". The columns are in docs/formats.md."


class ImportJobOut(shared.JobOut):
    kind: str
    file_name: str
    created: int = Field(description="Records created, once done.")
    updated: int = Field(description="Records updated, once done.")
    problems: list[shared.RowErrorOut] = Field(
        description="When the rows were refused: the first 300 problems (nothing was stored)."
    )
    problems_total: int = Field(description="How many problems the rows have in all.")


def import_job_out(job: ImportJob) -> dict:
    return {
        **shared.job_out(job),
        "kind": job.kind,
        "file_name": job.file_name,
        "created": job.records_created,
        "updated": job.records_updated,
        "problems": job.row_errors,
        "problems_total": job.row_errors_total,
    }


@router.post(
    "/orgs/{org}/imports/{kind}",
    response=shared.answers(
        {200: shared.ImportResultOut, 202: ImportJobOut, 422: shared.ImportErrors}
    ),
    operation_id="workbook_import",
    summary="Import a workbook (.xlsx), all rows or none",
    description="One of: locations, units, responsibilities, people, findings (the columns are"
    " in docs/formats.md). A file larger than BAOZHANG_IMPORT_BACKGROUND_KB is imported by the"
    " background worker: the answer is 202 with the job, followed with GET"
    " /orgs/{org}/import-jobs/{id}. allow_duplicates (findings): store the rows that are the same"
    " as a finding already recorded or as an earlier row, which are otherwise refused.",
)
def workbook_import(
    request, org: str, kind: str, file: File[UploadedFile], allow_duplicates: Form[bool] = False
):
    access = request_access(request, org, IMPORT_DATA)
    transfer = importable(kind)
    if transfer is None:
        raise Http404
    if transfer.import_permission:
        access.require(transfer.import_permission)
    with org_scope(access):
        try:
            started = import_start(
                organisation=access.organisation,
                kind=kind,
                upload=file,
                by=access.user,
                options=["allow_duplicates"] if allow_duplicates else [],
            )
        except ImportRejected as rejected:
            return Status(
                422,
                {
                    "detail": [
                        {
                            "row": error.row,
                            "column": error.column,
                            "message": str(error.message),
                            "text": str(error),
                        }
                        for error in rejected.errors
                    ],
                    "total": rejected.total,
                },
            )
    if started.job is not None:
        return Status(202, import_job_out(started.job))
    return Status(200, {"created": started.created, "updated": started.updated})


@router.get(
    "/orgs/{org}/import-jobs/{id}",
    response=shared.answers({200: ImportJobOut}),
    operation_id="import_job_read",
    summary="A workbook imported in the background: its progress, its counts, or its problems",
)
def import_job_read(request, org: str, id: int):  # noqa: A002
    access = request_access(request, org, IMPORT_DATA)
    with org_scope(access):
        return import_job_out(access_import_job(access, id, permission=IMPORT_DATA))


class ExportJobOut(shared.JobOut):
    kind: str
    file_name: str
    rows: int = Field(description="Rows written, once done.")
    download: str = Field(
        description="Once done, the URL of the file (GET), until expires_at; else empty."
    )
    expires_at: datetime | None = Field(description="When the file is removed.")


def export_job_out(job: ExportJob, *, slug: str) -> dict:
    done = job.status == JobStatus.DONE and bool(job.file)
    return {
        **shared.job_out(job),
        "kind": job.kind,
        "file_name": job.file_name,
        "rows": job.rows,
        "download": reverse("api:export_job_file", kwargs={"org": slug, "id": job.pk})
        if done
        else "",
        "expires_at": job.expires_at,
    }


def export_answer(access: OrgAccess, *, kind: str, params, file_name: str):
    """The workbook of the list's filters at once, or 202 with the job that writes it."""
    with org_scope(access):
        started = export_start(
            organisation=access.organisation,
            kind=kind,
            params=params,
            by=access.user,
            file_name=file_name,
        )
    if started.job is not None:
        return Status(202, export_job_out(started.job, slug=access.organisation.slug))
    return xlsx_answer(file_name, started.content)


@router.get(
    "/orgs/{org}/export-jobs/{id}",
    response=shared.answers({200: ExportJobOut}),
    operation_id="export_job_read",
    summary="A workbook written in the background: its progress, and its file's URL once done",
)
def export_job_read(request, org: str, id: int):  # noqa: A002
    access = request_access(request, org, EXPORT_DATA)
    with org_scope(access):
        job = access_export_job(access, id, permission=EXPORT_DATA)
    return export_job_out(job, slug=access.organisation.slug)


@router.get(
    "/orgs/{org}/export-jobs/{id}/file",
    operation_id="export_job_file",
    summary="The workbook of an export job that is done (until it expires)",
    response=shared.answers({200: bytes}),
    openapi_extra={
        "responses": {200: {"description": "The workbook", "content": {XLSX: {}}}},
    },
)
def export_job_file(request, org: str, id: int):  # noqa: A002
    access = request_access(request, org, EXPORT_DATA)
    with org_scope(access):
        job = access_export_job(access, id, permission=EXPORT_DATA)
    return export_job_file_response(job)


@router.get(
    "/orgs/{org}/exports/{kind}",
    operation_id="workbook_export",
    summary="Export records to a workbook (.xlsx)",
    description=KIND_DESCRIPTION + " Takes the list's search and filter parameters. More than"
    " BAOZHANG_EXPORT_BACKGROUND_ROWS rows are written by the background worker: the answer is 202"
    " with the job, followed with GET /orgs/{org}/export-jobs/{id}.",
    response=shared.answers({200: bytes, 202: ExportJobOut}),
    openapi_extra={
        "responses": {200: {"description": "The workbook", "content": {XLSX: {}}}},
    },
)
def workbook_export(request, org: str, kind: str):
    access = request_access(request, org, EXPORT_DATA)
    kind = _kind(kind)
    entity = next(resource.entity for resource in RESOURCES if resource.entity.key == kind)
    access.require(entity.view_permission)
    file_name = f"{access.organisation.slug}-{SHEET_NAMES[kind]}.xlsx"
    return export_answer(access, kind=kind, params=request.GET, file_name=file_name)


@router.get(
    "/orgs/{org}/templates/{kind}",
    operation_id="workbook_template",
    summary="An empty workbook with the import headers",
    description=KIND_DESCRIPTION,
    response=shared.answers({200: bytes}),
    openapi_extra={
        "responses": {200: {"description": "The template", "content": {XLSX: {}}}},
    },
)
def workbook_template(request, org: str, kind: str):
    request_access(request, org, IMPORT_DATA)
    kind = _kind(kind)
    buffer = io.BytesIO()
    template_workbook(kind=kind, target=buffer)
    return xlsx_answer(f"{SHEET_NAMES[kind]}-模板.xlsx", buffer.getvalue())
