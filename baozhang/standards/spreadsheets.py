"""Excel import and export of a standard's items (docs/formats.md: 分类, 检查项, 类型, 分值, 上限, 适用区域)."""

from decimal import Decimal

from django.utils.translation import gettext as _

from baozhang.core.xlsx import Column, ImportRejected, RowError, read_sheet, write_workbook
from baozhang.orgs.models import AreaType, User
from baozhang.standards.models import ItemKind, Standard, StandardVersion
from baozhang.standards.selectors import standard_current_version
from baozhang.standards.services import ItemInput, standard_save_items

COLUMNS = [
    Column("分类", "section", required=True, note="检查项所属的分类，如 地面、内务、加分项"),
    Column("检查项", "text", required=True, note="如 地面有垃圾"),
    Column("类型", "kind", required=True, note="扣分、评分、加分 或 红线"),
    Column("分值", "points", required=True, kind="decimal", note="每次扣（加）的分，评分项为满分"),
    Column("上限", "cap", kind="decimal", note="一个周期内本项最多扣（加）的分；留空为不限"),
    Column("适用区域", "area_types", note="区域类型名称，多个用、或逗号分隔；留空为标准的全部区域"),
]
KIND_NAMES = {
    "扣分": ItemKind.DEDUCTION,
    "评分": ItemKind.SCORED,
    "加分": ItemKind.BONUS,
    "红线": ItemKind.RED_LINE,
}
KIND_LABELS = {value: name for name, value in KIND_NAMES.items()}
SEPARATORS = ("、", "，", ",", ";", "；")


def _names(text: str | None) -> list[str]:
    text = text or ""
    for separator in SEPARATORS[1:]:
        text = text.replace(separator, SEPARATORS[0])
    return [name.strip() for name in text.split(SEPARATORS[0]) if name.strip()]


def standard_import(*, standard: Standard, upload, by: User | None) -> StandardVersion:
    """Replace the standard's items with the workbook's, all rows or none (a new version if used)."""
    rows = read_sheet(upload, COLUMNS, keep_invalid=True)
    errors = [error for row in rows for error in row.errors]
    area_types = {
        area.name: area.pk for area in AreaType.objects.filter(organisation=standard.organisation)
    }
    area_types.update(
        {area.code: area.pk for area in AreaType.objects.filter(organisation=standard.organisation)}
    )
    items = []
    for row in rows:
        if row.errors:
            continue
        values = row.values
        kind = KIND_NAMES.get(values["kind"]) or (
            values["kind"] if values["kind"] in ItemKind.values else None
        )
        if kind is None:
            errors.append(
                RowError(
                    row.number,
                    "类型",
                    _("“%(value)s” is not one of: %(choices)s")
                    % {"value": values["kind"], "choices": "、".join(KIND_NAMES)},
                )
            )
            continue
        if values["points"] < 0 or (values.get("cap") is not None and values["cap"] < 0):
            column = "分值" if values["points"] < 0 else "上限"
            errors.append(RowError(row.number, column, _("cannot be negative")))
            continue
        unknown = [name for name in _names(values.get("area_types")) if name not in area_types]
        if unknown:
            errors.append(
                RowError(
                    row.number,
                    "适用区域",
                    _("no area type is called “%(value)s”") % {"value": "、".join(unknown)},
                )
            )
            continue
        items.append(
            ItemInput(
                section=values["section"],
                text=values["text"],
                kind=kind,
                points=Decimal(values["points"]),
                cap=values.get("cap"),
                area_type_ids=tuple(area_types[name] for name in _names(values["area_types"])),
            )
        )
    if errors:
        raise ImportRejected(sorted(errors, key=lambda error: error.row or 0))
    return standard_save_items(standard=standard, items=items, by=by)


def standard_export(*, standard: Standard, target) -> None:
    """Write the current version's items in the import layout."""
    version = standard_current_version(standard=standard)
    items = version.items.prefetch_related("area_types") if version else []
    rows = (
        [
            item.section,
            item.text,
            KIND_LABELS[item.kind],
            item.points,
            item.cap,
            "、".join(area.name for area in item.area_types.all()),
        ]
        for item in items
    )
    write_workbook(target, [(standard.name, [column.header for column in COLUMNS], rows)])
