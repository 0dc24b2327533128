"""The QR label sheet never splits a label across two pages: each label's QR code and its code
stand on the same page, inside the label's box, on a page of 3 × 6 labels whatever their texts."""

import base64
import io
import re

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ContentStream

from baozhang.inspections.board import qr_data_uri
from baozhang.inspections.labels import LABELS_PER_ROW, ROWS_PER_PAGE
from tests.factories import LocationFactory, SiteFactory

pytestmark = pytest.mark.django_db

MM = 72 / 25.4  # PDF points in a millimetre
A4_HEIGHT = 297 * MM
MARGIN = 10 * MM
LABEL_PADDING = 3 * MM
TEXT_WIDTH = 20 * MM
NAME = "学生宿舍五号楼四层东侧盥洗室旁"


@pytest.fixture
def places(college):
    """40 active places with names from two characters to five lines and more."""
    with scopes_disabled():
        site = SiteFactory(organisation=college, code="main")
        return [
            LocationFactory(
                organisation=college,
                site=site,
                code=f"Q{number:03d}",
                name=(NAME * 5)[: 2 + number * 7 % 60],
            )
            for number in range(1, 41)
        ]


def _product(first: list[float], second: list[float]) -> list[float]:
    """first × second, matrices as PDF writes them ([a b c d e f])."""
    a, b, c, d, e, f = first
    p, q, r, s, t, u = second
    return [
        a * p + b * r,
        a * q + b * s,
        c * p + d * r,
        c * q + d * s,
        e * p + f * r + t,
        e * q + f * s + u,
    ]


def _images_drawn(page) -> list[tuple[str, tuple[float, float, float, float]]]:
    """The images the page draws: (name, (left, bottom, right, top) in points)."""
    drawn, matrix, saved = [], [1.0, 0.0, 0.0, 1.0, 0.0, 0.0], []
    for operands, operator in ContentStream(page.get_contents(), page.pdf).operations:
        if operator == b"q":
            saved.append(matrix)
        elif operator == b"Q":
            matrix = saved.pop()
        elif operator == b"cm":
            matrix = _product([float(value) for value in operands], matrix)
        elif operator == b"Do":
            corners = [_product([1, 0, 0, 1, x, y], matrix)[4:] for x, y in ((0, 0), (1, 1))]
            (x0, y0), (x1, y1) = corners
            drawn.append((str(operands[0]), (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))))
    return drawn


def _codes_written(page) -> dict[str, tuple[float, float]]:
    """The labels' codes the page writes, with where each starts (x, baseline y) in points."""
    found = {}

    def visit(text, cm, tm, _font, _size):
        if re.fullmatch(r"Q\d{3}", text.strip()):
            found[text.strip()] = tuple(_product(list(tm), list(cm))[4:])

    page.extract_text(visitor_text=visit)
    return found


def _pixels(image: Image.Image) -> bytes:
    return image.convert("L").tobytes()


def test_no_label_is_split_across_pages_whatever_its_text(alice_client, places, settings):
    settings.LABELS_BACKGROUND = 100
    response = alice_client.get(reverse("inspections:labels", args=["college"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    document = PdfReader(io.BytesIO(response.content))

    # Each QR code is known by its pixels: the code of the check page of its place.
    code_of_qr = {}
    for place in places:
        link = "http://testserver" + reverse("inspections:check", args=["college", place.pk])
        png = base64.b64decode(qr_data_uri(link).split(",", 1)[1])
        code_of_qr[_pixels(Image.open(io.BytesIO(png)))] = place.code
    qr_page, code_page = {}, {}
    per_page = []
    for number, page in enumerate(document.pages, start=1):
        images = {image.name.rsplit(".", 1)[0]: image.image for image in page.images}
        codes = _codes_written(page)
        drawn = _images_drawn(page)
        per_page.append(len(drawn))
        for name, (_left, bottom, right, top) in drawn:
            code = code_of_qr[_pixels(images[name.lstrip("/")])]
            assert code not in qr_page, f"{code}'s QR code is drawn twice"
            qr_page[code] = number
            # The QR code within the page's margins, its code beside it in the same label.
            assert bottom >= MARGIN - 1 and top <= A4_HEIGHT - MARGIN + 1, (code, number)
            assert code in codes, f"{code}: QR code on page {number}, its code is not"
            x, y = codes[code]
            assert right <= x <= right + TEXT_WIDTH, code
            assert bottom - LABEL_PADDING <= y <= top + LABEL_PADDING, (code, y, bottom, top)
        code_page.update(dict.fromkeys(codes, number))
    assert qr_page == code_page and sorted(qr_page) == [place.code for place in places]
    # The layout's arithmetic: full pages of 3 × 6 labels, the rest on the last.
    full = LABELS_PER_ROW * ROWS_PER_PAGE
    assert per_page == [full, full, len(places) - 2 * full]
