"""The figures of a report: every number, for a scope (organisation, site, unit, area type) and a
period, with the previous period and the same period a year earlier.

The numbers come from the sections the areas register (core/figures.py). Sections whose data has a
comparable summary (a dict of numbers) are also computed for the comparison periods.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from baozhang.core.figures import Scope, sections
from baozhang.core.params import id_param
from baozhang.core.periods import Period, period_previous, period_year_before
from baozhang.orgs.models import AreaType, Organisation, Site, Unit


def period_out(period: Period) -> dict:
    """The period in the figures: its days, its label, and how far it was counted (``as_of``, the
    last day counted; ``running`` while the period had not ended)."""
    return {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "label": period.label,
        "as_of": period.last_day().isoformat(),
        "running": period.running,
    }


def figures_compute(
    *,
    scope: Scope,
    period: Period,
    compare: bool = True,
    progress: Callable[[int, str], None] | None = None,
) -> dict:
    """Every section's figures for the scope and period; with compare, also the previous period's
    and the year-earlier period's figures of the compared sections. progress(done, name) is
    called after each section computed (of figures_steps(compare) in all). A period still
    running is counted as far as it has run (Period.until), and says so."""
    period = period.until(period.as_of or timezone.now())
    result: dict = {"scope": scope.out(), "period": period_out(period)}
    chosen = sections()
    done = 0

    def step(name: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, name)

    for section in chosen:
        result[section.name] = section.compute(scope, period)
        step(section.name)
    if compare:
        previous, year_before = period_previous(period), period_year_before(period)
        result["previous_period"] = period_out(previous)
        result["year_earlier_period"] = period_out(year_before)
        result["comparison"] = {}
        for key, other in (("previous", previous), ("year_earlier", year_before)):
            result["comparison"][key] = {}
            for section in chosen:
                if section.compared:
                    result["comparison"][key][section.name] = section.compute(scope, other)
                    step(f"{key}:{section.name}")
    return result


def figures_steps(compare: bool = True) -> int:
    """How many sections figures_compute computes (for a progress bar)."""
    chosen = sections()
    return len(chosen) + (2 * sum(section.compared for section in chosen) if compare else 0)


class ScopeUnknown(ValueError):
    """A site, unit or area type named by its code does not exist in the organisation."""


def scope_resolve(
    *,
    organisation: Organisation,
    site: str | None = None,
    unit: str | None = None,
    area_type: str | None = None,
) -> Scope:
    """The scope named by codes (or ids) of a site, a unit and an area type of the organisation."""
    found = {}
    for key, model, value, message in (
        ("site", Site, site, _("There is no site “%(value)s” in this organisation.")),
        ("unit", Unit, unit, _("There is no unit “%(value)s” in this organisation.")),
        (
            "area_type",
            AreaType,
            area_type,
            _("There is no area type “%(value)s” in this organisation."),
        ),
    ):
        if not value:
            continue
        query = Q(code=str(value))
        if (pk := id_param(value)) is not None:
            query |= Q(pk=pk)
        record = model.objects.filter(query, organisation=organisation).first()
        if record is None:
            raise ScopeUnknown(message % {"value": value})
        found[key] = record
    return Scope(organisation=organisation, **found)
