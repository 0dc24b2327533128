"""The narrative of a report, written from its figures: the overview (基本情况), the work done and
its results (主要工作及成效), the problems the data shows (存在问题) and the next steps derived from
them (下一步工作打算). Sentences are the product's own, in the active language; a person edits them
in the draft before the report is finalised."""

from __future__ import annotations

from datetime import date

from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext as _

from baozhang.core.periods import days_text

SECTION_TITLES = {
    "overview": pgettext_lazy("report section", "Overview"),
    "results": pgettext_lazy("report section", "Work done and results"),
    "problems": pgettext_lazy("report section", "Problems"),
    "next_steps": pgettext_lazy("report section", "Next steps"),
}


def sentences(parts: list[str]) -> str:
    """Sentences one after another: with a space in English, without in Chinese."""
    return ("" if (get_language() or "").startswith("zh") else " ").join(parts)


def _points(value: float) -> str:
    return f"{value:g}"


def change_text(now: float, before: float) -> str:
    """“up 12.5 %”, “down 3”, “unchanged” — relative when the earlier figure is not zero."""
    if now == before:
        return _("unchanged")
    if before:
        percent = abs(now - before) / before * 100
        text = f"{percent:.1f}%"
    else:
        text = _points(abs(now - before))
    return (_("up %(change)s") if now > before else _("down %(change)s")) % {"change": text}


def rate(part: int, whole: int) -> str:
    return f"{part / whole * 100:.1f}%" if whole else "—"


def has_activity(figures: dict) -> bool:
    inspections = figures["inspections"]
    return bool(
        inspections["scheduled"] or inspections["done"] or inspections["findings"]
        or inspections.get("unscheduled")
        or figures["rectification"]["tracked"]
    )  # fmt: skip


def overview(figures: dict) -> str:
    period, inspections = figures["period"], figures["inspections"]
    head = _("%(days)s, %(scope)s") % {
        "days": figures_days_text(period),
        "scope": figures["scope"]["label"],
    }
    if not has_activity(figures):
        return head + _(
            " had no checks and no findings recorded: there was no activity in this period."
        )
    return (
        head
        + _(
            " planned %(scheduled)s checks and did %(done)s, %(missed)s missed; %(findings)s "
            "problems were found (%(deduction)s points deducted), %(bonuses)s bonuses earned "
            "%(bonus)s points and %(highlights)s highlights were recorded."
        )
        % {
            "scheduled": inspections["scheduled"],
            "done": inspections["done"],
            "missed": inspections["missed"],
            "findings": inspections["findings"],
            "deduction": _points(inspections["deduction_points"]),
            "bonuses": inspections["bonuses"],
            "bonus": _points(inspections["bonus_points"]),
            "highlights": inspections["highlights"],
        }
        + checks_remainder(inspections)
    )


def figures_days_text(period: dict) -> str:
    """The days of the figures' period as far as they were counted (core.periods.days_text)."""
    start = date.fromisoformat(period["start"])
    last = date.fromisoformat(period.get("as_of") or period["end"])
    return days_text(start, last, running=bool(period.get("running")))


def checks_remainder(inspections: dict) -> str:
    """What the planned, done and missed checks leave out: the checks still within their time
    (planned = done + missed + open) and the checks done outside the plan."""
    parts = []
    if inspections.get("open"):
        parts.append(
            _(
                "Of these, %(open)s planned checks are still within their time: neither done nor "
                "missed yet."
            )
            % {"open": inspections["open"]}
        )
    if inspections.get("unscheduled"):
        parts.append(
            _("%(count)s checks were done outside the plan.")
            % {"count": inspections["unscheduled"]}
        )
    return sentences(["", *parts]) if parts else ""


def _most_improved(figures: dict) -> tuple[str, float] | None:
    previous = figures.get("comparison", {}).get("previous", {}).get("units") or []
    before = {row["unit_id"]: row["score"] for row in previous}
    gains = [
        (row["score"] - before[row["unit_id"]], row["unit"])
        for row in figures["units"]
        if row["unit_id"] in before
    ]
    if not gains:
        return None
    gain, unit = max(gains, key=lambda pair: (pair[0], pair[1]))
    return (unit, gain) if gain > 0 else None


def results(figures: dict) -> str:
    if not has_activity(figures):
        return _("No work was recorded in this period.")
    inspections, fixes = figures["inspections"], figures["rectification"]
    parts = []
    comparison = figures.get("comparison", {})
    for key, label in (
        ("previous", _("the previous period")),
        ("year_earlier", _("a year earlier")),
    ):
        other = comparison.get(key, {}).get("inspections")
        if other:
            parts.append(
                _("Problems found were %(change)s against %(when)s (%(before)s).")
                % {
                    "change": change_text(inspections["findings"], other["findings"]),
                    "when": label,
                    "before": other["findings"],
                }
            )
    parts.append(
        _(
            "Of the problems, %(spot)s were fixed on the spot and %(tracked)s were tracked as "
            "rectification tasks; %(closed)s tasks were closed, %(in_time)s of them in time "
            "(%(rate)s)."
        )
        % {
            "spot": fixes["fixed_on_spot"],
            "tracked": fixes["tracked"],
            "closed": fixes["closed"],
            "in_time": fixes["closed_in_time"],
            "rate": rate(fixes["closed_in_time"], fixes["closed"]),
        }
    )
    if figures["units"]:
        best = figures["units"][0]
        parts.append(
            _("The best unit was %(unit)s with %(score)s points.")
            % {"unit": best["unit"], "score": _points(best["score"])}
        )
    improved = _most_improved(figures)
    if improved:
        parts.append(
            _("The most improved unit was %(unit)s, up %(gain)s points on the previous period.")
            % {"unit": improved[0], "gain": _points(round(improved[1], 1))}
        )
    trend = _score_trend(figures)
    if trend:
        parts.append(trend)
    if figures["red_flags"]:
        parts.append(_("%(count)s red flags were awarded.") % {"count": len(figures["red_flags"])})
    return sentences(parts)


def _score_trend(figures: dict) -> str:
    """The units' average score from the first to the last period of the trend that has one."""
    steps = [step for step in figures.get("score_trend") or [] if step["units"]]
    if len(steps) < 2:
        return ""
    first, last = steps[0], steps[-1]
    values = {
        "first": _points(first["average"]),
        "from": first["label"],
        "last": _points(last["average"]),
        "to": last["label"],
    }
    if last["average"] > first["average"]:
        text = _(
            "The units' average score rose from %(first)s points (%(from)s) to %(last)s (%(to)s)."
        )
    elif last["average"] < first["average"]:
        text = _(
            "The units' average score fell from %(first)s points (%(from)s) to %(last)s (%(to)s)."
        )
    else:
        text = _("The units' average score held at %(first)s points from %(from)s to %(to)s.")
    return text % values


def problems(figures: dict) -> str:
    if not has_activity(figures):
        return _("The records show no problems in this period.")
    found, parts = figures["problems"], []
    if found["repeated_units"]:
        parts.append(
            _("Units with repeated findings: %(units)s.")
            % {
                "units": "、".join(
                    f"{row['unit']}（{row['count']}）" for row in found["repeated_units"]
                )
            }
        )
    if figures["rectification"]["overdue"]:
        parts.append(
            _("%(count)s rectification tasks are past their deadline and still open.")
            % {"count": figures["rectification"]["overdue"]}
        )
    if figures["rectification"]["rejected"]:
        parts.append(
            _("%(count)s fixes were rejected at verification at least once.")
            % {"count": figures["rectification"]["rejected"]}
        )
    if figures["inspections"]["missed"]:
        parts.append(
            _("%(count)s planned checks were missed.") % {"count": figures["inspections"]["missed"]}
        )
    if found["top_items"]:
        parts.append(
            _("The most frequent problems were: %(items)s.")
            % {"items": "、".join(f"{row['item']}（{row['count']}）" for row in found["top_items"])}
        )
    return sentences(parts) or _("No notable problems were found.")


def next_steps(figures: dict) -> str:
    if not has_activity(figures):
        return _("Keep the planned checks going and record them.")
    found, steps = figures["problems"], []
    if found["top_items"]:
        steps.append(
            _("Address “%(item)s”, the most frequent problem, with the units concerned.")
            % {"item": found["top_items"][0]["item"]}
        )
    if found["repeated_units"]:
        steps.append(
            _("Follow up closely with %(units)s.")
            % {"units": "、".join(row["unit"] for row in found["repeated_units"][:3])}
        )
    if figures["rectification"]["overdue"]:
        steps.append(_("Close the overdue rectification tasks and hold their units to account."))
    if figures["inspections"]["missed"]:
        steps.append(_("Do every planned check on time; review the schedules of missed checks."))
    steps.append(_("Keep praising and spreading the highlights."))
    return sentences([f"{number}. {step}" for number, step in enumerate(steps, start=1)])


WRITERS = {
    "overview": overview,
    "results": results,
    "problems": problems,
    "next_steps": next_steps,
}


def narrative_write(figures: dict) -> dict[str, str]:
    """The generated paragraphs of each narrative section."""
    return {key: writer(figures) for key, writer in WRITERS.items()}
