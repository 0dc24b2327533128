"""The figures as a few lines of text for the console."""

from __future__ import annotations

from django.utils.translation import gettext as _

from baozhang.reports.narrative import figures_days_text, narrative_write


def figures_text(figures: dict) -> str:
    paragraphs = narrative_write(figures)
    period = figures["period"]
    lines = [f"{figures['scope']['label']} · {period['label']} · {figures_days_text(period)}", ""]
    lines.append(paragraphs["overview"])
    lines.append(paragraphs["results"])
    if figures["units"]:
        lines += ["", _("Ranking")]
        lines += [
            f"{row['rank']:>3}  {row['unit']}  {row['score']:g}" for row in figures["units"][:10]
        ]
    return "\n".join(lines)
