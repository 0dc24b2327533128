"""Writes of reports: generate a draft, edit its narrative, finalise it, start a new draft.

The report and its versions come through the gates of reports/access.py (tenant and permission
checked there); ``access`` names who acts."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from baozhang.core.figures import Scope, figures_provided
from baozhang.core.periods import Period
from baozhang.orgs.access import OrgAccess
from baozhang.reports.figures import figures_compute
from baozhang.reports.models import (
    KeptFile,
    Report,
    ReportKind,
    ReportSchedule,
    ReportVersion,
    VersionStatus,
)
from baozhang.reports.narrative import WRITERS, narrative_write
from baozhang.reports.titles import period_running_until, report_title

PERIOD_OF_KIND = {
    ReportKind.WEEKLY: ("week", "2026-W47"),
    ReportKind.MONTHLY: ("month", "2026-11"),
    ReportKind.HALF_YEAR: ("half", "2026-H2"),
    ReportKind.ANNUAL: ("year", "2026"),
}


def period_check(*, kind: str, period: Period) -> None:
    """A weekly bulletin covers a week, a monthly report a month …; a work summary any period."""
    expected = PERIOD_OF_KIND.get(kind)
    if expected and period.kind != expected[0]:
        raise ValidationError(
            _("This kind of report needs a period like %(example)s.") % {"example": expected[1]}
        )


def report_figures(*, kind: str, scope: Scope, period: Period, progress=None) -> dict:
    """The figures a report of the kind keeps; a weekly bulletin also keeps its week's lists."""
    figures = figures_compute(scope=scope, period=period, progress=progress)
    if kind == ReportKind.WEEKLY:
        figures["bulletin"] = figures_provided("bulletin", scope=scope, period=period)
    return figures


def report_generate(
    *, access: OrgAccess, kind: str, scope: Scope, period: Period, progress=None
) -> Report:
    """Compute the figures and write the narrative: a new report with its first draft."""
    return report_create(kind=kind, scope=scope, period=period, by=access.user, progress=progress)


def report_create(*, kind: str, scope: Scope, period: Period, by=None, progress=None) -> Report:
    """The report and its first draft, for a person (checked by the caller) or a schedule; a
    period still running is counted, and titled, as far as it has run."""
    report_check(kind=kind, period=period)
    period = period.until(timezone.now())
    figures = report_figures(kind=kind, scope=scope, period=period, progress=progress)
    return report_store(kind=kind, scope=scope, period=period, figures=figures, by=by)


def report_check(*, kind: str, period: Period) -> None:
    """A known kind of report, for a period of its kind."""
    if kind not in ReportKind.values:
        raise ValidationError(_("Unknown kind of report."))
    period_check(kind=kind, period=period)


def report_store(*, kind: str, scope: Scope, period: Period, figures: dict, by=None) -> Report:
    """Store a report of figures computed already, with its first draft, together."""
    report_check(kind=kind, period=period)
    with transaction.atomic():
        named = _named(kind=kind, scope=scope, period=period)
        report = Report.objects.create(
            **named,
            title=report_title(
                kind=kind,
                scope=scope,
                period=period,
                until=period_running_until(period, timezone.localdate()),
                number=Report.objects.filter(**named).count() + 1,
            ),
            created_by=by,
        )
        ReportVersion.objects.create(
            organisation=scope.organisation,
            report=report,
            number=1,
            figures=figures,
            narrative=narrative_write(figures),
            edited_by=by,
        )
    return report


def _named(*, kind: str, scope: Scope, period: Period) -> dict:
    """What names a report: its organisation, kind, period and scope (two reports named alike
    are told apart by their titles' numbers)."""
    return {
        "organisation": scope.organisation,
        "kind": kind,
        "period": period.label,
        "site": scope.site,
        "unit": scope.unit,
        "area_type": scope.area_type,
    }


def _draft(version: ReportVersion) -> ReportVersion:
    locked = ReportVersion.objects.select_for_update().get(pk=version.pk)
    if locked.status != VersionStatus.DRAFT:
        raise ValidationError(_("This version is final and can no longer change."))
    return locked


def report_edit(*, access: OrgAccess, version: ReportVersion, narrative: dict[str, str]) -> None:
    """Replace the draft's narrative paragraphs; the figures and tables are not editable."""
    unknown = set(narrative) - set(WRITERS)
    if unknown:
        raise ValidationError(_("Unknown section: %(names)s") % {"names": ", ".join(unknown)})
    with transaction.atomic():
        draft = _draft(version)
        draft.narrative = {**draft.narrative, **{k: v.strip() for k, v in narrative.items()}}
        draft.edited_by = access.user
        draft.save(update_fields=["narrative", "edited_by", "updated_at"])


def report_finalise(*, access: OrgAccess, version: ReportVersion) -> ReportVersion:
    """Freeze the draft: from now on this version never changes."""
    with transaction.atomic():
        draft = _draft(version)
        draft.status = VersionStatus.FINAL
        draft.finalised_at = timezone.now()
        draft.finalised_by = access.user
        draft.save(update_fields=["status", "finalised_at", "finalised_by", "updated_at"])
    return draft


def report_redraft(*, access: OrgAccess, report: Report) -> ReportVersion:
    """A new draft after the last final version: its narrative copied, its figures the same."""
    with transaction.atomic():
        versions = ReportVersion.objects.select_for_update().filter(report=report)
        if versions.filter(status=VersionStatus.DRAFT).exists():
            raise ValidationError(_("This report already has a draft."))
        last = versions.order_by("-number").first()
        return ReportVersion.objects.create(
            organisation=report.organisation,
            report=report,
            number=last.number + 1,
            figures=last.figures,
            narrative=last.narrative,
            edited_by=access.user,
        )


def report_file_keep(*, version: ReportVersion, kind: str, language: str, content: bytes) -> bytes:
    """Keep a final version's file as made, once: returns the kept file's content, that of the
    file kept already when another request kept one first."""
    if not version.is_final:
        raise ValidationError(_("Only a final version's files are kept."))
    kept = KeptFile(organisation_id=version.organisation_id, version=version, kind=kind)
    kept.language = language
    name = f"{version.report_id}-v{version.number}-{language}.{kind}"
    kept.file.save(name, ContentFile(content), save=False)
    try:
        with transaction.atomic():
            kept.save()
    except Exception as error:
        kept.file.delete(save=False)  # the row was not stored: neither is its file
        if not isinstance(error, IntegrityError):
            raise
        first = KeptFile.objects.get(version=version, kind=kind, language=language)
        with first.file.open("rb") as stored:
            return stored.read()
    return content


def report_schedule_save(*, schedule: ReportSchedule, recipients) -> ReportSchedule:
    """Store a new or changed schedule of reports made and e-mailed by themselves."""
    with transaction.atomic():
        schedule.save()
        schedule.recipients.set(recipients)
    return schedule


def report_schedule_delete(*, schedule: ReportSchedule) -> None:
    """Stop a schedule; the reports it made stay."""
    schedule.delete()
