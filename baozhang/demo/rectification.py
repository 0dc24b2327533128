"""The demo's rectification: what became of a year of problems — fixed on the spot, tasks closed
in time, late, rejected once, still open and overdue, referred to the office meeting — and the
weekly special patrol rounds led by the organisation's patrol leader."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from baozhang.inspections.models import Finding, FindingKind, Inspection, SupervisionLevel
from baozhang.orgs.models import Organisation, Person, Role
from baozhang.rectification.models import (
    HOUR,
    Escalation,
    EventKind,
    PatrolRound,
    Referral,
    Severity,
    SpotFix,
    Task,
    TaskEvent,
    TaskStatus,
    severity_default,
)
from baozhang.rectification.selectors import PROBLEM_KINDS
from baozhang.rectification.services import rectification_policy

FIXERS = ["保洁员", "宿舍长", "值班人员", "班级卫生委员", "物业保洁组"]
SUBMIT_NOTES = ["已清扫干净", "已整理到位", "已更换", "已清理并拍照留存", "已安排专人整改"]
REJECT_NOTES = ["角落仍有垃圾", "整改不彻底", "照片看不清，请重新拍摄", "物品仍未归位"]
DECISIONS = ["由总务处统一维修，限期完成", "列入下月维修计划，先行临时处置", "由后勤部门牵头整改"]


def _person(organisation, role):
    return (
        Person.objects.filter(organisation=organisation, memberships__role=role)
        .order_by("pk")
        .first()
    )


def rectification_build(organisation: Organisation, *, days: int = 365) -> None:
    """Dispose of the demo year's problems and hold a patrol round every Monday."""
    generator = random.Random(f"baozhang-rectification-{organisation.slug}")  # noqa: S311
    now = timezone.now()
    policy = rectification_policy(organisation=organisation)
    inspector = _person(organisation, Role.INSPECTOR)
    leader = _person(organisation, Role.PATROL_LEADER)
    head = _person(organisation, Role.UNIT_HEAD)
    head_unit = _unit_of(head) if head else None
    _rounds(organisation, generator, leader, inspector, days)
    problems = list(
        Finding.objects.filter(
            organisation=organisation,
            kind__in=PROBLEM_KINDS,
            observed_at__gte=now - dt.timedelta(days=days),
        )
        .select_related("item", "unit")
        .order_by("observed_at", "id")
    )
    kept_open, left_overdue = _kept_open(problems, head_unit, now)
    fixes, referrals, tasks, lives = [], [], [], []
    for finding in problems:
        roll = generator.random()
        opened = finding.observed_at + dt.timedelta(minutes=generator.randint(5, 90))
        overdue = finding.pk == left_overdue
        keep_open = finding.pk in kept_open or overdue
        if (roll < 0.45 and not keep_open) or finding.unit_id is None:
            fixes.append(_spot_fix(organisation, generator, finding, inspector))
            continue
        referral = None
        severity = generator.choice(
            [Severity.URGENT, Severity.NORMAL, Severity.NORMAL, Severity.MINOR]
        )
        if finding.kind == FindingKind.RED_LINE:  # drawn all the same: the other draws stay
            severity = severity_default(finding_kind=finding.kind)
        deadline = opened + policy.deadline_span(severity)
        if roll > 0.97 and not keep_open:
            referral = _referral(organisation, generator, finding, leader, opened, now)
            referrals.append(referral)
            if referral.decided_at is None:
                continue  # still waiting for the meeting
            opened, deadline = referral.decided_at, referral.decided_at + dt.timedelta(days=14)
        task = Task(
            organisation=organisation,
            finding=finding,
            referral=referral,
            unit=finding.unit,
            assignee=head if head and finding.unit_id == head_unit else None,
            description=referral.decision
            if referral
            else " — ".join(
                p for p in (finding.item.text if finding.item else "", finding.note) if p
            ),
            severity=severity,
            deadline=deadline,
            opened_at=opened,
            opened_by=leader if referral else inspector,
        )
        lives.append(_life(task, generator, now, policy, keep_open=keep_open, overdue=overdue))
        tasks.append(task)
    people = {"inspector": inspector, "head": head, "leader": leader}
    _store(organisation, fixes, referrals, tasks, lives, people)


def _kept_open(problems: list[Finding], head_unit, now) -> tuple[set[int], int | None]:
    """The problems left open whatever the dice say: the demo's unit head finds the last two of
    their unit on "my tasks", and one problem of a week or more ago is always still open, overdue
    and escalated."""
    kept_open = {f.pk for f in problems if f.unit_id is not None and f.unit_id == head_unit}
    kept_open = set(sorted(kept_open)[-2:])
    left_overdue = next(
        (
            f.pk
            for f in reversed(problems)
            if f.unit_id is not None
            and f.pk not in kept_open
            and now - f.observed_at > dt.timedelta(days=8)
        ),
        None,
    )
    return kept_open, left_overdue


def _spot_fix(organisation, generator, finding, inspector) -> SpotFix:
    return SpotFix(
        organisation=organisation,
        finding=finding,
        fixed_by=generator.choice(FIXERS),
        fixed_at=finding.observed_at + dt.timedelta(minutes=generator.randint(2, 30)),
        recorded_by=inspector,
    )


def _referral(organisation, generator, finding, leader, opened, now) -> Referral:
    """The problem referred to the office meeting, decided a week later unless that is to come."""
    referral = Referral(
        organisation=organisation,
        finding=finding,
        reason="涉及维修经费，需院长办公会研究",
        referred_at=opened,
        referred_by=leader,
    )
    decided = opened + dt.timedelta(days=7)
    if decided <= now:
        referral.meeting_date = timezone.localdate(decided)
        referral.decision = generator.choice(DECISIONS)
        referral.decided_at = decided
        referral.decided_by = leader
    return referral


def _store(organisation, fixes, referrals, tasks, lives, people) -> None:
    # A year's problems come to some 1,400 spot fixes and tasks with over a thousand steps, each at
    # its own past moment. One by one through the services (a transaction, a signed-in person's
    # access and an audit row each) the demo would take minutes, so the rows are made here and
    # inserted in bulk, their history with them.
    bulk_create_with_history(fixes, SpotFix, batch_size=500)
    bulk_create_with_history(referrals, Referral, batch_size=500)
    for task in tasks:
        if task.referral is not None:
            task.referral_id = task.referral.pk
    bulk_create_with_history(tasks, Task, batch_size=500)
    events = []
    for task, life in zip(tasks, lives, strict=True):
        for kind, at, by, note in life:
            events.append(
                TaskEvent(
                    organisation=organisation,
                    task=task,
                    kind=kind,
                    at=at,
                    by=people.get(by),
                    note=note,
                )
            )
    TaskEvent.objects.bulk_create(events, batch_size=1000)


def _unit_of(person: Person):
    membership = person.memberships.filter(role=Role.UNIT_HEAD).first()
    return membership.unit_id if membership else None


def _life(
    task: Task, generator: random.Random, now, policy, *, keep_open=False, overdue=False
) -> list[tuple]:
    """Set the task's state and return its steps (kind, at, by, note): closed in time, late,
    after a rejection, or still open (overdue and escalated when its deadline has passed; never
    submitted when ``overdue``)."""
    span = task.deadline - task.opened_at
    steps = [(EventKind.OPENED, task.opened_at, "inspector", "")]
    roll = generator.random()
    recent = now - task.opened_at < dt.timedelta(days=21)
    if task.deadline > now or keep_open or (recent and roll < 0.12):
        # Still running: open, or submitted and waiting, or overdue and escalated.
        if generator.random() < 0.4 and not overdue and task.opened_at + span / 3 < now:
            submitted = task.opened_at + span / 3
            task.status, task.submitted_at = TaskStatus.SUBMITTED, submitted
            steps.append((EventKind.SUBMITTED, submitted, "head", generator.choice(SUBMIT_NOTES)))
        elif task.deadline < now:
            task.escalation = (
                Escalation.LEADER
                if now - task.deadline > policy.leader_after_hours * HOUR
                else Escalation.DEPARTMENT
            )
            # Five minutes after the deadline, unless that moment is still to come.
            task.escalated_at = min(task.deadline + dt.timedelta(minutes=5), now)
            task.reminded_at = task.deadline - policy.remind_hours * HOUR
            steps.append((EventKind.REMINDED, task.reminded_at, None, ""))
            steps.append((EventKind.ESCALATED, task.escalated_at, None, ""))
        return steps
    late = roll > 0.9
    rejected = 0.78 < roll <= 0.9
    first = task.opened_at + span * generator.uniform(0.15, 0.5)
    if rejected:
        steps.append((EventKind.SUBMITTED, first, "head", generator.choice(SUBMIT_NOTES)))
        steps.append(
            (
                EventKind.REJECTED,
                first + dt.timedelta(hours=2),
                "inspector",
                generator.choice(REJECT_NOTES),
            )
        )
        task.rejections = 1
        first = first + span * 0.2
    submitted = task.deadline + span * 0.3 if late else first
    closed = submitted + dt.timedelta(hours=generator.randint(1, 6))
    if not late and closed > task.deadline:
        closed = task.deadline - dt.timedelta(minutes=30)
        submitted = min(submitted, closed - dt.timedelta(minutes=30))
    if late:
        task.reminded_at = task.deadline - policy.remind_hours * HOUR
        task.escalation, task.escalated_at = Escalation.DEPARTMENT, task.deadline
        steps.append((EventKind.REMINDED, task.reminded_at, None, ""))
        steps.append((EventKind.ESCALATED, task.escalated_at, None, ""))
    if submitted >= now:
        return steps  # not yet submitted
    steps.append((EventKind.SUBMITTED, submitted, "head", generator.choice(SUBMIT_NOTES)))
    task.status, task.submitted_at = TaskStatus.SUBMITTED, submitted
    if closed >= now:
        return steps  # waiting for verification
    steps.append((EventKind.CLOSED, closed, "leader" if late else "inspector", "已复查"))
    task.status, task.closed_at = TaskStatus.CLOSED, closed
    return steps


def _rounds(organisation, generator, leader, inspector, days: int) -> None:
    """Every Monday a special patrol round led by the patrol leader covers that day's checks of
    two area types; those checks become the leader's inspections of the round."""
    if leader is None:
        return
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    while (today - monday).days <= days:
        if monday < today:
            checks = list(
                Inspection.objects.filter(organisation=organisation, date=monday)
                .select_related("location__area_type")
                .order_by("id")
            )
            areas = sorted({c.location.area_type for c in checks if c.location.area_type}, key=str)
            covered = generator.sample(areas, min(2, len(areas)))
            chosen = [c.pk for c in checks if c.location.area_type in covered][:30]
            if chosen:
                patrol = PatrolRound.objects.create(
                    organisation=organisation,
                    title=f"第{monday.isocalendar()[1]}周后勤专项巡查",
                    date=monday,
                    leader=leader,
                    note="周一例行专项巡查，发现问题现场整改或限期整改，重大问题提交院长办公会。",
                )
                patrol.area_types.set(covered)
                if inspector is not None:
                    patrol.members.set([inspector])
                Inspection.objects.filter(pk__in=chosen).update(level=SupervisionLevel.LEADER)
                patrol.checks.add(*chosen, through_defaults={"organisation": organisation})
        monday -= dt.timedelta(days=7)
