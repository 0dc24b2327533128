"""The inspection pages over HTTP: a check on the phone page, findings, ranking, bulletin, the
public notice board and the QR label sheet."""

import datetime as dt
import io
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from PIL import Image
from pypdf import PdfReader

from baozhang.inspections.models import BoardPolicy, Finding, FindingPhoto, Inspection
from baozhang.inspections.selectors import board_policy
from baozhang.inspections.services import FindingInput, inspection_submit
from baozhang.standards.services import ItemInput
from tests.factories import (
    AreaTypeFactory,
    AssignmentFactory,
    LocationFactory,
    PersonFactory,
    SiteFactory,
    UnitFactory,
)
from tests.inspection_data import dorm_standard

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(college):
    with scopes_disabled():
        site = SiteFactory(organisation=college, code="main")
        dorm = AreaTypeFactory(organisation=college, code="dorm", name="宿舍")
        room = LocationFactory(
            organisation=college, site=site, code="5413", name="宿舍5413", area_type=dorm
        )
        quiet = LocationFactory(organisation=college, site=site, code="5414", area_type=dorm)
        unit = UnitFactory(organisation=college, code="0852", name="0852班")
        tidy = UnitFactory(organisation=college, code="1151", name="1151班")
        start = timezone.localdate() - dt.timedelta(days=60)
        AssignmentFactory(organisation=college, location=room, unit=unit, starts_on=start)
        AssignmentFactory(organisation=college, location=quiet, unit=tidy, starts_on=start)
    version = dorm_standard(
        college,
        dorm,
        ItemInput("地面", "地面有垃圾", "deduction", Decimal(2)),
        ItemInput("内务", "被褥叠放", "scored", Decimal(5)),
        ItemInput("加分", "打扫阶梯教室", "bonus", Decimal(10)),
    )
    with scope(organisation=college):
        items = {item.text: item for item in version.items.all()}
    return {"room": room, "unit": unit, "tidy": tidy, "items": items, "version": version}


def jpeg(name="photo.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10), "blue").save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = name
    return buffer


def test_check_page_submits_once_even_when_sent_twice(alice_client, setup, college):
    url = reverse("inspections:check", kwargs={"org": "college", "location_id": setup["room"].pk})
    page = alice_client.get(url).content.decode()
    assert "地面有垃圾" in page and "被褥叠放" in page and 'capture="environment"' in page
    rubbish = setup["items"]["地面有垃圾"].pk
    client_id = str(uuid.uuid4())
    data = {
        "client_id": client_id,
        f"item-{rubbish}": "1",
        f"note-{rubbish}": "门后有垃圾",
        f"photo-{rubbish}": jpeg(),
        f"points-{setup['items']['被褥叠放'].pk}": "2",
        "highlight-note": "窗台一尘不染",
    }
    first = alice_client.post(url, data)
    data[f"photo-{rubbish}"] = jpeg()
    second = alice_client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    with scopes_disabled():
        inspection = Inspection.objects.get()
        assert inspection.score == Decimal("96.0")
        assert Finding.objects.count() == 3
        assert FindingPhoto.objects.count() == 1
        assert {f.unit.code for f in Finding.objects.all()} == {"0852"}
    detail = alice_client.get(first["Location"]).content.decode()
    assert "门后有垃圾" in detail and "96" in detail
    with scopes_disabled():
        photo_id = FindingPhoto.objects.get().pk
    image = alice_client.get(reverse("inspections:finding-photo", args=["college", photo_id]))
    assert image.status_code == 200
    assert image["Cache-Control"] == "private"


def test_a_bad_points_value_stores_nothing_and_says_why(alice_client, setup):
    url = reverse("inspections:check", kwargs={"org": "college", "location_id": setup["room"].pk})
    response = alice_client.post(
        url, {"client_id": str(uuid.uuid4()), f"points-{setup['items']['被褥叠放'].pk}": "9"}
    )
    assert response.status_code == 200
    assert "最多" in response.content.decode() or "at most" in response.content.decode()
    with scopes_disabled():
        assert not Inspection.objects.exists()


def submit_today(setup, *findings, inspector=None):
    with scope(organisation=setup["room"].organisation):
        return inspection_submit(
            location=setup["room"],
            version=setup["version"],
            findings=list(findings),
            inspector=inspector,
        )


def test_ranking_bulletin_and_findings_show_the_check(alice_client, setup):
    submit_today(setup, FindingInput(item_id=setup["items"]["地面有垃圾"].pk, note="门后有垃圾"))
    ranking = alice_client.get(reverse("inspections:ranking", args=["college"])).content.decode()
    ranked, unchecked = ranking.split('data-testid="unchecked"')
    # 0852 was checked and lost 2; nobody checked 1151's places: listed apart, never ranked.
    assert "0852班" in ranked and "<strong>98</strong>" in ranked and "1151班" not in ranked
    assert "1151班" in unchecked[:300]
    bulletin = alice_client.get(reverse("inspections:bulletin", args=["college"])).content.decode()
    assert "宿舍" in bulletin and "门后有垃圾" in bulletin
    assert 'data-testid="praised"' not in bulletin  # an unchecked unit is never praised
    assert "1151班" in bulletin.split('data-testid="unchecked"')[1][:300]
    findings = alice_client.get(
        reverse("inspections:findings", args=["college"]),
        {"unit": setup["unit"].pk, "period": timezone.localdate().strftime("%Y-%m")},
    ).content.decode()
    assert "门后有垃圾" in findings
    other = alice_client.get(
        reverse("inspections:findings", args=["college"]), {"unit": setup["tidy"].pk}
    ).content.decode()
    assert "门后有垃圾" not in other


def test_the_settings_are_read_without_storing_them_until_they_are_saved(alice_client, setup):
    settings_url = reverse("inspections:board-settings", args=["college"])
    for url in (settings_url, reverse("inspections:ranking", args=["college"])):
        assert alice_client.get(url).status_code == 200
    with scopes_disabled():
        assert not BoardPolicy.objects.exists()
    saved = alice_client.post(
        settings_url,
        {"base_score": "90", "floor_score": "0", "red_flags_per_week": "2",
         "red_flag_scope": "overall"},
    )  # fmt: skip
    assert saved.status_code == 302
    with scopes_disabled():
        policy = BoardPolicy.objects.get()
        assert (policy.base_score, policy.red_flags_per_week) == (Decimal(90), 2)


def test_notice_board_is_public_by_its_link_and_names_no_person(client, alice_client, setup):
    with scopes_disabled():
        inspector = PersonFactory(organisation=setup["room"].organisation, name="刘洋检查员")
    submit_today(setup, FindingInput(item_id=setup["items"]["地面有垃圾"].pk), inspector=inspector)
    settings_url = reverse("inspections:board-settings", args=["college"])
    assert "board-link" not in alice_client.get(settings_url).content.decode()
    alice_client.post(
        settings_url,
        {
            "base_score": "100",
            "floor_score": "0",
            "red_flags_per_week": "1",
            "red_flag_scope": "overall",
            "board_enabled": "on",
        },
    )
    policy = board_policy(organisation=setup["room"].organisation)
    assert policy.board_enabled and len(policy.board_token) >= 30
    board = client.get(reverse("board", args=[policy.board_token]))
    body = board.content.decode()
    assert board.status_code == 200
    assert "0852班" in body and "1151班" in body
    assert "刘洋检查员" not in body and "alice" not in body
    assert client.get(reverse("board", args=["not-the-token"])).status_code == 404
    alice_client.post(
        settings_url,
        {
            "base_score": "100",
            "floor_score": "0",
            "red_flags_per_week": "1",
            "red_flag_scope": "overall",
        },
    )
    assert client.get(reverse("board", args=[policy.board_token])).status_code == 404


BOARD_SETTINGS = {
    "base_score": "100",
    "floor_score": "0",
    "red_flags_per_week": "1",
    "red_flag_scope": "overall",
}


def test_turning_the_board_off_revokes_its_link_for_good(client, alice_client, college):
    settings_url = reverse("inspections:board-settings", args=["college"])
    alice_client.post(settings_url, {**BOARD_SETTINGS, "board_enabled": "on"})
    old_token = board_policy(organisation=college).board_token
    assert client.get(reverse("board", args=[old_token])).status_code == 200

    alice_client.post(settings_url, BOARD_SETTINGS)
    assert board_policy(organisation=college).board_token is None

    alice_client.post(settings_url, {**BOARD_SETTINGS, "board_enabled": "on"})
    policy = board_policy(organisation=college)
    assert policy.board_enabled and policy.board_token and policy.board_token != old_token
    assert client.get(reverse("board", args=[old_token])).status_code == 404
    assert client.get(reverse("board", args=[policy.board_token])).status_code == 200


def test_a_board_stored_off_with_a_link_gets_a_new_link_when_turned_on(alice_client, college):
    BoardPolicy.objects.create(organisation=college, board_enabled=False, board_token="old-link")
    alice_client.post(
        reverse("inspections:board-settings", args=["college"]),
        {**BOARD_SETTINGS, "board_enabled": "on"},
    )
    assert board_policy(organisation=college).board_token not in {None, "old-link"}


def test_label_sheet_is_a_pdf_with_chinese_text(alice_client, setup):
    response = alice_client.get(reverse("inspections:labels", args=["college"]), {"q": "5413"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private"
    document = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in document.pages).replace("\n", "")
    assert "5413" in text and "宿舍5413" in text and "示例职业技术学院" in text
    fonts = {
        str(font["/BaseFont"])
        for page in document.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("CJK" in font for font in fonts), fonts


def test_outsider_gets_nothing_of_the_inspection_pages(client, charlie, setup):
    inspection, _created = submit_today(
        setup, FindingInput(item_id=setup["items"]["地面有垃圾"].pk)
    )
    client.force_login(charlie)
    for url in (
        reverse("inspections:check", args=["college", setup["room"].pk]),
        reverse("inspections:inspection-detail", args=["college", inspection.pk]),
        reverse("inspections:ranking", args=["college"]),
        reverse("inspections:bulletin", args=["college"]),
        reverse("inspections:labels", args=["college"]),
    ):
        assert client.get(url).status_code == 404, url


def test_another_unit_can_be_named_with_a_reason_on_the_check_page(alice_client, setup):
    url = reverse("inspections:check", kwargs={"org": "college", "location_id": setup["room"].pk})
    assert "0852班" in alice_client.get(url).content.decode()
    rubbish = setup["items"]["地面有垃圾"].pk
    data = {
        "client_id": str(uuid.uuid4()),
        f"item-{rubbish}": "1",
        f"unit-{rubbish}": setup["tidy"].pk,
    }
    refused = alice_client.post(url, data)
    assert refused.status_code == 200 and "请说明" in refused.content.decode()
    with scopes_disabled():
        assert not Finding.objects.exists()
    data[f"reason-{rubbish}"] = "借用宿舍"
    assert alice_client.post(url, data).status_code == 302
    with scopes_disabled():
        finding = Finding.objects.get()
        assert (finding.unit.code, finding.unit_reason) == ("1151", "借用宿舍")


def test_a_unit_of_another_organisation_is_refused_on_the_check_page(alice_client, setup, hospital):
    with scopes_disabled():
        elsewhere = UnitFactory(organisation=hospital, code="0852", name="0852班")
    url = reverse("inspections:check", kwargs={"org": "college", "location_id": setup["room"].pk})
    rubbish = setup["items"]["地面有垃圾"].pk
    refused = alice_client.post(
        url,
        {
            "client_id": str(uuid.uuid4()),
            f"item-{rubbish}": "1",
            f"unit-{rubbish}": elsewhere.pk,
            f"reason-{rubbish}": "借用宿舍",
        },
    )
    body = refused.content.decode()
    assert refused.status_code == 200 and "第 1 条" in body and "该单位属于其他组织" in body
    with scopes_disabled():
        assert not Inspection.objects.exists() and not Finding.objects.exists()
