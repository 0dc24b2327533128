"""The baselines: what a careful engineer would write for the same result, without the product.

Each is a bare Django view served by the same server as the product (bench/urls.py), so that the
server, the connection and the network fall on both: raw SQL that computes the same numbers (red
lines included), a page of the same rows rendered by one small template, the same file streamed.
No sign-in, no permissions, no scopes, no history, no cache.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.http import FileResponse, HttpResponse, JsonResponse
from django.template import Context, Template
from django.utils import timezone

from baozhang.core.periods import Period, period_parse, period_previous, week_key

PROBLEMS = "('deduction', 'scored', 'red_line')"
TENTH = Decimal("0.1")
KINDS = ("department", "class", "contractor_crew", "trade_team")  # the order kinds are shown in

# The standings of a period in one statement, all in integer tenths. A unit's score for one
# scoring period (a week, or a month where its standard says so) is base − deductions + bonuses,
# each item and kind counting at most its cap, never below the floor, held at the red-line score
# of a period_floor red line; for a longer period it is the mean (half up) or sum of its scores in
# the scoring periods that end in the period (a week where its Sunday falls, scored whole from its
# Monday; a month wholly inside) in which it was checked: found, or a check at a place it held that
# day. The counts are those of the period's own days. Units: the active ones that held a place in
# the period and any unit checked or found; those checked are ranked among their own kind (scored
# ones by score, then those checked only in a period too short for a score by bonus − deductions),
# the others are listed apart with their missed checks. {area_*} narrow to an area type.
RANKING_SQL = f"""
WITH grouped AS (
    SELECT f.unit_id, f.item_id, f.kind, f.week_key, f.month_key,
           CAST(ROUND(SUM(f.points) * 10) AS INTEGER) AS points
    FROM inspections_finding f
    WHERE f.organisation_id = %(org)s AND f.date >= %(first)s AND f.date <= %(end)s
      AND f.unit_id IS NOT NULL {{area_findings}}
    GROUP BY f.unit_id, f.item_id, f.kind, f.week_key, f.month_key
), found AS (
    SELECT g.unit_id, g.item_id, g.kind, g.points, CAST(ROUND(i.cap * 10) AS INTEGER) AS cap,
           CASE WHEN g.kind = 'red_line' AND v.red_line_rule = 'period_floor'
                THEN CAST(ROUND(COALESCE(v.red_line_score, 0) * 10) AS INTEGER) END AS red_floor,
           COALESCE(s.period_total, 'mean') AS total_rule,
           CASE WHEN s.scoring_period = 'month'
                THEN CASE WHEN g.month_key IN ({{months}}) THEN 'M' || g.month_key END
                ELSE CASE WHEN g.week_key IN ({{weeks}}) THEN 'W' || g.week_key END END AS sp
    FROM grouped g
    LEFT JOIN standards_standarditem i ON i.id = g.item_id
    LEFT JOIN standards_standardversion v ON v.id = i.version_id
    LEFT JOIN standards_standard s ON s.id = v.standard_id
), checks AS (
    SELECT a.unit_id, c.date, COALESCE(s.period_total, 'mean') AS total_rule,
           CASE WHEN s.scoring_period = 'month'
                THEN CASE WHEN c.month_key IN ({{months}}) THEN 'M' || c.month_key END
                ELSE CASE WHEN c.week_key IN ({{weeks}}) THEN 'W' || c.week_key END END AS sp
    FROM inspections_inspection c
    JOIN standards_standardversion v ON v.id = c.standard_version_id
    JOIN standards_standard s ON s.id = v.standard_id
    JOIN orgs_assignment a ON a.location_id = c.location_id AND a.starts_on <= c.date
         AND (a.ends_on IS NULL OR a.ends_on >= c.date)
    {{area_join}}
    WHERE c.organisation_id = %(org)s AND c.date >= %(first)s AND c.date <= %(end)s
      AND c.voided_at IS NULL {{area_checks}}
), per_item AS (
    SELECT unit_id, sp, kind, MIN(total_rule) AS total_rule, MIN(red_floor) AS red_floor,
           CAST(CASE WHEN cap IS NOT NULL AND SUM(points) > cap THEN cap ELSE SUM(points) END
                AS INTEGER) AS points,
           CASE WHEN cap IS NOT NULL AND SUM(points) > cap AND kind <> 'highlight' THEN 1 ELSE 0
           END AS capped
    FROM found WHERE sp IS NOT NULL
    GROUP BY unit_id, sp, item_id, kind, cap
), per_period AS (
    SELECT unit_id, sp, MIN(total_rule) AS total_rule, MIN(red_floor) AS red_floor,
           MAX(capped) AS capped,
           CAST(SUM(CASE WHEN kind IN {PROBLEMS} THEN points ELSE 0 END) AS INTEGER) AS lost,
           CAST(SUM(CASE WHEN kind = 'bonus' THEN points ELSE 0 END) AS INTEGER) AS gained
    FROM (SELECT unit_id, sp, kind, total_rule, red_floor, points, capped FROM per_item
          UNION ALL SELECT unit_id, sp, 'check', total_rule, NULL, 0, 0 FROM checks
          WHERE sp IS NOT NULL) p
    GROUP BY unit_id, sp
), period_scores AS (
    SELECT unit_id, total_rule, capped,
           CASE WHEN red_floor IS NOT NULL AND red_floor < s0
                THEN CASE WHEN red_floor < %(floor)s THEN %(floor)s ELSE red_floor END
                ELSE s0 END AS score
    FROM (SELECT unit_id, total_rule, capped, red_floor,
                 CASE WHEN %(base)s - lost + gained < %(floor)s THEN %(floor)s
                      ELSE %(base)s - lost + gained END AS s0
          FROM per_period) p
), unit_scores AS (
    SELECT unit_id, COUNT(*) AS periods, MAX(capped) AS capped,
           CASE WHEN MIN(total_rule) = 'sum' THEN SUM(score)
                WHEN SUM(score) >= 0 THEN (2 * SUM(score) + COUNT(*)) / (2 * COUNT(*))
                ELSE -((COUNT(*) - 2 * SUM(score)) / (2 * COUNT(*))) END AS score
    FROM period_scores GROUP BY unit_id
), own AS (
    SELECT f.unit_id,
           SUM(CASE WHEN f.kind IN {PROBLEMS} THEN f.points ELSE 0 END) AS deductions,
           SUM(CASE WHEN f.kind = 'bonus' THEN f.points ELSE 0 END) AS bonus,
           SUM(CASE WHEN f.kind <> 'highlight' THEN 1 ELSE 0 END) AS findings,
           SUM(CASE WHEN f.kind = 'highlight' THEN 1 ELSE 0 END) AS highlights,
           SUM(CASE WHEN f.kind = 'red_line' THEN 1 ELSE 0 END) AS red_lines,
           SUM(CASE WHEN f.kind IN {PROBLEMS} THEN 1 ELSE 0 END) AS problems
    FROM inspections_finding f
    WHERE f.organisation_id = %(org)s AND f.date >= %(start)s AND f.date <= %(end)s
      AND f.unit_id IS NOT NULL {{area_findings}}
    GROUP BY f.unit_id
), own_checks AS (
    SELECT unit_id, COUNT(*) AS checks FROM checks WHERE date >= %(start)s GROUP BY unit_id
), held AS (
    SELECT DISTINCT a.unit_id, a.location_id FROM orgs_assignment a
    JOIN orgs_location l ON l.id = a.location_id
    WHERE a.organisation_id = %(org)s AND a.starts_on <= %(end)s
      AND (a.ends_on IS NULL OR a.ends_on >= %(start)s) {{area_held}}
), missed AS (
    SELECT h.unit_id, COUNT(*) AS missed FROM inspections_expectedcheck e
    JOIN inspections_schedule sc ON sc.id = e.schedule_id
    JOIN held h ON h.location_id = e.location_id
    WHERE e.organisation_id = %(org)s AND e.due_at >= %(first_moment)s
      AND e.due_at < %(after)s AND e.due_at >= sc.created_at AND e.window_ends_at < %(now)s
      AND NOT EXISTS (SELECT 1 FROM inspections_inspection i WHERE i.expected_id = e.id)
    GROUP BY h.unit_id
), units AS (
    SELECT u.id FROM orgs_unit u
    WHERE u.organisation_id = %(org)s AND u.is_active AND u.id IN (SELECT unit_id FROM held)
    UNION SELECT unit_id FROM unit_scores
    UNION SELECT unit_id FROM own
    UNION SELECT unit_id FROM own_checks
), standing AS (
    SELECT u.id AS unit_id, u.name, u.code, u.kind, s.score, COALESCE(s.periods, 0) AS periods,
           COALESCE(s.capped, 0) AS capped, COALESCE(c.checks, 0) AS checks,
           COALESCE(o.deductions, 0) AS deductions, COALESCE(o.bonus, 0) AS bonus,
           COALESCE(o.findings, 0) AS findings, COALESCE(o.highlights, 0) AS highlights,
           COALESCE(o.red_lines, 0) AS red_lines, COALESCE(o.problems, 0) AS problems,
           COALESCE(m.missed, 0) AS missed,
           CASE WHEN s.unit_id IS NULL AND c.unit_id IS NULL AND o.unit_id IS NULL THEN 0 ELSE 1
           END AS checked,
           CAST(ROUND(COALESCE(o.bonus, 0) * 10) AS INTEGER)
           - CAST(ROUND(COALESCE(o.deductions, 0) * 10) AS INTEGER) AS net
    FROM units r JOIN orgs_unit u ON u.id = r.id AND u.organisation_id = %(org)s
    LEFT JOIN unit_scores s ON s.unit_id = u.id
    LEFT JOIN own o ON o.unit_id = u.id
    LEFT JOIN own_checks c ON c.unit_id = u.id
    LEFT JOIN missed m ON m.unit_id = u.id
)
SELECT unit_id, name, kind, checked, score,
       CASE WHEN checked = 1 THEN RANK() OVER (
           PARTITION BY kind, checked, score IS NULL ORDER BY COALESCE(score, net) DESC) END
           AS place,
       periods, capped, checks, problems, deductions, bonus, findings, highlights, red_lines, missed
FROM standing
ORDER BY CASE kind {{kind_order}} ELSE 99 END, checked DESC, score IS NULL, place, code, unit_id
"""


def tenth(value) -> str:
    """A number as the product shows it: in tenths, half up, with no trailing .0."""
    number = Decimal(str(value)).quantize(TENTH, rounding=ROUND_HALF_UP)
    return f"{number.normalize():f}" if number == number.to_integral() else f"{number:f}"


def policy_of(organisation_id: int) -> tuple[int, int]:
    """The board policy's base and floor scores in tenths."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT base_score, floor_score FROM inspections_boardpolicy WHERE organisation_id = %s",
            [organisation_id],
        )
        row = cursor.fetchone()
    base, floor = row if row else (100, 0)
    return round(float(base) * 10), round(float(floor) * 10)


def organisation_id(slug: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM orgs_organisation WHERE slug = %s", [slug])
        return cursor.fetchone()[0]


def _scoring_periods(period: Period) -> tuple[list[str], list[str]]:
    """The keys of the weeks whose Sunday falls in the period and of the months wholly in it."""
    months, day = [], period.start
    while day <= period.end:
        if day.day == 1:
            following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            if following - dt.timedelta(days=1) <= period.end:
                months.append(f"{day.year}-{day.month:02d}")
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return _weeks_closing_in(period), months


def standings(org: int, period: Period, area_type: int | None = None) -> dict:
    """The period's standings: ``ranked`` (checked units, by kind and rank) and ``unchecked``."""
    base, floor = policy_of(org)
    weeks, months = _scoring_periods(period)
    area = area_type is not None
    statement = RANKING_SQL.format(
        area_findings="AND f.area_type_id = %(area)s" if area else "",
        area_join="JOIN orgs_location l ON l.id = c.location_id" if area else "",
        area_checks="AND l.area_type_id = %(area)s" if area else "",
        area_held="AND l.area_type_id = %(area)s" if area else "",
        weeks=", ".join(f"%(w{n})s" for n in range(len(weeks))) or "''",
        months=", ".join(f"%(m{n})s" for n in range(len(months))) or "''",
        kind_order=" ".join(f"WHEN '{kind}' THEN {n}" for n, kind in enumerate(KINDS)),
    )
    first = period.start - dt.timedelta(days=period.start.weekday()) if weeks else period.start
    now = timezone.now()
    first_moment, after = (_moment(each) for each in period.until(now).moments())
    values = {
        "org": org, "start": period.start, "end": period.end, "first": first, "base": base,
        "floor": floor, "area": area_type, "first_moment": first_moment, "after": after,
        "now": _moment(now),
        **{f"w{n}": key for n, key in enumerate(weeks)},
        **{f"m{n}": key for n, key in enumerate(months)},
    }  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(statement, values)
        rows = cursor.fetchall()
    ranked, unchecked = [], []
    for (unit, name, kind, checked, score, place, periods, capped, checks, problems, deductions,
         bonus, findings, highlights, red_lines, missed) in rows:  # fmt: skip
        row = {
            "unit_id": unit, "unit": name, "unit_kind": kind, "checked": bool(checked),
            "score": None if score is None else tenth(Decimal(int(score)) / 10),
            "rank": place, "periods": int(periods), "capped": bool(capped), "checks": int(checks),
            "problems": int(problems), "deductions": tenth(deductions), "bonus": tenth(bonus),
            "findings": int(findings), "highlights": int(highlights),
            "red_lines": int(red_lines), "missed": int(missed),
        }  # fmt: skip
        (ranked if checked else unchecked).append(row)
    return {"ranked": ranked, "unchecked": unchecked}


def ranking_rows(org: int, period: Period, area_type: int | None = None) -> list[dict]:
    """The checked units of the period, ranked among their own kind."""
    return standings(org, period, area_type)["ranked"]


def missed_count(org: int, period: Period) -> int:
    now = timezone.now()
    first, after = (_moment(each) for each in period.until(now).moments())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM inspections_expectedcheck e"
            " JOIN inspections_schedule s ON s.id = e.schedule_id WHERE e.organisation_id = %s"
            " AND e.due_at >= %s AND e.due_at < %s AND e.due_at >= s.created_at"
            " AND e.window_ends_at < %s"
            " AND NOT EXISTS (SELECT 1 FROM inspections_inspection i WHERE i.expected_id = e.id)",
            [org, first, after, _moment(now)],
        )
        return cursor.fetchone()[0]


def _moment(value):
    return connection.ops.adapt_datetimefield_value(value)


def change(score: str | None, before: str | None) -> str | None:
    """The signed change against the previous period; None when either score is unknown."""
    if score is None or before is None:
        return None
    return tenth(Decimal(score) - Decimal(before))


def bare_ranking(request, org: str):
    """The ranking page's numbers: the period's standings (the checked units ranked among their
    kind, the others apart with their missed checks), the previous period's scores (the trend)
    and the missed checks; ?previous=0 for the API's (the period's standings alone)."""
    pk = organisation_id(org)
    period = period_parse(request.GET["period"])
    found = standings(pk, period)
    answer = {"rows": found["ranked"], "unchecked": found["unchecked"]}
    if request.GET.get("previous", "1") == "1":
        answer["previous"] = {
            row["unit_id"]: row["score"] for row in ranking_rows(pk, period_previous(period))
        }
        answer["missed"] = missed_count(pk, period)
    if request.GET.get("html") == "1":
        for row in answer["rows"]:
            row["change"] = change(row["score"], answer["previous"].get(row["unit_id"]))
        kinds = []
        for row in answer["rows"] + answer["unchecked"]:
            if not kinds or kinds[-1]["kind"] != row["unit_kind"]:
                kinds.append({"kind": row["unit_kind"], "rows": [], "unchecked": []})
            kinds[-1]["rows" if row["checked"] else "unchecked"].append(row)
        return HttpResponse(RANKING_PAGE.render(Context({**answer, "kinds": kinds})))
    return JsonResponse(answer)


RANKING_PAGE = Template(
    "<!doctype html><title>ranking</title><p>{{ missed }}</p>{% for k in kinds %}<h2>{{ k.kind }}"
    "</h2><table>{% for r in k.rows %}<tr><td>{{ r.rank }}</td><td>{{ r.unit }}</td><td>"
    "{% if r.score %}<a href='?unit={{ r.unit_id }}'>{{ r.score }}</a>{% endif %}</td>"
    "<td>{{ r.change|default_if_none:'' }}</td><td>{{ r.checks }}</td><td><a href='?unit="
    "{{ r.unit_id }}&kind=problems'>{{ r.problems }}</a></td><td>−{{ r.deductions }}</td>"
    "<td>+{{ r.bonus }}</td></tr>{% endfor %}</table><p>{% for r in k.unchecked %}{{ r.unit }}"
    "{% if r.missed %}（{{ r.missed }}）{% endif %}、{% endfor %}</p>{% endfor %}"
)


FINDINGS_SQL = """
SELECT f.id, f.observed_at, l.code, u.name, i.text, f.kind, f.points, f.note, f.inspection_id
FROM inspections_finding f
JOIN orgs_location l ON l.id = f.location_id
LEFT JOIN orgs_unit u ON u.id = f.unit_id
LEFT JOIN standards_standarditem i ON i.id = f.item_id
WHERE f.organisation_id = %s AND f.observed_at >= %s AND f.observed_at < %s
ORDER BY f.observed_at DESC, f.id DESC LIMIT %s OFFSET %s
"""
FINDINGS_PAGE = Template(
    "<!doctype html><title>findings</title><p>{{ total }}</p><table>{% for row in rows %}"
    "<tr><td><a href='/i/{{ row.8 }}'>{{ row.1|date:'m-d H:i' }}</a></td><td>{{ row.2 }}</td>"
    "<td>{{ row.3|default:'—' }}</td><td><a href='/f/{{ row.0 }}/'>{{ row.4|default:row.5 }}</a>"
    "</td><td>{{ row.6 }}</td><td>{{ row.7 }}</td></tr>{% endfor %}</table>"
)


def bare_findings(request, org: str):
    """A page of the findings list: the period's total, and the page's rows with the location,
    unit and item they show, newest first, in local time, rendered by one small template."""
    from django.conf import settings

    pk = organisation_id(org)
    period = period_parse(request.GET["period"])
    number = int(request.GET.get("page", "1"))
    first, after = (_moment(each) for each in period.moments())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM inspections_finding WHERE organisation_id = %s"
            " AND observed_at >= %s AND observed_at < %s",
            [pk, first, after],
        )
        total = cursor.fetchone()[0]
        size = settings.PAGE_SIZE
        cursor.execute(FINDINGS_SQL, [pk, first, after, size, (number - 1) * size])
        rows = [list(row) for row in cursor.fetchall()]
    for row in rows:
        row[1], row[6] = local_time(row[1]), tenth(row[6])
    html = FINDINGS_PAGE.render(Context({"total": total, "rows": rows}))
    return HttpResponse(html)


BULLETIN_SQL = """
SELECT f.id, f.area_type_id, f.date, f.kind, f.unit_id, u.name, f.location_id, l.code, l.name,
       f.item_id, i.text, f.points, f.note, f.observed_at, f.inspection_id
FROM inspections_finding f
JOIN orgs_location l ON l.id = f.location_id
LEFT JOIN orgs_unit u ON u.id = f.unit_id
LEFT JOIN standards_standarditem i ON i.id = f.item_id
WHERE f.organisation_id = %s AND f.date >= %s AND f.date <= %s AND f.area_type_id IS NOT NULL
ORDER BY f.date, u.code, f.observed_at, f.id
"""


def local_time(moment):
    """A moment as the database gives it back (text on SQLite, UTC), in the local time zone."""
    if isinstance(moment, str):  # SQLite
        moment = dt.datetime.fromisoformat(moment)
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=dt.UTC)
    return timezone.localtime(moment)


def local_day(value):
    """A date as the database gives it back (text on SQLite)."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def bulletin_sections(org: int, week: Period) -> list[dict]:
    """Per area type: each day's problems by unit with their location, item, note, points and
    photos, the bonuses, the highlights, the units praised and the ranking."""
    with connection.cursor() as cursor:
        cursor.execute(BULLETIN_SQL, [org, week.start, week.end])
        findings = cursor.fetchall()
        cursor.execute(
            "SELECT p.finding_id, p.id FROM inspections_findingphoto p"
            " JOIN inspections_finding f ON f.id = p.finding_id"
            " WHERE f.organisation_id = %s AND f.date >= %s AND f.date <= %s ORDER BY p.id",
            [org, week.start, week.end],
        )
        photos: dict[int, list[int]] = {}
        for finding, photo in cursor.fetchall():
            photos.setdefault(finding, []).append(photo)
        cursor.execute(
            "SELECT t.id, t.name FROM orgs_areatype t WHERE t.organisation_id = %s AND (t.id IN"
            " (SELECT l.area_type_id FROM orgs_assignment a JOIN orgs_location l"
            " ON l.id = a.location_id WHERE a.organisation_id = %s AND a.starts_on <= %s"
            " AND (a.ends_on IS NULL OR a.ends_on >= %s)) OR t.id IN (SELECT f.area_type_id"
            " FROM inspections_finding f WHERE f.organisation_id = %s AND f.date >= %s"
            " AND f.date <= %s)) ORDER BY t.sort_order, t.name",
            [org, org, week.end, week.start, org, week.start, week.end],
        )
        areas = cursor.fetchall()
    sections = []
    for area, area_name in areas:
        mine = []
        for row in findings:
            if row[1] != area:
                continue
            mine.append({
                "id": row[0], "inspection_id": row[14], "location_id": row[6],
                "location": f"{row[7]} {row[8]}", "location_code": row[7], "unit_id": row[4],
                "unit": row[5], "item_id": row[9], "item": row[10], "kind": row[3],
                "points": tenth(row[11]), "note": row[12], "observed_at": local_time(row[13]),
                "date": local_day(row[2]), "photo_ids": photos.get(row[0], []),
            })  # fmt: skip
        problems = [f for f in mine if f["kind"] not in ("bonus", "highlight")]
        days: dict = {}
        for finding in problems:
            days.setdefault(finding["date"], {}).setdefault(finding["unit_id"], []).append(finding)
        found = standings(org, week, area)
        ranking = found["ranked"]
        with_problems = {f["unit_id"] for f in problems}
        sections.append({
            "area_type": area_name,
            "days": [
                {"date": day, "units": [
                    {"unit": found[0]["unit"], "findings": found} for found in units.values()
                ]}
                for day, units in days.items()
            ],
            "bonuses": [f for f in mine if f["kind"] == "bonus"],
            "highlights": [f for f in mine if f["kind"] == "highlight"],
            "praised": [row["unit"] for row in ranking if row["unit_id"] not in with_problems],
            "ranking": ranking,
            "unchecked": found["unchecked"],
        })  # fmt: skip
    return sections


BULLETIN_PAGE = Template(
    "<!doctype html><title>bulletin</title>{% for s in sections %}<section><h2>{{ s.area_type }}"
    "</h2>{% for day in s.days %}<h3>{{ day.date|date:'n月j日 l' }}</h3><ul>{% for u in day.units %}"
    "<li><strong>{{ u.unit|default:'—' }}</strong>：{% for f in u.findings %}{{ f.location_code }} "
    "{{ f.item|default:'' }}{% if f.note %}（{{ f.note }}）{% endif %} −{{ f.points }}"
    "{% if not forloop.last %}；{% endif %}{% endfor %}</li>{% endfor %}</ul>{% endfor %}"
    "<p>{% for f in s.bonuses %}{{ f.unit }} {{ f.item|default:f.note }} +{{ f.points }}；"
    "{% endfor %}</p><p>{% for f in s.highlights %}{{ f.unit|default:'' }} {{ f.location_code }} "
    "{{ f.note }}；{% endfor %}</p><p>{{ s.praised|join:'、' }}</p><table>{% for r in s.ranking %}"
    "<tr><td>{{ r.rank }}</td><td>{{ r.unit }}</td><td><a href='?unit={{ r.unit_id }}'>"
    "{{ r.score|default_if_none:'' }}</a></td><td>{{ r.checks }}</td><td>{{ r.problems }}</td>"
    "</tr>{% endfor %}</table><p>{% for r in s.unchecked %}{{ r.unit }}、{% endfor %}</p>"
    "</section>{% endfor %}"
)


def bare_bulletin(request, org: str):
    """The weekly bulletin's content: as JSON (the API's fields), or ?html=1 as a page."""
    week = period_parse(week_key(period_parse(request.GET["period"]).start))
    sections = bulletin_sections(organisation_id(org), week)
    if request.GET.get("html") == "1":
        return HttpResponse(BULLETIN_PAGE.render(Context({"sections": sections})))
    return JsonResponse({"sections": sections})


def bare_board(request, org: str):
    """The notice board's numbers: this week's ranking and last week's red flags."""
    pk = organisation_id(org)
    week = period_parse(week_key(timezone.localdate()))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.unit_id, r.area_type_id, r.rank FROM inspections_redflag r"
            " WHERE r.organisation_id = %s AND r.week_key = %s ORDER BY r.rank, r.unit_id",
            [pk, period_previous(week).label],
        )
        flags = cursor.fetchall()
    return JsonResponse({**standings(pk, week), "flags": flags})


def bare_file(request, version: int, kind: str, language: str):
    """A kept file of a report version, streamed as it lies on disk."""
    from django.conf import settings

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT file FROM reports_keptfile WHERE version_id = %s AND kind = %s"
            " AND language = %s",
            [version, kind, language],
        )
        name = cursor.fetchone()[0]
    return FileResponse(open(f"{settings.MEDIA_ROOT}/{name}", "rb"))  # noqa: SIM115, PTH123


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# The figures of a period (reports/figures.py), statement by statement ------------------------

# The checks planned: due in the period as far as it has run, not before their schedule existed.
PLANNED = (
    "e.organisation_id = %(org)s AND e.due_at >= %(first)s AND e.due_at < %(after)s"
    " AND e.due_at >= s.created_at"
)
FIGURES_INSPECTIONS = [
    "SELECT COUNT(*), SUM(CASE WHEN i.id IS NOT NULL THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN i.id IS NULL AND e.window_ends_at < %(now)s THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN i.id IS NULL AND e.window_ends_at >= %(now)s THEN 1 ELSE 0 END)"
    " FROM inspections_expectedcheck e JOIN inspections_schedule s ON s.id = e.schedule_id"
    f" LEFT JOIN inspections_inspection i ON i.expected_id = e.id WHERE {PLANNED}",
    "SELECT COUNT(*) FROM inspections_inspection i"
    " LEFT JOIN inspections_expectedcheck e ON e.id = i.expected_id"
    " LEFT JOIN inspections_schedule s ON s.id = e.schedule_id"
    " WHERE i.organisation_id = %(org)s AND i.done_at >= %(first)s AND i.done_at < %(after)s"
    f" AND (e.id IS NULL OR NOT ({PLANNED}))",
    f"SELECT SUM(CASE WHEN kind IN {PROBLEMS} THEN 1 ELSE 0 END),"
    f" SUM(CASE WHEN kind IN {PROBLEMS} THEN points ELSE 0 END),"
    " SUM(CASE WHEN kind = 'bonus' THEN points ELSE 0 END),"
    " SUM(CASE WHEN kind = 'bonus' THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN kind = 'highlight' THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN kind = 'red_line' THEN 1 ELSE 0 END),"
    f" SUM(CASE WHEN kind IN {PROBLEMS} AND unit_id IS NULL THEN 1 ELSE 0 END)"
    " FROM inspections_finding WHERE organisation_id = %(org)s"
    " AND date >= %(start)s AND date <= %(end)s",
]
RECTIFICATION = (
    "SELECT COUNT(*), COUNT(s.id), COUNT(t.id), COUNT(r.id),"
    " SUM(CASE WHEN t.status = 'closed' THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN t.status = 'closed' AND t.closed_at <= t.deadline THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN t.status = 'closed' AND t.closed_at > t.deadline THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN t.status = 'open' AND t.deadline < %(now)s THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN t.rejections > 0 THEN 1 ELSE 0 END)"
    " FROM inspections_finding f"
    " LEFT JOIN rectification_spotfix s ON s.finding_id = f.id"
    " LEFT JOIN rectification_task t ON t.finding_id = f.id"
    " LEFT JOIN rectification_referral r ON r.finding_id = f.id"
    f" WHERE f.organisation_id = %(org)s AND f.kind IN {PROBLEMS}"
    " AND f.observed_at >= %(first)s AND f.observed_at < %(after)s"
)
CLOSED_TIMES = (
    "SELECT t.opened_at, t.closed_at FROM inspections_finding f"
    " JOIN rectification_task t ON t.finding_id = f.id"
    f" WHERE f.organisation_id = %(org)s AND f.kind IN {PROBLEMS} AND t.status = 'closed'"
    " AND f.observed_at >= %(first)s AND f.observed_at < %(after)s"
)
TOP_ITEMS = (
    "SELECT f.item_id, i.text, COUNT(*) c FROM inspections_finding f"
    " JOIN standards_standarditem i ON i.id = f.item_id WHERE f.organisation_id = %(org)s"
    f" AND f.date >= %(start)s AND f.date <= %(end)s AND f.kind IN {PROBLEMS}"
    " GROUP BY f.item_id, i.text ORDER BY c DESC, i.text LIMIT 5"
)
REPEATED = (
    "SELECT f.unit_id, u.name, COUNT(*) c FROM inspections_finding f"
    " JOIN orgs_unit u ON u.id = f.unit_id WHERE f.organisation_id = %(org)s"
    f" AND f.date >= %(start)s AND f.date <= %(end)s AND f.kind IN {PROBLEMS}"
    " GROUP BY f.unit_id, u.name HAVING COUNT(*) >= 3 ORDER BY c DESC, u.name LIMIT 10"
)
BY_AREA = (
    "SELECT t.name, COUNT(*) c FROM inspections_finding f"
    " LEFT JOIN orgs_areatype t ON t.id = f.area_type_id WHERE f.organisation_id = %(org)s"
    f" AND f.date >= %(start)s AND f.date <= %(end)s AND f.kind IN {PROBLEMS}"
    " GROUP BY t.name ORDER BY c DESC"
)
TREND = (
    "SELECT month_key, COUNT(*), SUM(points) FROM inspections_finding"
    " WHERE organisation_id = %(org)s AND date >= %(start)s AND date <= %(end)s"
    f" AND kind IN {PROBLEMS} GROUP BY month_key"
)


def _values(org: int, period: Period) -> dict:
    first, after = period.until(timezone.now()).moments()
    return {
        "org": org, "start": period.start, "end": period.end, "first": _moment(first),
        "after": _moment(after), "now": _moment(timezone.now()),
    }  # fmt: skip


def _number(value) -> float:
    return float(tenth(value or 0))


def _weeks_closing_in(period: Period) -> list[str]:
    keys, sunday = [], period.start + dt.timedelta(days=6 - period.start.weekday())
    while sunday <= period.end:
        keys.append(week_key(sunday))
        sunday += dt.timedelta(days=7)
    return keys


def figures_compared(org: int, period: Period, cursor) -> dict:
    """The sections compared with other periods: checks, units, red flags, rectification."""
    values = _values(org, period)
    counts = []
    for statement in FIGURES_INSPECTIONS:
        cursor.execute(statement, values)
        counts.append(cursor.fetchone())
    planned, done, missed, still_open = counts[0]
    found, points, bonus_points, bonuses, highlights, red_lines, without_unit = counts[2]
    weeks = _weeks_closing_in(period) or [""]
    cursor.execute(
        "SELECT r.week_key, r.unit_id FROM inspections_redflag r WHERE r.organisation_id = %s"
        f" AND r.week_key IN ({', '.join(['%s'] * len(weeks))})",
        [org, *weeks],
    )
    flags = cursor.fetchall()
    cursor.execute(RECTIFICATION, values)
    states = cursor.fetchone()
    cursor.execute(CLOSED_TIMES, values)
    days = sorted(
        (local_time(done) - local_time(opened)).total_seconds() / 86400
        for opened, done in cursor.fetchall()
    )
    names = ["found", "fixed_on_spot", "tracked", "referred", "closed", "closed_in_time",
             "closed_late", "overdue", "rejected"]  # fmt: skip
    return {
        "inspections": {
            "scheduled": planned, "done": done or 0, "missed": missed or 0,
            "open": still_open or 0, "unscheduled": counts[1][0],
            "findings": found or 0, "deduction_points": _number(points),
            "bonus_points": _number(bonus_points), "bonuses": bonuses or 0,
            "highlights": highlights or 0, "red_lines": red_lines or 0,
            "findings_without_unit": without_unit or 0,
        },
        "units": [
            {"unit_id": row["unit_id"], "unit": row["unit"], "unit_kind": row["unit_kind"],
             "checked": row["checked"], "checks": row["checks"],
             "score": None if row["score"] is None else float(row["score"]),
             "periods": row["periods"], "deductions": float(row["deductions"]),
             "bonus": float(row["bonus"]), "findings": row["problems"],
             "highlights": row["highlights"], "missed": row["missed"], "rank": row["rank"]}
            for found in standings(org, period).values() for row in found
        ],
        "red_flags": len(flags),
        "rectification": {
            **{name: count or 0 for name, count in zip(names, states, strict=True)},
            "average_days": round(sum(days) / len(days), 1) if days else None,
            "p90_days": round(days[-(-9 * len(days) // 10) - 1], 1) if days else None,
        },
    }  # fmt: skip


def figures_of(org: int, period: Period, *, by_month: bool = True) -> dict:
    from baozhang.core.periods import period_steps, period_year_before

    values = _values(org, period)
    with connection.cursor() as cursor:
        answer = figures_compared(org, period, cursor)
        cursor.execute(TOP_ITEMS, values)
        top = [
            {"item_id": item, "item": text, "count": count}
            for item, text, count in cursor.fetchall()
        ]
        cursor.execute(REPEATED, values)
        repeated = [{"unit_id": unit, "count": count} for unit, _name, count in cursor.fetchall()]
        cursor.execute(BY_AREA, values)
        areas = [{"area_type": name or "—", "count": count} for name, count in cursor.fetchall()]
        cursor.execute(TREND, values)
        months = {key: (count, _number(points)) for key, count, points in cursor.fetchall()}
        comparison = {
            "previous": figures_compared(org, period_previous(period), cursor),
            "year_earlier": figures_compared(org, period_year_before(period), cursor),
        }
    steps = []
    for step in period_steps(period):
        if step.start > timezone.localdate():
            continue
        scores = [
            float(row["score"]) for row in ranking_rows(org, step) if row["score"] is not None
        ]
        steps.append({
            "label": step.label, "units": len(scores),
            "average": round(sum(scores) / len(scores), 1) if scores else None,
            "best": max(scores, default=None), "lowest": min(scores, default=None),
        })  # fmt: skip
    labels = [f"{period.start.year}-{month:02d}" for month in range(1, 13)] if by_month else []
    answer.update(
        problems={"top_items": top, "repeated_units": repeated, "by_area_type": areas},
        trend=[
            {
                "label": label,
                "findings": months.get(label, (0, 0.0))[0],
                "points": months.get(label, (0, 0.0))[1],
            }
            for label in labels
        ],  # fmt: skip
        score_trend=steps,
        comparison=comparison,
    )
    return answer


def bare_figures(request, org: str):
    """A year's figures: the same numbers as the figures API, for a year (its trend by month)."""
    period = period_parse(request.GET["period"])
    assert period.kind == "year"
    return JsonResponse(figures_of(organisation_id(org), period))


REPORT_DATA: dict = {}


def bare_report_docx(request, org: str):
    """A weekly report as a Word document, written by hand (bench/document.py) from its figures
    and charts, made once and kept, as a draft keeps its figures and charts: the document is
    built on each request, as the product does for a draft."""
    from bench.document import as_docx, report_content

    label = request.GET["period"]
    if (org, label) not in REPORT_DATA:
        REPORT_DATA[org, label] = report_content(org, label)[2]
    return HttpResponse(as_docx(REPORT_DATA[org, label]), content_type="application/octet-stream")
