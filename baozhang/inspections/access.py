"""The gatekeepers of schedules, checks, findings and photos: tenant and permission checked
together (see orgs/access.py)."""

from django.db.models import QuerySet

from baozhang.inspections.models import (
    Finding,
    FindingPhoto,
    Inspection,
    PhotoUpload,
    Schedule,
)
from baozhang.orgs.access import OrgAccess, tenant_record


def access_schedule(access: OrgAccess, schedule_id: int, *, permission: str) -> Schedule:
    return tenant_record(access, Schedule, schedule_id, permission=permission)


def access_inspection(access: OrgAccess, inspection_id: int, *, permission: str) -> Inspection:
    return tenant_record(access, Inspection, inspection_id, permission=permission)


def access_finding(
    access: OrgAccess,
    finding_id: int,
    *,
    permission: str,
    queryset: QuerySet[Finding] | None = None,
) -> Finding:
    """The finding; ``queryset`` may join what the caller shows with it."""
    return tenant_record(access, queryset or Finding, finding_id, permission=permission)


def access_finding_photo(access: OrgAccess, photo_id: int, *, permission: str) -> FindingPhoto:
    return tenant_record(access, FindingPhoto, photo_id, permission=permission)


def access_photo_upload(access: OrgAccess, upload_id: int, *, permission: str) -> PhotoUpload:
    return tenant_record(access, PhotoUpload, upload_id, permission=permission)
