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
    rank: int
    unit_id: int
    unit: str
    score: Decimal
    deductions: Decimal
    bonus: Decimal
    findings: int
    highlights: int
    red_lines: int


class PeriodOut(Schema):
    label: str
    start: date
    end: date


class RankingOut(Schema):
    period: PeriodOut
    area_type_id: int | None
    rows: list[RankingRow]


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
