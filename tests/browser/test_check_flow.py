"""An inspector on a phone: scan a room's label, tick a problem with a photo, lose the network
answer and submit again; one check is stored and the ranking and the bulletin show it."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from PIL import Image

from baozhang.demo import DEMO_PASSWORD
from baozhang.inspections.models import Finding, FindingPhoto, Inspection
from baozhang.orgs.models import Location
from baozhang.orgs.selectors import unit_responsible_for
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_phone_check_is_stored_once_and_reaches_ranking_and_bulletin(phone, demo, tmp_path):
    demo(history_days=0)
    with scopes_disabled():
        room = Location.objects.get(organisation__slug="college", code="5413")
        unit = unit_responsible_for(location=room, on=timezone.localdate())
    photo = tmp_path / "before.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "brown").save(buffer, "JPEG")
    photo.write_bytes(buffer.getvalue())

    sign_in(phone, "college-inspector", DEMO_PASSWORD)
    # The QR label of the room opens this address.
    phone.goto(reverse("inspections:check", args=["college", room.pk]))
    assert "5413" in phone.locator("h1").inner_text()
    phone.get_by_text("地面有垃圾、纸屑").click()  # one tap on the item
    item = phone.locator(".check-item", has_text="地面有垃圾、纸屑")
    item.locator("input[name^=note-]").fill("床下有纸屑")
    item.locator("input[type=file]").set_input_files(str(photo))
    phone.fill("input[name=highlight-note]", "窗台一尘不染")

    # The first send reaches the server but its answer is lost on the way back …
    status = phone.evaluate(
        """async () => {
            const form = document.querySelector('[data-testid=check-form]');
            const answer = await fetch(location.href, {method: 'POST', body: new FormData(form)});
            return answer.status;
        }"""
    )
    assert status == 200
    # … so the inspector presses submit again.
    phone.get_by_test_id("check-submit").click()
    phone.wait_for_load_state()
    assert "这次检查已经保存过了" in phone.content()
    assert "床下有纸屑" in phone.get_by_test_id("inspection-findings").inner_text()
    with scopes_disabled():
        assert Inspection.objects.filter(location=room).count() == 1
        assert Finding.objects.filter(location=room).count() == 2
        assert FindingPhoto.objects.filter(finding__location=room).count() == 1

    phone.goto(reverse("inspections:ranking", args=["college"]))
    row = phone.get_by_test_id("ranking").locator("tr", has_text=unit.name)
    assert "98" in row.inner_text()
    phone.goto(reverse("inspections:bulletin", args=["college"]))
    bulletin = phone.get_by_test_id("bulletin-dorm").inner_text()
    assert "床下有纸屑" in bulletin and unit.name in bulletin and "窗台一尘不染" in bulletin
