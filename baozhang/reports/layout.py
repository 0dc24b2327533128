"""The layout of a report's PDF and Word files, in the customary style of Chinese official
documents (GB/T 9704): A4 with its margins, the faces and sizes of the title, the headings and the
body, the page numbers, and the title's lines. The PDF's CSS and the Word writer both read it, so
the two files look the same.

The Word file names the faces a Chinese Office has (方正小标宋简体, 仿宋_GB2312, 黑体, 楷体_GB2312),
with the common ones as their alternatives; the PDF embeds free faces of the same kinds, from
Debian's packages: Noto Serif CJK SC (bold for the title, regular for the body), Noto Sans CJK SC
(黑体) and AR PL UKai (楷体). Debian has no free 仿宋 with the simplified characters (cwTeX's
FangSong has the traditional ones only), so the PDF's body is in the serif face."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A4 and its margins (mm): the type area is 156 × 225 mm.
PAGE_WIDTH, PAGE_HEIGHT = 210, 297
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 37, 35, 28, 26
TEXT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
FOOTER_GAP = 7  # from the type area's lower edge to the page number

# Sizes (pt): 二号 for the title, 三号 for the body and headings, 四号 for the page numbers and the
# captions, 小四 in tables. 22 lines of 28.9 pt fill the 225 mm of the type area.
TITLE_SIZE, BODY_SIZE, PAGE_NUMBER_SIZE, CAPTION_SIZE, TABLE_SIZE = 22, 16, 14, 14, 12
LINE_HEIGHT = 28.9
TITLE_LINE_HEIGHT = 35
TABLE_LINE_HEIGHT = 18


@dataclass(frozen=True)
class Face:
    css: str  # the PDF's font-family, free faces that the PDF embeds
    word: str  # the Word file's East Asian face
    word_alternatives: str  # what Word takes where that face is missing
    latin: str  # the Word file's face of Latin letters and digits


TITLE_FACE = Face('"Noto Serif CJK SC", serif', "方正小标宋简体", "宋体,SimSun", "Times New Roman")
BODY_FACE = Face('"Noto Serif CJK SC", serif', "仿宋_GB2312", "仿宋,FangSong", "Times New Roman")
HEADING_FACE = Face('"Noto Sans CJK SC", sans-serif', "黑体", "SimHei", "Times New Roman")
SUBHEADING_FACE = Face(
    '"AR PL UKai CN", "AR PL UKai", "Noto Serif CJK SC", serif',
    "楷体_GB2312",
    "楷体,KaiTi",
    "Times New Roman",
)
PAGE_NUMBER_FACE = Face('"Noto Serif CJK SC", serif', "宋体", "SimSun", "Times New Roman")
FACES = (TITLE_FACE, BODY_FACE, HEADING_FACE, SUBHEADING_FACE, PAGE_NUMBER_FACE)

# The title's lines: at 22 pt the type area holds a little over 20 characters.
TITLE_LINE_EMS = TEXT_WIDTH / (TITLE_SIZE * 25.4 / 72) - 0.5

_TOKEN = re.compile(
    r"""
    [（(“「《]*                           # opening brackets stay with what they open
    (?:第?[0-9A-Za-z][0-9A-Za-z./:%-]*     # a number, a code or a word: 2026, 11/16, W47
       [年月日周期号版届季度班]?            # with its unit: 2026年, 第47周
      |\s+|.)                             # or a space, or one character
    (?:\s*[）)”」》，、。：；！？·—–])*       # closing marks stay with what they close
    """,
    re.VERBOSE,
)


def text_width(text: str) -> float:
    """Width in ems: a Chinese character or full-width mark is one, a Latin letter, a digit
    or a space a little more than half (so that a line never runs wider than reckoned)."""
    return sum(0.6 if ord(char) < 0x2000 and char != "·" else 1.0 for char in text)


def _break_cost(before: str, after: str) -> int:
    """What a cut between two tokens costs: nothing where the reader expects one (at a space,
    before a number or a bracket, after a closing mark or a separator), as much as four
    characters of unevenness between two characters, much more inside a range (11/16—11/22)."""
    if before[-1] in "—–-~/":
        return 100
    if (
        before[-1].isspace()
        or after[0].isspace()
        or after[0] in "（(第“《0123456789"
        or before[-1] in "）)”》·，、"
    ):
        return 0
    return 16


def title_lines(title: str, *, width: float = TITLE_LINE_EMS) -> list[str]:
    """The title cut into lines no wider than `width` ems, of lengths as even as possible, at
    the points a reader expects where there are such points — never one character alone on a
    line. A title that fits on one line is one line."""
    title = " ".join(title.split())
    tokens = _TOKEN.findall(title)
    if text_width(title) <= width or len(tokens) < 2:
        return [title]
    tokens = [part for token in tokens for part in _fitted(token, width)]
    count = 2
    while count < len(tokens):
        lines = _balanced(tokens, count, width)
        if lines:
            return lines
        count += 1
    return ["".join(tokens)]


def _fitted(token: str, width: float) -> list[str]:
    """A token too wide for a line, in pieces that fit."""
    if text_width(token) <= width:
        return [token]
    pieces, piece = [], ""
    for char in token:
        if text_width(piece + char) > width:
            pieces.append(piece)
            piece = ""
        piece += char
    return [*pieces, piece]


def _balanced(tokens: list[str], count: int, width: float) -> list[str] | None:
    """The best cut of the tokens into `count` lines, or None when they do not fit: the lines
    as even as possible, at the cuts that cost least."""
    size = len(tokens)
    widths = [0.0]
    for token in tokens:
        widths.append(widths[-1] + text_width(token))
    target = widths[-1] / count
    # best[lines][end]: (cost, cuts) of the first `end` tokens in `lines` lines
    best: list[dict[int, tuple[float, tuple[int, ...]]]] = [{0: (0.0, ())}]
    for lines in range(1, count + 1):
        row: dict[int, tuple[float, tuple[int, ...]]] = {}
        for end in range(lines, size + 1):
            if lines == count and end != size:
                continue
            for start, (cost, cuts) in best[lines - 1].items():
                line = widths[end] - widths[start]
                if start >= end or line > width:
                    continue
                text = "".join(tokens[start:end]).strip()
                if len(text) < 2:
                    continue
                penalty = 0 if end == size else _break_cost(tokens[end - 1], tokens[end])
                total = cost + (line - target) ** 2 + penalty
                if end not in row or total < row[end][0]:
                    row[end] = (total, (*cuts, end))
        best.append(row)
    if size not in best[count]:
        return None
    cuts = (0, *best[count][size][1])
    # A separator at a line's end says nothing the line's end does not say.
    lines = ["".join(tokens[a:b]).strip() for a, b in zip(cuts, cuts[1:], strict=False)]
    return [line.removesuffix("·").rstrip() for line in lines]


def column_widths(headers: list[str], rows: list[list[object]]) -> list[float]:
    """Widths of a table's columns in mm, filling the type area: each as wide as its longest
    text, up to about two dozen characters, so that a column of long text takes what the
    short ones leave (as a browser's table does)."""
    longest = [text_width(header) for header in headers]
    for row in rows:
        for column, value in enumerate(row):
            longest[column] = max(longest[column], text_width(str(value)))
    weights = [min(width, 24) + 1 for width in longest]
    return [TEXT_WIDTH * weight / sum(weights) for weight in weights]
