"""What becomes of the rectification of a check's findings when the check is voided (作废,
inspections/withdrawals.py): an open task is cancelled, a closed one, a fix on the spot and a
referral are taken back with the findings; each leaves a line on the voided check and an audit
row naming who voided the check and why (docs/rectification.md)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from baozhang.orgs.models import User
from baozhang.rectification.models import Referral, SpotFix, Task, TaskStatus


def findings_withdrawn_settle(
    *, finding_ids: list[int], reason: str, by: User | None
) -> dict[int, list[str]]:
    """Cancel the findings' tasks and take back their fixes on the spot and referrals, inside
    the voiding's transaction; a line per record, by finding."""
    lines: dict[int, list[str]] = {}
    if not finding_ids:
        return lines
    tasks = Task.objects.filter(finding_id__in=finding_ids).order_by("id")
    fixes = SpotFix.objects.filter(finding_id__in=finding_ids).order_by("id")
    referrals = Referral.objects.filter(finding_id__in=finding_ids).order_by("id")
    # A task first: one made from the meeting's decision protects its referral.
    for task in tasks.select_related("unit"):
        lines.setdefault(task.finding_id, []).append(_task_line(task, reason))
        _removed(task, reason, by)
    for fix in fixes:
        day = timezone.localtime(fix.fixed_at).strftime("%Y-%m-%d %H:%M")
        lines.setdefault(fix.finding_id, []).append(
            _("Fixed on the spot by %(who)s at %(day)s.") % {"who": fix.fixed_by, "day": day}
        )
        _removed(fix, reason, by)
    for referral in referrals:
        line = _("Referred to the office meeting.")
        if referral.decision:
            line += " " + _("Decision: %(decision)s") % {"decision": referral.decision}
        lines.setdefault(referral.finding_id, []).append(line)
        _removed(referral, reason, by)
    return lines


def _task_line(task: Task, reason: str) -> str:
    if task.status == TaskStatus.CLOSED:
        return _("Rectification task #%(id)s (%(unit)s) had been verified and closed.") % {
            "id": task.pk,
            "unit": task.unit.name,
        }
    return _("Rectification task #%(id)s (%(unit)s, %(status)s) cancelled: %(reason)s") % {
        "id": task.pk,
        "unit": task.unit.name,
        "status": task.get_status_display(),
        "reason": reason,
    }


def _removed(record, reason: str, by: User | None) -> None:
    """Delete the record with an audit row naming who voided the check and why."""
    record._change_reason = reason
    if by is not None:
        record._history_user = by
    record.delete()
