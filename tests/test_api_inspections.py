"""Inspection operations of the API: a whole check in one request, stored once; photos sent
ahead; ranking, bulletin, findings and standards as JSON."""

import io
import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django_scopes import scope, scopes_disabled
from PIL import Image

from baozhang.accounts.services import api_token_create
from baozhang.inspections.models import Finding, FindingPhoto, Inspection, PhotoUpload
from baozhang.standards.services import ItemInput
from tests.factories import (
    AreaTypeFactory,
    AssignmentFactory,
    LocationFactory,
    SiteFactory,
    UnitFactory,
)
from tests.inspection_data import dorm_standard

pytestmark = pytest.mark.django_db
BASE = "/api/v1/orgs/college"


@pytest.fixture
def room(college):
    with scopes_disabled():
        dorm = AreaTypeFactory(organisation=college, code="dorm", name="宿舍")
        room = LocationFactory(
            organisation=college,
            site=SiteFactory(organisation=college),
            code="5413",
            area_type=dorm,
        )
        unit = UnitFactory(organisation=college, code="0852", name="0852班")
        AssignmentFactory(organisation=college, location=room, unit=unit)
    version = dorm_standard(
        college,
        dorm,
        ItemInput("地面", "地面有垃圾", "deduction", Decimal(2)),
        ItemInput("加分", "打扫阶梯教室", "bonus", Decimal(10)),
        name="宿舍标准",
    )
    with scope(organisation=college):
        room.items = {item.text: item.pk for item in version.items.all()}
    return room


def client_for(user) -> tuple[Client, dict]:
    _token, raw = api_token_create(user=user, name="phone")
    return Client(), {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def jpeg() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = "before.jpg"
    return buffer


def test_check_form_lists_the_items_of_the_standard(alice, room):
    client, auth = client_for(alice)
    body = client.get(f"{BASE}/locations/{room.pk}/check", **auth).json()
    assert body["version"]["standard"] == "宿舍标准"
    assert [item["text"] for item in body["items"]] == ["地面有垃圾", "打扫阶梯教室"]


def test_a_whole_check_is_stored_once_with_its_photo(alice, room):
    client, auth = client_for(alice)
    photo = client.post(f"{BASE}/photos", {"file": jpeg()}, **auth)
    assert photo.status_code == 201
    payload = {
        "client_id": str(uuid.uuid4()),
        "location_id": room.pk,
        "findings": [
            {
                "item_id": room.items["地面有垃圾"],
                "note": "门后",
                "photo_ids": [photo.json()["id"]],
            },
            {"item_id": room.items["打扫阶梯教室"]},
        ],
    }
    first = client.post(f"{BASE}/inspections", payload, content_type="application/json", **auth)
    again = client.post(f"{BASE}/inspections", payload, content_type="application/json", **auth)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["score"] == "108.0"
    with scopes_disabled():
        assert Inspection.objects.count() == 1 and Finding.objects.count() == 2
        assert FindingPhoto.objects.count() == 1 and not PhotoUpload.objects.exists()
        assert Finding.objects.get(note="门后").unit.code == "0852"
    read = client.get(f"{BASE}/inspections/{first.json()['id']}", **auth).json()
    assert {finding["note"] for finding in read["findings"]} == {"门后", ""}


def test_a_bad_finding_stores_nothing_and_says_which(alice, room):
    client, auth = client_for(alice)
    payload = {
        "client_id": str(uuid.uuid4()),
        "location_id": room.pk,
        "findings": [{"item_id": room.items["地面有垃圾"]}, {"item_id": 999999}],
    }
    response = client.post(f"{BASE}/inspections", payload, content_type="application/json", **auth)
    assert response.status_code == 422
    assert "第 2 条" in response.json()["detail"][0]["message"]
    wrong_photo = {
        **payload,
        "findings": [{"item_id": room.items["地面有垃圾"], "photo_ids": [42]}],
    }
    response = client.post(
        f"{BASE}/inspections", wrong_photo, content_type="application/json", **auth
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "findings.0.photo_ids"
    with scopes_disabled():
        assert not Inspection.objects.exists() and not Finding.objects.exists()


def test_viewer_cannot_submit_but_reads_ranking_and_bulletin(alice, bob, room):
    client, auth = client_for(alice)
    client.post(
        f"{BASE}/inspections",
        {
            "client_id": str(uuid.uuid4()),
            "location_id": room.pk,
            "findings": [{"item_id": room.items["地面有垃圾"], "note": "门后"}],
        },
        content_type="application/json",
        **auth,
    )
    viewer, viewer_auth = client_for(bob)
    refused = viewer.post(
        f"{BASE}/inspections",
        {"client_id": str(uuid.uuid4()), "location_id": room.pk},
        content_type="application/json",
        **viewer_auth,
    )
    assert refused.status_code == 403
    ranking = viewer.get(f"{BASE}/ranking", **viewer_auth).json()
    assert [(row["unit"], row["rank"], row["score"]) for row in ranking["rows"]] == [
        ("0852班", 1, "98.0")
    ]
    bulletin = viewer.get(f"{BASE}/bulletin", **viewer_auth).json()
    [section] = bulletin["sections"]
    assert section["area_type"] == "宿舍"
    assert section["days"][0]["units"][0]["findings"][0]["note"] == "门后"
    findings = viewer.get(f"{BASE}/findings", {"kind": "problems"}, **viewer_auth).json()
    assert findings["count"] == 1
    here = {"kind": "problems", "site": str(room.site_id)}
    assert viewer.get(f"{BASE}/findings", here, **viewer_auth).json()["count"] == 1
    with scopes_disabled():
        elsewhere = str(SiteFactory(organisation=room.organisation).pk)
    there = {"kind": "problems", "site": elsewhere}
    assert viewer.get(f"{BASE}/findings", there, **viewer_auth).json()["count"] == 0
    assert viewer.get(f"{BASE}/ranking", {"period": "2026-13"}, **viewer_auth).status_code == 422


def test_outsider_gets_404(charlie, room):
    client, auth = client_for(charlie)
    assert client.get(f"{BASE}/locations/{room.pk}/check", **auth).status_code == 404
    assert client.get(f"{BASE}/ranking", **auth).status_code == 404
