"""Charts of a report's figures as PNG images (matplotlib, with the CJK font): the trend of
problems, the trend of scores, the units' scores, and the rectification funnel."""

from __future__ import annotations

import datetime as dt
import io
from functools import cache
from typing import TYPE_CHECKING

from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@cache
def _pyplot():
    """matplotlib, imported when the first chart is drawn: not by every process that starts the
    application (it takes most of a second and tens of megabytes)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    pyplot.rcParams["font.family"] = ["Noto Sans CJK SC", "Noto Sans CJK JP", "DejaVu Sans"]
    pyplot.rcParams["axes.unicode_minus"] = False
    return pyplot


BLUE, GREEN, RED, GREY = "#0d6efd", "#198754", "#dc3545", "#6c757d"


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=110)
    _pyplot().close(figure)
    return buffer.getvalue()


def trend_chart(figures: dict) -> bytes:
    rows = figures["trend"]
    figure, axes = _pyplot().subplots(figsize=(7, 2.6))
    labels = [_tick(row["label"]) for row in rows]
    axes.bar(labels, [row["findings"] for row in rows], color=BLUE)
    axes.set_title(_("Problems found"))
    axes.tick_params(axis="x", labelrotation=60, labelsize=7)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def _tick(label: str) -> str:
    """A day (2026-11-30) or a month (2026-11) of the trend of problems, as people write it:
    11月30日, 11月 (30 Nov, Nov)."""
    day = dt.date.fromisoformat(label if len(label) > 7 else f"{label}-01")
    if len(label) > 7:
        return date_format(day, pgettext("chart tick, a day", "n/j"))
    return date_format(day, pgettext("chart tick, a month", "M"))


def step_label(step: dict) -> str:
    """A short name of a trend's period: 第47周 for a week, 11月 for a month, 11月1日—20日 for a
    part of a month (week 47, Nov, 1–20 Nov)."""
    label = step["label"]
    if "-W" in label:
        return _("week %(week)s") % {"week": int(label.split("-W")[1])}
    if ".." in label:
        start, end = (dt.date.fromisoformat(step[key]) for key in ("start", "end"))
        return f"{_tick(start.isoformat())}–{_tick(end.isoformat())}"
    return _tick(label)


def score_trend_chart(figures: dict) -> bytes:
    """The units' average score of each period, with the band from the lowest to the best; a
    period without ranked units leaves a gap."""
    steps = figures["score_trend"]
    figure, axes = _pyplot().subplots(figsize=(7, 2.8))
    scored = [(x, step) for x, step in enumerate(steps) if step["units"]]
    xs = [x for x, _step in scored]
    lowest = [step["lowest"] for _x, step in scored]
    best = [step["best"] for _x, step in scored]
    average = [step["average"] for _x, step in scored]
    axes.fill_between(xs, lowest, best, color=BLUE, alpha=0.12, label=_("Lowest to best"))
    axes.plot(xs, average, color=BLUE, marker="o", label=_("Average"))
    for x, value in zip(xs, average, strict=True):
        axes.annotate(
            f"{value:g}", (x, value), textcoords="offset points", xytext=(0, 6), ha="center",
            fontsize=7,
        )  # fmt: skip
    axes.set_xticks(range(len(steps)), [step_label(step) for step in steps])
    axes.set_xlim(-0.5, len(steps) - 0.5)
    axes.set_title(_("Scores of the units, period by period"))
    if scored:
        axes.legend(fontsize=7, loc="best", frameon=False)
    axes.tick_params(axis="x", labelrotation=45, labelsize=7)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def ranking_chart(figures: dict, limit: int = 15) -> bytes:
    rows = [
        row for row in figures["units"] if row.get("checked", True) and row["score"] is not None
    ]
    rows = rows[:limit]
    figure, axes = _pyplot().subplots(figsize=(7, 0.35 * max(len(rows), 3) + 0.8))
    names = [row["unit"] for row in reversed(rows)]
    scores = [row["score"] for row in reversed(rows)]
    axes.barh(names, scores, color=GREEN)
    for position, score in enumerate(scores):
        axes.text(score, position, f" {score:g}", va="center", fontsize=8)
    axes.set_title(_("Scores of the units"))
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def funnel_chart(figures: dict) -> bytes:
    fixes = figures["rectification"]
    steps = [
        (_("Found"), fixes["found"], BLUE),
        (_("Fixed on the spot"), fixes["fixed_on_spot"], GREEN),
        (_("Tracked as tasks"), fixes["tracked"], BLUE),
        (_("Closed in time"), fixes["closed_in_time"], GREEN),
        (_("Closed late"), fixes["closed_late"], GREY),
        (_("Open and overdue"), fixes["overdue"], RED),
    ]
    figure, axes = _pyplot().subplots(figsize=(7, 2.6))
    names = [name for name, _value, _colour in reversed(steps)]
    values = [value for _name, value, _colour in reversed(steps)]
    axes.barh(names, values, color=[colour for _n, _v, colour in reversed(steps)])
    for position, value in enumerate(values):
        axes.text(value, position, f" {value}", va="center", fontsize=8)
    axes.set_title(_("Rectification"))
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


CHARTS = {
    "trend": trend_chart,
    "score_trend": score_trend_chart,
    "ranking": ranking_chart,
    "funnel": funnel_chart,
}
