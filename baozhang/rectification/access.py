"""The gatekeepers of rectification's records named by their id: tenant and permission checked
together (see orgs/access.py)."""

from baozhang.orgs.access import OrgAccess, tenant_record
from baozhang.rectification.models import PatrolRound


def access_patrol_round(access: OrgAccess, round_id: int, *, permission: str) -> PatrolRound:
    return tenant_record(access, PatrolRound, round_id, permission=permission)
