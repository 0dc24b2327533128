"""Writes of rectification: every transition of a finding's disposition and of a task's life.

The records come through the gates of rectification/access.py (tenant and permission checked
there); ``access`` names who acts.

A finding gets one disposition: fixed on the spot, a task, or a referral to the office meeting (whose
decision then opens the task). A task is open → submitted by its unit → closed by a verifier, or
rejected back to open with a reason. Nothing closes without verification; a unit head never
verifies a task of their own unit, nor anybody the fix they submitted. Each step is a TaskEvent
(who, when, note, photo) besides the audit trail of the records themselves.

A check recorded during a special patrol round is stored by inspections and linked to the round here.
"""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from baozhang.core.photos import photo_encode
from baozhang.inspections.models import (
    Finding,
    FindingKind,
    Inspection,
    PhotoUpload,
    SupervisionLevel,
)
from baozhang.inspections.services import inspection_submit
from baozhang.orgs.access import OrgAccess
from baozhang.orgs.models import Location, Person, Unit
from baozhang.rectification import notices
from baozhang.rectification.access import units_headed
from baozhang.rectification.models import (
    HOUR,
    Escalation,
    EventKind,
    PatrolRound,
    PatrolRoundCheck,
    RectificationPolicy,
    Referral,
    Severity,
    SpotFix,
    Task,
    TaskEvent,
    TaskStatus,
    severity_default,
)


def rectification_policy(*, organisation) -> RectificationPolicy:
    """The organisation's deadlines and reminder settings (defaults until the admin changes them)."""
    policy, _created = RectificationPolicy.objects.get_or_create(organisation=organisation)
    return policy


def rectification_policy_save(*, policy: RectificationPolicy) -> RectificationPolicy:
    """Store the organisation's changed deadlines and reminder settings."""
    policy.save()
    return policy


def _undisposed(finding: Finding) -> None:
    if finding.kind in (FindingKind.HIGHLIGHT, FindingKind.BONUS):
        raise ValidationError(_("Highlights and bonuses need no rectification."))
    for attribute, message in (
        ("spot_fix", _("This finding was already fixed on the spot.")),
        ("task", _("This finding already has a rectification task.")),
        ("referral", _("This finding was already referred to the office meeting.")),
    ):
        if hasattr(finding, attribute):
            raise ValidationError(message)


AfterPhoto = UploadedFile | PhotoUpload | None


def _photo_files(photo: AfterPhoto) -> dict[str, Any]:
    """The after-photo's files: one sent with the form is re-encoded here (core/photos.py), one
    sent ahead (the API's POST /photos) was re-encoded then."""
    if photo is None:
        return {"photo": "", "photo_thumbnail": ""}
    if isinstance(photo, PhotoUpload):
        return {"photo": photo.image.name, "photo_thumbnail": photo.thumbnail.name}
    encoded = photo_encode(photo)
    return {"photo": encoded.image, "photo_thumbnail": encoded.thumbnail}


def _photo_used(photo: AfterPhoto) -> None:
    """A photo sent ahead is used up: its files now belong to the fix."""
    if isinstance(photo, PhotoUpload):
        photo.delete()


def spot_fix_record(
    *,
    access: OrgAccess,
    finding: Finding,
    fixed_by: str,
    photo: AfterPhoto = None,
    note: str = "",
    at: datetime | None = None,
) -> SpotFix:
    """The finding was fixed on the spot (现场整改) by somebody, shown by an after-photo (sent with
    the form, or sent ahead and used up here)."""
    if not fixed_by.strip():
        raise ValidationError(_("Say who fixed it."))
    files = _photo_files(photo)
    with transaction.atomic():
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        _undisposed(finding)
        fix = SpotFix.objects.create(
            organisation=access.organisation,
            finding=finding,
            fixed_by=fixed_by.strip(),
            note=note.strip(),
            fixed_at=at or timezone.now(),
            recorded_by=access.person,
            **files,
        )
        _photo_used(photo)
        return fix


def _event(task: Task, kind: str, access: OrgAccess | None, *, at, note="", files=None) -> None:
    TaskEvent.objects.create(
        organisation_id=task.organisation_id,
        task=task,
        kind=kind,
        at=at,
        by=access.person if access else None,
        by_user=access.user if access else None,
        note=note,
        **(files or {}),
    )


def _task_create(
    *,
    access: OrgAccess,
    finding: Finding,
    unit: Unit | None,
    severity: str | None,
    deadline: datetime | None,
    assignee: Person | None,
    description: str,
    referral: Referral | None,
    now: datetime,
) -> Task:
    unit = unit or finding.unit
    if severity is None:
        severity = severity_default(finding_kind=finding.kind)
    if unit is None:
        raise ValidationError(_("Choose the unit responsible for the fix."))
    if severity not in Severity.values:
        raise ValidationError(_("Unknown severity."))
    if deadline is None:
        deadline = now + rectification_policy(organisation=access.organisation).deadline_span(
            severity
        )
    elif deadline <= now:
        raise ValidationError(_("The deadline must be in the future."))
    task = Task.objects.create(
        organisation=access.organisation,
        finding=finding,
        referral=referral,
        unit=unit,
        assignee=assignee,
        description=description.strip() or _finding_text(finding),
        severity=severity,
        deadline=deadline,
        opened_at=now,
        opened_by=access.person,
    )
    _event(task, EventKind.OPENED, access, at=now)
    notices.task_opened(task)
    return task


def _finding_text(finding: Finding) -> str:
    parts = [finding.item.text if finding.item_id else "", finding.note]
    return " — ".join(part for part in parts if part)


def task_open(
    *,
    access: OrgAccess,
    finding: Finding,
    unit: Unit | None = None,
    severity: str | None = None,
    deadline: datetime | None = None,
    assignee: Person | None = None,
    description: str = "",
    now: datetime | None = None,
) -> Task:
    """Turn a finding into a rectification task for a unit (by default the finding's unit), of
    the severity given or the finding's kind's (a red line urgent, models.severity_default), due
    at the deadline given or the organisation's default for the severity."""
    now = now or timezone.now()
    with transaction.atomic():
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        _undisposed(finding)
        return _task_create(
            access=access,
            finding=finding,
            unit=unit,
            severity=severity,
            deadline=deadline,
            assignee=assignee,
            description=description,
            referral=None,
            now=now,
        )


def referral_create(
    *, access: OrgAccess, finding: Finding, reason: str = "", now: datetime | None = None
) -> Referral:
    """Refer a finding too big for a unit to the office meeting (提交院长办公会)."""
    with transaction.atomic():
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        _undisposed(finding)
        return Referral.objects.create(
            organisation=access.organisation,
            finding=finding,
            reason=reason.strip(),
            referred_at=now or timezone.now(),
            referred_by=access.person,
        )


def referral_decide(
    *,
    access: OrgAccess,
    referral: Referral,
    decision: str,
    unit: Unit,
    deadline: datetime,
    meeting_date=None,
    assignee: Person | None = None,
    severity: str | None = None,
    now: datetime | None = None,
) -> Task:
    """Record the meeting's decision; it becomes a task for the unit with the deadline decided,
    of the severity given or the finding's kind's."""
    if not decision.strip():
        raise ValidationError(_("Write down the meeting's decision."))
    now = now or timezone.now()
    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        if referral.is_decided:
            raise ValidationError(_("The meeting has already decided on this finding."))
        referral.decision = decision.strip()
        referral.meeting_date = meeting_date or timezone.localdate(now)
        referral.decided_at = now
        referral.decided_by = access.person
        referral.save()
        return _task_create(
            access=access,
            finding=referral.finding,
            unit=unit,
            severity=severity,
            deadline=deadline,
            assignee=assignee,
            description=referral.decision,
            referral=referral,
            now=now,
        )


def _locked(task: Task, *allowed: str) -> Task:
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.status not in allowed:
        messages = {
            TaskStatus.OPEN: _("The task is open: the unit has not submitted its fix yet."),
            TaskStatus.SUBMITTED: _("The fix was already submitted and waits for verification."),
            TaskStatus.CLOSED: _("The task is closed."),
        }
        raise ValidationError(messages[task.status])
    return task


def task_submit(
    *,
    access: OrgAccess,
    task: Task,
    note: str = "",
    photo: AfterPhoto = None,
    now: datetime | None = None,
) -> Task:
    """The unit reports its fix (note and after-photo, sent with the form or sent ahead and used
    up here) for verification."""
    if not note.strip() and photo is None:
        raise ValidationError(_("Describe the fix or add a photo of it."))
    files = _photo_files(photo)
    now = now or timezone.now()
    with transaction.atomic():
        task = _locked(task, TaskStatus.OPEN)
        task.status = TaskStatus.SUBMITTED
        task.submitted_at = now
        task.submitted_by = access.person
        task.save()
        _event(task, EventKind.SUBMITTED, access, at=now, note=note.strip(), files=files)
        _photo_used(photo)
        notices.task_submitted(task, note.strip())
    return task


def _may_verify(access: OrgAccess, task: Task) -> None:
    if task.unit_id in units_headed(access):
        raise ValidationError(_("A unit head cannot verify a task of their own unit."))
    if access.person is not None and task.submitted_by_id == access.person.pk:
        raise ValidationError(_("Somebody else must verify the fix you submitted."))


def task_verify(
    *, access: OrgAccess, task: Task, note: str = "", now: datetime | None = None
) -> Task:
    """The inspector or leader has checked the fix: the task is closed."""
    now = now or timezone.now()
    with transaction.atomic():
        task = _locked(task, TaskStatus.SUBMITTED)
        _may_verify(access, task)
        task.status = TaskStatus.CLOSED
        task.closed_at = now
        task.closed_by = access.person
        task.save()
        _event(task, EventKind.CLOSED, access, at=now, note=note.strip())
    return task


def task_reject(*, access: OrgAccess, task: Task, reason: str, now: datetime | None = None) -> Task:
    """The fix is not good enough: back to the unit, with the reason; the rejection is counted."""
    if not reason.strip():
        raise ValidationError(_("Say why the fix is rejected."))
    now = now or timezone.now()
    with transaction.atomic():
        task = _locked(task, TaskStatus.SUBMITTED)
        _may_verify(access, task)
        task.status = TaskStatus.OPEN
        task.rejections += 1
        task.submitted_at = None
        task.submitted_by = None
        task.save()
        _event(task, EventKind.REJECTED, access, at=now, note=reason.strip())
        notices.task_rejected(task, reason.strip())
    return task


def deadlines_process(*, organisation, now: datetime) -> dict[str, list[Task]]:
    """Remind of deadlines coming up and escalate overdue tasks, once each; returns what changed.

    A task not closed is reminded once when its deadline is within the policy's reminder time; once
    past its deadline it is escalated to the functional department, and when still not closed after
    the policy's time it is escalated to a leader.
    """
    policy = rectification_policy(organisation=organisation)
    changed: dict[str, list[Task]] = {"reminded": [], "escalated": []}
    with transaction.atomic():
        pending = (
            Task.objects.select_for_update(of=("self",))
            .select_related("organisation", "unit", "assignee", "finding__location")
            .filter(organisation=organisation, status__in=[TaskStatus.OPEN, TaskStatus.SUBMITTED])
        )
        for task in pending.filter(
            reminded_at__isnull=True,
            deadline__gt=now,
            deadline__lte=now + policy.remind_hours * HOUR,
        ):
            task.reminded_at = now
            task.save(update_fields=["reminded_at", "updated_at"])
            _event(task, EventKind.REMINDED, None, at=now)
            notices.task_reminded(task)
            changed["reminded"].append(task)
        # Only the tasks due for their next level: not every overdue task at each run.
        for_leader = now - policy.leader_after_hours * HOUR
        due = pending.filter(
            Q(escalation=Escalation.UNIT, deadline__lte=now)
            | Q(escalation__lt=Escalation.LEADER, deadline__lte=for_leader)
        )
        for task in due:
            level = Escalation.LEADER if task.deadline <= for_leader else Escalation.DEPARTMENT
            task.escalation = level
            task.escalated_at = now
            task.save(update_fields=["escalation", "escalated_at", "updated_at"])
            _event(task, EventKind.ESCALATED, None, at=now, note=Escalation(level).label)
            notices.task_escalated(task)
            changed["escalated"].append(task)
    return changed


def round_inspection_submit(
    *,
    patrol_round: PatrolRound,
    location: Location,
    level: str | None = None,
    **submission: Any,
) -> tuple[Inspection, bool]:
    """Store a check made during the round (inspection_submit's arguments) linked to it, at once."""
    if patrol_round.organisation_id != location.organisation_id:
        raise ValidationError(_("The patrol round belongs to another organisation."))
    with transaction.atomic():
        # A leader leads the round: its checks are leaders' inspections unless told otherwise. A
        # resend of a stored check is already linked.
        inspection, created = inspection_submit(
            location=location, level=level or SupervisionLevel.LEADER, **submission
        )
        if created:
            PatrolRoundCheck.objects.create(
                organisation_id=location.organisation_id,
                patrol_round=patrol_round,
                inspection=inspection,
            )
    return inspection, created


def patrol_round_create(
    *,
    organisation,
    title: str,
    date,
    leader: Person | None,
    note: str = "",
    members=(),
    area_types=(),
    locations=(),
) -> PatrolRound:
    """A special patrol round (专项巡查): its leader, members and the areas it covers on a day."""
    with transaction.atomic():
        patrol = PatrolRound.objects.create(
            organisation=organisation,
            title=title.strip(),
            date=date,
            leader=leader,
            note=note.strip(),
        )
        patrol.members.set(members)
        patrol.area_types.set(area_types)
        patrol.locations.set(locations)
    return patrol
