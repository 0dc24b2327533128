"""The base of every tenant record: an organisation, timestamps, a scoped manager, history."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager


class TenantModel(models.Model):
    """A record that belongs to one organisation; unscoped queries on it raise ScopeError."""

    organisation = models.ForeignKey(
        "orgs.Organisation",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedManager(organisation="organisation")

    class Meta:
        abstract = True


class PeriodicJob(models.Model):
    """The last runs of one periodic job, kept for the administrator to see."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    last_run_at = models.DateTimeField(_("last run at"), null=True, blank=True)
    last_result = models.CharField(_("last result"), max_length=200, blank=True)
    last_failed_at = models.DateTimeField(_("last failed at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    runs = models.PositiveIntegerField(_("runs"), default=0)
    failures = models.PositiveIntegerField(_("failures"), default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("periodic job")
        verbose_name_plural = _("periodic jobs")

    def __str__(self) -> str:
        return self.name
