"""The filters a list was opened with, named: “场所：主校区 ×”, each with the address of the list
without it.

A number on a report or a ranking opens its records with the ids of its site, unit, area type,
location or item in the address; the list names them so that the reader sees what was counted,
and can widen the list one filter at a time."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from baozhang.core.params import id_param
from baozhang.inspections.models import FindingKind
from baozhang.orgs.models import AreaType, Location, Site, Unit
from baozhang.standards.models import StandardItem

NAMED = (
    ("site", Site, "name", _("Site")),
    ("unit", Unit, "name", _("Unit")),
    ("area_type", AreaType, "name", _("Area type")),
    ("location", Location, "code", _("Location")),
    ("item", StandardItem, "text", _("Item")),
)


@dataclass(frozen=True)
class Chip:
    param: str
    label: str
    value: str
    without: str  # the list's query string without this filter (and on page 1)


def filter_chips(request, organisation, params: tuple[str, ...] = ()) -> list[Chip]:
    """The named filters of the request among ``params`` (all of NAMED and ``kind`` by default),
    looked up in the organisation only: an id of another organisation's record names nothing."""
    wanted = params or (*(name for name, *_rest in NAMED), "kind")
    chips = []
    for param, model, field, label in NAMED:
        value = id_param(request.GET.get(param))
        if param not in wanted or value is None:
            continue
        name = (
            model.objects.filter(organisation=organisation, pk=value)
            .values_list(field, flat=True)
            .first()
        )
        if name is not None:
            chips.append(Chip(param, str(label), name, _without(request, param)))
    kind = request.GET.get("kind", "")
    kinds = {"problems": pgettext_lazy("finding kinds", "Problems"), **dict(FindingKind.choices)}
    if "kind" in wanted and kind in kinds:
        chips.append(Chip("kind", str(_("Kind")), str(kinds[kind]), _without(request, "kind")))
    return chips


def _without(request, param: str) -> str:
    query = request.GET.copy()
    query.pop(param, None)
    query.pop("page", None)
    return query.urlencode()
