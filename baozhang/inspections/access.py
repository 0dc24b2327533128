"""The gatekeepers of schedules, checks, findings and photos: tenant and permission checked
together (see orgs/access.py)."""

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django_scopes import scope

from baozhang.inspections.models import (
    Finding,
    FindingPhoto,
    Inspection,
    PhotoUpload,
    RedFlagTie,
    Schedule,
)
from baozhang.inspections.selectors import inspection_for_client_id
from baozhang.inspections.services import finding_error
from baozhang.orgs.access import OrgAccess, access_unit, record_handed_out, tenant_record
from baozhang.orgs.models import Unit
from baozhang.orgs.permissions import MANAGE_BOARD


def access_schedule(access: OrgAccess, schedule_id: int, *, permission: str) -> Schedule:
    return tenant_record(access, Schedule, schedule_id, permission=permission)


def access_inspection(access: OrgAccess, inspection_id: int, *, permission: str) -> Inspection:
    return tenant_record(access, Inspection, inspection_id, permission=permission)


def access_red_flag_tie(access: OrgAccess, tie_id: int) -> RedFlagTie:
    """A tie at the cut of a week's red flags, for the admin's choice."""
    return tenant_record(access, RedFlagTie, tie_id, permission=MANAGE_BOARD)


def access_finding(
    access: OrgAccess,
    finding_id: int,
    *,
    permission: str,
    queryset: QuerySet[Finding] | None = None,
) -> Finding:
    """The finding; ``queryset`` may join what the caller shows with it."""
    return tenant_record(
        access, Finding if queryset is None else queryset, finding_id, permission=permission
    )


def access_finding_photo(access: OrgAccess, photo_id: int, *, permission: str) -> FindingPhoto:
    return tenant_record(access, FindingPhoto, photo_id, permission=permission)


def access_inspection_sent(access: OrgAccess, client_id: UUID, *, permission: str) -> Inspection:
    """The check stored under the id its client gave it (a resend names it so)."""
    access.require(permission)
    with scope(organisation=access.organisation):
        inspection = inspection_for_client_id(
            organisation_id=access.organisation.pk, client_id=client_id
        )
    if inspection is None:
        raise Http404
    return record_handed_out(inspection)


def access_photo_upload(access: OrgAccess, upload_id: int, *, permission: str) -> PhotoUpload:
    """A photo sent ahead and not used yet: only to the user who sent it."""
    with scope(organisation=access.organisation):
        uploads = PhotoUpload.objects.filter(uploaded_by=access.user)
    return tenant_record(access, uploads, upload_id, permission=permission)


def access_finding_unit(
    access: OrgAccess, unit_id: int | None, *, number: int, permission: str
) -> Unit | None:
    """The unit a check's numbered finding names as responsible (None if it names none); a unit
    the gate refuses is that finding's error, as the check's other errors are."""
    if unit_id is None:
        return None
    try:
        return access_unit(access, unit_id, permission=permission)
    except Http404:
        refused = ValidationError(_("The unit belongs to another organisation."))
        raise finding_error(number, refused) from None
