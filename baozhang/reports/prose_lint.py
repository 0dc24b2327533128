"""The writing rules of generated reports as checks on their text (docs/reports.md, “Writing”):
what a Chinese office writer would never write — an ISO code for a week or a month, “—” for a
missing figure, a sentence said twice, a rise from zero in percent, a number without its unit,
half-width punctuation between Chinese characters, a list ending in “、”, a date left in the
other language; a tie at the top told as one best unit; two reports with the same title.

Pure functions of text: the tests run them over every paragraph and table cell of every kind of
report, and anyone can run them over a draft."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from baozhang.reports.narrative import scored

HAN = "\u4e00-\u9fff"
CHINESE_UNITS = "个次分项面名人条份天周月年日%％"


@dataclass(frozen=True)
class Fault:
    rule: str
    excerpt: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.excerpt}"


def _rules(*pairs: tuple[str, str]) -> list[tuple[str, re.Pattern]]:
    return [(rule, re.compile(pattern)) for rule, pattern in pairs]


# Both languages.
COMMON = _rules(
    # 2026-W41, 2026-11, 2026-11-30, 2026-Q4, 2026-H2
    (
        "iso-code",
        r"(?<![A-Za-z0-9_-])\d{4}-(?:W\d{1,2}|Q[1-4]|H[12]|\d{1,2}(?:-\d{1,2})?)(?![A-Za-z0-9_-])",
    ),
)

CHINESE = _rules(
    # 11-23, 11/23: a day written as a code
    ("iso-code", r"(?<![A-Za-z0-9_/.-])\d{1,2}[-/]\d{1,2}(?![A-Za-z0-9_/.-])"),
    # “—” only joins two days or numbers (11月30日—12月6日); never stands for a missing figure
    ("dash-for-missing", r"(?<![\d日月周])—|—(?!\d)"),
    ("en-dash", r"–"),
    # （0个）上升56, 较去年同期（0）增加: a rise from zero in percent or without its unit
    ("rise-from-zero", r"（0[个次分项面]?）\s*(?:上升|下降|增加|减少|提高|降低)"),
    (
        "bare-number",
        r"(?:上升|下降|增加|减少|提高|降低)[+\-−]?\d+(?:\.\d+)?(?![\d.%％" + "个次分项面名])",
    ),
    ("bare-number", r"（[+\-−]?\d+(?:\.\d+)?）"),
    # (a list of weeks, 第44、45、48周, names its unit once at the end)
    ("bare-number", r"(?<![A-Za-z0-9_.\-+−/第、])[+\-−]?\d+(?:\.\d+)?(?=[，。；：、！？])"),
    ("half-width-punctuation", rf"(?<=[{HAN}])[,;:!?()]|[,;:!?()](?=[{HAN}])"),
    ("half-width-punctuation", rf"(?<=[{HAN}])\.(?!\d)|\.\s*(?=[{HAN}])"),
    ("list-ends-with-dunhao", r"、(?=[。；，：！？）”]|\s*$)"),
    (
        "date-in-english",
        r"\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b|\b(?:January|February|March|April|"
        r"May|June|July|August|September|October|November|December)\b",
    ),
)

ENGLISH = _rules(
    ("dash-for-missing", r"—"),
    ("date-in-chinese", r"\d{1,2}月\d{1,2}日|第\d+周|星期[一二三四五六日天]|\d{4}年"),
    ("full-width-punctuation", r"[，。；：（）]"),
    ("rise-from-zero", r"\(0\)\s*(?:up|down)\b"),
)


def _sentences(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"(?<=[。！？；])|(?<=[.!?;])\s+", text)]


def _said_twice(text: str) -> list[Fault]:
    """Sentences that say the same twice, also when only the period compared with differs
    (较上期（79个）上升622.8%。较去年同期（79个）上升622.8%。)."""
    periods = re.compile(
        r"上期|去年同期|上年|the previous (?:period|year)|the same period a year earlier"
    )
    said = Counter(periods.sub("…", sentence) for sentence in _sentences(text) if len(sentence) > 6)
    return [Fault("said-twice", sentence) for sentence, count in said.items() if count > 1]


def prose_faults(text: str, *, language: str = "zh-hans") -> list[Fault]:
    """The faults of one paragraph, heading, title or table cell written in the language."""
    chinese = language.lower().startswith("zh")
    faults = []
    for rule, pattern in COMMON + (CHINESE if chinese else ENGLISH):
        for match in pattern.finditer(text):
            start, end = max(match.start() - 12, 0), match.end() + 12
            faults.append(Fault(rule, text[start:end]))
    return faults + _said_twice(text)


BEST_ONE = ("得分最高的是", "The best unit was")


def tie_faults(text: str, units: list[dict]) -> list[Fault]:
    """A shared first place told as one best unit (得分最高的是普外科 when four units tie), or an
    unchecked unit named as the best."""
    checked = scored(units)
    faults = []
    kinds: dict[str, list[dict]] = {}
    for row in checked:  # each kind of unit is ranked apart
        kinds.setdefault(row.get("unit_kind", ""), []).append(row)
    for mine in kinds.values():
        first = min(row["rank"] for row in mine)
        tied = [row for row in mine if row["rank"] == first]
        if len(tied) > 1 and any(
            f"{phrase}{row['unit']}" in text for phrase in BEST_ONE for row in tied
        ):
            faults.append(Fault("tie-not-named", text))
    for row in units:
        if row not in checked and any(f"{phrase}{row['unit']}" in text for phrase in BEST_ONE):
            faults.append(Fault("unchecked-unit-praised", row["unit"]))
    return faults


def title_faults(titles: list[str]) -> list[Fault]:
    """Titles a list of reports could not tell apart."""
    return [Fault("same-title", title) for title, count in Counter(titles).items() if count > 1]
