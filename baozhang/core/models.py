"""The base of every tenant record (an organisation, timestamps, a scoped manager, history) and of
every background job; the records of the clock and of the workers."""

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
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


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class JobFailure(models.TextChoices):
    ERROR = "error", _("An error stopped it")
    WORKER_LOST = "worker_lost", _("The worker making it stopped")


class BackgroundJob(models.Model):
    """A piece of work the background worker does for a person, with what the page shows of it:
    its status, progress and step, and why it failed. While it runs, its worker holds a lease
    on it that it keeps renewing (core/background.py); a job whose lease ran out lost its worker.

    A kind of job names its steps in STEPS: a key stored in `step`, a label shown to people that
    may use %(done)s and %(total)s (step_done, step_total)."""

    STEPS: ClassVar[dict[str, Promise]] = {}

    status = models.CharField(
        _("status"), max_length=8, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    step = models.CharField(_("step"), max_length=200, blank=True)
    step_done = models.PositiveIntegerField(_("done of the step"), default=0)
    step_total = models.PositiveIntegerField(_("total of the step"), default=0)
    failure = models.CharField(_("failure"), max_length=12, choices=JobFailure.choices, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    leased_until = models.DateTimeField(_("leased until"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def step_label(self) -> str:
        """The step for people, in their language; never the step's key."""
        label = {**CORE_STEPS, **self.STEPS}.get(self.step)
        if label is None:
            return ""
        return str(label) % {"done": self.step_done, "total": self.step_total}

    @property
    def failure_reason(self) -> str:
        """Why the job failed, in the reader's language; empty unless it failed."""
        if self.status != JobStatus.FAILED:
            return ""
        if self.failure == JobFailure.WORKER_LOST:
            return str(
                _(
                    "The worker making it stopped twice before it was done (a restart or a "
                    "crash). Try again; if it fails again, tell the administrator."
                )
            )
        return str(_("An error stopped it: %(error)s") % {"error": self.error})


CORE_STEPS: dict[str, Promise] = {
    "retry": _("The worker making it stopped; waiting to try once more"),
}


class WorkerHeartbeat(models.Model):
    """One background worker's sign of life, written every BAOZHANG_WORKER_HEARTBEAT_SECONDS while
    it runs: the administrator's page warns when none is recent."""

    worker_id = models.CharField(_("worker"), max_length=64, unique=True)
    host = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("process"))
    started_at = models.DateTimeField(_("started at"))
    beat_at = models.DateTimeField(_("last heartbeat"))
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)

    class Meta:
        ordering = ["-beat_at"]
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}"
