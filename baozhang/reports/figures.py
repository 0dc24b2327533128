"""The figures of a report: every number, for a scope (organisation, site, unit, area type) and a
period, with the previous period and the same period a year earlier.

Each area contributes its own section through one registration: a module ``figures.py`` in the
area's app declares ``@figures_section("name", order=…)`` on a function of (scope, period) that
returns plain JSON-ready data. Later areas (ledgers, work orders, feedback, KPIs) plug in the same
way, without touching this module or each other. Sections whose data has a comparable summary
(a dict of numbers) are also computed for the comparison periods.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from django.db.models import Q
from django.utils.module_loading import autodiscover_modules

from baozhang.core.params import id_param
from baozhang.core.periods import Period, period_previous, period_year_before
from baozhang.orgs.models import AreaType, Assignment, Organisation, Site, Unit


@dataclass(frozen=True)
class Scope:
    """What a report covers: an organisation, optionally narrowed to a site, a unit or an area
    type."""

    organisation: Organisation
    site: Site | None = None
    unit: Unit | None = None
    area_type: AreaType | None = None

    def out(self) -> dict:
        return {
            "organisation": self.organisation.slug,
            "organisation_name": self.organisation.name,
            "site": self.site.code if self.site else None,
            "unit": self.unit.code if self.unit else None,
            "area_type": self.area_type.code if self.area_type else None,
            "site_id": self.site.pk if self.site else None,
            "unit_id": self.unit.pk if self.unit else None,
            "area_type_id": self.area_type.pk if self.area_type else None,
            "label": self.label(),
        }

    def label(self) -> str:
        parts = [self.organisation.name]
        parts += [str(part.name) for part in (self.site, self.area_type, self.unit) if part]
        return " · ".join(parts)

    def location_filter(self, period: Period, prefix: str = "location__") -> Q:
        """Rows whose location lies in the scope (for a unit: the locations it held in the
        period)."""
        condition = Q()
        if self.site is not None:
            condition &= Q(**{f"{prefix}site_id": self.site.pk})
        if self.area_type is not None:
            condition &= Q(**{f"{prefix}area_type_id": self.area_type.pk})
        if self.unit is not None:
            held = Assignment.objects.filter(
                organisation=self.organisation, unit=self.unit, starts_on__lte=period.end
            ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=period.start))
            condition &= Q(**{f"{prefix}id__in": held.values("location_id")})
        return condition

    def finding_filter(self) -> Q:
        """Findings in the scope: at its site and area type, attributed to its unit."""
        condition = Q()
        if self.site is not None:
            condition &= Q(location__site_id=self.site.pk)
        if self.area_type is not None:
            condition &= Q(area_type_id=self.area_type.pk)
        if self.unit is not None:
            condition &= Q(unit_id=self.unit.pk)
        return condition


@dataclass(frozen=True)
class Section:
    name: str
    compute: Callable[[Scope, Period], object]
    order: int
    compared: bool  # also computed for the previous period and the year before


SECTIONS: dict[str, Section] = {}


def figures_section(name: str, *, order: int = 100, compared: bool = True):
    """Register fn(scope, period) as the section `name` of every report's figures."""

    def register(function):
        SECTIONS[name] = Section(name=name, compute=function, order=order, compared=compared)
        return function

    return register


@cache
def _discover() -> None:
    autodiscover_modules("figures")


def sections() -> list[Section]:
    _discover()
    return sorted(SECTIONS.values(), key=lambda section: (section.order, section.name))


def period_out(period: Period) -> dict:
    return {"start": period.start.isoformat(), "end": period.end.isoformat(), "label": period.label}


def figures_compute(
    *,
    scope: Scope,
    period: Period,
    compare: bool = True,
    progress: Callable[[int, str], None] | None = None,
) -> dict:
    """Every section's figures for the scope and period; with compare, also the previous period's
    and the year-earlier period's figures of the compared sections. progress(done, name) is
    called after each section computed (of figures_steps(compare) in all)."""
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
    from django.utils.translation import gettext as _

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
