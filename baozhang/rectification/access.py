"""The gatekeepers of rectification: tenant and permission checked together (see orgs/access.py).

Submitting a fix is the one permission that also depends on the record: only the task's assignee or
a head of its unit may submit it.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from baozhang.orgs.access import OrgAccess, tenant_record
from baozhang.orgs.models import Membership, Role
from baozhang.orgs.permissions import SUBMIT_RECTIFICATION
from baozhang.rectification.models import PatrolRound, Referral, SpotFix, Task, TaskEvent


def units_headed(access: OrgAccess) -> set[int]:
    """The units whose head the signed-in person is."""
    if access.person is None:
        return set()
    return set(
        Membership.objects.filter(
            person=access.person, role=Role.UNIT_HEAD, unit__isnull=False
        ).values_list("unit_id", flat=True)
    )


def task_is_theirs(access: OrgAccess, task: Task) -> bool:
    """The person is the task's assignee or heads its unit."""
    is_assignee = access.person is not None and task.assignee_id == access.person.pk
    return is_assignee or task.unit_id in units_headed(access)


def access_task(
    access: OrgAccess,
    task_id: int,
    *,
    permission: str,
    queryset: QuerySet[Task] | None = None,
) -> Task:
    """The task; ``queryset`` may join what the caller shows with it."""
    task = tenant_record(
        access, Task if queryset is None else queryset, task_id, permission=permission
    )
    if permission == SUBMIT_RECTIFICATION and not task_is_theirs(access, task):
        raise PermissionDenied
    return task


def access_referral(access: OrgAccess, referral_id: int, *, permission: str) -> Referral:
    return tenant_record(access, Referral, referral_id, permission=permission)


def access_spot_fix(access: OrgAccess, spot_fix_id: int, *, permission: str) -> SpotFix:
    return tenant_record(access, SpotFix, spot_fix_id, permission=permission)


def access_task_event(access: OrgAccess, event_id: int, *, permission: str) -> TaskEvent:
    return tenant_record(access, TaskEvent, event_id, permission=permission)


def access_patrol_round(access: OrgAccess, round_id: int, *, permission: str) -> PatrolRound:
    return tenant_record(access, PatrolRound, round_id, permission=permission)
