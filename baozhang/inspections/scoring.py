"""Quantified scores: pure functions on findings, no database.

A unit's score for a period is the base score − deductions + bonuses, where each standard item
deducts (or adds) at most its cap in the period, never below the floor; a red line either fails
the check or sets the unit's period score, as its standard says.
"""

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
TENTH = Decimal("0.1")
LOSING = frozenset({"deduction", "scored", "red_line"})


@dataclass(slots=True)
class ScoredFinding:
    item: Hashable  # groups the findings of one standard item (caps apply per item)
    kind: str  # deduction, scored, bonus, red_line, highlight
    points: Decimal  # magnitude: points lost, or gained for a bonus
    cap: Decimal | None = None
    red_line_rule: str = "fail_check"  # or period_floor
    red_line_score: Decimal = Decimal(0)
    area_type: str = ""


@dataclass(frozen=True)
class Score:
    score: Decimal
    deductions: Decimal
    bonus: Decimal
    findings: int
    highlights: int
    red_lines: int
    capped: bool


def tenths(value) -> Decimal | None:
    """Points as read raw from the database (SQLite gives integers or floats) in tenths."""
    return None if value is None else Decimal(str(value)).quantize(TENTH)


def _tenth(value: Decimal) -> Decimal:
    return Decimal(value).quantize(TENTH, rounding=ROUND_HALF_UP)


def _totals(findings: list[ScoredFinding]) -> tuple[Decimal, Decimal, bool]:
    lost: dict[Hashable, Decimal] = defaultdict(Decimal)
    gained: dict[Hashable, Decimal] = defaultdict(Decimal)
    caps: dict[tuple[Hashable, bool], Decimal | None] = {}
    for finding in findings:
        if finding.kind in LOSING:
            lost[finding.item] += finding.points
            caps[(finding.item, False)] = finding.cap
        elif finding.kind == "bonus":
            gained[finding.item] += finding.points
            caps[(finding.item, True)] = finding.cap
    capped = False

    def total(sums: dict[Hashable, Decimal], gaining: bool) -> Decimal:
        nonlocal capped
        result = Decimal(0)
        for item, value in sums.items():
            cap = caps[(item, gaining)]
            if cap is not None and value > cap:
                capped = True
                value = cap
            result += value
        return result

    return total(lost, False), total(gained, True), capped


def unit_score(
    findings: Iterable[ScoredFinding], *, base: Decimal, floor: Decimal = Decimal(0)
) -> Score:
    """A unit's score for a period from its findings."""
    findings = list(findings)
    deductions, bonus, capped = _totals(findings)
    score = max(Decimal(floor), Decimal(base) - deductions + bonus)
    floors = [
        f.red_line_score
        for f in findings
        if f.kind == "red_line" and f.red_line_rule == "period_floor"
    ]
    if floors:
        score = max(Decimal(floor), min(score, min(floors)))
    return Score(
        score=_tenth(score),
        deductions=_tenth(deductions),
        bonus=_tenth(bonus),
        findings=sum(1 for f in findings if f.kind != "highlight"),
        highlights=sum(1 for f in findings if f.kind == "highlight"),
        red_lines=sum(1 for f in findings if f.kind == "red_line"),
        capped=capped,
    )


def check_score(
    findings: Iterable[ScoredFinding], *, base: Decimal, floor: Decimal = Decimal(0)
) -> Score:
    """The score of one check: any red line fails it (the floor)."""
    result = unit_score(findings, base=base, floor=floor)
    if result.red_lines:
        return Score(
            score=_tenth(Decimal(floor)),
            deductions=result.deductions,
            bonus=result.bonus,
            findings=result.findings,
            highlights=result.highlights,
            red_lines=result.red_lines,
            capped=result.capped,
        )
    return result


def rank(scores: Mapping[K, Decimal], *, descending: bool = True) -> list[tuple[K, int]]:
    """Competition ranking ("1224"): equal scores share a rank and the next rank skips."""
    ordered = sorted(
        scores.items(), key=lambda pair: ((-pair[1] if descending else pair[1]), str(pair[0]))
    )
    result: list[tuple[K, int]] = []
    previous, position = None, 0
    for index, (key, value) in enumerate(ordered, start=1):
        if value != previous:
            position, previous = index, value
        result.append((key, position))
    return result


def trend(current: Decimal | None, previous: Decimal | None) -> Decimal | None:
    """The change against the previous period, or None when either is unknown."""
    if current is None or previous is None:
        return None
    return current - previous


def area_breakdown(
    findings: Iterable[ScoredFinding], *, base: Decimal, floor: Decimal = Decimal(0)
) -> dict[str, Score]:
    """unit_score per area type."""
    grouped: dict[str, list[ScoredFinding]] = defaultdict(list)
    for finding in findings:
        grouped[finding.area_type].append(finding)
    return {area: unit_score(items, base=base, floor=floor) for area, items in grouped.items()}


@dataclass(frozen=True)
class PeriodScore:
    """A unit's score over a period made of scoring periods: ``score`` is None when it was checked
    in none of them (or the period is shorter than one)."""

    score: Decimal | None
    periods: int  # scoring periods in which the unit was checked
    total: str  # "mean" or "sum" of those periods' scores


def over_periods(scores: Iterable[Decimal], *, total: str = "mean") -> PeriodScore:
    """The mean (or sum) of a unit's scores in the scoring periods in which it was checked; never
    the base minus a whole year of deductions."""
    scores = list(scores)
    if not scores:
        return PeriodScore(score=None, periods=0, total=total)
    summed = sum(scores, Decimal(0))
    value = summed if total == "sum" else summed / len(scores)
    return PeriodScore(score=_tenth(value), periods=len(scores), total=total)


@dataclass(frozen=True)
class Contender:
    """A unit in the running for a red flag: its score, problems and checks in the week."""

    key: Hashable
    score: Decimal
    problems: int
    checks: int


def flag_winners(
    contenders: Iterable[Contender], *, flags: int, share_ties: bool = False
) -> tuple[list[Contender], list[Contender]]:
    """The units that win the ``flags`` red flags, and those still tied at the cut.

    Best score first; a tie is broken by fewer problems, then by more checks. Units still equal
    at the cut all win when the organisation shares flags; otherwise they are returned apart, for
    the admin to choose among (and no flag goes to any of them until then)."""
    ordered = sorted(contenders, key=lambda c: (-c.score, c.problems, -c.checks, str(c.key)))
    if flags <= 0 or not ordered:
        return [], []
    if len(ordered) <= flags:
        return ordered, []

    def standing(contender: Contender) -> tuple:
        return (contender.score, contender.problems, contender.checks)

    cut = standing(ordered[flags - 1])
    if standing(ordered[flags]) != cut:
        return ordered[:flags], []
    tied = [c for c in ordered if standing(c) == cut]
    above = [c for c in ordered[:flags] if standing(c) != cut]
    if share_ties:
        return above + tied, []
    return above, tied
