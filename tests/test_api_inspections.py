"""Inspection operations of the API: a whole check in one request, stored once; photos sent
ahead; ranking, bulletin, findings and standards as JSON."""

import datetime as dt
import io
import json
import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django_scopes import scope, scopes_disabled
from ninja.responses import NinjaJSONEncoder
from PIL import Image

from baozhang.accounts.services import api_token_create
from baozhang.inspections.models import (
    Finding,
    FindingPhoto,
    Inspection,
    PhotoUpload,
    Schedule,
)
from baozhang.inspections.schemas import BulletinOut
from baozhang.orgs.access import GATE_OBSERVERS
from baozhang.orgs.models import Location, Person, Unit
from baozhang.rectification.models import PatrolRound
from baozhang.standards.models import Standard
from baozhang.standards.services import ItemInput
from tests.factories import (
    AreaTypeFactory,
    AssignmentFactory,
    LocationFactory,
    SiteFactory,
    UnitFactory,
    member,
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
    answer = viewer.get(f"{BASE}/bulletin", **viewer_auth)
    bulletin = answer.json()
    # Rendered without ninja's validation (core/api.py shaped_response): the same bytes as the
    # documented schema validates and renders them.
    validated = BulletinOut.model_validate(bulletin).model_dump()
    assert json.dumps(validated, cls=NinjaJSONEncoder).encode() == answer.content
    assert answer["Content-Type"] == "application/json; charset=utf-8"
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


@pytest.fixture
def handed_out():
    """The records the gates hand out during the test, as (model, id)."""
    seen: list[tuple[type, int]] = []
    GATE_OBSERVERS.append(lambda model, pk: seen.append((model, pk)))
    yield seen
    GATE_OBSERVERS.pop()


def test_a_check_reaches_every_record_it_names_through_the_gates(alice, room, handed_out):
    client, auth = client_for(alice)
    photo = client.post(f"{BASE}/photos", {"file": jpeg()}, **auth).json()["id"]
    with scopes_disabled():
        college = room.organisation
        other = UnitFactory(organisation=college, code="1151", name="1151班")
        schedule = Schedule.objects.create(
            organisation=college, name="宿舍早检", standard=Standard.objects.get(), kind="daily",
            times=["07:30"], starts_on=dt.date(2026, 11, 1),
        )  # fmt: skip
        patrol = PatrolRound.objects.create(
            organisation=college, title="专项巡查", date=dt.date(2026, 11, 20),
            leader=Person.objects.get(user=alice),
        )  # fmt: skip
    payload = {
        "client_id": str(uuid.uuid4()),
        "location_id": room.pk,
        "schedule_id": schedule.pk,
        "patrol_round_id": patrol.pk,
        "findings": [
            {
                "item_id": room.items["地面有垃圾"],
                "unit_id": other.pk,
                "unit_reason": "借用宿舍",
                "photo_ids": [photo],
            }
        ],
    }
    stored = client.post(f"{BASE}/inspections", payload, content_type="application/json", **auth)
    assert stored.status_code == 201
    assert stored.json()["findings"][0]["unit"] == "1151班"
    assert set(handed_out) >= {
        (Location, room.pk),
        (Schedule, schedule.pk),
        (PatrolRound, patrol.pk),
        (Unit, other.pk),
        (PhotoUpload, photo),
    }


def test_a_unit_or_photo_of_someone_else_is_refused_with_its_finding(alice, room, hospital):
    client, auth = client_for(alice)
    with scopes_disabled():
        elsewhere = UnitFactory(organisation=hospital, code="0852", name="0852班")
    colleague = member(room.organisation, "inspector", username="zhang")
    theirs, their_auth = client_for(colleague)
    their_photo = theirs.post(f"{BASE}/photos", {"file": jpeg()}, **their_auth).json()["id"]
    for finding, field, message in (
        ({"unit_id": elsewhere.pk, "unit_reason": "x"}, "findings", "第 1 条"),
        ({"photo_ids": [their_photo]}, "findings.0.photo_ids", ""),
    ):
        payload = {
            "client_id": str(uuid.uuid4()),
            "location_id": room.pk,
            "findings": [{"item_id": room.items["地面有垃圾"], **finding}],
        }
        response = client.post(
            f"{BASE}/inspections", payload, content_type="application/json", **auth
        )
        assert response.status_code == 422
        detail = response.json()["detail"][0]
        assert detail["field"] == field and message in detail["message"]
    with scopes_disabled():
        assert not Inspection.objects.exists() and PhotoUpload.objects.count() == 1
