"""The gate: every view, API operation, service, export and download reaches tenant data through here.

A request names an organisation by its slug; ``access_organisation`` checks that the user is a member
with the needed permission and returns an ``OrgAccess``. Tenant querysets only work inside
``django_scopes.scope(organisation=...)``, which ``org_scope`` opens for that organisation alone;
an unscoped query raises ``ScopeError`` (fails closed).

A record named by its id is reached through one gatekeeper per kind of record,
``access_<entity>(access, id, *, permission)``, which checks the tenant and the permission together.
This module has those of the set-up records; each domain app has its own ``access.py`` for its
records, all built on ``tenant_record``.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest
from django_scopes import scope, scopes_disabled

from baozhang.core.compiled import CompiledQuery
from baozhang.core.list_documents import list_document_for_kind
from baozhang.core.list_workbooks import list_workbook_for_kind
from baozhang.core.transfers import transfer_for_kind
from baozhang.orgs.models import (
    AreaType,
    Assignment,
    ExportJob,
    ImportJob,
    Location,
    Membership,
    Organisation,
    Person,
    Site,
    Unit,
    User,
)
from baozhang.orgs.permissions import permissions_for_roles


@dataclass(frozen=True)
class OrgAccess:
    user: User
    organisation: Organisation
    roles: frozenset[str]
    permissions: frozenset[str]
    person: Person | None

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def require(self, permission: str) -> None:
        if permission not in self.permissions:
            raise PermissionDenied


def roles_by_organisation(user: User) -> dict[int, frozenset[str]]:
    """Organisation id → the user's roles there (the only cross-tenant read in the product)."""
    if not user.is_authenticated:
        return {}
    with scopes_disabled():
        rows = Membership.objects.filter(
            person__user=user, person__is_active=True, organisation__is_active=True
        ).values_list("organisation_id", "role")
        result: dict[int, set[str]] = {}
        for organisation_id, role in rows:
            result.setdefault(organisation_id, set()).add(role)
    return {key: frozenset(value) for key, value in result.items()}


def organisations_for_user(user: User) -> list[Organisation]:
    """The organisations the user may open, by name."""
    if user.is_authenticated and user.is_superuser:
        return list(Organisation.objects.filter(is_active=True))
    ids = roles_by_organisation(user).keys()
    return list(Organisation.objects.filter(id__in=ids, is_active=True))


def _memberships(user_id, slug):
    """The user's memberships of an organisation, with it and their person: read on every request
    to an organisation's pages and API (not a tenant read: it finds the tenant). Compiled, a run
    takes 0.6 ms instead of the ORM's 3.1 ms on SQLite, 0.8 instead of 3.3 on PostgreSQL (bench
    (h), docs/performance.md)."""
    return (
        Membership.objects.filter(
            person__user_id=user_id,
            person__is_active=True,
            organisation__slug=slug,
            organisation__is_active=True,
        )
        .select_related("organisation", "person")
        .order_by("pk")
    )


_MEMBERSHIPS = CompiledQuery(_memberships, int, str)


def access_organisation(*, user: User, slug: str, permission: str) -> OrgAccess:
    """The user's access to the organisation; 404 for non-members, 403 for a missing permission.

    A member's organisation, person and roles come from one query of their memberships there."""
    if not user.is_authenticated or "\x00" in slug:
        raise Http404
    with scopes_disabled():
        memberships = _MEMBERSHIPS.all(user.pk, slug)
    if memberships:
        organisation, person = memberships[0].organisation, memberships[0].person
        roles = frozenset(membership.role for membership in memberships)
    elif user.is_superuser:
        organisation = Organisation.objects.filter(slug=slug, is_active=True).first()
        if organisation is None:
            raise Http404
        with scopes_disabled():
            person = Person.objects.filter(organisation=organisation, user=user).first()
    else:
        raise Http404
    if user.is_superuser:
        roles = frozenset({"admin"})
    access = OrgAccess(
        user=user,
        organisation=organisation,
        roles=roles,
        permissions=permissions_for_roles(set(roles)),
        person=person,
    )
    access.require(permission)
    return access


def request_access(request: HttpRequest, org: str, permission: str) -> OrgAccess:
    """The caller's access to the organisation named in the address (API operations)."""
    return access_organisation(user=request.user, slug=org, permission=permission)


@contextmanager
def org_scope(access: OrgAccess) -> Iterator[None]:
    """Open the tenant scope of one organisation; every tenant query inside sees only it."""
    with scope(organisation=access.organisation):
        yield


M = TypeVar("M", bound=models.Model)

# Called with (model, id) of every record a gate hands out; the isolation tests listen here to prove
# that every API operation's record lookup goes through a gate.
GATE_OBSERVERS: list[Callable[[type[models.Model], int], None]] = []


def tenant_record(
    access: OrgAccess,
    queryset: type[M] | models.QuerySet[M],
    record_id: int | None,
    *,
    permission: str,
) -> M:
    """The organisation's record with this id after checking the permission; 404 for any other.

    ``queryset`` is a model or a queryset of it (to narrow the records or to join related ones)."""
    access.require(permission)
    if record_id is None:
        raise Http404
    if isinstance(queryset, type):
        queryset = queryset.objects.all()
    with scope(organisation=access.organisation):
        record = queryset.filter(organisation=access.organisation, pk=record_id).first()
    if record is None:
        raise Http404
    return record_handed_out(record)


def record_handed_out(record: M) -> M:
    """Tell the observers that a gate hands out the record; a gate that finds its record its own
    way (a compiled query) calls this as ``tenant_record`` does."""
    for observe in GATE_OBSERVERS:
        observe(type(record), record.pk)
    return record


def access_site(access: OrgAccess, site_id: int, *, permission: str) -> Site:
    return tenant_record(access, Site, site_id, permission=permission)


def access_area_type(access: OrgAccess, area_type_id: int, *, permission: str) -> AreaType:
    return tenant_record(access, AreaType, area_type_id, permission=permission)


def access_location(access: OrgAccess, location_id: int, *, permission: str) -> Location:
    return tenant_record(access, Location, location_id, permission=permission)


def access_unit(access: OrgAccess, unit_id: int, *, permission: str) -> Unit:
    return tenant_record(access, Unit, unit_id, permission=permission)


def access_assignment(access: OrgAccess, assignment_id: int, *, permission: str) -> Assignment:
    return tenant_record(access, Assignment, assignment_id, permission=permission)


def access_person(access: OrgAccess, person_id: int, *, permission: str) -> Person:
    return tenant_record(access, Person, person_id, permission=permission)


def access_import_job(access: OrgAccess, job_id: int, *, permission: str) -> ImportJob:
    """An import job of the organisation; importing its kind may need a permission more."""
    job = tenant_record(access, ImportJob, job_id, permission=permission)
    _kind_permission_require(access, job.kind, "import_permission")
    return job


def access_export_job(access: OrgAccess, job_id: int, *, permission: str) -> ExportJob:
    """An export job of the organisation, and so its file. The export of a kind needs
    ``permission`` (the right to export) and may need one more to see its rows (the findings: the
    right to see the checks); the workbook or document of a list page needs what the list needs
    instead, and that of a list of the requester's own records (their inbox) is theirs alone."""
    kind = _export_job_kind(access, job_id)
    document = list_document_for_kind(kind)
    if document is not None:
        return tenant_record(access, ExportJob, job_id, permission=document.permission)
    listed = list_workbook_for_kind(kind)
    if listed is None:
        job = tenant_record(access, ExportJob, job_id, permission=permission)
        _kind_permission_require(access, job.kind, "export_permission")
        return job
    job = tenant_record(access, ExportJob, job_id, permission=listed.permission)
    if listed.personal and job.requested_by_id != access.user.pk:
        raise Http404
    return job


def _export_job_kind(access: OrgAccess, job_id: int | None) -> str:
    """The kind of the organisation's export job, which says what seeing it needs; "" if none."""
    if job_id is None:
        return ""
    with scope(organisation=access.organisation):
        jobs = ExportJob.objects.filter(organisation=access.organisation, pk=job_id)
        return jobs.values_list("kind", flat=True).first() or ""


def _kind_permission_require(access: OrgAccess, kind: str, which: str) -> None:
    transfer = transfer_for_kind(kind)
    needed = getattr(transfer, which) if transfer is not None else None
    if needed:
        access.require(needed)


RECORD_GATES = {
    Site: access_site,
    AreaType: access_area_type,
    Location: access_location,
    Unit: access_unit,
    Assignment: access_assignment,
    Person: access_person,
}
