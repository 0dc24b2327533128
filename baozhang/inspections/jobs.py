"""Periodic jobs of inspections: plan the expected checks ahead, award red flags at week close,
remove the photos sent ahead and never used."""

from datetime import timedelta

from django.utils import timezone
from django_scopes import scopes_disabled

from baozhang.core.clock import periodic
from baozhang.core.periods import week_key
from baozhang.inspections.models import Inspection, PhotoUpload, RedFlag
from baozhang.inspections.schedules import expected_checks_plan_ahead
from baozhang.inspections.services import (
    UNATTACHED_UPLOAD_LIFETIME,
    photo_uploads_unattached_remove,
    red_flags_award_closed_weeks,
)
from baozhang.orgs.selectors import each_organisation


@periodic("inspections.plan-ahead", every=timedelta(hours=1))
def plan_ahead(now) -> int:
    """Keep the expected checks of every active schedule planned two weeks ahead: the new day,
    and the schedules whose inputs changed since they were planned (schedules.py)."""
    return expected_checks_plan_ahead(today=timezone.localdate(now))


@periodic("inspections.red-flags", every=timedelta(minutes=10))
def red_flags(now) -> int:
    """Award the red flags of the weeks that have closed (the last two, to catch up a pause), in
    the organisations with checks in such a week and no flags for it yet."""
    today = timezone.localdate(now)
    weeks = [week_key(today - timedelta(days=7 * back)) for back in (1, 2)]
    with scopes_disabled():
        checked = Inspection.objects.filter(week_key__in=weeks).values_list(
            "organisation_id", "week_key"
        )
        flagged = RedFlag.objects.filter(week_key__in=weeks).values_list(
            "organisation_id", "week_key"
        )
        waiting = set(checked.order_by().distinct()) - set(flagged.order_by().distinct())
    return sum(
        red_flags_award_closed_weeks(organisation=organisation, weeks_back=2, today=today)
        for organisation in each_organisation(among={pk for pk, _week in waiting})
    )


@periodic("inspections.unattached-photos", every=timedelta(hours=1))
def unattached_photos(now) -> int:
    """Remove the photos sent ahead more than a day ago that no check or fix used."""
    with scopes_disabled():
        old = PhotoUpload.objects.filter(created_at__lt=now - UNATTACHED_UPLOAD_LIFETIME)
        among = list(old.values_list("organisation_id", flat=True).order_by().distinct())
    return sum(
        photo_uploads_unattached_remove(organisation=organisation, now=now)
        for organisation in each_organisation(among=among)
    )
