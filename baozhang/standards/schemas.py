"""The JSON shapes of standards: a standard, its current version and the version's items."""

from decimal import Decimal

from ninja import Field, Schema


class ItemOut(Schema):
    id: int
    section: str
    text: str
    kind: str = Field(description="deduction, scored, bonus or red_line")
    points: Decimal
    cap: Decimal | None


class VersionOut(Schema):
    id: int
    standard_id: int
    standard: str
    number: int
    base_score: Decimal
    floor_score: Decimal
    red_line_rule: str
    red_line_score: Decimal


class StandardOut(Schema):
    id: int
    code: str
    name: str
    scoring_period: str = Field(description="week or month: the period one score covers.")
    period_total: str = Field(
        description="mean or sum: a longer period's score from the scoring periods checked."
    )
    is_active: bool
    area_type_ids: list[int]
    version: VersionOut | None
    items: list[ItemOut]


def version_answer(version) -> dict | None:
    if version is None:
        return None
    return {
        "id": version.pk,
        "standard_id": version.standard_id,
        "standard": version.standard.name,
        "number": version.number,
        "base_score": version.base_score,
        "floor_score": version.floor_score,
        "red_line_rule": version.red_line_rule,
        "red_line_score": version.red_line_score,
    }


def item_answer(item) -> dict:
    return {
        "id": item.pk,
        "section": item.section,
        "text": item.text,
        "kind": item.kind,
        "points": item.points,
        "cap": item.cap,
    }
