"""The figures as a few lines of text for the console."""

from __future__ import annotations

from django.utils.translation import gettext as _

from baozhang.reports.narrative import figures_days_text, narrative_write, score_text


def figures_text(figures: dict) -> str:
    paragraphs = narrative_write(figures)
    lines = [figures["scope"]["label"] + " · " + figures_days_text(figures["period"]), ""]
    lines.append(paragraphs["overview"])
    lines.append(paragraphs["results"])
    ranked = [
        row for row in figures["units"] if row.get("checked", True) and row["score"] is not None
    ]
    if ranked:
        lines += ["", _("Ranking")]
        lines += [f"{row['rank']:>3}  {row['unit']}  {score_text(row)}" for row in ranked[:10]]
    return "\n".join(lines)
