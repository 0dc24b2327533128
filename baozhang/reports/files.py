"""A report version as files: PDF (WeasyPrint) and Word (.docx, `word.py`) laid out as Chinese
official documents are (`layout.py`), and an Excel workbook with every table (XlsxWriter).

A draft may change at any moment, so its files are made each time they are asked for. A final
version never changes: each of its files is made once per language, at the first download, kept
under MEDIA_ROOT (reports/files/) and served from then on. Two first downloads at once do not
make it twice: the first holds a lock in the cache while it makes the file, and the other waits
for the kept file (at most LOCK_SECONDS, after which it makes the file itself)."""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import translation

from baozhang.core.xlsx import write_workbook
from baozhang.reports import layout
from baozhang.reports.charts import CHARTS
from baozhang.reports.document import Document, build_document
from baozhang.reports.layout import title_lines
from baozhang.reports.models import KeptFile, ReportVersion
from baozhang.reports.services import report_file_keep
from baozhang.reports.word import document_docx

LOCK_SECONDS = 60  # longest a download waits for another one making the same file
LOCK_PAUSE = 0.25


def chart_png(version: ReportVersion, name: str) -> bytes:
    """A chart of the version. A version's figures never change, so each chart is drawn once and
    kept in the media storage (reports/charts/<version>/<name>.png)."""
    path = f"reports/charts/{version.pk}/{name}.png"
    if default_storage.exists(path):
        with default_storage.open(path, "rb") as stored:
            return stored.read()
    png = CHARTS[name](version.figures)
    if not default_storage.exists(path):
        default_storage.save(path, ContentFile(png))
    return png


def charts_of(version: ReportVersion, document: Document) -> dict[str, bytes]:
    names = {block.key for block in document.blocks if block.kind == "chart"}
    return {name: chart_png(version, name) for name in sorted(names)}


def document_html(version: ReportVersion, document: Document | None = None) -> str:
    """The printable HTML of the version (what the PDF is made from)."""
    document = document or build_document(version)
    return printable_html(document, charts_of(version, document), draft=not version.is_final)


def printable_html(document: Document, charts: dict[str, bytes], *, draft: bool) -> str:
    """The HTML of a document, laid out for print (`layout.py`), its charts by name."""
    images = {
        name: "data:image/png;base64," + base64.b64encode(png).decode()
        for name, png in charts.items()
    }
    return render_to_string(
        "reports/document_print.html",
        {
            "document": document,
            "title_lines": title_lines(document.title),
            "images": images,
            "draft": draft,
            "layout": layout,
        },
    )


def version_pdf(version: ReportVersion) -> bytes:
    from weasyprint import HTML

    return HTML(string=document_html(version)).write_pdf()


def version_docx(version: ReportVersion) -> bytes:
    document = build_document(version)
    return document_docx(document, charts_of(version, document), draft=not version.is_final)


def version_xlsx(version: ReportVersion) -> bytes:
    """Every table of the version, one sheet each."""
    document = build_document(version)
    sheets, used = [], set()
    for block in document.tables():
        name = block.text[:28] or "表"
        while name in used:
            name = name[:26] + f"{len(used)}"
        used.add(name)
        for bad in "[]:*?/\\":
            name = name.replace(bad, " ")
        sheets.append((name, block.headers, [[cell.value for cell in row] for row in block.rows]))
    buffer = io.BytesIO()
    write_workbook(buffer, sheets)
    return buffer.getvalue()


RENDERERS: dict[str, Callable[[ReportVersion], bytes]] = {
    "pdf": version_pdf,
    "docx": version_docx,
    "xlsx": version_xlsx,
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _language() -> str:
    try:
        return translation.get_supported_language_variant(translation.get_language() or "")
    except LookupError:
        return settings.LANGUAGE_CODE


def kept_file(version: ReportVersion, kind: str) -> KeptFile | None:
    """A final version's file of the kind in the current language, if it was made already."""
    if not version.is_final:
        return None
    return KeptFile.objects.filter(version=version, kind=kind, language=_language()).first()


def version_file(version: ReportVersion, kind: str) -> bytes:
    """The version as a file of the kind (pdf, docx or xlsx) in the current language: a draft's
    made now; a final version's made once, kept and served from then on."""
    if not version.is_final:
        return RENDERERS[kind](version)
    language = _language()
    if (kept := _kept(version, kind, language)) is not None:
        return kept
    lock = f"reports:file:{version.pk}:{kind}:{language}"
    waited = 0.0
    while not (locked := cache.add(lock, True, timeout=LOCK_SECONDS)) and waited < LOCK_SECONDS:
        _pause(LOCK_PAUSE)
        waited += LOCK_PAUSE
        if (kept := _kept(version, kind, language)) is not None:
            return kept
    try:
        if (kept := _kept(version, kind, language)) is not None:
            return kept
        content = RENDERERS[kind](version)
        return report_file_keep(version=version, kind=kind, language=language, content=content)
    finally:
        if locked:
            cache.delete(lock)


def _kept(version: ReportVersion, kind: str, language: str) -> bytes | None:
    kept = KeptFile.objects.filter(version=version, kind=kind, language=language).first()
    if kept is None:
        return None
    with kept.file.open("rb") as stored:
        return stored.read()


def _pause(seconds: float) -> None:
    time.sleep(seconds)
