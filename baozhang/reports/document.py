"""A report version as one list of blocks — headings, paragraphs, tables, charts — that the page,
the PDF, the Word document and the workbook all render, so they always say the same thing.

Table cells may carry the address of the records they were computed from (the page makes them
links; the documents print the value)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from baozhang.core.periods import period_parse
from baozhang.orgs.models import UnitKind
from baozhang.reports.models import ReportKind, ReportVersion
from baozhang.reports.narrative import (
    SECTION_TITLES,
    figures_until,
    is_chinese,
    score_text,
)
from baozhang.reports.titles import (
    period_label_text,
    period_text,
    weekday_text,
)

NUMERALS = "一二三四五六七八九十"


def numeral(number: int) -> str:
    """一 … 十, 十一 … 九十九: the numbers of the headings."""
    tens, units = divmod(number, 10)
    if number <= 10:
        return NUMERALS[number - 1]
    return (NUMERALS[tens - 1] if tens > 1 else "") + "十" + (NUMERALS[units - 1] if units else "")


@dataclass
class Cell:
    value: object
    link: str = ""
    counts: bool = True  # the number is how many records the link lists (not points)

    def __str__(self) -> str:
        value = self.value
        if isinstance(value, float):
            return f"{value:g}"
        return "" if value is None else str(value)


@dataclass
class Block:
    kind: str  # heading, paragraph, table, chart
    text: str = ""
    key: str = ""  # the narrative section of a paragraph; the chart's name
    headers: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    level: int = 1

    def paragraphs(self) -> list[str]:
        """A paragraph's text as the paragraphs it holds, one per line, each indented in the
        documents."""
        return [line.strip() for line in self.text.splitlines() if line.strip()]


@dataclass
class Document:
    title: str
    organisation: str
    period: str
    version: int
    status: str
    blocks: list[Block]

    def tables(self) -> list[Block]:
        return [block for block in self.blocks if block.kind == "table"]


class Links:
    """Addresses of the records behind the numbers, for the report's organisation and period."""

    def __init__(self, slug: str, figures: dict):
        self.slug = slug
        self.period = figures["period"]["label"]
        scope = figures["scope"]
        self.scope = {key: scope.get(f"{key}_id") for key in ("site", "unit", "area_type")}

    def _url(self, name: str, **params) -> str:
        query = {"period": self.period, **{k: v for k, v in params.items() if v is not None}}
        return reverse(name, kwargs={"org": self.slug}) + "?" + urlencode(query)

    def findings(self, kind: str = "problems", **params) -> str:
        scoped = {**self.scope, **params}
        return self._url("inspections:findings", kind=kind, **scoped)

    def unit_findings(self, unit: int, kind: str = "problems") -> str:
        """A unit's findings behind its score: a score counts the unit's findings at every site
        (of the scope's area type), so the site is left out."""
        params = {**self.scope, "site": None, "unit": unit}
        return self._url("inspections:findings", kind=kind, **params)

    def rectification(self, state: str, **params) -> str:
        return self._url("rectification:tasks", state=state, **{**self.scope, **params})

    def checks(self, state: str) -> str:
        return self._url("inspections:checks", state=state, **self.scope)

    def ranking(self, period: str) -> str:
        """The ranking page of a period (of the scope's area type)."""
        query = {"period": period, "area_type": self.scope["area_type"]}
        return self._url("inspections:ranking", **query)

    def red_flags(self) -> str:
        return self._url("inspections:red-flags")


def red_flags_per_unit(flags: list[dict]) -> list[tuple[str, int, list[str]]]:
    """The period's red flags as a count per unit with the weeks of its flags, most flags first:
    one row per unit, not one per flag (a unit may win in two area types in a week)."""
    counts: dict[str, int] = defaultdict(int)
    weeks: dict[str, list[str]] = defaultdict(list)
    for flag in flags:
        counts[flag["unit"]] += 1
        if flag["week"] not in weeks[flag["unit"]]:
            weeks[flag["unit"]].append(flag["week"])
    return sorted(
        ((unit, counts[unit], weeks[unit]) for unit in counts),
        key=lambda row: (-row[1], row[0]),
    )


def week_list_text(keys: list[str]) -> str:
    """ISO week keys as people write them: 第45、46、48周 (weeks 45, 46, 48)."""
    numbers = [str(int(key.split("-W")[1])) for key in sorted(keys)]
    return _("week %(weeks)s") % {"weeks": ("、" if is_chinese() else ", ").join(numbers)}


def _heading(number: int, text: str) -> Block:
    """一、基本情况 in Chinese, 1. Overview in English."""
    if is_chinese():
        return Block("heading", text=f"{numeral(number)}、{text}")
    return Block("heading", text=f"{number}. {text}")


def build_document(version: ReportVersion) -> Document:
    report = version.report
    figures, narrative = version.figures, version.narrative
    links = Links(report.organisation.slug, figures)
    weekly = report.kind == ReportKind.WEEKLY
    fixes = figures["rectification"]
    blocks: list[Block] = [_heading(1, str(SECTION_TITLES["overview"]))]
    blocks.append(Block("paragraph", text=narrative.get("overview", ""), key="overview"))
    blocks.append(
        Block(
            "table",
            text=_("Checks and findings"),
            headers=[_("Figure"), _("This period"), _("Previous period"), _("A year earlier")],
            rows=_overview_rows(figures, links),
        )
    )
    blocks.append(_heading(2, str(SECTION_TITLES["results"])))
    blocks.append(Block("paragraph", text=narrative.get("results", ""), key="results"))
    if weekly:
        blocks += _bulletin_blocks(figures.get("bulletin", []), links)
    ranked = [row for row in figures["units"] if row.get("checked", True)]
    unchecked = [row for row in figures["units"] if not row.get("checked", True)]
    if ranked:
        kinds = dict(UnitKind.choices)
        blocks.append(
            Block(
                "table",
                text=_("Ranking of the units"),
                headers=[
                    _("Rank"),
                    _("Unit"),
                    _("Score"),
                    pgettext("count column", "Checks"),
                    pgettext("count column", "Problems"),
                    _("Deductions"),
                    _("Bonus"),
                ],
                rows=[
                    [
                        Cell(row["rank"]),
                        Cell(
                            row["unit"]
                            if len({r.get("unit_kind") for r in ranked}) < 2
                            else _("%(text)s (%(note)s)")
                            % {"text": row["unit"], "note": kinds.get(row.get("unit_kind"), "")}
                        ),
                        Cell(score_text(row), links.unit_findings(row["unit_id"], ""), False),
                        Cell(row.get("checks", "")),
                        Cell(row["findings"], links.unit_findings(row["unit_id"])),
                        Cell(row["deductions"], links.unit_findings(row["unit_id"]), False),
                        Cell(row["bonus"], links.unit_findings(row["unit_id"], "bonus"), False),
                    ]
                    for row in ranked
                ],
            )
        )
        blocks.append(Block("chart", key="ranking", text=_("Scores of the units")))
    without_unit = figures["inspections"].get("findings_without_unit", 0)
    if ranked and without_unit:
        blocks.append(
            Block(
                "paragraph",
                text=_(
                    "Besides the units' problems, %(count)d problems were found at places with "
                    "no responsible unit; they are in the total, not in the ranking."
                )
                % {"count": without_unit},
            )
        )
    if unchecked:
        blocks.append(
            Block(
                "paragraph",
                text=_("Not checked in this period, so not ranked: %(units)s.")
                % {"units": "、".join(row["unit"] for row in unchecked)},
            )
        )
    steps = figures.get("score_trend") or []  # versions made before the trend of scores have none
    if any(step["units"] for step in steps):
        ranked = pgettext("report table", "Units ranked")
        blocks.append(
            Block(
                "table",
                text=_("Scores of the units, period by period"),
                headers=[_("Period"), _("Average"), _("Best"), _("Lowest"), ranked],
                rows=[
                    [
                        Cell(period_label_text(step["label"]), links.ranking(step["label"]), False),
                        Cell(step["average"]),
                        Cell(step["best"]),
                        Cell(step["lowest"]),
                        Cell(step["units"]),
                    ]
                    for step in steps
                ],
            )
        )
        blocks.append(
            Block("chart", key="score_trend", text=_("Scores of the units, period by period"))
        )
    blocks.append(
        Block(
            "table",
            text=_("Rectification"),
            headers=[_("Figure"), _("This period")],
            rows=[
                [Cell(label), Cell(fixes[key], links.rectification(state))]
                for key, state, label in (
                    ("found", "found", _("Problems found")),
                    ("fixed_on_spot", "spot", _("Fixed on the spot")),
                    ("tracked", "tracked", _("Tracked as tasks")),
                    ("referred", "referred", _("Referred to the office meeting")),
                    ("closed_in_time", "closed_in_time", _("Closed in time")),
                    ("closed_late", "closed_late", _("Closed late")),
                    ("overdue", "overdue", _("Open and overdue")),
                    ("rejected", "rejected", _("Rejected at verification")),
                )
            ],
        )
    )
    blocks.append(Block("chart", key="funnel", text=_("Rectification")))
    if figures["red_flags"]:
        blocks.append(
            Block(
                "table",
                text=_("Red flags"),
                headers=[_("Unit"), _("Red flags"), _("Weeks")],
                rows=[
                    [Cell(unit, links.red_flags()), Cell(count), Cell(week_list_text(weeks))]
                    for unit, count, weeks in red_flags_per_unit(figures["red_flags"])
                ],
            )
        )
    if not weekly:
        blocks.append(Block("chart", key="trend", text=_("Problems found")))
    blocks.append(_heading(3, str(SECTION_TITLES["problems"])))
    blocks.append(Block("paragraph", text=narrative.get("problems", ""), key="problems"))
    top = figures["problems"]["top_items"]
    if top:
        blocks.append(
            Block(
                "table",
                text=_("The most frequent problems"),
                headers=[_("Item"), _("Problems")],
                rows=[
                    [Cell(row["item"]), Cell(row["count"], links.findings(item=row["item_id"]))]
                    for row in top
                ],
            )
        )
    next_title = _("Next week's focus") if weekly else str(SECTION_TITLES["next_steps"])
    blocks.append(_heading(4, next_title))
    blocks.append(Block("paragraph", text=narrative.get("next_steps", ""), key="next_steps"))
    return Document(
        title=report.title,
        organisation=report.organisation.name,
        period=period_text(
            period_parse(figures["period"]["label"]),
            until=figures_until(figures),
        ),
        version=version.number,
        status=version.get_status_display(),
        blocks=blocks,
    )


def _overview_rows(figures: dict, links: Links) -> list[list[Cell]]:
    comparison = figures.get("comparison", {})
    previous = comparison.get("previous", {}).get("inspections", {})
    earlier = comparison.get("year_earlier", {}).get("inspections", {})
    rows = []
    for key, label, link in (
        ("scheduled", _("Checks planned"), links.checks("planned")),
        ("done", _("Checks done"), links.checks("done")),
        ("missed", _("Checks missed"), links.checks("missed")),
        ("open", _("Checks still within their time"), links.checks("open")),
        ("unscheduled", _("Checks outside the plan"), links.checks("unscheduled")),
        ("findings", _("Problems found"), links.findings()),
        ("deduction_points", _("Points deducted"), links.findings()),
        ("bonus_points", _("Bonus points"), links.findings("bonus")),
        ("highlights", _("Highlights"), links.findings("highlight")),
    ):
        if key not in figures["inspections"]:  # figures made before checks were counted so
            continue
        rows.append(
            [
                Cell(label),
                Cell(figures["inspections"][key], link, not key.endswith("points")),
                Cell(previous.get(key)),
                Cell(earlier.get(key)),
            ]
        )
    return rows


def _bulletin_blocks(sections: list[dict], links: Links) -> list[Block]:
    blocks = []
    for number, section in enumerate(sections, start=1):
        text = (
            f"（{numeral(number)}）{section['area_type']}"
            if is_chinese()
            else f"({number}) {section['area_type']}"
        )
        blocks.append(Block("heading", text=text, level=2))
        rows = [
            [
                Cell(weekday_text(dt.date.fromisoformat(day["date"]))),
                Cell(_unit_name(unit["unit"])),
                Cell(_items(_problems(unit["findings"]))),
            ]
            for day in section["days"]
            for unit in day["units"]
        ]
        if rows:
            blocks.append(
                Block(
                    "table",
                    text=_("%(area)s: problems by day") % {"area": section["area_type"]},
                    headers=[_("Date"), _("Unit"), _("Problems")],
                    rows=rows,
                )
            )
        if section["bonuses"]:
            bonuses = _items([_bonus(bonus) for bonus in section["bonuses"]])
            blocks.append(Block("paragraph", text=_("Bonuses: %(list)s.") % {"list": bonuses}))
        if section["highlights"]:
            shown = _items([_highlight(highlight) for highlight in section["highlights"]])
            blocks.append(Block("paragraph", text=_("Highlights: %(list)s.") % {"list": shown}))
        if section["praised"]:
            blocks.append(
                Block(
                    "paragraph",
                    text=_("Praised for no problems this week: %(units)s.")
                    % {"units": pgettext("list separator", ", ").join(section["praised"])},
                )
            )
        if section["ranking"]:
            blocks.append(
                Block(
                    "table",
                    text=_("%(area)s: ranking") % {"area": section["area_type"]},
                    headers=[_("Rank"), _("Unit"), _("Score")],
                    rows=[
                        [Cell(row["rank"]), Cell(row["unit"]), Cell(row["score"])]
                        for row in section["ranking"]
                    ],
                )
            )
    return blocks


def _unit_name(name: str) -> str:
    return _("no unit named") if name in ("", "—") else name


def _items(parts: list[str]) -> str:
    return pgettext("items separator", "; ").join(parts)


def _problems(findings: list[dict]) -> list[str]:
    """A unit's problems of a day, the same problem found twice (two checks of the day) said once
    with how many times."""
    counted: dict[str, int] = {}
    for finding in findings:
        text = _problem(finding)
        counted[text] = counted.get(text, 0) + 1
    return [
        text
        if count == 1
        else _("%(problem)s, %(count)s times") % {"problem": text, "count": count}
        for text, count in counted.items()
    ]


def _problem(finding: dict) -> str:
    """A bulletin's problem: where, what (and the note), the points deducted."""
    text = f"{finding['location']} {finding['item']}".strip()
    if finding["note"]:
        text = pgettext("problem with note", "%(text)s (%(note)s)") % {
            "text": text,
            "note": finding["note"],
        }
    return _("%(text)s, −%(points)s points") % {"text": text, "points": f"{finding['points']:g}"}


def _bonus(bonus: dict) -> str:
    values = {"unit": bonus["unit"], "item": bonus["item"], "points": f"{bonus['points']:g}"}
    if not bonus["unit"]:
        return _("“%(item)s”, +%(points)s points") % values
    return _("%(unit)s “%(item)s”, +%(points)s points") % values


def _highlight(highlight: dict) -> str:
    where = highlight["location"]
    if highlight["unit"]:
        where = pgettext("unit at a place", "%(location)s (%(unit)s)") % highlight
    return pgettext("highlight", "%(where)s %(note)s") % {"where": where, "note": highlight["note"]}
