"""The registry of a report's figures: what each area counts for a scope (an organisation,
optionally narrowed to a site, a unit or an area type) and a period.

Each area contributes its own section through one registration: a module ``figures.py`` in the
area's app declares ``@figures_section("name", order=…)`` on a function of (scope, period) that
returns plain JSON-ready data. Data only some reports keep (the weekly bulletin's lists) is
registered the same way with ``@figures_provider("name")`` and asked for by name. Reports read
every area through this registry, so neither side imports the other; later areas (ledgers, work
orders, feedback, KPIs) plug in without touching reports or each other. The figures modules are
imported when Django starts (CoreConfig.ready).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.utils.module_loading import autodiscover_modules

from baozhang.core.periods import Period


class Tenant(Protocol):
    """The organisation a scope covers."""

    pk: int
    slug: str
    name: str


class Part(Protocol):
    """A site, a unit or an area type of the organisation."""

    pk: int
    code: str
    name: str


@dataclass(frozen=True)
class Scope:
    """What a report covers: an organisation, optionally narrowed to a site, a unit or an area
    type."""

    organisation: Tenant
    site: Part | None = None
    unit: Part | None = None
    area_type: Part | None = None

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


Compute = Callable[[Scope, Period], object]


@dataclass(frozen=True)
class Section:
    name: str
    compute: Compute
    order: int
    compared: bool  # also computed for the previous period and the year before


SECTIONS: dict[str, Section] = {}
PROVIDERS: dict[str, Compute] = {}


def figures_section(name: str, *, order: int = 100, compared: bool = True):
    """Register fn(scope, period) as the section `name` of every report's figures."""

    def register(function: Compute) -> Compute:
        SECTIONS[name] = Section(name=name, compute=function, order=order, compared=compared)
        return function

    return register


def figures_provider(name: str):
    """Register fn(scope, period) as the provider of `name`, data that only some reports keep."""

    def register(function: Compute) -> Compute:
        PROVIDERS[name] = function
        return function

    return register


def discover() -> None:
    autodiscover_modules("figures")


def sections() -> list[Section]:
    """Every registered section, in report order."""
    return sorted(SECTIONS.values(), key=lambda section: (section.order, section.name))


def figures_provided(name: str, *, scope: Scope, period: Period) -> object:
    """The data of the provider registered as `name` for the scope and period."""
    return PROVIDERS[name](scope, period)
