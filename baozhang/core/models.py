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
