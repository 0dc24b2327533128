"""Reads of standards: which version applies where."""

from baozhang.orgs.models import Location
from baozhang.standards.models import Standard, StandardItem, StandardVersion


def standard_current_version(*, standard: Standard) -> StandardVersion | None:
    """The newest version of the standard."""
    return standard.versions.order_by("-number").first()


def standard_version_for_location(*, location: Location) -> StandardVersion | None:
    """The current version of the active standard for the location's area type, if there is one."""
    if location.area_type_id is None:
        return None
    # The first active standard by code that applies, and its newest version, in one query.
    return (
        StandardVersion.objects.filter(
            organisation_id=location.organisation_id,
            standard__is_active=True,
            standard__area_types=location.area_type_id,
        )
        .select_related("standard")
        .order_by("standard__code", "standard_id", "-number")
        .first()
    )


def items_for_location(*, version: StandardVersion, location: Location) -> list[StandardItem]:
    """The version's items that apply to the location's area type, in sheet order."""
    items = list(version.items.prefetch_related("area_types"))
    return [
        item
        for item in items
        if not item.area_types.all()
        or any(area.pk == location.area_type_id for area in item.area_types.all())
    ]
