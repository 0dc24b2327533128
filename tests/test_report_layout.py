"""The report's Word and PDF files are laid out as Chinese official documents are (GB/T 9704):
A4 with margins of 37, 35, 28 and 26 mm, the title in bold serif 22 pt on balanced lines, the
body in a 仿宋-like face at 16 pt on lines of 28.9 pt indented by two characters, "一、" headings
in 黑体 and "（一）" in 楷体, the table headers repeated, no heading at a page's foot, page numbers
"— 1 —" at the outer foot, the fonts embedded."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pytest
from django.utils import translation
from django_scopes import scope
from docx import Document as WordDocument
from docx.enum.text import WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt
from pypdf import PdfReader
from weasyprint import HTML

from baozhang.core.periods import period_parse
from baozhang.reports import files, layout
from baozhang.reports.document import Block, Document, build_document, numeral
from baozhang.reports.figures import scope_resolve
from baozhang.reports.layout import TITLE_LINE_EMS, text_width, title_lines
from baozhang.reports.services import report_create
from tests.factories import member
from tests.test_figures import records  # noqa: F401 - the fixture

MM = 72 / 25.4  # points in a millimetre


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        # Cut before the week, not after 周通 with 报 alone below.
        (
            "示例职业技术学院2026年第47周（11/16—11/22）周通报",
            ["示例职业技术学院2026年第47周", "（11/16—11/22）周通报"],
        ),
        (
            "示例职业技术学院2026年上半年半年工作总结",
            ["示例职业技术学院", "2026年上半年半年工作总结"],
        ),
        (
            "示例职业技术学院 · 主校区 · 宿舍2026年11月月报",
            ["示例职业技术学院", "主校区 · 宿舍2026年11月月报"],
        ),
        # Never inside a range of dates.
        (
            "示例职业技术学院2026-09-01至2027-01-20工作总结",
            ["示例职业技术学院2026-09-01至", "2027-01-20工作总结"],
        ),
        ("示例学院2026年11月月报", ["示例学院2026年11月月报"]),
        # No good point at all: even lines, neither with one character.
        (
            "一二三四五六七八九十一二三四五六七八九十一",
            ["一二三四五六七八九十", "一二三四五六七八九十一"],
        ),
    ],
)
def test_a_title_is_cut_into_even_lines_at_the_expected_points(title, expected):
    lines = title_lines(title)
    assert lines == expected
    assert all(text_width(line) <= TITLE_LINE_EMS for line in lines)
    assert all(len(line) > 1 for line in lines)


def test_a_long_english_title_keeps_its_words_and_ranges_whole():
    title = "Example Vocational College week 47 of 2026 (11/16–11/22) Weekly bulletin"
    lines = title_lines(title)
    assert " ".join(lines) == title and len(lines) == 3
    assert all(text_width(line) <= TITLE_LINE_EMS for line in lines)
    assert "(11/16–11/22)" in lines[-1]


@pytest.fixture
def weekly(records):  # noqa: F811
    """The weekly bulletin of week 47, in Chinese, with its bulletin of each area type."""
    org = records["org"]
    with scope(organisation=org), translation.override("zh-hans"):
        report = report_create(
            kind="weekly",
            scope=scope_resolve(organisation=org),
            period=period_parse("2026-W47"),
            by=member(org, "admin", username="admin"),
        )
        yield report.versions.get()


def mm(length) -> float:
    return round(length.mm, 1)


def east_asian_face(style) -> str:
    return style.element.rPr.rFonts.get(qn("w:eastAsia"))


@pytest.mark.django_db
def test_the_word_file_is_laid_out_as_an_official_document(weekly):
    with translation.override("zh-hans"):
        word = WordDocument(io.BytesIO(files.version_docx(weekly)))
        document = build_document(weekly)
    section = word.sections[0]
    assert (mm(section.page_width), mm(section.page_height)) == (210, 297)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [mm(margin) for margin in margins] == [37, 35, 28, 26]

    styles = word.styles
    for name, face, size in (
        ("Title", "方正小标宋简体", 22),
        ("Normal", "仿宋_GB2312", 16),
        ("Body Text", "仿宋_GB2312", 16),
        ("Heading 1", "黑体", 16),
        ("Heading 2", "楷体_GB2312", 16),
    ):
        style = styles[name]
        assert east_asian_face(style) == face, name
        assert style.font.size == Pt(size), name
        assert str(style.font.color.rgb) == "000000" and style.font.color.theme_color is None
        fonts = style.element.rPr.rFonts
        assert not any(fonts.get(qn(f"w:{kind}Theme")) for kind in ("ascii", "eastAsia", "hAnsi"))
        assert style.element.pPr.find(qn("w:pBdr")) is None, name  # no line under the title
    # A face Word lacks falls back to the common one.
    font_table = next(
        part for part in word.part.package.iter_parts() if part.partname == "/word/fontTable.xml"
    ).blob.decode()
    for face, fallback in (
        ("方正小标宋简体", "宋体"),
        ("仿宋_GB2312", "仿宋"),
        ("楷体_GB2312", "楷体"),
    ):
        assert re.search(rf'w:name="{face}">\s*<w:altName w:val="{fallback},', font_table), face

    body = styles["Body Text"].paragraph_format
    assert body.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert body.line_spacing == Pt(layout.LINE_HEIGHT) and 28 <= layout.LINE_HEIGHT <= 29
    assert body.first_line_indent == Pt(32)
    assert styles["Body Text"].element.pPr.ind.get(qn("w:firstLineChars")) == "200"

    paragraphs = word.paragraphs
    title = paragraphs[0]
    assert title.style.name == "Title"
    assert title.text.split("\n") == title_lines(document.title)
    assert all(len(line) > 1 for line in title.text.split("\n"))
    headings = {block.text: block.level for block in document.blocks if block.kind == "heading"}
    assert "一、基本情况" in headings and "（一）宿舍" in headings
    for paragraph in paragraphs:
        if paragraph.text in headings:
            level = headings.pop(paragraph.text)
            assert paragraph.style.name == f"Heading {level}"
            assert paragraph.style.paragraph_format.keep_with_next
        elif paragraph.style.name == "Report Caption":  # a table's caption stays with it
            assert paragraph.style.paragraph_format.keep_with_next
    assert headings == {}
    assert all(p.style.name == "Body Text" for p in paragraphs if "本周" in p.text)

    assert len(word.tables) == len(document.tables())
    for table in word.tables:
        rows = [row._tr.trPr for row in table.rows]
        assert rows[0].find(qn("w:tblHeader")) is not None  # repeated on each page
        assert all(row.find(qn("w:tblHeader")) is None for row in rows[1:])
        assert all(row.find(qn("w:cantSplit")) is not None for row in rows)

    # "— 1 —": a PAGE field at the outer foot, right on odd pages and left on even ones.
    assert word.settings.odd_and_even_pages_header_footer
    for footer, alignment in ((section.footer, "RIGHT"), (section.even_page_footer, "LEFT")):
        number = footer.paragraphs[0]
        assert number.alignment.name == alignment
        assert number.text == "— 1 —"
        assert "PAGE" in "".join(number._p.xpath(".//w:instrText/text()"))
        assert east_asian_face(number.style) == "宋体" and number.style.font.size == Pt(14)


@dataclass
class Line:
    x: float
    y: float  # of the baseline, from the page's foot, in points
    size: float  # points
    font: str
    text: str


def pdf_lines(content: bytes) -> list[list[Line]]:
    """Each page's lines of text with their place, size and font, top to bottom."""
    pages = []
    for page in PdfReader(io.BytesIO(content)).pages:
        lines: list[Line] = []

        def visit(text, cm, tm, font, size, lines=lines):
            if text.strip() and font:
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                scale = abs(tm[3] * cm[3])
                name = str(font["/BaseFont"]).split("+")[-1]
                lines.append(Line(x, y, round(size * scale, 1), name, text.strip()))

        page.extract_text(visitor_text=visit)
        pages.append(sorted(lines, key=lambda line: (-round(line.y), line.x)))
    return pages


@pytest.mark.django_db
def test_the_pdf_is_laid_out_as_an_official_document(weekly):
    with translation.override("zh-hans"):
        html = files.document_html(weekly)
        content = files.version_pdf(weekly)
        document = build_document(weekly)
    assert re.search(r"@page \{\s*size: A4;\s*margin: 37mm 26mm 35mm 28mm;", html)
    assert html.count("<thead>") == html.count("<table>") == len(document.tables())
    assert "tr { break-inside: avoid; }" in html

    reader = PdfReader(io.BytesIO(content))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts.add(str(font["/BaseFont"]).split("+")[-1])
    assert fonts == {
        "Noto-Serif-CJK-SC-Bold",  # the title
        "Noto-Serif-CJK-SC",  # the body
        "Noto-Sans-CJK-SC",  # 黑体
        "AR-PL-UKai-CN",  # 楷体
    }

    pages = pdf_lines(content)
    left, foot = 28 * MM, 35 * MM
    first = pages[0]
    title = [line for line in first if line.size == 22]
    assert [line.text for line in title] == title_lines(document.title)
    assert {line.font for line in title} == {"Noto-Serif-CJK-SC-Bold"}
    assert len(title[-1].text) > 1
    headings = {block.text: block.level for block in document.blocks if block.kind == "heading"}
    faces = {1: "Noto-Sans-CJK-SC", 2: "AR-PL-UKai-CN"}
    body = [line for page in pages for line in page if line.size == 16 and line.y > foot]
    for line in body:
        if line.text in headings:
            assert line.font == faces[headings[line.text]], line
            assert line.x == pytest.approx(left + 32, abs=0.5)  # indented two characters
        elif "本周" in line.text:
            assert line.font == "Noto-Serif-CJK-SC"
    assert {line.text for line in body} >= set(headings)
    assert min(line.x for line in body) == pytest.approx(left, abs=0.5)
    steps = {round(a.y - b.y, 1) for a, b in zip(first, first[1:], strict=False)}
    assert layout.LINE_HEIGHT in steps  # the body's lines

    for number, page in enumerate(pages, start=1):
        footer = [line for line in page if line.y < foot]
        assert [line.text for line in footer] == [f"— {number} —"]
        assert footer[0].size == 14
        outer = footer[0].x > 595 / 2 if number % 2 else footer[0].x < 595 / 2
        assert outer, (number, footer[0].x)
        above = [line for line in page if line.y >= foot]
        assert above[-1].text not in headings, number


HEADING = re.compile(r"[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）")


def heading_at_foot_pages(html: str) -> list[int]:
    """The pages whose last line of text above the page number is a heading."""
    pages = pdf_lines(HTML(string=html).write_pdf())
    return [
        number
        for number, page in enumerate(pages, start=1)
        if HEADING.match([line for line in page if line.y >= 35 * MM][-1].text)
    ]


def test_a_heading_is_never_left_at_the_foot_of_a_page():
    """Sections of one to eight lines put headings on every line of the pages; each that would
    be a page's last line goes over with the text it heads."""
    line = "检查" * 14  # a full line of body text at 16 pt
    blocks = []
    for number, lines in enumerate([1, 3, 5, 2, 7, 4, 6, 8, 1, 2, 3, 5, 4, 7, 6], start=1):
        if number % 2:
            blocks.append(Block("heading", text=f"（{numeral(number)}）小节", level=2))
        else:
            blocks.append(Block("heading", text=f"{numeral(number)}、小节"))
        blocks.append(Block("paragraph", text=line * lines))
    document = Document("标题", "示例学院", "2026-11", 1, "", blocks)
    with translation.override("zh-hans"):
        html = files.printable_html(document, {}, draft=False)
    assert heading_at_foot_pages(html) == []
    # The same document without keeping headings with their text leaves some at the foot.
    loose = html.replace("</style>", "h2, h3 { break-after: auto !important; }</style>")
    assert heading_at_foot_pages(loose)
