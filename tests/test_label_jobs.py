"""A QR label sheet of more than BAOZHANG_LABELS_BACKGROUND labels is written by the background
worker as an export job: the page goes to the job's page, and the job's PDF has the labels the
page writes at once for the same filters; only those who may print labels get the job and its
file."""

import io
from urllib.parse import quote

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from pypdf import PdfReader

from baozhang.core.models import JobStatus
from baozhang.orgs.models import ExportJob
from baozhang.orgs.tasks import export_job_run
from tests.factories import AreaTypeFactory, LocationFactory, SiteFactory

pytestmark = pytest.mark.django_db

KIND = "document.location-labels"


@pytest.fixture
def rooms(college):
    """Three dormitory rooms and a classroom, all active, and a dormitory room no longer used."""
    with scopes_disabled():
        site = SiteFactory(organisation=college, code="main")
        dorm = AreaTypeFactory(organisation=college, code="dorm", name="宿舍")
        classroom = AreaTypeFactory(organisation=college, code="class", name="教室")
        for code in ("5413", "5414", "5415"):
            LocationFactory(
                organisation=college, site=site, code=code, name=f"宿舍{code}", area_type=dorm
            )
        LocationFactory(organisation=college, site=site, code="A101", area_type=classroom)
        LocationFactory(
            organisation=college, site=site, code="5416", area_type=dorm, is_active=False
        )
    return dorm


def pdf_text(content: bytes) -> str:
    document = PdfReader(io.BytesIO(content))
    return "".join(page.extract_text() for page in document.pages).replace("\n", "")


def at_once(client, params: dict) -> str:
    response = client.get(reverse("inspections:labels", args=["college"]), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert quote("college-二维码标签.pdf") in response["Content-Disposition"]
    return pdf_text(response.content)


def test_a_few_labels_are_written_at_once(alice_client, rooms, settings):
    settings.LABELS_BACKGROUND = 3
    text = at_once(alice_client, {"area_type": str(rooms.pk)})
    assert all(f"宿舍{code}" in text for code in ("5413", "5414", "5415"))
    assert "A101" not in text and "5416" not in text
    assert not ExportJob._base_manager.exists()


def test_more_labels_become_a_job_writing_the_sheet_the_page_writes_at_once(
    alice_client, rooms, settings, django_capture_on_commit_callbacks
):
    params = {"area_type": str(rooms.pk)}
    settings.LABELS_BACKGROUND = 3
    expected = at_once(alice_client, params)

    settings.LABELS_BACKGROUND = 2
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = alice_client.get(reverse("inspections:labels", args=["college"]), params)
    job = ExportJob._base_manager.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:export-job", args=["college", job.pk])
    assert len(callbacks) == 1
    assert (job.kind, job.status, job.file_name) == (
        KIND,
        JobStatus.QUEUED,
        "college-二维码标签.pdf",
    )
    assert job.params == {**params, "_origin": "http://testserver/"}
    waiting = alice_client.get(response["Location"]).content.decode()
    assert 'data-status="queued"' in waiting and "二维码标签" in waiting

    export_job_run.call(job.pk)

    job = ExportJob._base_manager.get(pk=job.pk)
    assert (job.status, job.progress, job.rows) == (JobStatus.DONE, 100, 3)
    assert job.file.name.endswith(".pdf")
    done = alice_client.get(response["Location"]).content.decode()
    file_url = reverse("orgs:export-job-file", args=["college", job.pk])
    assert file_url in done and "文件已生成" in done
    served = alice_client.get(file_url)
    assert served.status_code == 200
    assert served["Content-Type"] == "application/pdf"
    assert "attachment" in served["Content-Disposition"]
    content = b"".join(served.streaming_content)
    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    assert all(f"宿舍{code}" in text for code in ("5413", "5414", "5415"))
    assert "A101" not in text and "5416" not in text
    assert text == expected


def test_the_labels_job_and_its_file_are_refused_to_another_organisation(
    alice_client, rooms, settings, charlie, bob
):
    settings.LABELS_BACKGROUND = 0
    alice_client.get(reverse("inspections:labels", args=["college"]))
    job = ExportJob._base_manager.get()
    export_job_run.call(job.pk)
    page = reverse("orgs:export-job", args=["college", job.pk])
    file_url = reverse("orgs:export-job-file", args=["college", job.pk])

    alice_client.force_login(charlie)
    assert alice_client.get(page).status_code == 404
    assert alice_client.get(file_url).status_code == 404
    # Not under charlie's own organisation either.
    assert (
        alice_client.get(reverse("orgs:export-job-file", args=["hospital", job.pk])).status_code
        == 404
    )

    alice_client.force_login(bob)  # a viewer of the college may print its labels
    served = alice_client.get(file_url)
    assert served.status_code == 200
    assert "宿舍5413" in pdf_text(b"".join(served.streaming_content))
    assert ExportJob._base_manager.get(pk=job.pk).status == JobStatus.DONE
