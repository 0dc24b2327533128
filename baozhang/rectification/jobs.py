"""Periodic job of rectification: deadline reminders and escalation of overdue tasks."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from baozhang.core.clock import periodic
from baozhang.notifications.models import DailyDigest
from baozhang.orgs.selectors import each_organisation
from baozhang.rectification import notices
from baozhang.rectification.services import deadlines_process, rectification_policy


@periodic("rectification.deadlines", every=timedelta(minutes=5))
def deadlines(now) -> int:
    """Remind of deadlines coming up and escalate overdue tasks in every organisation."""
    changed = 0
    for organisation in each_organisation():
        result = deadlines_process(organisation=organisation, now=now)
        changed += len(result["reminded"]) + len(result["escalated"])
    return changed


@periodic("rectification.digest", every=timedelta(minutes=10))
def digest(now) -> int:
    """Once a day, from the organisation's digest hour, the summary of its tasks."""
    sent = 0
    today = timezone.localdate(now)
    for organisation in each_organisation():
        policy = rectification_policy(organisation=organisation)
        if timezone.localtime(now).hour < policy.digest_hour:
            continue
        try:
            with transaction.atomic():
                DailyDigest.objects.create(organisation=organisation, date=today)
                sent += notices.digest_send(organisation, now)
        except IntegrityError:
            continue  # already sent today
    return sent
