"""The gatekeepers of schedules, checks, findings and photos: tenant and permission checked
together (see orgs/access.py)."""

from datetime import datetime, timedelta
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
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
from baozhang.orgs.models import Role, Unit
from baozhang.orgs.permissions import MANAGE_BOARD, RECORD_INSPECTIONS

VOID_BY_INSPECTOR = timedelta(hours=24)  # how long an inspector may void a check of theirs


def access_schedule(access: OrgAccess, schedule_id: int, *, permission: str) -> Schedule:
    return tenant_record(access, Schedule, schedule_id, permission=permission)


def access_inspection(access: OrgAccess, inspection_id: int, *, permission: str) -> Inspection:
    """The check, voided or not (a voided check's page shows it as voided)."""
    return tenant_record(access, Inspection.with_voided.all(), inspection_id, permission=permission)


def access_inspection_to_void(
    access: OrgAccess, inspection_id: int, *, now: datetime
) -> Inspection:
    """The check the user may void (作废); a check the user may see but not void is a 403 that
    says why (inspection_void_refusal)."""
    inspection = access_inspection(access, inspection_id, permission=RECORD_INSPECTIONS)
    refusal = inspection_void_refusal(access, inspection, now=now)
    if refusal is not None:
        raise PermissionDenied(refusal)
    return inspection


def inspection_void_refusal(access: OrgAccess, inspection: Inspection, *, now: datetime):
    """Why the user may not void the check, or None: an administrator may void any check, its
    inspector (or whoever submitted it) only within VOID_BY_INSPECTOR of submitting it."""
    if Role.ADMIN in access.roles:
        return None
    if not access.can(RECORD_INSPECTIONS):
        return _("You do not have permission to do this.")
    own_check = (
        access.person is not None and inspection.inspector_id == access.person.pk
    ) or inspection.submitted_by_id == access.user.pk
    if not own_check:
        return _("Only the inspector who submitted this check, or an administrator, can void it.")
    if now - inspection.created_at > VOID_BY_INSPECTOR:
        return _(
            "An inspector can void a check only within 24 hours of submitting it; ask an "
            "administrator to void it."
        )
    return None


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
