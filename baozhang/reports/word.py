"""A report as a Word file (python-docx) in the layout of Chinese official documents
(`layout.py`): A4 with the GB/T 9704 margins, the title in 小标宋 二号 on balanced lines, the body
in 仿宋 三号 on lines of 28.9 pt indented by two characters, "一、" headings in 黑体 and "（一）" in
楷体, tables whose header row repeats on each page and whose rows stay whole, headings kept with
what follows, page numbers "— 1 —" at the outer foot. No style keeps Word's blue headings: each
style used names its faces, its size and black."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from docx import Document as WordDocument
from docx.enum.section import WD_SECTION_START
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Mm, Pt, RGBColor

from baozhang.reports import layout
from baozhang.reports.document import Block, Document
from baozhang.reports.layout import Face

DRAFT_RED = RGBColor(0xBB, 0, 0)
CHARACTER = "200"  # w:firstLineChars: two characters, in hundredths


def document_docx(document: Document, charts: dict[str, bytes], *, draft: bool) -> bytes:
    """The Word file of a document, its charts by name."""
    word = WordDocument()
    _page(word)
    _styles(word)
    _font_table(word)
    title = word.add_paragraph(style="Title")
    lines = layout.title_lines(document.title)
    for number, line in enumerate(lines):
        run = title.add_run(line)
        if number < len(lines) - 1:
            run.add_break()
    # As the PDF's: the version, and its status in red while it is a draft.
    meta = word.add_paragraph(style="Report Meta")
    meta.add_run(
        f"{document.organisation} · {document.period} · "
        + _("version %(number)s") % {"number": document.version}
    )
    if draft:
        mark = _("(%(status)s)") % {"status": document.status}
        meta.add_run(f" {mark}").font.color.rgb = DRAFT_RED
    for block in document.blocks:
        if block.kind == "heading":
            word.add_paragraph(block.text, style="Heading 1" if block.level == 1 else "Heading 2")
        elif block.kind == "paragraph":
            for text in block.paragraphs():
                word.add_paragraph(text, style="Body Text")
        elif block.kind == "table":
            _table(word, block)
        elif block.kind == "chart" and block.key in charts:
            figure = word.add_paragraph(style="Report Figure")
            figure.add_run().add_picture(io.BytesIO(charts[block.key]), width=Cm(15))
    _page_numbers(word)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def _page(word) -> None:
    section = word.sections[0]
    section.start_type = WD_SECTION_START.NEW_PAGE
    section.page_width, section.page_height = Mm(layout.PAGE_WIDTH), Mm(layout.PAGE_HEIGHT)
    section.top_margin, section.bottom_margin = Mm(layout.MARGIN_TOP), Mm(layout.MARGIN_BOTTOM)
    section.left_margin, section.right_margin = Mm(layout.MARGIN_LEFT), Mm(layout.MARGIN_RIGHT)
    # The page number's line begins FOOTER_GAP below the type area; Word places a footer by
    # the distance of its last line's foot from the page's edge.
    number_line = Pt(layout.PAGE_NUMBER_SIZE * 1.3)
    section.footer_distance = Mm(layout.MARGIN_BOTTOM - layout.FOOTER_GAP) - number_line
    section.header_distance = Mm(15)


def _face(element, face: Face, size: float, *, bold: bool = False) -> None:
    """Names the faces (Latin and East Asian), the size, the weight and black on a style or
    run element (or on run properties), dropping the theme's faces and colours that would win
    over them."""
    rpr = element if element.tag == qn("w:rPr") else element.get_or_add_rPr()
    for name in ("w:rFonts", "w:color", "w:b", "w:bCs", "w:sz", "w:szCs", "w:kern", "w:spacing"):
        for old in rpr.findall(qn(name)):
            rpr.remove(old)
    fonts = OxmlElement("w:rFonts")
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), face.latin)
    fonts.set(qn("w:eastAsia"), face.word)
    fonts.set(qn("w:hint"), "eastAsia")
    colour = OxmlElement("w:color")
    colour.set(qn("w:val"), "000000")
    rpr.insert(0, fonts)
    parts = [colour]
    if bold:
        parts += [OxmlElement("w:b"), OxmlElement("w:bCs")]
    else:  # the Heading and Title styles of the template are bold
        for name in ("w:b", "w:bCs"):
            off = OxmlElement(name)
            off.set(qn("w:val"), "0")
            parts.append(off)
    for name in ("w:sz", "w:szCs"):
        half_points = OxmlElement(name)
        half_points.set(qn("w:val"), str(round(size * 2)))
        parts.append(half_points)
    for part in parts:
        rpr.append(part)
    _order(rpr)


# The schema's order of the run properties used here (Word refuses another order).
_RPR_ORDER = [
    qn(name)
    for name in (
        "w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps",
        "w:strike", "w:dstrike", "w:outline", "w:shadow", "w:emboss", "w:imprint", "w:noProof",
        "w:snapToGrid", "w:vanish", "w:webHidden", "w:color", "w:spacing", "w:w", "w:kern",
        "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd",
        "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout",
        "w:specVanish", "w:oMath",
    )
]  # fmt: skip


def _order(rpr) -> None:
    children = sorted(
        rpr, key=lambda child: _RPR_ORDER.index(child.tag) if child.tag in _RPR_ORDER else 99
    )
    for child in children:
        rpr.append(child)


def _paragraph(
    style,
    *,
    line: float = layout.LINE_HEIGHT,
    indent: bool = False,
    align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    keep: bool = False,
) -> None:
    form = style.paragraph_format
    form.alignment = align
    form.space_before = form.space_after = Pt(0)
    form.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    form.line_spacing = Pt(line)
    form.keep_with_next = keep
    form.widow_control = True
    ppr = style.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):
        ppr.remove(border)
    if indent:
        form.first_line_indent = Pt(2 * layout.BODY_SIZE)
        ppr.find(qn("w:ind")).set(qn("w:firstLineChars"), CHARACTER)
    else:
        form.first_line_indent = Pt(0)


def _style(word, name: str, *, base: str = "Normal"):
    """A paragraph style of the template, or a new one based on `base`."""
    styles = word.styles
    if name in [style.name for style in styles]:
        return styles[name]
    style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = styles[base]
    style.quick_style = True
    return style


def _styles(word) -> None:
    defaults = word.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    _face(defaults.find(qn("w:rPr")), layout.BODY_FACE, layout.BODY_SIZE)
    defaults.find(qn("w:rPr")).find(qn("w:lang")).set(qn("w:eastAsia"), "zh-CN")
    styles = word.styles
    for name, face, size in (
        ("Normal", layout.BODY_FACE, layout.BODY_SIZE),
        ("Body Text", layout.BODY_FACE, layout.BODY_SIZE),
        ("Title", layout.TITLE_FACE, layout.TITLE_SIZE),
        ("Title Char", layout.TITLE_FACE, layout.TITLE_SIZE),
        ("Heading 1", layout.HEADING_FACE, layout.BODY_SIZE),
        ("Heading 1 Char", layout.HEADING_FACE, layout.BODY_SIZE),
        ("Heading 2", layout.SUBHEADING_FACE, layout.BODY_SIZE),
        ("Heading 2 Char", layout.SUBHEADING_FACE, layout.BODY_SIZE),
        ("Footer", layout.PAGE_NUMBER_FACE, layout.PAGE_NUMBER_SIZE),
    ):
        _face(styles[name].element, face, size)
    _paragraph(styles["Normal"])
    _paragraph(styles["Body Text"], indent=True)
    _paragraph(
        styles["Title"],
        line=layout.TITLE_LINE_HEIGHT,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        keep=True,
    )
    _paragraph(styles["Heading 1"], indent=True, keep=True)
    _paragraph(styles["Heading 2"], indent=True, keep=True)
    meta = _style(word, "Report Meta")
    _face(meta.element, layout.SUBHEADING_FACE, layout.BODY_SIZE)
    _paragraph(meta, align=WD_ALIGN_PARAGRAPH.CENTER, keep=True)
    meta.paragraph_format.space_before = meta.paragraph_format.space_after = Pt(layout.LINE_HEIGHT)
    caption = _style(word, "Report Caption")
    _face(caption.element, layout.HEADING_FACE, layout.CAPTION_SIZE)
    _paragraph(caption, align=WD_ALIGN_PARAGRAPH.CENTER, keep=True)
    for name, face in (("Report Table", layout.BODY_FACE), ("Report Table Header", None)):
        cell = _style(word, name)
        _face(cell.element, face or layout.HEADING_FACE, layout.TABLE_SIZE)
        _paragraph(
            cell,
            line=layout.TABLE_LINE_HEIGHT,
            align=WD_ALIGN_PARAGRAPH.CENTER if face is None else WD_ALIGN_PARAGRAPH.LEFT,
        )
    figure = _style(word, "Report Figure")
    _paragraph(figure, align=WD_ALIGN_PARAGRAPH.CENTER)
    figure.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE  # the image's own height
    figure.paragraph_format.space_after = Pt(layout.LINE_HEIGHT / 2)


def _font_table(word) -> None:
    """Each face the styles name, with its alternatives, in the font table: Word takes an
    alternative where the face is missing (方正小标宋简体 → 宋体, 仿宋_GB2312 → 仿宋 …)."""
    part = next(p for p in word.part.package.iter_parts() if p.partname == "/word/fontTable.xml")
    table = parse_xml(part.blob)
    named = {font.get(qn("w:name")) for font in table.findall(qn("w:font"))}
    for face in layout.FACES:
        if face.word in named:
            continue
        named.add(face.word)
        table.append(
            parse_xml(
                f'<w:font {nsdecls("w")} w:name="{face.word}">'
                f'<w:altName w:val="{face.word_alternatives}"/><w:charset w:val="86"/>'
                '<w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>'
            )
        )
    from lxml import etree

    part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)


def _table(word, block: Block) -> None:
    """The table written row by row on its XML: python-docx's cell and row objects recompute
    every cell of the table each time one is reached, and a style named by its name is looked
    up among all styles each time (a table of a few hundred rows took seconds)."""
    word.add_paragraph(block.text, style="Report Caption")
    table = word.add_table(rows=1 + len(block.rows), cols=len(block.headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    header_style = word.styles["Report Table Header"].style_id
    body_style = word.styles["Report Table"].style_id
    widths = [Mm(width) for width in layout.column_widths(block.headers, block.rows)]
    for column, width in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=True):
        column.w = width
    lines = [block.headers, *block.rows]
    for number, (tr, values) in enumerate(zip(table._tbl.tr_lst, lines, strict=True)):
        for tc, value, width in zip(tr.tc_lst, values, widths, strict=True):
            tc.width = width
            paragraph = tc.p_lst[0]
            paragraph.style = header_style if number == 0 else body_style
            text = str(value)
            if text:
                paragraph.add_r().text = text
        properties = tr.get_or_add_trPr()
        properties.append(OxmlElement("w:cantSplit"))  # a row stays on one page
        if number == 0:
            properties.append(OxmlElement("w:tblHeader"))  # and the header repeats on each
    # A line after the table, as after a paragraph (and so that two tables never touch).
    word.add_paragraph(style="Normal")


def _page_numbers(word) -> None:
    """ "— 1 —" at the foot, one character in from the outer edge: on the right of odd pages,
    on the left of even ones."""
    word.settings.odd_and_even_pages_header_footer = True
    section = word.sections[0]
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        paragraph = footer.paragraphs[0]
        paragraph.style = "Footer"
        form = paragraph.paragraph_format
        form.alignment = align
        form.line_spacing_rule = WD_LINE_SPACING.SINGLE
        form.space_before = form.space_after = Pt(0)
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            form.right_indent = Pt(layout.PAGE_NUMBER_SIZE)
        else:
            form.left_indent = Pt(layout.PAGE_NUMBER_SIZE)
        # Word's Footer style sets tab stops for a centred and a right-aligned part: not used.
        paragraph.add_run("— ")
        _page_field(paragraph.add_run())
        paragraph.add_run(" —")


def _page_field(run) -> None:
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1")):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == " PAGE ":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run._r.append(end)
