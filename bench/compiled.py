"""(h) Each read compiled once (baozhang/core/compiled.py) against the same queryset built,
compiled and run by the ORM on every call, on the data set's first organisation: what compiling
saves per run. A compiled query that saves nothing measurable is not worth its contract."""

import datetime as dt
import timeit

from django_scopes import scope, scopes_disabled

from baozhang.accounts import services as accounts
from baozhang.accounts.services import token_digest
from baozhang.inspections import selectors as inspections
from baozhang.orgs import access, selectors
from baozhang.orgs.models import Location
from baozhang.standards import selectors as standards
from bench.dataset import inspector_with_token

ROUNDS, RUNS = 7, 300


def _best(run) -> float:
    """Seconds per run, the best of the rounds (the least disturbed by other processes)."""
    run()
    return min(timeit.repeat(run, number=RUNS, repeat=ROUNDS)) / RUNS


def compiled_ratios(organisation) -> dict[str, tuple[float, float, float]]:
    """Per compiled query: (compiled seconds, ORM seconds, ratio) of one run."""
    user, raw = inspector_with_token(organisation, "bench-compiled")
    with scopes_disabled():
        location = Location.objects.filter(organisation=organisation).order_by("code").first()
    digest, day = token_digest(raw), dt.date(2026, 6, 15)
    start, end = dt.date(2026, 6, 1), dt.date(2026, 6, 30)
    ids = (organisation.pk, location.pk)
    cases = {
        "token": (accounts._LIVE_TOKEN, (digest,)),
        "memberships": (access._MEMBERSHIPS, (user.pk, organisation.slug)),
        "holder": (selectors._HOLDER, (*ids, day)),
        "location and version": (standards._LOCATION_WITH_VERSION, ids),
        "units of a ranking": (inspections._UNITS_IN_RANKING, (organisation.pk, start, end)),
        "units of an area's": (
            inspections._UNITS_IN_AREA_RANKING,
            (organisation.pk, start, end, location.area_type_id),
        ),
    }
    grouped = {
        "grouped findings": (inspections._GROUPED, (organisation.pk, start, end)),
        "grouped of an area": (
            inspections._GROUPED_IN_AREA,
            (organisation.pk, start, end, location.area_type_id),
        ),
    }
    results = {}
    with scope(organisation=organisation):
        for name, (compiled, values) in cases.items():
            mine = _best(lambda compiled=compiled, values=values: compiled.all(*values))
            orm = _best(lambda compiled=compiled, values=values: list(compiled.build(*values)))
            results[name] = (mine, orm, mine / orm)
        # These give their SQL to a statement of the ranking's own: compared as SQL.
        for name, (compiled, values) in grouped.items():
            mine = _best(lambda compiled=compiled, values=values: compiled.sql(*values))
            orm = _best(
                lambda compiled=compiled, values=values: compiled.build(
                    *values
                ).query.sql_with_params()
            )
            results[name] = (mine, orm, mine / orm)
    return results
