"""How a score is named wherever it is shown: what it is made of ("4周平均"), up to which day a
running period reaches ("截至12月1日"), and a change against the previous period ("↓7")."""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from baozhang.core.periods import running_text


def tenths_text(value) -> str:
    """A number in tenths as people write it: 92.5, or 92 for 92.0."""
    text = f"{Decimal(value):.1f}"
    return text[:-2] if text.endswith(".0") else text


def basis_text(row) -> str:
    """What a unit's score is made of: empty for one scoring period, "4周平均" for the mean of
    four weeks, "2个月合计" for the sum of two months; for a unit checked only in a period shorter
    than its scoring period, that it has deductions and bonuses only."""
    if row.score is None:
        return _("deductions and bonuses only") if row.checked else ""
    if row.periods <= 1:
        return ""
    if row.scoring_period == "month":
        if row.total == "sum":
            return ngettext("sum of %(n)d month", "sum of %(n)d months", row.periods) % {
                "n": row.periods
            }
        return ngettext("mean of %(n)d month", "mean of %(n)d months", row.periods) % {
            "n": row.periods
        }
    if row.total == "sum":
        return ngettext("sum of %(n)d week", "sum of %(n)d weeks", row.periods) % {"n": row.periods}
    return ngettext("mean of %(n)d week", "mean of %(n)d weeks", row.periods) % {"n": row.periods}


def until_text(standings) -> str:
    """ "截至12月1日" for the standings of a period still running, else empty."""
    if standings.until is None:
        return ""
    return running_text(standings.period.start, standings.until)


def change_text(change: Decimal | None) -> str:
    """A change against the previous period: "↑2.5", "↓7", "持平"; empty when unknown."""
    if change is None:
        return ""
    if change > 0:
        return f"↑{tenths_text(change)}"
    if change < 0:
        return f"↓{tenths_text(-change)}"
    return _("unchanged")
