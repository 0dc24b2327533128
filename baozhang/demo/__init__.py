"""The demo: two organisations with realistic set-up data and a year of work, built through the
services area by area, each on the records of the ones before.

Idempotent: an organisation that already exists is left as it is.
"""

from django.db import transaction
from django_scopes import scope

from baozhang.demo.inspections import inspections_build
from baozhang.demo.orgs import (
    DEMO_PASSWORD,
    LOGINS,
    college_build,
    hospital_build,
    platform_admin_ensure,
    supervisor_ensure,
)
from baozhang.demo.rectification import rectification_build
from baozhang.demo.reports import reports_build
from baozhang.demo.standards import standards_build
from baozhang.orgs.models import Organisation
from baozhang.rectification.models import Task
from baozhang.reports.models import ReportSchedule
from baozhang.standards.models import Standard

__all__ = ["DEMO_PASSWORD", "demo_build"]


def demo_build(stdout=None, *, history_days: int = 365) -> dict:
    """Create the demo organisations and logins unless they exist; return the logins."""
    with transaction.atomic():
        created = platform_admin_ensure()
        organisations = []
        for slug, build in (("hospital", hospital_build), ("college", college_build)):
            organisation = Organisation.objects.filter(slug=slug).first()
            if organisation is None:
                organisation = build()
                created = True
            organisations.append(organisation)
        for organisation in organisations:
            with scope(organisation=organisation):
                created |= _work_build(organisation, days=history_days)
    if stdout is not None:
        stdout.write("demo data ready\n" if created else "demo data already present\n")
    return {"created": created, "logins": [(name, DEMO_PASSWORD, role) for name, role in LOGINS]}


def _work_build(organisation: Organisation, *, days: int) -> bool:
    """Add each area's records the organisation lacks; True when any were added."""
    supervisor_ensure(organisation)
    created = False
    # Demo databases made before inspections existed get their year of checks too.
    if not Standard.objects.filter(organisation=organisation).exists():
        versions = standards_build(organisation)
        inspections_build(organisation, versions=versions, days=days)
        created = True
    # … and their rectification and patrol rounds.
    if not Task.objects.filter(organisation=organisation).exists():
        rectification_build(organisation, days=days)
        created = True
    # … and their bulletins, reports and report schedules.
    if not ReportSchedule.objects.filter(organisation=organisation).exists():
        reports_build(organisation, days=days)
        created = True
    return created
