"""A report version as one list of blocks — headings, paragraphs, tables, charts — that the page,
the PDF, the Word document and the workbook all render, so they always say the same thing.

Table cells may carry the address of the records they were computed from (the page makes them
links; the documents print the value)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from baozhang.reports.models import ReportKind, ReportVersion
from baozhang.reports.narrative import SECTION_TITLES, figures_days_text

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
    return Block("heading", text=f"{NUMERALS[number - 1]}、{text}")


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
                        Cell(row["score"], links.unit_findings(row["unit_id"], ""), False),
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
                        Cell(step["label"], links.ranking(step["label"]), False),
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
                        Cell(flag["week"]),
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
        period=figures_days_text(figures["period"]),
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
    for section in sections:
        blocks.append(Block("heading", text=section["area_type"], level=2))
        rows = [
            [
                Cell(day["date"][5:]),
                Cell(unit["unit"]),
                Cell(
                    "；".join(
                        f"{finding['location']} {finding['item']} {finding['note']}".strip()
                        + f"（−{finding['points']:g}）"
                        for finding in unit["findings"]
                    )
                ),
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
            bonuses = "；".join(
                f"{b['unit']} {b['item']}（+{b['points']:g}）" for b in section["bonuses"]
            )
            blocks.append(Block("paragraph", text=_("Bonuses: %(list)s.") % {"list": bonuses}))
        if section["highlights"]:
            shown = "；".join(
                f"{h['unit']} {h['location']} {h['note']}" for h in section["highlights"]
            )
            blocks.append(Block("paragraph", text=_("Highlights: %(list)s.") % {"list": shown}))
        if section["praised"]:
            blocks.append(
                Block(
                    "paragraph",
                    text=_("No problems this week, praised: %(units)s.")
                    % {"units": "、".join(section["praised"])},
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
