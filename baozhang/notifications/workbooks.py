"""The notifications' lists as workbooks (core/list_workbooks.py): a person's inbox and the log
of every delivery."""

from django.db.models import QuerySet
from django.utils import timezone

from baozhang.core.list_workbooks import ListSheet
from baozhang.notifications.models import Delivery, DeliveryStatus, Notification
from baozhang.orgs.access import OrgAccess


def inbox_of(access: OrgAccess) -> QuerySet[Notification]:
    """The signed-in person's notifications."""
    return Notification.objects.filter(organisation=access.organisation, person=access.person)


def inbox_sheet(*, access: OrgAccess, filters) -> ListSheet:
    """The requester's notifications, newest first."""
    mine = inbox_of(access).order_by("-created_at", "-id")
    return ListSheet(
        file_name=f"{access.organisation.slug}-消息.xlsx",
        sheet="消息",
        headers=["时间", "事件", "标题", "内容", "已读"],
        rows=(
            (
                message.created_at,
                str(message.get_event_display()),
                message.title,
                message.body,
                message.read_at is not None,
            )
            for message in mine.iterator(chunk_size=500)
        ),
        count=mine.count,
    )


def deliveries_of(*, organisation, status: str) -> QuerySet[Delivery]:
    """The organisation's deliveries, of one status if it is one."""
    rows = Delivery.objects.filter(organisation=organisation).select_related("webhook")
    if status in DeliveryStatus.values:
        rows = rows.filter(status=status)
    return rows


def deliveries_sheet(*, access: OrgAccess, filters) -> ListSheet:
    """Every e-mail and robot message of the delivery log's filter, newest first."""
    rows = deliveries_of(organisation=access.organisation, status=filters.get("status", ""))
    return ListSheet(
        file_name=f"{access.organisation.slug}-发送记录.xlsx",
        sheet="发送记录",
        headers=["创建时间", "渠道", "发送对象", "标题", "状态", "尝试次数", "最近错误"],
        rows=(
            (
                timezone.localtime(row.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                row.get_channel_display(),
                row.webhook.name if row.webhook else row.recipient,
                row.title,
                row.get_status_display(),
                row.attempts,
                row.last_error,
            )
            for row in rows.iterator(chunk_size=500)
        ),
        count=rows.count,
    )
