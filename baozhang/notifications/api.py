"""Notification operations: the caller's inbox, the organisation's group robots and the log of
every e-mail and robot message."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from baozhang.core.api import ApiValidationError, Input, answers
from baozhang.notifications import services
from baozhang.notifications.access import access_notification, access_webhook
from baozhang.notifications.models import Delivery, Event, Notification, Platform, Webhook
from baozhang.orgs.access import org_scope, request_access
from baozhang.orgs.permissions import MANAGE_RECTIFICATION, VIEW_SETUP

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    event: str
    title: str
    body: str
    link: str
    created_at: datetime
    read_at: datetime | None


class WebhookOut(Schema):
    id: int
    name: str
    platform: str
    url: str
    has_secret: bool
    events: list[str]
    is_active: bool


class AttemptOut(Schema):
    number: int
    at: datetime
    ok: bool
    status_code: int | None
    error: str
    duration_ms: int


class DeliveryOut(Schema):
    id: int
    channel: str
    webhook_id: int | None
    recipient: str
    event: str
    title: str
    status: str
    attempts: list[AttemptOut]
    next_attempt_at: datetime | None
    sent_at: datetime | None


# Notifications ----------------------------------------------------------------------------------


@router.get(
    "/orgs/{org}/notifications",
    response=answers({200: list[NotificationOut]}),
    operation_id="notification_list",
    summary="The caller's inbox, newest first",
)
def notification_list(request, org: str, unread: bool = False):
    access = request_access(request, org, VIEW_SETUP)
    with org_scope(access):
        notes = Notification.objects.filter(organisation=access.organisation, person=access.person)
        if unread:
            notes = notes.filter(read_at__isnull=True)
        return list(notes[:200])


@router.post(
    "/orgs/{org}/notifications/{id}/read",
    response=answers({200: NotificationOut}),
    operation_id="notification_read",
    summary="Mark one of the caller's notifications read",
)
def notification_read(request, org: str, id: int):  # noqa: A002
    access = request_access(request, org, VIEW_SETUP)
    with org_scope(access):
        return services.notification_read(
            notification=access_notification(access, id, permission=VIEW_SETUP)
        )


def _webhook(hook: Webhook) -> dict:
    return {
        "id": hook.pk,
        "name": hook.name,
        "platform": hook.platform,
        "url": hook.url,
        "has_secret": bool(hook.secret),
        "events": hook.events,
        "is_active": hook.is_active,
    }


class WebhookIn(Input):
    name: str = Field(max_length=100)
    platform: str = Field(description="wecom, dingtalk or feishu")
    url: str = Field(max_length=500)
    secret: str = Field("", max_length=200)
    events: list[str] = Field(
        default_factory=lambda: ["task_opened", "reminder", "escalated", "digest"]
    )
    is_active: bool = True


@router.get(
    "/orgs/{org}/robots",
    response=answers({200: list[WebhookOut]}),
    operation_id="robot_list",
    summary="The organisation's group-chat robots",
)
def robot_list(request, org: str):
    access = request_access(request, org, MANAGE_RECTIFICATION)
    with org_scope(access):
        return [_webhook(hook) for hook in Webhook.objects.filter(organisation=access.organisation)]


@router.post(
    "/orgs/{org}/robots",
    response=answers({201: WebhookOut}),
    operation_id="robot_create",
    summary="Add a WeCom, DingTalk or Feishu group robot",
)
def robot_create(request, org: str, payload: WebhookIn):
    access = request_access(request, org, MANAGE_RECTIFICATION)
    errors = []
    if payload.platform not in Platform.values:
        errors.append({"field": "platform", "message": _("Use wecom, dingtalk or feishu.")})
    if not payload.url.startswith(("https://", "http://")):
        errors.append(
            {"field": "url", "message": _("The address must start with https:// or http://.")}
        )
    if not set(payload.events) <= set(Event.values):
        errors.append({"field": "events", "message": _("Unknown event.")})
    if not payload.name.strip():
        errors.append({"field": "name", "message": _("This field is required.")})
    if errors:
        raise ApiValidationError(errors)
    with org_scope(access):
        hook = services.webhook_save(
            webhook=Webhook(
                organisation=access.organisation,
                name=payload.name.strip(),
                platform=payload.platform,
                url=payload.url,
                secret=payload.secret,
                events=payload.events,
                is_active=payload.is_active,
            )
        )
        return Status(201, _webhook(hook))


@router.delete(
    "/orgs/{org}/robots/{id}",
    response=answers({204: None}),
    operation_id="robot_delete",
    summary="Remove a group robot (its delivery log stays)",
)
def robot_delete(request, org: str, id: int):  # noqa: A002
    access = request_access(request, org, MANAGE_RECTIFICATION)
    with org_scope(access):
        services.webhook_delete(webhook=access_webhook(access, id, permission=MANAGE_RECTIFICATION))
    return Status(204, None)


@router.get(
    "/orgs/{org}/deliveries",
    response=answers({200: list[DeliveryOut]}),
    operation_id="delivery_list",
    summary="E-mails and robot messages with every attempt, newest first",
)
def delivery_list(request, org: str, status: str | None = None):
    access = request_access(request, org, MANAGE_RECTIFICATION)
    with org_scope(access):
        rows = Delivery.objects.filter(organisation=access.organisation).prefetch_related(
            "attempt_log"
        )
        if status:
            rows = rows.filter(status=status)
        return [
            {
                "id": row.pk,
                "channel": row.channel,
                "webhook_id": row.webhook_id,
                "recipient": row.recipient,
                "event": row.event,
                "title": row.title,
                "status": row.status,
                "attempts": list(row.attempt_log.all()),
                "next_attempt_at": row.next_attempt_at,
                "sent_at": row.sent_at,
            }
            for row in rows[:200]
        ]
