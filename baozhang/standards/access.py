"""The gatekeeper of standards: tenant and permission checked together (see orgs/access.py)."""

from baozhang.orgs.access import OrgAccess, tenant_record
from baozhang.standards.models import Standard


def access_standard(access: OrgAccess, standard_id: int, *, permission: str) -> Standard:
    return tenant_record(access, Standard, standard_id, permission=permission)
