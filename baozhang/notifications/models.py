"""Notifications: the in-app inbox, and deliveries by e-mail and group-chat robots with every
attempt logged."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from baozhang.core.models import TenantModel


class Event(models.TextChoices):
    """What a notification is about; robots subscribe to some of these."""

    TASK_OPENED = "task_opened", _("New rectification task")
    TASK_SUBMITTED = "task_submitted", _("Fix submitted for verification")
    TASK_REJECTED = "task_rejected", _("Fix rejected at verification")
    REMINDER = "reminder", _("Deadline reminder")
    ESCALATED = "escalated", _("Overdue task escalated")
    DIGEST = "digest", _("Daily digest")
    TEST = "test", _("Test message")


class Platform(models.TextChoices):
    WECOM = "wecom", _("WeCom (企业微信) group robot")
    DINGTALK = "dingtalk", _("DingTalk (钉钉) group robot")
    FEISHU = "feishu", _("Feishu / Lark (飞书) group robot")


def default_events() -> list[str]:
    return [Event.TASK_OPENED, Event.REMINDER, Event.ESCALATED, Event.DIGEST]


class Webhook(TenantModel):
    """A group-chat robot of the organisation, with the events it is told about."""

    name = models.CharField(_("name"), max_length=100)
    platform = models.CharField(_("platform"), max_length=10, choices=Platform.choices)
    url = models.URLField(_("webhook address"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("DingTalk's SEC… secret or Feishu's signature key, when the robot has one."),
    )
    events = models.JSONField(_("events"), default=default_events)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("group-chat robot")
        verbose_name_plural = _("group-chat robots")

    def __str__(self) -> str:
        return self.name


class Notification(TenantModel):
    """One message in a person's in-app inbox."""

    person = models.ForeignKey(
        "orgs.Person",
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("person"),
    )
    event = models.CharField(_("event"), max_length=20, choices=Event.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["person", "read_at"])]

    def __str__(self) -> str:
        return self.title


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Group-chat robot")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Delivery(TenantModel):
    """A message to send by e-mail or to a robot; sent in the background and retried with back-off."""

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    webhook = models.ForeignKey(
        Webhook,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("robot"),
    )
    recipient = models.CharField(_("to"), max_length=300, blank=True)
    event = models.CharField(_("event"), max_length=20, choices=Event.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient or self.webhook}"


class DeliveryAttempt(models.Model):
    """One try at sending a delivery: when, how long, and what came back."""

    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("delivery")
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    at = models.DateTimeField(_("at"))
    ok = models.BooleanField(_("succeeded"))
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    response = models.TextField(_("answer"), blank=True)
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        ordering = ["delivery", "number"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"


class DailyDigest(models.Model):
    """The daily digest of an organisation was sent on this day (sent once a day)."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    date = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "date"], name="daily_digest_once")
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.date}"
