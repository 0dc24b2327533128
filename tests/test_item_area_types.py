"""An item that does not apply to the location's area type (StandardItem.area_types), which the
check page does not offer there, is refused by every path: the service, the API and the import."""

import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope, scopes_disabled

from baozhang.core.xlsx import ImportRejected
from baozhang.inspections.imports import findings_import
from baozhang.inspections.models import Finding, Inspection
from baozhang.inspections.services import FindingInput, finding_correct, inspection_submit
from baozhang.standards.services import ItemInput
from tests.factories import AreaTypeFactory, LocationFactory, SiteFactory, member
from tests.inspection_data import at, dorm_standard
from tests.test_findings_import import sheet

pytestmark = pytest.mark.django_db
REFUSED = "检查项“课桌椅摆放”不适用于区域类型“卫生区”"


@pytest.fixture
def school(college):
    """One standard for classrooms and outdoor duty areas; 课桌椅摆放 is a classroom item."""
    with scopes_disabled():
        site = SiteFactory(organisation=college)
        classroom = AreaTypeFactory(organisation=college, code="room", name="教室")
        outdoor = AreaTypeFactory(organisation=college, code="duty", name="卫生区")
        room = LocationFactory(organisation=college, site=site, code="101", area_type=classroom)
        yard = LocationFactory(organisation=college, site=site, code="A区", area_type=outdoor)
    version = dorm_standard(
        college,
        classroom,
        ItemInput("地面", "地面有垃圾", "deduction", Decimal(2)),
        ItemInput("教室", "课桌椅摆放", "deduction", Decimal(1), area_type_ids=(classroom.pk,)),
        name="卫生标准",
    )
    with scopes_disabled():
        version.standard.area_types.add(outdoor)
    with scope(organisation=college):
        items = {item.text: item for item in version.items.all()}
    return {"org": college, "room": room, "yard": yard, "version": version, "items": items}


def test_the_service_refuses_an_item_of_another_area_type(school):
    desks = school["items"]["课桌椅摆放"].pk
    with scope(organisation=school["org"]):
        with pytest.raises(ValidationError, match=REFUSED):
            inspection_submit(
                location=school["yard"],
                version=school["version"],
                findings=[FindingInput(item_id=desks)],
                done_at=at("2026-11-17"),
            )
        assert Inspection.objects.count() == 0
        inspection, created = inspection_submit(
            location=school["room"],
            version=school["version"],
            findings=[FindingInput(item_id=desks)],
            done_at=at("2026-11-17"),
        )
        assert created and inspection.score == Decimal("99.0")
        # Nor can a correction move a finding in the yard to the classroom item.
        yard_check, _ = inspection_submit(
            location=school["yard"],
            version=school["version"],
            findings=[FindingInput(item_id=school["items"]["地面有垃圾"].pk)],
            done_at=at("2026-11-17"),
        )
        finding = yard_check.findings.get()
        with pytest.raises(ValidationError, match=REFUSED):
            finding_correct(finding=finding, given=FindingInput(item_id=desks), by=None)
        assert Finding.objects.get(pk=finding.pk).item_id == school["items"]["地面有垃圾"].pk


def test_the_api_answers_422_naming_the_finding_field(school):
    from tests.test_api_inspections import client_for

    client, auth = client_for(member(school["org"], "inspector", username="inspector"))
    payload = {
        "client_id": str(uuid.uuid4()),
        "location_id": school["yard"].pk,
        "findings": [
            {"item_id": school["items"]["地面有垃圾"].pk},
            {"item_id": school["items"]["课桌椅摆放"].pk},
        ],
    }
    response = client.post(
        "/api/v1/orgs/college/inspections", payload, content_type="application/json", **auth
    )
    assert response.status_code == 422
    error = response.json()["detail"][0]
    assert error["field"] == "findings.1.item_id"
    assert REFUSED in error["message"]
    with scopes_disabled():
        assert not Inspection.objects.exists()


def test_the_import_refuses_the_row(school):
    rows = [
        ["2026-11-17", "07:30", "101", None, "课桌椅摆放", None, "", None],
        ["2026-11-17", "07:30", "A区", None, "课桌椅摆放", None, "", None],
    ]
    with scope(organisation=school["org"]):
        with pytest.raises(ImportRejected) as refused:
            findings_import(organisation=school["org"], upload=sheet(rows), by=None)
        assert [str(error) for error in refused.value.errors] == [
            f"第 3 行，“检查项”列：{REFUSED}。"
        ]
        assert Finding.objects.count() == 0
