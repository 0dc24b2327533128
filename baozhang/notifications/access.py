"""The gatekeepers of notifications: tenant and permission checked together (see orgs/access.py).

A notification is its person's alone: nobody else reaches it, whatever their permissions."""

from baozhang.notifications.models import Delivery, Notification, Webhook
from baozhang.orgs.access import OrgAccess, tenant_record


def access_notification(
    access: OrgAccess, notification_id: int, *, permission: str
) -> Notification:
    return tenant_record(
        access,
        Notification.objects.filter(person=access.person),
        notification_id,
        permission=permission,
    )


def access_webhook(access: OrgAccess, webhook_id: int, *, permission: str) -> Webhook:
    return tenant_record(access, Webhook, webhook_id, permission=permission)


def access_delivery(access: OrgAccess, delivery_id: int, *, permission: str) -> Delivery:
    return tenant_record(access, Delivery, delivery_id, permission=permission)
