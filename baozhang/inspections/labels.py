"""The QR label sheet: an A4 PDF of a label for each active location of the location list's
filters (a site, a building, an area type), its QR code opening the check of that location.

The labels stand in a fixed grid, LABELS_PER_ROW across and ROWS_PER_PAGE down an A4 page, each
page its own block that ends with a page break: a label is never split across two pages (its QR
code on one, its text on the next), whatever its text.

The page writes a sheet of at most BAOZHANG_LABELS_BACKGROUND labels at once; a longer one is
written by the background worker as an export job (core/list_documents.py), with the same
function and template.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import BinaryIO

from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from weasyprint import HTML

from baozhang.inspections.board import qr_data_uri
from baozhang.orgs.entities import LOCATIONS
from baozhang.orgs.models import Location

# Its name among the list documents (core/list_documents.py).
LABELS_DOCUMENT = "location-labels"
LABELS_PER_SHEET_LIMIT = 2000
PDF = "application/pdf"
# The sheet being written reports its progress every this many labels.
PROGRESS_LABELS = 25
# The grid of labels/labels.html (63 × 46 mm each) in an A4 page's 190 × 277 mm within its margins.
LABELS_PER_ROW = 3
ROWS_PER_PAGE = 6


def labels_locations(*, access, filters: Mapping[str, str]) -> QuerySet[Location]:
    """The active locations of the list's filters, in the order of the tree; the sheet has the
    first LABELS_PER_SHEET_LIMIT."""
    locations = LOCATIONS.list_queryset(access.organisation, filters).filter(is_active=True)
    return locations.order_by("path")


def labels_count(*, access, filters: Mapping[str, str]) -> int:
    """The labels the sheet of these filters has."""
    return min(labels_locations(access=access, filters=filters).count(), LABELS_PER_SHEET_LIMIT)


def labels_pdf_write(
    target: BinaryIO,
    *,
    access,
    filters: Mapping[str, str],
    origin: str,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write the sheet to ``target``; the QR codes' links start with ``origin`` (the address the
    requester used, ending in "/")."""
    locations = list(labels_locations(access=access, filters=filters)[:LABELS_PER_SHEET_LIMIT])
    base = origin.rstrip("/")
    labels = []
    for done, location in enumerate(locations, start=1):
        check = reverse(
            "inspections:check",
            kwargs={"org": access.organisation.slug, "location_id": location.pk},
        )
        labels.append((location, qr_data_uri(base + check)))
        if progress is not None and done % PROGRESS_LABELS == 0:
            progress(done)
    html = render_to_string(
        "inspections/labels.html",
        {"organisation": access.organisation, "pages": labels_pages(labels)},
    )
    HTML(string=html, base_url=origin).write_pdf(target)
    if progress is not None:
        progress(len(locations))


def labels_pages(labels: list) -> list[list[list]]:
    """The labels in pages of ROWS_PER_PAGE rows of LABELS_PER_ROW."""
    rows = [
        labels[start : start + LABELS_PER_ROW] for start in range(0, len(labels), LABELS_PER_ROW)
    ]
    return [rows[start : start + ROWS_PER_PAGE] for start in range(0, len(rows), ROWS_PER_PAGE)]
