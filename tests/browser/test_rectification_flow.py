"""The rectification loop in Chromium: an inspector records a finding and opens a 3-day task for
class 0852; the unit head submits the fix with a photo from a phone; the inspector rejects once,
the unit resubmits, the inspector verifies; the statistics show found 1, tracked 1, closed in
time 1, rejected 1."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from PIL import Image

from baozhang.demo import DEMO_PASSWORD
from baozhang.orgs.models import Location
from baozhang.orgs.selectors import unit_responsible_for
from baozhang.rectification.models import Task
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_finding_goes_round_the_closed_loop(page, phone, demo, tmp_path):
    demo(history_days=0)
    today = timezone.localdate()
    with scopes_disabled():
        room = next(
            location
            for location in Location.objects.filter(organisation__slug="college").order_by("code")
            if (holder := unit_responsible_for(location=location, on=today)) is not None
            and holder.code == "0852"
        )
    photo = tmp_path / "after.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(buffer, "JPEG")
    photo.write_bytes(buffer.getvalue())

    # The inspector records a finding at a room of class 0852 …
    sign_in(page, "college-inspector", DEMO_PASSWORD)
    page.goto(reverse("inspections:check", args=["college", room.pk]))
    page.locator(".check-item label.btn").first.click()
    page.get_by_test_id("check-submit").click()
    page.wait_for_load_state()
    # … and opens a task for the class, due in three days.
    page.locator("[data-testid^=dispose-]").first.click()
    page.wait_for_load_state()
    form = page.get_by_test_id("form-task")
    assert form.locator("select[name=task-unit] option:checked").inner_text().startswith("0852")
    deadline = timezone.localtime() + dt.timedelta(days=3)
    form.locator("input[name=task-deadline]").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    with scopes_disabled():
        task = Task.objects.get()
    assert task.unit.code == "0852"
    assert abs((task.deadline - deadline).total_seconds()) < 60
    task_url = reverse("rectification:task-detail", args=["college", task.pk])
    assert page.url.endswith(task_url)

    # The unit head, on a phone, submits the fix with a photo from "my tasks".
    sign_in(phone, "college-head", DEMO_PASSWORD)

    def head_submits(note: str) -> None:
        phone.goto(reverse("rectification:my-tasks", args=["college"]))
        card = phone.get_by_test_id(f"task-{task.pk}")
        card.locator("input[type=file]").set_input_files(str(photo))
        card.locator("input[name=note]").fill(note)
        card.locator("button[type=submit]").click()
        phone.wait_for_load_state()
        assert phone.get_by_test_id("tasks-submitted").get_by_test_id(f"task-{task.pk}").count()

    head_submits("已清扫")
    # The inspector rejects it once with a reason …
    page.goto(task_url)
    verify = page.get_by_test_id("form-verify")
    verify.locator("textarea[name=note]").fill("门后仍有纸屑")
    verify.locator("button[value=reject]").click()
    page.wait_for_load_state()
    assert "门后仍有纸屑" in page.get_by_test_id("task-events").inner_text()
    # … the unit resubmits, and the inspector verifies and closes it.
    head_submits("已重新清扫")
    page.goto(task_url)
    page.get_by_test_id("form-verify").locator("button[value=verify]").click()
    page.wait_for_load_state()
    with scopes_disabled():
        task.refresh_from_db()
    assert task.status == "closed" and task.rejections == 1 and task.closed_in_time
    assert page.get_by_test_id("form-verify").count() == 0
    photos = page.get_by_test_id("task-events").locator("img")
    assert photos.count() == 2

    # The statistics of the month, on the row of class 0852.
    page.goto(reverse("rectification:statistics", args=["college"]))
    row = page.get_by_test_id("statistics-row").filter(has_text="0852")
    cells = {
        state: row.locator(f"td[data-state={state}]").inner_text().strip()
        for state in ("found", "tracked", "closed_in_time", "rejected", "spot", "overdue")
    }
    assert cells == {
        "found": "1",
        "tracked": "1",
        "closed_in_time": "1",
        "rejected": "1",
        "spot": "0",
        "overdue": "0",
    }
    # The number opens its records.
    row.locator("td[data-state=rejected] a").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("records").locator("tbody tr").count() == 1
    page.screenshot(path=str(tmp_path / "records.png"))
