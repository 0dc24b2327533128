"""(a) The monthly unit ranking through the product against one raw SQL aggregate, and
(c) page 1 of the findings list filtered by organisation and month (its total, and its 50 rows with
the location, unit and item they show) against the raw indexed count and LIMIT query."""

import time
from decimal import Decimal

from django.db import connection
from django.test import RequestFactory
from django_scopes import scope

from baozhang.core.pagination import paginate
from baozhang.core.periods import period_parse
from baozhang.inspections.finding_lines import FindingLines
from baozhang.inspections.selectors import board_policy, unit_ranking

# The same result in one statement: per unit and item the points found, capped by the item's cap,
# then base − deductions + bonuses, floored, and ranked with ties sharing a rank.
RANKING_SQL = """
WITH per_item AS (
    SELECT f.unit_id, f.kind,
           CASE WHEN i.cap IS NOT NULL AND SUM(f.points) > i.cap THEN i.cap ELSE SUM(f.points) END
               AS total
    FROM inspections_finding f LEFT JOIN standards_standarditem i ON i.id = f.item_id
    WHERE f.organisation_id = %s AND f.date >= %s AND f.date <= %s AND f.unit_id IS NOT NULL
    GROUP BY f.unit_id, f.item_id, f.kind, i.cap
), per_unit AS (
    SELECT u.id AS unit_id,
           COALESCE(SUM(CASE WHEN p.kind IN ('deduction', 'scored', 'red_line') THEN p.total END), 0)
               AS deductions,
           COALESCE(SUM(CASE WHEN p.kind = 'bonus' THEN p.total END), 0) AS bonus
    FROM orgs_unit u LEFT JOIN per_item p ON p.unit_id = u.id
    WHERE u.organisation_id = %s AND u.is_active
      AND u.id IN (SELECT unit_id FROM orgs_assignment a WHERE a.organisation_id = %s
                   AND a.starts_on <= %s AND (a.ends_on IS NULL OR a.ends_on >= %s))
    GROUP BY u.id
)
SELECT unit_id, score, RANK() OVER (ORDER BY score DESC) FROM (
    SELECT unit_id, CASE WHEN %s - deductions + bonus < %s THEN %s
                         ELSE %s - deductions + bonus END AS score
    FROM per_unit
) scored ORDER BY 3, 1
"""

# The same result as page 1 of the findings page: the filter's total, and the 50 newest rows with
# the location, unit and item they show, by the index in observed_at order.
PAGE_SQL = """
SELECT f.id, f.observed_at, f.kind, f.points, f.note, f.inspection_id, l.code, u.name, i.text
FROM inspections_finding f
JOIN orgs_location l ON l.id = f.location_id
LEFT JOIN orgs_unit u ON u.id = f.unit_id
LEFT JOIN standards_standarditem i ON i.id = f.item_id
WHERE f.organisation_id = %s AND f.observed_at >= %s AND f.observed_at < %s
ORDER BY f.observed_at DESC, f.id DESC LIMIT 50
"""
COUNT_SQL = """
SELECT COUNT(*) FROM inspections_finding
WHERE organisation_id = %s AND observed_at >= %s AND observed_at < %s
"""


def best_of(product, raw, repeat: int = 20) -> tuple[float, float, float]:
    """The best time of each, run in turns so that both see the same state of the machine."""
    timings: tuple[list, list] = ([], [])
    for _ in range(repeat):
        for function, kept in zip((product, raw), timings, strict=True):
            started = time.perf_counter()
            function()
            kept.append(time.perf_counter() - started)
    product_time, raw_time = min(timings[0]), min(timings[1])
    return product_time, raw_time, product_time / raw_time


def ranking_ratio(organisation, label: str = "2026-06") -> tuple[float, float, float]:
    period = period_parse(label)
    policy = board_policy(organisation=organisation)
    # Numbers, not Decimal: SQLite receives a Decimal as text and compares text above numbers.
    base, floor = float(policy.base_score), float(policy.floor_score)

    def product():
        # Given the policy as the raw statement is given the base and floor scores.
        with scope(organisation=organisation):
            return [(row.unit.pk, row.score, row.rank) for row in unit_ranking(
                organisation=organisation, period=period, policy=policy
            )]  # fmt: skip

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(
                RANKING_SQL,
                [
                    organisation.pk, period.start, period.end, organisation.pk, organisation.pk,
                    period.end, period.start, base, floor, floor, base,
                ],
            )  # fmt: skip
            return cursor.fetchall()

    ours = product()
    theirs = [
        (unit, Decimal(str(score)).quantize(Decimal("0.1")), rank) for unit, score, rank in raw()
    ]
    assert sorted(ours) == sorted(theirs), "the raw SQL and the product disagree"
    return best_of(product, raw)


def page_ratio(organisation, label: str = "2026-06") -> tuple[float, float, float]:
    period = period_parse(label)
    request = RequestFactory().get("/", {"period": label})

    def product():
        # What the findings page does: the filters, the total and page 1 with the rows it shows.
        with scope(organisation=organisation):
            lines = FindingLines(organisation=organisation, params=request.GET)
            page = paginate(request, lines, per_page=50)
            assert page.paginator.count > 0
            return [(f.id, f.location_code, f.unit_name, f.item_text) for f in page]

    first, after = (connection.ops.adapt_datetimefield_value(moment) for moment in period.moments())

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(COUNT_SQL, [organisation.pk, first, after])
            assert cursor.fetchone()[0] > 0
            cursor.execute(PAGE_SQL, [organisation.pk, first, after])
            return [row[0] for row in cursor.fetchall()]

    assert [row[0] for row in product()] == raw(), "the page and the raw query disagree"
    return best_of(product, raw)
