"""A final version's files are made once per language, kept under the media folder (so in the
backup) and served as first made; a draft's are made each time, and show its latest text."""

import hashlib
import io
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django_scopes import scopes_disabled
from docx import Document as WordDocument
from pypdf import PdfReader

from baozhang.core.backup import _media_hashes
from baozhang.orgs.models import User
from baozhang.reports import files
from baozhang.reports.models import KeptFile
from tests.factories import member
from tests.test_api_inspections import client_for
from tests.test_figures import records  # noqa: F401 - the fixture
from tests.test_reports import download, generate, writer  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def renders(monkeypatch) -> Counter:
    """How many times each kind of file is made."""
    made: Counter = Counter()
    for kind, render in list(files.RENDERERS.items()):

        def counted(version, render=render, kind=kind):
            made[kind] += 1
            return render(version)

        monkeypatch.setitem(files.RENDERERS, kind, counted)
    return made


def act(client, version, action: str, **data) -> None:
    page = reverse("reports:report", args=["college", version.report_id])
    response = client.post(f"{page}?v={version.number}", {"action": action, **data})
    assert response.status_code == 302


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_a_final_versions_pdf_is_made_once_and_served_as_first_made(writer, records, renders):  # noqa: F811
    version = generate(writer, kind="weekly", period="2026-W47")
    act(writer, version, "finalise")
    first = download(writer, version, "pdf")
    assert renders["pdf"] == 1 and "2026年第47周" in pdf_text(first)
    assert download(writer, version, "pdf") == first
    api, auth = client_for(member(records["org"], "viewer", username="viewer"))
    url = f"/api/v1/orgs/college/reports/{version.report_id}/versions/1/pdf"
    assert api.get(url, **auth).getvalue() == first
    assert renders["pdf"] == 1
    # Kept under the media folder, which the backup lists with each file's hash.
    with scopes_disabled():
        kept = KeptFile.objects.get()
    assert (kept.version_id, kept.kind, kept.language) == (version.pk, "pdf", "zh-hans")
    assert Path(kept.file.path).is_relative_to(Path(settings.MEDIA_ROOT))
    listed = _media_hashes(Path(settings.MEDIA_ROOT))
    assert listed[kept.file.name] == hashlib.sha256(first).hexdigest()


def test_each_language_has_its_own_kept_file(writer, renders):  # noqa: F811
    version = generate(writer)
    act(writer, version, "finalise")
    chinese = WordDocument(io.BytesIO(download(writer, version, "docx")))
    User.objects.filter(username="admin").update(language="en")
    english = download(writer, version, "docx")
    assert download(writer, version, "docx") == english
    assert renders["docx"] == 2
    assert any("一、基本情况" in paragraph.text for paragraph in chinese.paragraphs)
    assert not any(
        "基本情况" in paragraph.text for paragraph in WordDocument(io.BytesIO(english)).paragraphs
    )
    with scopes_disabled():
        assert sorted(KeptFile.objects.values_list("language", flat=True)) == ["en", "zh-hans"]


def test_a_draft_is_made_each_time_and_shows_its_edits(writer, renders):  # noqa: F811
    version = generate(writer)
    download(writer, version, "docx")
    act(writer, version, "save", overview="本月宿舍卫生明显好转。")
    edited = WordDocument(io.BytesIO(download(writer, version, "docx")))
    assert any("本月宿舍卫生明显好转。" in paragraph.text for paragraph in edited.paragraphs)
    assert renders["docx"] == 2
    with scopes_disabled():
        assert not KeptFile.objects.exists()


def test_a_download_waits_for_the_one_making_the_file_instead_of_making_it_too(
    writer,  # noqa: F811
    renders,
    monkeypatch,
):
    version = generate(writer)
    act(writer, version, "finalise")
    with scopes_disabled():
        version.refresh_from_db()
    # Another download is making the Excel file: it holds the lock, and keeps the file while
    # this one waits.
    assert cache.add(f"reports:file:{version.pk}:xlsx:zh-hans", True)
    made_elsewhere = files.version_xlsx(version)
    pauses = []

    def other_download_finishes(seconds):
        pauses.append(seconds)
        if len(pauses) == 2:
            files.report_file_keep(
                version=version, kind="xlsx", language="zh-hans", content=made_elsewhere
            )

    monkeypatch.setattr(files, "_pause", other_download_finishes)
    assert download(writer, version, "xlsx") == made_elsewhere
    assert renders["xlsx"] == 0 and len(pauses) == 2
