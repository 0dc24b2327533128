"""Occasions a check is recorded on, owned by an app above inspections (a special patrol round).

The check page names an occasion by a parameter of its address, carried on in a hidden field of its
form (`?round=12`); the API names it by a field of the check (`patrol_round_id`). The app that owns
the occasion registers, from its AppConfig.ready(), the function that finds it (it gates the record
and says how the page shows it and how a check is stored on it) and the function that tells which
occasion a stored check was recorded on. Inspections calls those and knows nothing more of the
occasion, so it never imports the app above it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from baozhang.core.params import id_param
from baozhang.inspections.models import Inspection
from baozhang.orgs.access import OrgAccess

# submit(**the keyword arguments of inspection_submit) -> (inspection, created).
SubmitFunction = Callable[..., tuple[Inspection, bool]]


@dataclass(frozen=True)
class Occasion:
    parameter: str  # the address parameter and form field that name it
    record_id: int
    label: Any  # what kind of occasion, a (lazy) translated name
    title: str  # which one
    submit: SubmitFunction


# find(access, record_id) -> Occasion; a record the caller may not use is a 404 (its gatekeeper's).
FindFunction = Callable[[OrgAccess, int], Occasion]
# of_check(inspection) -> the id of the occasion the stored check was recorded on, or None.
OfCheckFunction = Callable[[Inspection], int | None]


@dataclass(frozen=True)
class OccasionKind:
    parameter: str  # the check page's address parameter and form field
    field: str  # the API's field of a check
    find: FindFunction
    of_check: OfCheckFunction


_OCCASIONS: dict[str, OccasionKind] = {}


def occasion_register(
    *, parameter: str, field: str, find: FindFunction, of_check: OfCheckFunction
) -> None:
    """Let the check page and the API record checks on the occasions the parameter names."""
    kind = OccasionKind(parameter=parameter, field=field, find=find, of_check=of_check)
    # Registering again is harmless (apps are re-populated by some test helpers); a second finder
    # for one parameter would make the check page's address ambiguous.
    if _OCCASIONS.get(parameter, kind) != kind:
        raise ImproperlyConfigured(f"Two functions find the occasions of {parameter!r}.")
    _OCCASIONS[parameter] = kind


def occasion_for_request(access: OrgAccess, request: HttpRequest) -> Occasion | None:
    """The occasion the request's form or address names, or None for a plain check."""
    for parameter, kind in _OCCASIONS.items():
        record_id = id_param(request.POST.get(parameter) or request.GET.get(parameter))
        if record_id is not None:
            return kind.find(access, record_id)
    return None


def occasion_named(access: OrgAccess, field: str, record_id: int | None) -> Occasion | None:
    """The occasion an API check names in the field, or None when it names none."""
    if record_id is None:
        return None
    kind = next(kind for kind in _OCCASIONS.values() if kind.field == field)
    return kind.find(access, record_id)


def occasions_of_check(inspection: Inspection) -> dict[str, int | None]:
    """The API's field of every kind of occasion with the one the stored check was recorded on."""
    return {kind.field: kind.of_check(inspection) for kind in _OCCASIONS.values()}
