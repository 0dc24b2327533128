"""Periodic jobs of rectification: deadline reminders and escalation of overdue tasks, the daily
digest. Each finds the organisations with something to do with a few queries, then works in
those only."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django_scopes import scopes_disabled

from baozhang.core.clock import periodic
from baozhang.notifications.models import DailyDigest
from baozhang.orgs.models import Organisation
from baozhang.orgs.selectors import each_organisation
from baozhang.rectification import notices
from baozhang.rectification.models import (
    HOUR,
    Escalation,
    RectificationPolicy,
    Task,
    TaskStatus,
)
from baozhang.rectification.services import deadlines_process, rectification_policy


@periodic("rectification.deadlines", every=timedelta(minutes=5))
def deadlines(now) -> int:
    """Remind of deadlines coming up and escalate overdue tasks, in the organisations that have a
    task not closed that may be due for either."""
    changed = 0
    for organisation in each_organisation(among=_organisations_with_deadlines(now)):
        result = deadlines_process(organisation=organisation, now=now)
        changed += len(result["reminded"]) + len(result["escalated"])
    return changed


def _organisations_with_deadlines(now) -> list[int]:
    """The organisations with a task that deadlines_process may remind of (not reminded, due
    within the longest reminder time of any policy) or escalate (past its deadline, not yet with a
    leader): a few queries however many organisations there are."""
    longest = RectificationPolicy.objects.aggregate(longest=Max("remind_hours"))["longest"] or 0
    default = RectificationPolicy._meta.get_field("remind_hours").get_default()
    remind_within = now + max(longest, default) * HOUR
    with scopes_disabled():
        due = Task.objects.filter(status__in=[TaskStatus.OPEN, TaskStatus.SUBMITTED]).filter(
            Q(reminded_at__isnull=True, deadline__gt=now, deadline__lte=remind_within)
            | Q(escalation__lt=Escalation.LEADER, deadline__lte=now)
        )
        return list(due.values_list("organisation_id", flat=True).order_by().distinct())


@periodic("rectification.digest", every=timedelta(minutes=10))
def digest(now) -> int:
    """Once a day, from the organisation's digest hour, the summary of its tasks."""
    sent = 0
    today = timezone.localdate(now)
    waiting = Organisation.objects.exclude(
        pk__in=DailyDigest.objects.filter(date=today).values("organisation_id")
    ).values("pk")
    policies = {
        policy.organisation_id: policy
        for policy in RectificationPolicy.objects.filter(organisation__in=waiting)
    }
    for organisation in each_organisation(among=waiting):
        policy = policies.get(organisation.pk) or rectification_policy(organisation=organisation)
        if timezone.localtime(now).hour < policy.digest_hour:
            continue
        try:
            with transaction.atomic():
                DailyDigest.objects.create(organisation=organisation, date=today)
                sent += notices.digest_send(organisation, now)
        except IntegrityError:
            continue  # already sent today
    return sent
