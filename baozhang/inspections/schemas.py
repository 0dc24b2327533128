"""JSON shapes of the inspection operations (docs/api.md)."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema

from baozhang.core.api import Input, Page
from baozhang.standards.schemas import ItemOut, VersionOut


class CheckFormOut(Schema):
    location_id: int
    location: str
    area_type: str | None
    version: VersionOut | None = Field(description="null when no active standard applies")
    items: list[ItemOut]


class FindingIn(Input):
    item_id: int | None = None
    kind: str | None = Field(None, description="highlight, or the item's kind when omitted")
    points: Decimal | None = Field(None, description="points lost (or gained); the item's points")
    note: str = Field("", max_length=500)
    unit_id: int | None = Field(None, description="another unit than the location's holder")
    unit_reason: str = Field("", max_length=300)
    photo_ids: list[int] = Field(default_factory=list, description="ids from POST /photos")


class InspectionIn(Input):
    client_id: uuid.UUID = Field(description="made by the client; a resend returns the first")
    location_id: int
    schedule_id: int | None = None
    patrol_round_id: int | None = Field(None, description="a special patrol round it belongs to")
    level: str | None = Field(None, description="self_check, department, leader or organisation")
    done_at: datetime | None = None
    note: str = Field("", max_length=2000)
    findings: list[FindingIn] = Field(default_factory=list, max_length=200)


class FindingOut(Schema):
    id: int
    inspection_id: int | None
    location_id: int
    location: str
    unit_id: int | None
    unit: str | None
    unit_reason: str
    item_id: int | None
    item: str | None
    kind: str
    points: Decimal
    note: str
    observed_at: datetime
    date: date
    photo_ids: list[int]


class VoidedFindingOut(Schema):
    id: int
    item: str
    kind: str
    points: Decimal
    unit: str
    note: str
    settled: list[str] = Field(description="what rested on it and became of it (a task …)")


class InspectionOut(Schema):
    id: int
    client_id: uuid.UUID
    location_id: int
    location: str
    standard_version_id: int
    schedule_id: int | None
    patrol_round_id: int | None
    level: str
    done_at: datetime
    score: Decimal
    is_failed: bool
    note: str
    findings: list[FindingOut]
    voided_at: datetime | None = Field(None, description="when it was voided (作废), if it was")
    voided_by: str | None = None
    void_reason: str = ""
    voided_findings: list[VoidedFindingOut] = Field(
        [], description="a voided check's findings as they were; its findings list is empty"
    )


class InspectionVoidIn(Input):
    reason: str = Field(max_length=500, description="why the check is voided (required)")


class FindingList(Page):
    results: list[FindingOut]


class PhotoOut(Schema):
    id: int


class RankingRow(Schema):
    rank: int = Field(description="Place among the checked units of the same kind.")
    unit_id: int
    unit: str
    unit_kind: str = Field(description="department, class, contractor_crew or trade_team.")
    score: Decimal | None = Field(
        description="One scoring period's score, or the mean (or sum) over the scoring periods "
        "in which the unit was checked; null for a period shorter than the scoring period."
    )
    basis: str = Field(description="What the score is made of, e.g. 4周平均; empty for one.")
    periods: int = Field(description="Scoring periods in which the unit was checked.")
    checks: int = Field(description="Checks of the unit's places dated in the period.")
    problems: int
    deductions: Decimal
    bonus: Decimal
    findings: int = Field(description="Problems and bonuses.")
    highlights: int
    red_lines: int
    capped: bool = Field(description="A cap on an item limited the deductions or bonuses.")


class UncheckedRow(Schema):
    unit_id: int
    unit: str
    unit_kind: str
    missed: int = Field(description="Checks of its places scheduled in the period and missed.")


class PeriodOut(Schema):
    label: str
    start: date
    end: date


class RankingOut(Schema):
    period: PeriodOut
    until: date | None = Field(description="The period is running: its figures reach this day.")
    area_type_id: int | None
    rows: list[RankingRow]
    unchecked: list[UncheckedRow] = Field(description="Units not checked: never ranked.")


class BulletinUnit(Schema):
    unit: str | None
    findings: list[FindingOut]


class BulletinDay(Schema):
    date: date
    units: list[BulletinUnit]


class BulletinSectionOut(Schema):
    area_type: str
    days: list[BulletinDay]
    bonuses: list[FindingOut]
    highlights: list[FindingOut]
    praised: list[str]
    ranking: list[RankingRow]
    unchecked: list[UncheckedRow]


class BulletinOut(Schema):
    period: PeriodOut
    sections: list[BulletinSectionOut]


class MissedCheckOut(Schema):
    id: int
    schedule: str
    location_id: int
    location: str
    due_at: datetime


class RedFlagOut(Schema):
    week: str
    unit_id: int
    unit: str
    area_type: str | None
    rank: int
    score: Decimal
