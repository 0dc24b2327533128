"""Sending notifications: the inbox at once, e-mail and robots in the background after commit.

notify() is called inside the transaction of the action it tells about. It writes the inbox rows
and one Delivery per e-mail address and per subscribed robot, and enqueues their sending only when
the transaction commits: an action that rolls back sends nothing, and a robot that fails or never
answers never blocks or undoes the action. Each attempt is logged; a failed one is retried with a
doubling back-off until the attempts run out.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled
from django_tasks import task

from baozhang.notifications import robots
from baozhang.notifications.models import (
    Channel,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Event,
    Notification,
    Webhook,
)
from baozhang.orgs.models import Person

logger = logging.getLogger(__name__)


def max_attempts() -> int:
    return settings.BAOZHANG_NOTIFY_MAX_ATTEMPTS


def backoff(attempt: int) -> timedelta:
    """The wait after the attempt-th failure: base, 2 × base, 4 × base …"""
    return timedelta(seconds=settings.BAOZHANG_NOTIFY_BACKOFF_SECONDS * 2 ** (attempt - 1))


def absolute(link: str) -> str:
    if not link or link.startswith(("http://", "https://")):
        return link
    return settings.BAOZHANG_BASE_URL.rstrip("/") + link


def _enqueue(delivery_id: int, run_after=None) -> None:
    runner = deliver.using(run_after=run_after) if run_after else deliver
    runner.enqueue(delivery_id)


def notify(
    *,
    organisation,
    event: str,
    title: str,
    body: str = "",
    link: str = "",
    people: Iterable[Person] = (),
    robots_too: bool = True,
) -> list[Delivery]:
    """Tell the people (inbox and e-mail) and the organisation's robots subscribed to the event."""
    people = {person.pk: person for person in people if person is not None}.values()
    Notification.objects.bulk_create(
        Notification(
            organisation=organisation,
            person=person,
            event=event,
            title=title[:200],
            body=body,
            link=link,
        )
        for person in people
        if person.user_id
    )
    message = {"event": event, "title": title[:200], "body": body, "link": link}
    deliveries = [
        Delivery(
            organisation=organisation, channel=Channel.EMAIL, recipient=person.email, **message
        )
        for person in people
        if person.email
    ]
    if robots_too:
        deliveries += [
            Delivery(organisation=organisation, channel=Channel.WEBHOOK, webhook=hook, **message)
            for hook in Webhook.objects.filter(organisation=organisation, is_active=True)
            if event in hook.events
        ]
    deliveries = Delivery.objects.bulk_create(deliveries)
    for delivery in deliveries:
        deliver_after_commit(delivery)
    return deliveries


def _send(delivery: Delivery) -> robots.Answer:
    if delivery.channel == Channel.EMAIL:
        try:
            send_mail(
                delivery.title,
                robots.message_text("", delivery.body, absolute(delivery.link)),
                None,
                [delivery.recipient],
            )
        except Exception as error:  # noqa: BLE001 - any mail failure is logged and retried
            return robots.Answer(False, None, "", f"{type(error).__name__}: {error}")
        return robots.Answer(True, None, "", "")
    hook = delivery.webhook
    if hook is None:
        return robots.Answer(False, None, "", "the robot was deleted")
    url, payload = robots.request_for(
        hook.platform,
        hook.url,
        hook.secret,
        title=delivery.title,
        body=delivery.body,
        link=absolute(delivery.link),
        now=robots.now_seconds(),
    )
    return robots.post(
        hook.platform, url, payload, timeout=settings.BAOZHANG_WEBHOOK_TIMEOUT_SECONDS
    )


def deliver_now(delivery_id: int) -> str:
    """One attempt at a delivery; on failure the next attempt is enqueued after the back-off."""
    with scopes_disabled():
        delivery = Delivery.objects.select_related("webhook").filter(pk=delivery_id).first()
        if delivery is None or delivery.status != DeliveryStatus.PENDING:
            return "skipped"
        round_attempt = delivery.attempts + 1
        # Claim the attempt: a second run of the same delivery finds the count changed.
        claimed = Delivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.PENDING, attempts=delivery.attempts
        ).update(attempts=round_attempt)
        if not claimed:
            return "skipped"
        started = time.monotonic()
        at = timezone.now()
        answer = _send(delivery)
        duration = int((time.monotonic() - started) * 1000)
        with transaction.atomic():
            number = DeliveryAttempt.objects.filter(delivery=delivery).count() + 1
            DeliveryAttempt.objects.create(
                delivery=delivery,
                number=number,
                at=at,
                ok=answer.ok,
                status_code=answer.status_code,
                response=answer.response[:2000],
                error=answer.error[:2000],
                duration_ms=duration,
            )
            changes: dict = {"last_error": answer.error[:2000], "next_attempt_at": None}
            if answer.ok:
                changes.update(status=DeliveryStatus.SENT, sent_at=timezone.now())
            elif round_attempt >= max_attempts():
                changes.update(status=DeliveryStatus.FAILED)
            else:
                changes.update(next_attempt_at=timezone.now() + backoff(round_attempt))
            Delivery.objects.filter(pk=delivery.pk).update(**changes)
            if changes.get("next_attempt_at"):
                transaction.on_commit(
                    partial(_enqueue, delivery.pk, run_after=changes["next_attempt_at"])
                )
        if not answer.ok:
            logger.warning("delivery %s attempt %s failed: %s", delivery.pk, number, answer.error)
        return "sent" if answer.ok else "failed"


@task()
def deliver(delivery_id: int) -> str:
    """Background task: one attempt at sending a notification by e-mail or to a robot."""
    return deliver_now(delivery_id)


def deliver_after_commit(delivery: Delivery) -> None:
    """Send the delivery from the background once the current transaction commits."""
    transaction.on_commit(partial(_enqueue, delivery.pk))


def retry(delivery: Delivery) -> None:
    """The admin sends a failed delivery again: a fresh round of attempts (the log keeps all)."""
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=None
    )
    deliver_after_commit(delivery)


def unread_count(person: Person | None) -> int:
    if person is None:
        return 0
    return Notification.objects.filter(person=person, read_at__isnull=True).count()


def notification_read(*, notification: Notification) -> Notification:
    """Mark one notification read (once: the first reading time is kept)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification


def notifications_read_all(*, person: Person) -> int:
    """Mark every unread notification of the person read; returns how many."""
    return Notification.objects.filter(person=person, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def webhook_save(*, webhook: Webhook) -> Webhook:
    """Store a new or changed group robot (checked by the page's form or the API's schema)."""
    webhook.save()
    return webhook


def webhook_delete(*, webhook: Webhook) -> None:
    """Remove a group robot; its delivery log stays."""
    webhook.delete()


def webhook_test(*, webhook: Webhook) -> Delivery:
    """Send the robot a test message from the background; its attempts show in the log."""
    with transaction.atomic():
        delivery = Delivery.objects.create(
            organisation_id=webhook.organisation_id,
            channel=Channel.WEBHOOK,
            webhook=webhook,
            event=Event.TEST,
            title=_("Test message from Baozhang"),
            body=_("If you can read this, the robot “%(name)s” works.") % {"name": webhook.name},
        )
        deliver_after_commit(delivery)
    return delivery
