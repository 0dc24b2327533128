"""Occasions a check is recorded on, owned by an app above inspections (a special patrol round).

The check page names an occasion by a parameter of its address, carried on in a hidden field of its
form (`?round=12`). The app that owns the occasion registers, from its AppConfig.ready(), the
function that finds it for a request: it gates the record and says how the page shows it and how a
check is stored on it. Inspections calls that function and knows nothing more of the occasion, so it
never imports the app above it.
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

_OCCASIONS: dict[str, FindFunction] = {}


def occasion_register(*, parameter: str, find: FindFunction) -> None:
    """Let the check page record checks on the occasions the parameter names."""
    # Registering again is harmless (apps are re-populated by some test helpers); a second finder
    # for one parameter would make the check page's address ambiguous.
    if _OCCASIONS.get(parameter, find) is not find:
        raise ImproperlyConfigured(f"Two functions find the occasions of {parameter!r}.")
    _OCCASIONS[parameter] = find


def occasion_for_request(access: OrgAccess, request: HttpRequest) -> Occasion | None:
    """The occasion the request's form or address names, or None for a plain check."""
    for parameter, find in _OCCASIONS.items():
        record_id = id_param(request.POST.get(parameter) or request.GET.get(parameter))
        if record_id is not None:
            return find(access, record_id)
    return None
