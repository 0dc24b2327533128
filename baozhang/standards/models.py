"""Inspection standards (检查标准 / 评分表): versioned lists of items, grouped in sections."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from baozhang.core.models import TenantModel
from baozhang.orgs.models import CODE_TAKEN, AreaType


class ScoringPeriod(models.TextChoices):
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")


class PeriodTotal(models.TextChoices):
    MEAN = "mean", _("Mean of the scoring periods checked")
    SUM = "sum", _("Sum of the scoring periods checked")


class Standard(TenantModel):
    """A standard as people name it; its items live in versions, the newest being the current.

    A unit is scored per scoring period (a week for class hygiene, a month for a contractor's
    evaluation); over a longer period its score is the mean (or, where the standard says so, the
    sum) of its scores in the scoring periods in which it was checked."""

    code = models.CharField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    area_types = models.ManyToManyField(
        AreaType, blank=True, related_name="standards", verbose_name=_("applies to area types")
    )
    scoring_period = models.CharField(
        _("scoring period"),
        max_length=10,
        choices=ScoringPeriod.choices,
        default=ScoringPeriod.WEEK,
        help_text=_("The period one score covers: base − deductions + bonuses."),
    )
    period_total = models.CharField(
        _("over a longer period"),
        max_length=10,
        choices=PeriodTotal.choices,
        default=PeriodTotal.MEAN,
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(m2m_fields=[area_types])

    class Meta:
        ordering = ["code"]
        verbose_name = _("standard")
        verbose_name_plural = _("standards")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"],
                name="standard_code_unique",
                violation_error_message=CODE_TAKEN,
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RedLineRule(models.TextChoices):
    FAIL_CHECK = "fail_check", _("A red line fails the whole check")
    PERIOD_FLOOR = "period_floor", _("A red line sets the unit's period score")


POINTS = {"max_digits": 7, "decimal_places": 1}


class StandardVersion(TenantModel):
    """One frozen edition of a standard; an inspection keeps the version it was done with."""

    standard = models.ForeignKey(
        Standard, on_delete=models.CASCADE, related_name="versions", verbose_name=_("standard")
    )
    number = models.PositiveIntegerField(_("version"))
    base_score = models.DecimalField(
        _("base score"), default=Decimal(100), validators=[MinValueValidator(0)], **POINTS
    )
    floor_score = models.DecimalField(
        _("lowest score"), default=Decimal(0), validators=[MinValueValidator(0)], **POINTS
    )
    red_line_rule = models.CharField(
        _("red line rule"),
        max_length=20,
        choices=RedLineRule.choices,
        default=RedLineRule.FAIL_CHECK,
    )
    red_line_score = models.DecimalField(
        _("score after a red line"),
        default=Decimal(0),
        validators=[MinValueValidator(0)],
        help_text=_("With the period rule: the unit's score for the period of a red line."),
        **POINTS,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["standard", "-number"]
        verbose_name = _("standard version")
        verbose_name_plural = _("standard versions")
        constraints = [
            models.UniqueConstraint(fields=["standard", "number"], name="standard_version_unique"),
            models.CheckConstraint(
                condition=Q(floor_score__lte=models.F("base_score")),
                name="standard_floor_not_above_base",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.standard} v{self.number}"


class ItemKind(models.TextChoices):
    DEDUCTION = "deduction", _("Fixed deduction")
    SCORED = "scored", _("Scored (0 to the points)")
    BONUS = "bonus", _("Bonus")
    RED_LINE = "red_line", _("Red line")


class StandardItem(TenantModel):
    """One line of a standard: what is checked and what it is worth."""

    version = models.ForeignKey(
        StandardVersion, on_delete=models.CASCADE, related_name="items", verbose_name=_("version")
    )
    section = models.CharField(_("section"), max_length=100)
    text = models.CharField(_("item"), max_length=300)
    kind = models.CharField(
        _("type"), max_length=20, choices=ItemKind.choices, default=ItemKind.DEDUCTION
    )
    points = models.DecimalField(_("points"), validators=[MinValueValidator(0)], **POINTS)
    cap = models.DecimalField(
        _("cap"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("The most this item can deduct (or add) for a unit in one period."),
        **POINTS,
    )
    area_types = models.ManyToManyField(
        AreaType,
        blank=True,
        related_name="standard_items",
        verbose_name=_("applies to area types"),
        help_text=_("Empty: every area type of the standard."),
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["version", "sort_order", "id"]
        verbose_name = _("standard item")
        verbose_name_plural = _("standard items")
        constraints = [
            models.CheckConstraint(condition=Q(points__gte=0), name="item_points_not_negative"),
            models.CheckConstraint(
                condition=Q(cap__isnull=True) | Q(cap__gte=0), name="item_cap_not_negative"
            ),
        ]

    def __str__(self) -> str:
        sign = "+" if self.kind == ItemKind.BONUS else "−"
        return f"{self.text} {sign}{self.points.normalize():f}"
