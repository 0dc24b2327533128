"""Voiding a check entered by mistake (作废): the check stays, marked voided with who, when and
why; everything counted from it follows as if it had never been made (docs/inspections.md,
"Voiding a check")."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from baozhang.core.periods import period_of_week
from baozhang.core.public_pages import public_pages_changed
from baozhang.inspections.models import Finding, Inspection, RedFlag, RedFlagTie
from baozhang.inspections.services import red_flags_award
from baozhang.inspections.withdrawals import findings_withdrawn
from baozhang.orgs.models import User

REASON_LENGTH = 500


def inspection_void(
    *, inspection: Inspection, reason: str, by: User | None, now=None
) -> Inspection:
    """Void the check with the reason, in one transaction: its findings are kept on it as they
    were and leave the Finding table (with audit rows naming who and why), what rests on them is
    settled by its app (an open task is cancelled), the check it fulfilled is expected again, and
    the red flags of its week, if awarded, are awarded again without it. Who may void which check
    is the gate's question (access.access_inspection_to_void)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the check is voided."))
    if len(reason) > REASON_LENGTH:
        raise ValidationError(
            _("The reason can have at most %(count)s characters.") % {"count": REASON_LENGTH}
        )
    now = now or timezone.now()
    with transaction.atomic():
        locked = Inspection.with_voided.select_for_update().filter(pk=inspection.pk).first()
        if locked is None or locked.voided_at is not None:
            raise ValidationError(_("This check has already been voided."))
        findings = list(
            Finding.objects.filter(inspection=inspection)
            .select_related("item", "unit")
            .prefetch_related("photos")
            .order_by("id")
        )
        settled = findings_withdrawn(
            finding_ids=[finding.pk for finding in findings], reason=reason, by=by
        )
        inspection.voided_findings = [
            _finding_kept(finding, settled.get(finding.pk, [])) for finding in findings
        ]
        inspection.voided_at, inspection.voided_by, inspection.void_reason = now, by, reason
        inspection.expected = None  # the expected check is open again, or missed
        inspection._change_reason = reason
        if by is not None:
            inspection._history_user = by
        inspection.save()
        for finding in findings:  # one at a time: each audit row names who and why
            finding._change_reason = reason
            if by is not None:
                finding._history_user = by
            finding.delete()
        _red_flags_follow(inspection, today=timezone.localdate(now))
        public_pages_changed(organisation_id=inspection.organisation_id)
    return inspection


def _finding_kept(finding: Finding, settled: list[str]) -> dict:
    """The finding as the voided check's page shows it."""
    return {
        "id": finding.pk,
        "item": finding.item.text if finding.item_id else "",
        "kind": finding.kind,
        "points": str(finding.points),
        "unit": finding.unit.name if finding.unit_id else "",
        "unit_reason": finding.unit_reason,
        "note": finding.note,
        "photos": len(finding.photos.all()),
        "settled": settled,
    }


def _red_flags_follow(inspection: Inspection, *, today) -> None:
    """The red flags of the check's week, once awarded, awarded again without it (the week has
    ended: flags are awarded only then)."""
    week = inspection.week_key
    flags = RedFlag.objects.filter(organisation_id=inspection.organisation_id, week_key=week)
    ties = RedFlagTie.objects.filter(organisation_id=inspection.organisation_id, week_key=week)
    if not flags.exists() and not ties.exists():
        return
    flags.delete()
    ties.delete()  # a tie the admin had still to decide is decided anew with the rest
    if period_of_week(week).end < today:
        red_flags_award(organisation=inspection.organisation, week=week, today=today)
