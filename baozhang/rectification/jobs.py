"""Periodic job of rectification: deadline reminders and escalation of overdue tasks."""

from datetime import timedelta

from baozhang.core.clock import periodic
from baozhang.orgs.selectors import each_organisation
from baozhang.rectification.services import deadlines_process


@periodic("rectification.deadlines", every=timedelta(minutes=5))
def deadlines(now) -> int:
    """Remind of deadlines coming up and escalate overdue tasks in every organisation."""
    changed = 0
    for organisation in each_organisation():
        result = deadlines_process(organisation=organisation, now=now)
        changed += len(result["reminded"]) + len(result["escalated"])
    return changed
