"""Rectification (整改闭环): what becomes of a finding — fixed on the spot, a task with a deadline
tracked to verified closure, or referred to the office meeting — and the special patrol rounds with
the checks recorded during them."""

from datetime import timedelta

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from baozhang.core.models import TenantModel
from baozhang.inspections.models import FindingKind

HOUR = timedelta(hours=1)


def _person(verbose_name) -> models.ForeignKey:
    """Who did something; cleared if the person is deleted (the audit trail still has it)."""
    return models.ForeignKey(
        "orgs.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose_name,
    )


class Severity(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    NORMAL = "normal", _("Normal")
    MINOR = "minor", _("Minor")


def severity_default(*, finding_kind: str) -> str:
    """The severity of a task made from a finding of this kind unless somebody chooses another: a
    red line (红线) is urgent, any other problem normal."""
    return Severity.URGENT if finding_kind == FindingKind.RED_LINE else Severity.NORMAL


class RectificationPolicy(models.Model):
    """An organisation's default deadlines by severity, and when reminders and escalations come."""

    organisation = models.OneToOneField(
        "orgs.Organisation",
        on_delete=models.CASCADE,
        related_name="rectification_policy",
        verbose_name=_("organisation"),
    )
    urgent_hours = models.PositiveIntegerField(_("deadline of an urgent task (hours)"), default=24)
    normal_hours = models.PositiveIntegerField(_("deadline of a normal task (hours)"), default=72)
    minor_hours = models.PositiveIntegerField(_("deadline of a minor task (hours)"), default=168)
    remind_hours = models.PositiveIntegerField(
        _("reminder before the deadline (hours)"), default=12
    )
    leader_after_hours = models.PositiveIntegerField(
        _("overdue time before a leader is involved (hours)"), default=72
    )
    digest_hour = models.PositiveSmallIntegerField(
        _("hour of the daily digest"),
        default=8,
        validators=[MaxValueValidator(23)],
        help_text=_("The day's summary of open and overdue tasks goes out at this hour."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rectification policy")
        verbose_name_plural = _("rectification policies")

    def __str__(self) -> str:
        return str(self.organisation)

    def deadline_span(self, severity: str) -> timedelta:
        hours = {
            Severity.URGENT: self.urgent_hours,
            Severity.NORMAL: self.normal_hours,
            Severity.MINOR: self.minor_hours,
        }[severity]
        return hours * HOUR


class SpotFix(TenantModel):
    """A finding fixed on the spot (现场整改), with who fixed it and an after-photo."""

    finding = models.OneToOneField(
        "inspections.Finding",
        on_delete=models.CASCADE,
        related_name="spot_fix",
        verbose_name=_("finding"),
    )
    fixed_by = models.CharField(_("fixed by"), max_length=100)
    note = models.TextField(_("note"), blank=True)
    photo = models.ImageField(_("after-photo"), upload_to="rectification/%Y/%m/", blank=True)
    photo_thumbnail = models.ImageField(
        _("thumbnail"), upload_to="rectification/%Y/%m/", blank=True
    )
    fixed_at = models.DateTimeField(_("fixed at"))
    recorded_by = _person(_("recorded by"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("fix on the spot")
        verbose_name_plural = _("fixes on the spot")


class Referral(TenantModel):
    """A finding referred to the office meeting (提交院长办公会) and the meeting's decision."""

    finding = models.OneToOneField(
        "inspections.Finding",
        on_delete=models.CASCADE,
        related_name="referral",
        verbose_name=_("finding"),
    )
    reason = models.TextField(_("why the meeting should decide"), blank=True)
    referred_at = models.DateTimeField(_("referred at"))
    referred_by = _person(_("referred by"))
    meeting_date = models.DateField(_("meeting date"), null=True, blank=True)
    decision = models.TextField(_("decision"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = _person(_("decision recorded by"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-referred_at"]
        verbose_name = _("referral to the office meeting")
        verbose_name_plural = _("referrals to the office meeting")

    @property
    def is_decided(self) -> bool:
        return self.decided_at is not None


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SUBMITTED = "submitted", _("Submitted for verification")
    CLOSED = "closed", _("Closed")


class Escalation(models.IntegerChoices):
    """Who is answerable for an overdue task: the unit, then the department, then a leader."""

    UNIT = 0, _("Unit")
    DEPARTMENT = 1, _("Functional department")
    LEADER = 2, _("Leader")


class Task(TenantModel):
    """A rectification task (整改任务): a unit fixes a finding by a deadline; an inspector verifies."""

    finding = models.OneToOneField(
        "inspections.Finding",
        on_delete=models.CASCADE,
        related_name="task",
        verbose_name=_("finding"),
    )
    referral = models.OneToOneField(
        Referral,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="task",
        verbose_name=_("from the meeting's decision"),
    )
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="tasks", verbose_name=_("unit")
    )
    assignee = models.ForeignKey(
        "orgs.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("assignee"),
    )
    description = models.TextField(_("what to fix"), blank=True)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.NORMAL
    )
    deadline = models.DateTimeField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    opened_at = models.DateTimeField(_("opened at"))
    opened_by = _person(_("opened by"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = _person(_("submitted by"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = _person(_("verified by"))
    rejections = models.PositiveIntegerField(_("rejected at verification"), default=0)
    escalation = models.PositiveSmallIntegerField(
        _("escalated to"), choices=Escalation.choices, default=Escalation.UNIT
    )
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("rectification task")
        verbose_name_plural = _("rectification tasks")
        indexes = [
            models.Index(fields=["organisation", "status", "deadline"]),
            models.Index(fields=["organisation", "unit", "status"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.unit}"

    def is_overdue(self, now) -> bool:
        """Still with its unit past the deadline: a fix submitted waits for verification, which
        is not the unit's delay."""
        return self.status == TaskStatus.OPEN and self.deadline < now

    @property
    def closed_in_time(self) -> bool | None:
        if self.closed_at is None:
            return None
        return self.closed_at <= self.deadline


class EventKind(models.TextChoices):
    OPENED = "opened", _("Opened")
    SUBMITTED = "submitted", _("Submitted")
    REJECTED = "rejected", _("Rejected at verification")
    CLOSED = "closed", _("Verified and closed")
    REMINDED = "reminded", _("Reminded of the deadline")
    ESCALATED = "escalated", _("Escalated")


class TaskEvent(TenantModel):
    """One step of a task's life: who did what, when, with what note and photo."""

    task = models.ForeignKey(
        Task, on_delete=models.CASCADE, related_name="events", verbose_name=_("task")
    )
    kind = models.CharField(_("what"), max_length=12, choices=EventKind.choices)
    at = models.DateTimeField(_("when"))
    by = _person(_("by"))
    by_user = models.ForeignKey(
        "orgs.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed in as"),
    )
    note = models.TextField(_("note"), blank=True)
    photo = models.ImageField(_("photo"), upload_to="rectification/%Y/%m/", blank=True)
    photo_thumbnail = models.ImageField(
        _("thumbnail"), upload_to="rectification/%Y/%m/", blank=True
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("task event")
        verbose_name_plural = _("task events")


class PatrolRound(TenantModel):
    """A special patrol round (专项巡查): a leader and members cover some areas on one day; the
    checks recorded during the round belong to it."""

    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"))
    leader = models.ForeignKey(
        "orgs.Person",
        on_delete=models.PROTECT,
        related_name="rounds_led",
        verbose_name=_("leading leader"),
    )
    members = models.ManyToManyField(
        "orgs.Person", blank=True, related_name="rounds_joined", verbose_name=_("members")
    )
    area_types = models.ManyToManyField(
        "orgs.AreaType", blank=True, related_name="+", verbose_name=_("area types covered")
    )
    locations = models.ManyToManyField(
        "orgs.Location", blank=True, related_name="+", verbose_name=_("locations covered")
    )
    checks = models.ManyToManyField(
        "inspections.Inspection",
        through="PatrolRoundCheck",
        blank=True,
        related_name="patrol_rounds",
        verbose_name=_("checks"),
    )
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords(m2m_fields=[members, area_types, locations])

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("patrol round")
        verbose_name_plural = _("patrol rounds")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.title}"


class PatrolRoundCheck(TenantModel):
    """A check recorded during a patrol round; the round owns the link, so inspections knows
    nothing of rounds. A check belongs to one round at most."""

    patrol_round = models.ForeignKey(
        PatrolRound, on_delete=models.PROTECT, related_name="+", verbose_name=_("patrol round")
    )
    inspection = models.OneToOneField(
        "inspections.Inspection",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("inspection"),
    )

    class Meta:
        verbose_name = _("check of a patrol round")
        verbose_name_plural = _("checks of patrol rounds")
