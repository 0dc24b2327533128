"""The JSON shapes of the set-up records (docs/api.md). Field names follow the models; relations
are *_id."""

from datetime import date, datetime

from ninja import Field, Schema

from baozhang.core.api import Input

# Set-up records --------------------------------------------------------------------------------


class SiteOut(Schema):
    id: int
    code: str
    name: str
    address: str


class SiteIn(Input):
    code: str
    name: str
    address: str = ""


class SitePatch(Input):
    code: str | None = None
    name: str | None = None
    address: str | None = None


class AreaTypeOut(Schema):
    id: int
    code: str
    name: str
    sort_order: int


class AreaTypeIn(Input):
    code: str
    name: str
    sort_order: int = 0


class AreaTypePatch(Input):
    code: str | None = None
    name: str | None = None
    sort_order: int | None = None


class LocationOut(Schema):
    id: int
    site_id: int
    parent_id: int | None
    kind: str
    code: str
    name: str
    label: str = Field(description="How the location is shown: code and name.")
    area_type_id: int | None
    is_active: bool
    notes: str
    path: str = Field(description="Tree path; the locations under this one start with it.")
    depth: int


class LocationIn(Input):
    site_id: int
    parent_id: int | None = None
    kind: str = Field("room", description="building, floor, room or area")
    code: str
    name: str
    area_type_id: int | None = None
    is_active: bool = True
    notes: str = ""


class LocationPatch(Input):
    site_id: int | None = None
    parent_id: int | None = None
    kind: str | None = None
    code: str | None = None
    name: str | None = None
    area_type_id: int | None = None
    is_active: bool | None = None
    notes: str | None = None


class UnitOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    is_active: bool


class UnitIn(Input):
    code: str
    name: str
    kind: str = Field("department", description="department, class, crew or trade")
    is_active: bool = True


class UnitPatch(Input):
    code: str | None = None
    name: str | None = None
    kind: str | None = None
    is_active: bool | None = None


class AssignmentOut(Schema):
    id: int
    location_id: int
    unit_id: int
    starts_on: date
    ends_on: date | None


class AssignmentIn(Input):
    location_id: int
    unit_id: int
    starts_on: date
    ends_on: date | None = None


class AssignmentPatch(Input):
    location_id: int | None = None
    unit_id: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None


class MembershipOut(Schema):
    role: str
    unit_id: int | None


class PersonOut(Schema):
    id: int
    name: str
    phone: str
    email: str
    is_active: bool
    username: str | None
    memberships: list[MembershipOut]


class PersonIn(Input):
    name: str
    phone: str = ""
    email: str = ""
    is_active: bool = True
    username: str = Field("", description="Login name; empty for a person who does not sign in.")
    password: str = Field("", description="Initial password of a new login.")
    roles: list[str] = Field(default_factory=list)
    unit_id: int | None = Field(None, description="The unit of a unit head or tradesperson.")


class PersonPatch(Input):
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    is_active: bool | None = None
    username: str | None = None
    roles: list[str] | None = None
    unit_id: int | None = None


class PasswordIn(Input):
    password: str


class ChangeOut(Schema):
    field: str
    before: str
    after: str


class HistoryOut(Schema):
    when: datetime
    who: str
    action: str = Field(description="created, changed or deleted")
    action_label: str = Field(description="The action in the caller's language.")
    record: str
    changes: list[ChangeOut]
