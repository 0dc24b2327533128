"""Schedules, expected checks, inspections, findings with photos, red flags and the board policy.

Findings carry their period keys (ISO week, month, year) and date, written once when the finding is
saved, so scores and rankings group by stored columns instead of computing dates per row.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from simple_history.models import HistoricalRecords

from baozhang.core.models import TenantModel
from baozhang.orgs.models import AreaType, Location, Organisation, Person, Unit, UnitKind
from baozhang.standards.models import POINTS, Standard, StandardItem, StandardVersion


class SupervisionLevel(models.TextChoices):
    SELF_CHECK = "self_check", _("Unit self-check")
    DEPARTMENT = "department", _("Functional department spot check")
    LEADER = "leader", _("Leader inspection")
    ORGANISATION = "organisation", _("Organisation-wide inspection")


class ScheduleKind(models.TextChoices):
    DAILY = "daily", _("Daily at fixed times")
    WEEKLY = "weekly", _("Weekly on given weekdays")
    MONTHLY = "monthly", _("Monthly on a given day")
    RANDOM = "random", _("Random spot checks each week")
    PATROL = "patrol", _("Leader-led patrol round")


class Schedule(TenantModel):
    """A plan of checks: when, where, by whom, with which standard, at which supervision level."""

    name = models.CharField(_("name"), max_length=200)
    standard = models.ForeignKey(
        Standard, on_delete=models.PROTECT, related_name="schedules", verbose_name=_("standard")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ScheduleKind.choices)
    level = models.CharField(
        _("supervision level"),
        max_length=20,
        choices=SupervisionLevel.choices,
        default=SupervisionLevel.DEPARTMENT,
    )
    times = models.JSONField(
        _("times"), default=list, blank=True, help_text=_("Times of day, e.g. 07:30, 13:30.")
    )
    weekdays = models.JSONField(
        _("weekdays"), default=list, blank=True, help_text=_("1 = Monday … 7 = Sunday.")
    )
    month_day = models.PositiveSmallIntegerField(_("day of the month"), null=True, blank=True)
    checks_per_week = models.PositiveSmallIntegerField(
        _("random checks per week"), null=True, blank=True
    )
    window_minutes = models.PositiveIntegerField(
        _("minutes allowed"),
        default=120,
        help_text=_("A check not done this long after its time counts as missed."),
    )
    assignees = models.ManyToManyField(
        Person, blank=True, related_name="schedules", verbose_name=_("inspectors")
    )
    team = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspection_schedules",
        verbose_name=_("inspecting team"),
    )
    locations = models.ManyToManyField(
        Location, blank=True, related_name="schedules", verbose_name=_("locations")
    )
    area_types = models.ManyToManyField(
        AreaType, blank=True, related_name="schedules", verbose_name=_("area types")
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # The days its expected checks are planned for, and a digest of what they were planned from
    # (schedules.py): the hourly planning plans only what changed since, and the new days. The
    # planning writes them with UPDATE, which makes no audit row.
    planned_from = models.DateField(null=True, blank=True, editable=False)
    planned_until = models.DateField(null=True, blank=True, editable=False)
    planned_inputs = models.CharField(max_length=64, blank=True, editable=False)
    history = HistoricalRecords(m2m_fields=[assignees, locations, area_types])

    class Meta:
        ordering = ["name"]
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="schedule_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ExpectedCheck(TenantModel):
    """One check a schedule expects at one location and time; missed when its window passes."""

    schedule = models.ForeignKey(
        Schedule, on_delete=models.CASCADE, related_name="expected", verbose_name=_("schedule")
    )
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="expected_checks")
    due_at = models.DateTimeField(_("due at"))
    window_ends_at = models.DateTimeField(_("missed after"))
    week_key = models.CharField(max_length=8)
    month_key = models.CharField(max_length=7)

    class Meta:
        ordering = ["due_at", "location"]
        verbose_name = _("expected check")
        verbose_name_plural = _("expected checks")
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "location", "due_at"], name="expected_check_unique"
            )
        ]
        indexes = [
            models.Index(fields=["organisation", "due_at"]),
            models.Index(fields=["organisation", "week_key"]),
        ]

    def __str__(self) -> str:
        return f"{self.schedule} · {self.location} · {self.due_at:%Y-%m-%d %H:%M}"


class _LiveChecks(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(voided_at__isnull=True)


class _VoidedChecks(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(voided_at__isnull=False)


class Inspection(TenantModel):
    """One check of one location, submitted once (client_id makes a resend harmless).

    A check entered by mistake is voided (作废, services.inspection_void): it stays, with who
    voided it, when and why, and what its findings were (``voided_findings``), but its findings
    leave the Finding table (their audit rows keep them) and the default manager no longer gives
    it, so that no score, count or list has to remember to leave it out. ``voided`` gives the
    voided checks, ``with_voided`` every check (the check's own page)."""

    objects = ScopedManager(_LiveChecks, organisation="organisation")
    voided = ScopedManager(_VoidedChecks, organisation="organisation")
    with_voided = ScopedManager(organisation="organisation")

    client_id = models.UUIDField(_("client id"), default=uuid.uuid4)
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("location")
    )
    standard_version = models.ForeignKey(
        StandardVersion,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("standard version"),
    )
    schedule = models.ForeignKey(
        Schedule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inspections",
        verbose_name=_("schedule"),
    )
    expected = models.OneToOneField(
        ExpectedCheck,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inspection",
        verbose_name=_("expected check"),
    )
    level = models.CharField(
        _("supervision level"), max_length=20, choices=SupervisionLevel.choices
    )
    inspector = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspections",
        verbose_name=_("inspector"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    done_at = models.DateTimeField(_("done at"))
    note = models.TextField(_("note"), blank=True)
    score = models.DecimalField(_("score"), **POINTS)
    is_failed = models.BooleanField(_("failed (red line)"), default=False)
    date = models.DateField(_("date"))
    week_key = models.CharField(max_length=8)
    month_key = models.CharField(max_length=7)
    # The background import that stored the check, so that a failed import takes back its checks.
    import_job = models.ForeignKey(
        "orgs.ImportJob",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("import job"),
    )
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True, editable=False)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("voided by"),
    )
    # A default in the database too: rows written by raw statements (bench/dataset.py) need none.
    void_reason = models.TextField(
        _("why voided"), blank=True, default="", db_default="", editable=False
    )
    # The findings as they were when the check was voided, with what rested on them (a task …).
    voided_findings = models.JSONField(
        _("findings when voided"), null=True, blank=True, editable=False
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-done_at"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "client_id"], name="inspection_client_id_unique"
            )
        ]
        indexes = [
            models.Index(fields=["organisation", "date"]),
            models.Index(fields=["organisation", "week_key"]),
            models.Index(fields=["organisation", "month_key"]),
        ]

    def __str__(self) -> str:
        return f"{self.location} · {self.done_at:%Y-%m-%d %H:%M}"

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None


class FindingKind(models.TextChoices):
    DEDUCTION = "deduction", _("Deduction")
    SCORED = "scored", _("Scored item")
    BONUS = "bonus", _("Bonus")
    RED_LINE = "red_line", _("Red line")
    HIGHLIGHT = "highlight", _("Highlight")


class Finding(TenantModel):
    """Something an inspector saw: a problem, a bonus or a highlight, attributed to a unit."""

    inspection = models.ForeignKey(
        Inspection,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("inspection"),
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="findings", verbose_name=_("location")
    )
    area_type = models.ForeignKey(
        AreaType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("area type"),
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("responsible unit"),
    )
    unit_reason = models.CharField(
        _("why another unit"),
        max_length=300,
        blank=True,
        help_text=_("Required when the unit is not the one that held the location then."),
    )
    item = models.ForeignKey(
        StandardItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("item"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=FindingKind.choices)
    # Magnitude: points lost (deduction, scored, red line) or gained (bonus); 0 for a highlight.
    points = models.DecimalField(_("points"), default=Decimal(0), **POINTS)
    note = models.CharField(_("note"), max_length=500, blank=True)
    inspector = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("inspector"),
    )
    observed_at = models.DateTimeField(_("observed at"))
    date = models.DateField(_("date"))
    week_key = models.CharField(max_length=8)
    month_key = models.CharField(max_length=7)
    year = models.PositiveSmallIntegerField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-observed_at", "id"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        constraints = [
            models.CheckConstraint(condition=Q(points__gte=0), name="finding_points_not_negative")
        ]
        indexes = [
            models.Index(fields=["organisation", "month_key", "unit"]),
            models.Index(fields=["organisation", "week_key", "unit"]),
            models.Index(fields=["organisation", "date"]),
            models.Index(fields=["organisation", "-observed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.location} · {self.get_kind_display()} · {self.note or self.item or ''}"


class FindingPhoto(TenantModel):
    """A photo taken with a finding (before), kept under MEDIA_ROOT/findings/, re-encoded with a
    thumbnail (core/photos.py; photos stored before that have none)."""

    finding = models.ForeignKey(
        Finding, on_delete=models.CASCADE, related_name="photos", verbose_name=_("finding")
    )
    image = models.ImageField(_("photo"), upload_to="findings/%Y/%m/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="findings/%Y/%m/", blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.image.name


class RedFlagScope(models.TextChoices):
    OVERALL = "overall", _("Overall")
    AREA_TYPE = "area_type", _("Per area type")


class RedFlagTies(models.TextChoices):
    BREAK = "break", _("Break ties: fewer problems, then more checks, then the admin chooses")
    SHARE = "share", _("Units tied at the cut share the flags")


class BoardPolicy(models.Model):
    """An organisation's scoring and notice-board settings."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="board_policy"
    )
    base_score = models.DecimalField(_("base score per period"), default=Decimal(100), **POINTS)
    floor_score = models.DecimalField(_("lowest score"), default=Decimal(0), **POINTS)
    red_flags_per_week = models.PositiveSmallIntegerField(_("red flags per week"), default=1)
    red_flag_scope = models.CharField(
        _("red flags awarded"),
        max_length=20,
        choices=RedFlagScope.choices,
        default=RedFlagScope.OVERALL,
    )
    red_flag_ties = models.CharField(
        _("ties at the cut"),
        max_length=10,
        choices=RedFlagTies.choices,
        default=RedFlagTies.BREAK,
    )
    board_enabled = models.BooleanField(_("public notice board"), default=False)
    board_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("notice board and scoring settings")
        verbose_name_plural = _("notice board and scoring settings")

    def __str__(self) -> str:
        return str(self.organisation)


class RedFlagQuota(TenantModel):
    """How many red flags the units of one kind win each week, in one area type or (with no area
    type) in every area type or overall; without a quota, the board policy's red_flags_per_week."""

    unit_kind = models.CharField(_("kind of unit"), max_length=20, choices=UnitKind.choices)
    area_type = models.ForeignKey(
        AreaType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area type"),
    )
    flags = models.PositiveSmallIntegerField(_("red flags per week"))

    class Meta:
        ordering = ["unit_kind", "area_type"]
        verbose_name = _("red flags of a kind of unit")
        verbose_name_plural = _("red flags of a kind of unit")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "unit_kind", "area_type"],
                condition=Q(area_type__isnull=False),
                name="red_flag_quota_area_unique",
            ),
            models.UniqueConstraint(
                fields=["organisation", "unit_kind"],
                condition=Q(area_type__isnull=True),
                name="red_flag_quota_kind_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_unit_kind_display()} {self.area_type or ''} {self.flags}"


class RedFlagTie(TenantModel):
    """Units still tied at the cut of a week's red flags after the rule (fewer problems, then more
    checks): the admin chooses which of them win the seats left."""

    week_key = models.CharField(_("week"), max_length=8)
    area_type = models.ForeignKey(
        AreaType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area type"),
    )
    unit_kind = models.CharField(_("kind of unit"), max_length=20, choices=UnitKind.choices)
    seats = models.PositiveSmallIntegerField(_("flags left"))
    rank = models.PositiveSmallIntegerField(_("rank"))
    score = models.DecimalField(_("score"), **POINTS)
    units = models.ManyToManyField(Unit, related_name="+", verbose_name=_("tied units"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        ordering = ["-week_key", "area_type", "unit_kind"]
        verbose_name = _("tie for red flags")
        verbose_name_plural = _("ties for red flags")

    def __str__(self) -> str:
        return f"{self.week_key} {self.get_unit_kind_display()}"


class RedFlag(TenantModel):
    """A weekly rotating red flag (流动红旗) won by a unit, overall or in one area type."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="red_flags", verbose_name=_("unit")
    )
    week_key = models.CharField(_("week"), max_length=8)
    area_type = models.ForeignKey(
        AreaType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="red_flags",
        verbose_name=_("area type"),
    )
    rank = models.PositiveSmallIntegerField(_("rank"))
    score = models.DecimalField(_("score"), **POINTS)

    class Meta:
        ordering = ["-week_key", "area_type", "rank"]
        verbose_name = _("red flag")
        verbose_name_plural = _("red flags")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "week_key", "area_type", "unit"],
                condition=Q(area_type__isnull=False),
                name="red_flag_area_type_unique",
            ),
            models.UniqueConstraint(
                fields=["organisation", "week_key", "unit"],
                condition=Q(area_type__isnull=True),
                name="red_flag_overall_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.week_key} {self.unit}"


class PhotoUpload(TenantModel):
    """A photo sent ahead of its check or fix (a phone on a weak network), re-encoded with its
    thumbnail; used up when the check or fix names it, removed with its files after a day
    otherwise (jobs.py)."""

    image = models.ImageField(_("photo"), upload_to="uploads/%Y/%m/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="uploads/%Y/%m/", blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("uploaded photo")
        verbose_name_plural = _("uploaded photos")

    def __str__(self) -> str:
        return self.image.name
