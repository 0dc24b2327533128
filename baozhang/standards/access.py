"""The gatekeepers of standards: tenant and permission checked together (see orgs/access.py)."""

from django.http import Http404
from django_scopes import scope

from baozhang.orgs.access import OrgAccess, record_handed_out, tenant_record
from baozhang.orgs.models import Location
from baozhang.standards.models import Standard, StandardVersion
from baozhang.standards.selectors import location_with_version


def access_standard(access: OrgAccess, standard_id: int, *, permission: str) -> Standard:
    return tenant_record(access, Standard, standard_id, permission=permission)


def access_location_with_version(
    access: OrgAccess, location_id: int, *, permission: str
) -> tuple[Location, StandardVersion | None]:
    """The location and the version of the standard that applies to it (None if none does), found
    by one compiled query: read for every check submitted."""
    access.require(permission)
    with scope(organisation=access.organisation):
        location, version = location_with_version(
            organisation_id=access.organisation.pk, location_id=location_id
        )
    if location is None:
        raise Http404
    return record_handed_out(location), version
