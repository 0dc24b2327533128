"""A report version as one list of blocks — headings, paragraphs, tables, charts — that the page,
the PDF, the Word document and the workbook all render, so they always say the same thing.

Table cells may carry the address of the records they were computed from (the page makes them
links; the documents print the value)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from baozhang.core.periods import period_parse
from baozhang.reports.models import ReportKind, ReportVersion
from baozhang.reports.narrative import SECTION_TITLES, is_chinese, score_text
from baozhang.reports.titles import (
    period_label_text,
    period_running_until,
    period_text,
    weekday_text,
)

NUMERALS = "一二三四五六七八九十"


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


def _heading(number: int, text: str) -> Block:
    """一、基本情况 in Chinese, 1. Overview in English."""
    if is_chinese():
        return Block("heading", text=f"{NUMERALS[number - 1]}、{text}")
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
    if figures["units"]:
        blocks.append(
            Block(
                "table",
                text=_("Ranking of the units"),
                headers=[
                    _("Rank"),
                    _("Unit"),
                    _("Score"),
                    _("Deductions"),
                    _("Bonus"),
                    _("Problems"),
                ],
                rows=[
                    [
                        Cell(row["rank"]),
                        Cell(row["unit"]),
                        Cell(score_text(row), links.unit_findings(row["unit_id"], ""), False),
                        Cell(row["deductions"], links.unit_findings(row["unit_id"]), False),
                        Cell(row["bonus"], links.unit_findings(row["unit_id"], "bonus"), False),
                        Cell(row["findings"], links.unit_findings(row["unit_id"])),
                    ]
                    for row in figures["units"]
                ],
            )
        )
        blocks.append(Block("chart", key="ranking", text=_("Scores of the units")))
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
                headers=[_("Week"), _("Unit"), _("Area type")],
                rows=[
                    [
                        Cell(period_label_text(flag["week"])),
                        Cell(flag["unit"], links.red_flags()),
                        Cell(flag["area_type"] or ""),
                    ]
                    for flag in figures["red_flags"]
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
            until=period_running_until(
                period_parse(figures["period"]["label"]),
                timezone.localdate(report.created_at),
            ),
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
        ("findings", _("Problems found"), links.findings()),
        ("deduction_points", _("Points deducted"), links.findings()),
        ("bonus_points", _("Bonus points"), links.findings("bonus")),
        ("highlights", _("Highlights"), links.findings("highlight")),
    ):
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
    for section in sections:
        blocks.append(Block("heading", text=section["area_type"], level=2))
        rows = [
            [
                Cell(weekday_text(dt.date.fromisoformat(day["date"]))),
                Cell(_unit_name(unit["unit"])),
                Cell(_items([_problem(finding) for finding in unit["findings"]])),
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
