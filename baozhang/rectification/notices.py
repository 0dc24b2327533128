"""Who is told what in the life of a task, and the daily digest.

New task, rejection, reminder: the unit's heads and the assignee. A submitted fix: whoever opened
the task. Escalation to the functional department: the organisation's admins, besides the unit's
heads; to a leader: the patrol leaders as well. The daily digest: admins and patrol leaders, and
the robots subscribed to it. Messages are written in the product's default language, since robots
and e-mails are read by many.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from baozhang.notifications.models import Event
from baozhang.notifications.services import notify
from baozhang.orgs.models import Membership, Person, Role
from baozhang.rectification.models import Escalation, Task, TaskStatus


def _people(organisation, *, roles=(), unit=None) -> list[Person]:
    query = Q(role__in=roles) if roles else Q(pk__in=[])
    if unit is not None:
        query |= Q(role=Role.UNIT_HEAD, unit=unit)
    memberships = Membership.objects.filter(
        query, organisation=organisation, person__is_active=True
    )
    return [membership.person for membership in memberships.select_related("person")]


def task_link(task: Task) -> str:
    return reverse(
        "rectification:task-detail", kwargs={"org": task.organisation.slug, "task_id": task.pk}
    )


def _summary(task: Task) -> str:
    location = task.finding.location
    deadline = timezone.localtime(task.deadline).strftime("%Y-%m-%d %H:%M")
    return _("%(unit)s · %(location)s · due %(deadline)s\n%(what)s") % {
        "unit": task.unit.name,
        "location": location.name or location.code,
        "deadline": deadline,
        "what": task.description,
    }


def _send(task: Task, event: str, title: str, people, note: str = "") -> None:
    body = _summary(task) + (f"\n{note}" if note else "")
    notify(
        organisation=task.organisation,
        event=event,
        title=title,
        body=body,
        link=task_link(task),
        people=people,
    )


def _unit_people(task: Task) -> list[Person]:
    people = _people(task.organisation, unit=task.unit)
    if task.assignee_id:
        people.append(task.assignee)
    return people


def task_opened(task: Task) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        _send(task, Event.TASK_OPENED, _("New rectification task"), _unit_people(task))


def task_submitted(task: Task, note: str) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        _send(
            task,
            Event.TASK_SUBMITTED,
            _("Fix submitted, please verify"),
            [task.opened_by] if task.opened_by_id else [],
            note,
        )


def task_rejected(task: Task, reason: str) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        _send(
            task,
            Event.TASK_REJECTED,
            _("Fix rejected at verification"),
            _unit_people(task),
            _("Reason: %(reason)s") % {"reason": reason},
        )


def task_reminded(task: Task) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        _send(task, Event.REMINDER, _("Rectification deadline coming up"), _unit_people(task))


def task_escalated(task: Task) -> None:
    roles = [Role.ADMIN]
    if task.escalation == Escalation.LEADER:
        roles.append(Role.PATROL_LEADER)
    with translation.override(settings.LANGUAGE_CODE):
        level = Escalation(task.escalation).label
        _send(
            task,
            Event.ESCALATED,
            _("Overdue rectification escalated to: %(level)s") % {"level": level},
            _unit_people(task) + _people(task.organisation, roles=roles),
        )


def digest_text(organisation, now: datetime) -> tuple[str, str] | None:
    """The day's summary of the organisation's tasks, or None when there is nothing to tell."""
    tasks = Task.objects.filter(organisation=organisation)
    pending = tasks.exclude(status=TaskStatus.CLOSED)
    end_of_day = timezone.localtime(now).replace(hour=23, minute=59, second=59)
    counts = {
        "open": pending.count(),
        "overdue": pending.filter(status=TaskStatus.OPEN, deadline__lt=now).count(),
        "today": pending.filter(deadline__gte=now, deadline__lte=end_of_day).count(),
        "waiting": pending.filter(status=TaskStatus.SUBMITTED).count(),
        "closed": tasks.filter(closed_at__gte=now - timedelta(days=1), closed_at__lte=now).count(),
    }
    if not any(counts.values()):
        return None
    title = _("Rectification digest %(date)s") % {"date": timezone.localdate(now).isoformat()}
    body = (
        _(
            "Not closed: %(open)s, of which overdue: %(overdue)s; due today: %(today)s; "
            "waiting for verification: %(waiting)s; closed in the last 24 hours: %(closed)s."
        )
        % counts
    )
    return title, body


def digest_send(organisation, now: datetime) -> bool:
    with translation.override(settings.LANGUAGE_CODE):
        text = digest_text(organisation, now)
        if text is None:
            return False
        notify(
            organisation=organisation,
            event=Event.DIGEST,
            title=text[0],
            body=text[1],
            link=reverse("rectification:tasks", kwargs={"org": organisation.slug}),
            people=_people(organisation, roles=[Role.ADMIN, Role.PATROL_LEADER]),
        )
    return True
