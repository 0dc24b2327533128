"""One way to paginate a list page."""

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


class IdsFirst:
    """A queryset paged in two steps: the page's ids by the narrow (indexed) query, then those rows
    with their joins. Sorting a whole month of joined rows to keep 50 costs more than the join of
    the 50 kept; the rows come back in the queryset's order."""

    def __init__(self, queryset: QuerySet):
        self.queryset = queryset

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, window: slice) -> list:
        query = self.queryset.query
        if query.annotations or query.distinct or query.extra or query.deferred_loading[0]:
            return list(self.queryset[window])  # rows the fetch by id would not rebuild
        ids = list(self.queryset.values_list("pk", flat=True)[window])
        if not ids:
            return []
        # By primary key alone: the ids come from the filtered (and tenant-scoped) queryset, and
        # repeating its filters can lead the planner to an index that scans the whole tenant.
        rows = self.queryset.model._base_manager.filter(pk__in=ids)
        rows.query.select_related = query.select_related
        rows = rows.prefetch_related(*self.queryset._prefetch_related_lookups)
        by_id = {row.pk: row for row in rows}
        return [by_id[pk] for pk in ids if pk in by_id]


def paginate(request, rows, per_page: int | None = None) -> Page:
    """Page ?page= of a queryset (ids first) or of any sequence with count() and slicing."""
    rows = IdsFirst(rows) if isinstance(rows, QuerySet) else rows
    paginator = Paginator(rows, per_page or settings.PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
