"""Reports: a generated weekly bulletin, monthly report or work summary, kept as versions. A draft
version's narrative is edited in the browser; finalising freezes it; figures never change."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from baozhang.core.models import BackgroundJob, TenantModel


class ReportKind(models.TextChoices):
    WEEKLY = "weekly", _("Weekly bulletin")
    MONTHLY = "monthly", _("Monthly report")
    HALF_YEAR = "half_year", _("Half-year work summary")
    ANNUAL = "annual", _("Annual work summary")
    CUSTOM = "custom", _("Work summary")


class Report(TenantModel):
    kind = models.CharField(_("kind"), max_length=12, choices=ReportKind.choices)
    period = models.CharField(_("period"), max_length=30)
    site = models.ForeignKey(
        "orgs.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    area_type = models.ForeignKey(
        "orgs.AreaType", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self) -> str:
        return self.title


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FINAL = "final", _("Final")


class ReportVersion(TenantModel):
    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="versions", verbose_name=_("report")
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=8, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    figures = models.JSONField(_("figures"))
    narrative = models.JSONField(_("narrative"))
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    finalised_at = models.DateTimeField(_("finalised at"), null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["report", "number"]
        verbose_name = _("report version")
        verbose_name_plural = _("report versions")
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="report_version_unique"),
            models.UniqueConstraint(
                fields=["report"], condition=Q(status="draft"), name="report_one_draft"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(finalised_at__isnull=False),
                name="report_final_has_moment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} v{self.number}"

    @property
    def is_final(self) -> bool:
        return self.status == VersionStatus.FINAL


class FileKind(models.TextChoices):
    PDF = "pdf", "PDF"
    DOCX = "docx", "Word"
    XLSX = "xlsx", "Excel"


class KeptFile(TenantModel):
    """A final version's file in one language, as first made: a final version never changes, so
    its file is made once and served from then on (files.py). Under MEDIA_ROOT, in the backup."""

    version = models.ForeignKey(ReportVersion, on_delete=models.CASCADE, related_name="kept_files")
    kind = models.CharField(_("kind"), max_length=4, choices=FileKind.choices)
    language = models.CharField(_("language"), max_length=15)
    file = models.FileField(_("file"), upload_to="reports/files/%Y/%m/")

    class Meta:
        ordering = ["version", "kind", "language"]
        verbose_name = _("kept file")
        verbose_name_plural = _("kept files")
        constraints = [
            models.UniqueConstraint(fields=["version", "kind", "language"], name="kept_file_unique")
        ]

    def __str__(self) -> str:
        return self.file.name


class ReportJob(TenantModel, BackgroundJob):
    """A report being made in the background, with its progress for the page to show."""

    STEPS = {
        "figures": _("Computing the figures (%(done)s of %(total)s)"),
        "writing": _("Writing the draft"),
        "email": _("Sending the e-mail"),
    }

    kind = models.CharField(_("kind"), max_length=12, choices=ReportKind.choices)
    period = models.CharField(_("period"), max_length=30)
    site = models.ForeignKey(
        "orgs.Site", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    area_type = models.ForeignKey(
        "orgs.AreaType", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    email_to = models.JSONField(_("send to"), default=list, blank=True)
    report = models.ForeignKey(
        Report, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report job")
        verbose_name_plural = _("report jobs")

    def __str__(self) -> str:
        return f"{self.kind} {self.period}"


class ReportSchedule(TenantModel):
    """Generate a report by itself and e-mail it: every Monday the last week's bulletin, the 1st of
    each month the last month's report."""

    kind = models.CharField(
        _("kind"),
        max_length=12,
        choices=[
            (ReportKind.WEEKLY, ReportKind.WEEKLY.label),
            (ReportKind.MONTHLY, ReportKind.MONTHLY.label),
        ],
    )
    hour = models.PositiveSmallIntegerField(_("at (hour)"), default=8)
    recipients = models.ManyToManyField(
        "orgs.Person", blank=True, related_name="+", verbose_name=_("e-mail to")
    )
    is_active = models.BooleanField(_("active"), default=True)
    starts_on = models.DateField(
        _("from"),
        default=timezone.localdate,
        help_text=_("Reports due from this day on are made; earlier periods are not caught up."),
    )
    last_period = models.CharField(_("last period generated"), max_length=30, blank=True)

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = _("scheduled report")
        verbose_name_plural = _("scheduled reports")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.hour:02d}:00"
