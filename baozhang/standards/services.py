"""Writes of standards. Editing a standard that inspections already used starts a new version."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from baozhang.orgs.models import AreaType, Organisation, User
from baozhang.orgs.services import record_save
from baozhang.standards.models import ItemKind, Standard, StandardItem, StandardVersion
from baozhang.standards.selectors import standard_current_version


@dataclass(frozen=True)
class ItemInput:
    section: str
    text: str
    kind: str
    points: Decimal
    cap: Decimal | None = None
    area_type_ids: tuple[int, ...] = ()


def standard_save(
    *,
    standard: Standard,
    area_types: Iterable[AreaType],
    by: User | None,
    base_score: Decimal,
    floor_score: Decimal,
    red_line_rule: str,
    red_line_score: Decimal,
) -> StandardVersion:
    """Save a standard, its area types and its scoring rules; returns its current version.

    The rules belong to a version: the current one keeps its items and takes the rules (a new
    version when it was used); a new standard starts with an empty first version."""
    scoring = {
        "base_score": base_score,
        "floor_score": floor_score,
        "red_line_rule": red_line_rule,
        "red_line_score": red_line_score,
    }
    with transaction.atomic():
        saved = record_save(record=standard, by=by)
        saved.area_types.set(area_types)
        current = standard_current_version(standard=saved)
        if current is not None:
            return standard_save_items(
                standard=saved,
                items=[item_input(item) for item in current.items.all()],
                by=by,
                **scoring,
            )
        return StandardVersion.objects.create(
            organisation_id=saved.organisation_id,
            standard=saved,
            number=1,
            created_by=by,
            **scoring,
        )


def item_input(item: StandardItem) -> ItemInput:
    """The item as an input, to save it again unchanged."""
    return ItemInput(
        section=item.section,
        text=item.text,
        kind=item.kind,
        points=item.points,
        cap=item.cap,
        area_type_ids=tuple(item.area_types.values_list("pk", flat=True)),
    )


def standard_version_in_use(*, version: StandardVersion) -> bool:
    """True once an inspection has been done with this version: it may no longer change."""
    return version.inspections.exists()


def standard_save_items(
    *,
    standard: Standard,
    items: list[ItemInput],
    by: User | None,
    base_score: Decimal | None = None,
    floor_score: Decimal | None = None,
    red_line_rule: str | None = None,
    red_line_score: Decimal | None = None,
) -> StandardVersion:
    """Replace the standard's items; a new version when the current one was used, else in place."""
    organisation: Organisation = standard.organisation
    _check_items(organisation, items)
    with transaction.atomic():
        current = standard.versions.select_for_update().order_by("-number").first()
        if current is None or standard_version_in_use(version=current):
            version = StandardVersion(
                organisation=organisation,
                standard=standard,
                number=(current.number + 1) if current else 1,
                created_by=by,
            )
            if current is not None:
                for name in ("base_score", "floor_score", "red_line_rule", "red_line_score"):
                    setattr(version, name, getattr(current, name))
        else:
            version = current
            version.items.all().delete()
        for name, value in (
            ("base_score", base_score),
            ("floor_score", floor_score),
            ("red_line_rule", red_line_rule),
            ("red_line_score", red_line_score),
        ):
            if value is not None:
                setattr(version, name, value)
        version.full_clean(exclude=["standard", "organisation"])
        version.save()
        for order, item in enumerate(items):
            record = StandardItem.objects.create(
                organisation=organisation,
                version=version,
                section=item.section,
                text=item.text,
                kind=item.kind,
                points=item.points,
                cap=item.cap,
                sort_order=order,
            )
            if item.area_type_ids:
                record.area_types.set(item.area_type_ids)
    return version


def _check_items(organisation: Organisation, items: list[ItemInput]) -> None:
    if not items:
        raise ValidationError(_("A standard needs at least one item."))
    known = set(AreaType.objects.filter(organisation=organisation).values_list("pk", flat=True))
    for item in items:
        if item.kind not in ItemKind.values:
            raise ValidationError(_("Unknown item type: %(kind)s") % {"kind": item.kind})
        if item.points < 0 or (item.cap is not None and item.cap < 0):
            raise ValidationError(_("Points and caps cannot be negative."))
        if not set(item.area_type_ids) <= known:
            raise ValidationError(_("An area type belongs to another organisation."))
