"""The narrative of a report, written from its figures: the overview (基本情况), the work done and
its results (主要工作及成效), the problems the data shows (存在问题) and the next steps derived from
them (下一步工作打算). Sentences are the product's own, in the active language; a person edits them
in the draft before the report is finalised."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import get_language, pgettext, pgettext_lazy
from django.utils.translation import gettext as _

from baozhang.core.periods import days_text, period_parse
from baozhang.orgs.models import UnitKind
from baozhang.reports.titles import period_label_text, period_running_until, period_text

SECTION_TITLES = {
    "overview": pgettext_lazy("report section", "Overview"),
    "results": pgettext_lazy("report section", "Work done and results"),
    "problems": pgettext_lazy("report section", "Problems"),
    "next_steps": pgettext_lazy("report section", "Next steps"),
}


def is_chinese() -> bool:
    return (get_language() or "").startswith("zh")


def sentences(parts: list[str]) -> str:
    """Sentences one after another: with a space in English, without in Chinese."""
    return ("" if is_chinese() else " ").join(parts)


def _points(value: float) -> str:
    return f"{value:g}"


def _percent(now: float, before: float) -> str:
    """“up 12.5%”, “down 3.0%” against a figure that is not zero."""
    text = f"{abs(now - before) / before * 100:.1f}%"
    return (_("up %(change)s") if now > before else _("down %(change)s")) % {"change": text}


def rate(part: int, whole: int) -> str:
    """part of whole in percent with one decimal; whole is not zero."""
    return f"{part / whole * 100:.1f}%"


def names(units: list[str]) -> str:
    """A, B and C by name; four or more as “A and 3 other units”: 总务科等4个单位."""
    if len(units) <= 3:
        return _list(units)
    return _("%(count)s units (%(first)s and others)") % {"first": units[0], "count": len(units)}


def _list(parts: list[str]) -> str:
    return pgettext("list separator", ", ").join(parts)


def has_activity(figures: dict) -> bool:
    inspections = figures["inspections"]
    return bool(
        inspections["scheduled"] or inspections["done"] or inspections["findings"]
        or inspections.get("unscheduled")
        or figures["rectification"]["tracked"]
    )  # fmt: skip


def figures_until(figures: dict) -> dt.date | None:
    """The day the figures of a period still running were counted up to (None when it is over):
    the figures' own ``until`` when they say so, else today."""
    period = period_parse(figures["period"]["label"])
    if "running" in figures["period"]:  # the figures say how far they were counted (as_of)
        if not figures["period"]["running"]:
            return None
        return dt.date.fromisoformat(figures["period"]["as_of"][:10])
    until = figures["period"].get("until")
    today = dt.date.fromisoformat(until) if until else timezone.localdate()
    return period_running_until(period, today)


def overview(figures: dict) -> str:
    inspections = figures["inspections"]
    period = period_parse(figures["period"]["label"])
    head = _("In %(period)s, %(scope)s") % {
        "period": period_text(period, until=figures_until(figures)),
        "scope": figures["scope"]["label"],
    }
    if not has_activity(figures):
        return head + _(
            " had no checks and no findings recorded: there was no activity in this period."
        )
    return head + _clauses(inspections) + checks_remainder(inspections)


def _clauses(inspections: dict) -> str:
    """The checks, then the problems, bonuses and highlights there were: no “0 bonuses”."""
    values = {
        **inspections,
        "deduction": _points(inspections["deduction_points"]),
        "bonus": _points(inspections["bonus_points"]),
    }
    clauses = [
        _(" planned %(scheduled)s checks and did %(done)s, %(missed)s missed") % values,
        _("%(findings)s problems were found (%(deduction)s points deducted)") % values
        if inspections["findings"]
        else _("no problems were found"),
    ]
    if inspections["bonuses"]:
        clauses.append(_("%(bonuses)s bonuses earned %(bonus)s points") % values)
    if inspections["highlights"]:
        clauses.append(_("%(highlights)s highlights were recorded") % values)
    return pgettext("clause separator", "; ").join(clauses) + pgettext("sentence end", ".")


def figures_days_text(period: dict) -> str:
    """The days of the figures' period as far as they were counted (core.periods.days_text)."""
    start = dt.date.fromisoformat(period["start"])
    last = dt.date.fromisoformat((period.get("as_of") or period["end"])[:10])
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


def scored(rows: list[dict]) -> list[dict]:
    """The units that were checked and have a score: the others are neither ranked nor praised."""
    return [
        row
        for row in rows
        if row.get("checked", True) and row.get("score") is not None and row.get("rank") is not None
    ]


def score_text(row: dict) -> str:
    """A unit's score as written, with what it is made of ("97.3（4周平均）"); a unit none of whose
    places was checked has none; one checked only in a period shorter than its scoring period has
    deductions and bonuses only."""
    if row.get("checked") is False:
        return _("not checked")
    if row.get("score") is None:
        return row.get("basis") or _("not checked")
    basis = row.get("basis")
    points = _points(row["score"])
    return _("%(text)s (%(note)s)") % {"text": points, "note": basis} if basis else points


def _best(figures: dict) -> str:
    """The first of each kind of unit (classes and crews are ranked apart), ties named."""
    rows = scored(figures["units"])
    kinds: dict[str, list[dict]] = {}
    for row in rows:
        kinds.setdefault(row.get("unit_kind", ""), []).append(row)
    parts = []
    labels = dict(UnitKind.choices)
    for kind, mine in kinds.items():
        first = min(row["rank"] for row in mine)
        best = [row for row in mine if row["rank"] == first]
        values = {
            "unit": best[0]["unit"],
            "score": _points(best[0]["score"]),
            "kind": labels.get(kind, kind),
            "units": names([row["unit"] for row in best]),
        }
        if len(kinds) == 1:
            one = _("The best unit was %(unit)s with %(score)s points.")
            tied = _("%(units)s shared the first place with %(score)s points each.")
        else:  # each kind is ranked apart: 部门中得分最高的是…，承包方班组中…
            one = _("Of the %(kind)s units, the best was %(unit)s with %(score)s points.")
            tied = _(
                "Of the %(kind)s units, %(units)s shared the first place with %(score)s points "
                "each."
            )
        parts.append((one if len(best) == 1 else tied) % values)
    return "".join(parts) if is_chinese() else " ".join(parts)


def _most_improved(figures: dict) -> str:
    previous = figures.get("comparison", {}).get("previous", {}).get("units") or []
    before = {row["unit_id"]: row["score"] for row in scored(previous)}
    gains = [
        (round(row["score"] - before[row["unit_id"]], 1), row["unit"])
        for row in scored(figures["units"])
        if row["unit_id"] in before
    ]
    gain = max((pair[0] for pair in gains), default=0)
    if gain <= 0:
        return ""
    units = sorted(unit for value, unit in gains if value == gain)
    values = {"unit": units[0], "units": names(units), "gain": _points(gain)}
    if len(units) == 1:
        return (
            _("The most improved unit was %(unit)s, up %(gain)s points on the previous period.")
            % values
        )
    return (
        _("%(units)s improved the most, each up %(gain)s points on the previous period.") % values
    )


def _compared(figures: dict) -> list[tuple[str, dict | None]]:
    """(when, the other period's inspections or None when it has no records), one per distinct
    comparison: a year's previous period is its year before, said once; two comparisons with
    the same figure are said together."""
    comparison = figures.get("comparison", {})
    previous = figures.get("previous_period")
    same_period = previous is not None and previous == figures.get("year_earlier_period")
    labels = {
        "previous": _("the previous year") if same_period else _("the previous period"),
        "year_earlier": _("the same period a year earlier"),
    }
    groups: dict[object, list[str]] = {}
    others: dict[object, dict | None] = {}
    for key in ("previous", "year_earlier"):
        other = comparison.get(key, {}).get("inspections")
        if not other or (key == "year_earlier" and same_period):
            continue
        active = other["scheduled"] or other["done"] or other["findings"]
        signature = other["findings"] if active else None
        groups.setdefault(signature, []).append(labels[key])
        others[signature] = other if active else None
    return [
        (_(" and ").join(whens) if len(whens) > 1 else whens[0], others[signature])
        for signature, whens in groups.items()
    ]


def _comparisons(figures: dict) -> list[str]:
    now, parts = figures["inspections"]["findings"], []
    for when, other in _compared(figures):
        if other is None:
            parts.append(_("There are no records for %(when)s to compare with.") % {"when": when})
            continue
        before = other["findings"]
        values = {"when": when, "before": before, "now": now}
        if before == now:
            text = _("Problems found were as many as in %(when)s (%(now)s).")
        elif before == 0:
            text = _("No problems were found in %(when)s; %(now)s were found in this one.")
        else:
            text = _("Problems found were %(change)s against %(when)s (%(before)s).")
            values["change"] = _percent(now, before)
        parts.append(text % values)
    return parts


def _rectification(fixes: dict) -> list[str]:
    parts = []
    if fixes["fixed_on_spot"] or fixes["tracked"]:
        parts.append(
            _(
                "Of the problems, %(spot)s were fixed on the spot and %(tracked)s were tracked "
                "as rectification tasks."
            )
            % {"spot": fixes["fixed_on_spot"], "tracked": fixes["tracked"]}
        )
    if fixes["closed"]:
        parts.append(
            _("%(closed)s tasks were closed, %(in_time)s of them in time (%(rate)s).")
            % {
                "closed": fixes["closed"],
                "in_time": fixes["closed_in_time"],
                "rate": rate(fixes["closed_in_time"], fixes["closed"]),
            }
        )
    elif fixes["tracked"]:
        parts.append(_("No rectification task has been closed yet."))
    return parts


def results(figures: dict) -> str:
    if not has_activity(figures):
        return _("No work was recorded in this period.")
    parts = _comparisons(figures) + _rectification(figures["rectification"])
    parts += [_best(figures), _most_improved(figures), _score_trend(figures)]
    if figures["red_flags"]:
        parts.append(_("%(count)s red flags were awarded.") % {"count": len(figures["red_flags"])})
    return sentences([part for part in parts if part])


def _score_trend(figures: dict) -> str:
    """The units' average score from the first to the last period of the trend that has one."""
    steps = [
        step
        for step in figures.get("score_trend") or []
        if step["units"] and step["average"] is not None
    ]
    if len(steps) < 2:
        return ""
    first, last = steps[0], steps[-1]
    values = {
        "first": _points(first["average"]),
        "from": period_label_text(first["label"]),
        "last": _points(last["average"]),
        "to": period_label_text(last["label"]),
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
                "units": _list(
                    [
                        pgettext("unit with repeated problems", "%(unit)s (%(count)s)") % row
                        for row in found["repeated_units"]
                    ]
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
        repeated = found["top_items"][0]["count"] > 1
        parts.append(
            (
                _("The most frequent problems were: %(items)s.")
                if repeated
                else _("The problems found were: %(items)s.")
            )
            % {
                "items": _list(
                    [
                        pgettext("frequent problem", "“%(item)s” (%(count)s)") % row
                        for row in found["top_items"]
                    ]
                )
            }
        )
    return sentences(parts) or _("No notable problems were found.")


def next_steps(figures: dict) -> str:
    if not has_activity(figures):
        return _("Keep the planned checks going and record them.")
    found, steps = figures["problems"], []
    if found["top_items"] and found["top_items"][0]["count"] > 1:
        steps.append(
            _("Address “%(item)s”, the most frequent problem, with the units concerned.")
            % {"item": found["top_items"][0]["item"]}
        )
    if found["repeated_units"]:
        steps.append(
            _("Follow up closely with %(units)s.")
            % {"units": _list([row["unit"] for row in found["repeated_units"][:3]])}
        )
    if figures["rectification"]["overdue"]:
        steps.append(_("Close the overdue rectification tasks and hold their units to account."))
    if figures["inspections"]["missed"]:
        steps.append(_("Do every planned check on time; review the schedules of missed checks."))
    steps.append(_("Keep praising and spreading the highlights."))
    return sentences(
        [
            pgettext("numbered step", "%(number)s. %(step)s") % {"number": number, "step": step}
            for number, step in enumerate(steps, start=1)
        ]
    )


WRITERS = {
    "overview": overview,
    "results": results,
    "problems": problems,
    "next_steps": next_steps,
}


def narrative_write(figures: dict) -> dict[str, str]:
    """The generated paragraphs of each narrative section."""
    return {key: writer(figures) for key, writer in WRITERS.items()}
