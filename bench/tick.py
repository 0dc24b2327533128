"""(t) One clock tick with 1,000 organisations × 20 schedules (scripts/bench.sh --only tick).

The data set: N organisations (tick-0000 …), each with 8 locations in 2 area types and 20 schedules
of every kind (daily at two times at one location, weekly and monthly at two, random checks and
patrol rounds over an area type), built with bulk inserts, then one tick of the product on DAY
plans their fortnights and stores what a running site has (each organisation's policies).

Each round is the tick of the next morning at 06:00, the one that moves every schedule's fortnight
on by a day, after 1 schedule in 100 was edited (new times). It runs inside a transaction that is
rolled back, so every round starts from the same state:
  - the whole tick: every periodic job, as the worker runs them (goal < 10 s);
  - the planning job alone against a hand-written baseline: the same decisions (the product's pure
    planning functions), its reads and writes in raw SQL (the rows inserted with one executemany
    of INSERT … ON CONFLICT DO NOTHING, the schedules' planned days updated with one statement per
    500). The expected checks made and the schedules' planned days must be equal, or the bench
    fails. Median and spread (min–max) of the rounds.
"""

import datetime as dt
import json
import statistics
import time
from collections import defaultdict
from types import SimpleNamespace

from django.db import connection, transaction
from django.db.models.constants import OnConflict
from django.utils import timezone
from django_scopes import scopes_disabled

from baozhang.core import clock
from baozhang.core.periods import month_key, week_key
from baozhang.inspections import planning
from baozhang.inspections.jobs import plan_ahead
from baozhang.inspections.models import ExpectedCheck, Schedule
from baozhang.inspections.schedules import _planning_step, schedule_plan
from baozhang.orgs.models import AreaType, Location, Organisation, Site
from baozhang.standards.models import Standard

DAY = dt.date(2026, 6, 1)
LOCATIONS = 8
EDITED_EVERY = 100
SCHEDULES = [  # kind, its fields, named locations (indexes) or an area type (index)
    *[("daily", {"times": ["07:30", "13:30"]}, [index], None) for index in range(8)],
    *[("weekly", {"times": ["10:00"], "weekdays": [day + 1]}, [day, day + 4], None)
      for day in range(4)],
    ("monthly", {"times": ["09:00"], "month_day": 1}, [1, 5], None),
    ("monthly", {"times": ["09:00"], "month_day": 15}, [2, 6], None),
    *[("random", {"times": ["08:00", "15:00"], "checks_per_week": 3}, [], area)
      for area in (0, 1, 0, 1)],
    *[("patrol", {"times": ["16:00"], "weekdays": [3]}, [], area) for area in (0, 1)],
]  # fmt: skip

SCHEDULES_SQL = """
SELECT s.id, s.organisation_id, s.kind, s.times, s.weekdays, s.month_day, s.checks_per_week,
       s.window_minutes, s.starts_on, s.ends_on, s.is_active, s.planned_from, s.planned_until,
       s.planned_inputs
FROM inspections_schedule s JOIN orgs_organisation o ON o.id = s.organisation_id
WHERE o.is_active AND s.is_active AND (s.ends_on IS NULL OR s.ends_on >= %s)
"""
NAMED_SQL = """
SELECT sl.schedule_id, sl.location_id FROM inspections_schedule_locations sl
JOIN orgs_location l ON l.id = sl.location_id WHERE l.is_active
"""
IN_AREA_TYPE_SQL = """
SELECT sa.schedule_id, l.id FROM inspections_schedule_area_types sa
JOIN inspections_schedule s ON s.id = sa.schedule_id
JOIN orgs_location l ON l.area_type_id = sa.areatype_id AND l.organisation_id = s.organisation_id
WHERE l.is_active
"""
INSERT_SQL = """
{insert} inspections_expectedcheck (created_at, updated_at, organisation_id, schedule_id,
    location_id, due_at, window_ends_at, week_key, month_key)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s){ignore}
"""


def tick_dataset_build(organisations: int) -> None:
    """The organisations and their schedules, planned from DAY, unless they exist."""
    with scopes_disabled():
        existing = Organisation.objects.filter(slug__startswith="tick-").count()
        if existing == organisations:
            return
        if existing:
            raise SystemExit(
                f"the data set has {existing} tick organisations, not {organisations}:"
                " remove bench/out/ or the PostgreSQL bench database"
            )
        started = time.perf_counter()
        with transaction.atomic():
            _dataset_write(organisations)
        print(
            f"tick data set: {organisations:,} organisations, "
            f"{ExpectedCheck.objects.count():,} expected checks, "
            f"in {time.perf_counter() - started:.0f} s"
        )


def _dataset_write(organisations: int) -> None:
    created = Organisation.objects.bulk_create(
        Organisation(slug=f"tick-{number:04d}", name=f"时钟基准单位{number:04d}")
        for number in range(organisations)
    )
    for first in range(0, len(created), 100):
        _organisations_fill(created[first : first + 100])
    # A tick of DAY plans the fortnights and leaves what a running site has: each organisation's
    # policies, each job's row.
    clock.tick(_morning(DAY), force=True)


def _morning(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(6, 0)))


def _organisations_fill(organisations: list[Organisation]) -> None:
    sites = Site.objects.bulk_create(
        Site(organisation=organisation, code="main", name="主院区")
        for organisation in organisations
    )
    area_types = AreaType.objects.bulk_create(
        AreaType(organisation=organisation, code=f"a{index}", name=f"区域{index}")
        for organisation in organisations
        for index in range(2)
    )
    locations = Location.objects.bulk_create(
        Location(
            organisation=organisation,
            site=site,
            code=f"L{index}",
            name=f"位置{index}",
            area_type=area_types[number * 2 + index % 2],
            path=f"/{index:08d}/",
        )
        for number, (organisation, site) in enumerate(zip(organisations, sites, strict=True))
        for index in range(LOCATIONS)
    )
    standards = Standard.objects.bulk_create(
        Standard(organisation=organisation, code="STD", name="标准")
        for organisation in organisations
    )
    schedules = Schedule.objects.bulk_create(
        Schedule(
            organisation=organisation,
            name=f"{kind} {index}",
            standard=standard,
            kind=kind,
            starts_on=DAY - dt.timedelta(days=30),
            **fields,
        )
        for organisation, standard in zip(organisations, standards, strict=True)
        for index, (kind, fields, _named, _area) in enumerate(SCHEDULES)
    )
    named, areas = Schedule.locations.through, Schedule.area_types.through
    named.objects.bulk_create(
        named(schedule=schedule, location=locations[number // 20 * LOCATIONS + index])
        for number, schedule in enumerate(schedules)
        for index in SCHEDULES[number % 20][2]
    )
    areas.objects.bulk_create(
        areas(schedule=schedule, areatype=area_types[number // 20 * 2 + SCHEDULES[number % 20][3]])
        for number, schedule in enumerate(schedules)
        if SCHEDULES[number % 20][3] is not None
    )


def raw_plan_ahead(today: dt.date) -> int:
    """The planning job's result in raw SQL: the same decisions, reads and writes by hand."""
    with connection.cursor() as cursor:
        cursor.execute(SCHEDULES_SQL, [connection.ops.adapt_datefield_value(today)])
        schedules = [_schedule_of(row) for row in cursor.fetchall()]
        covered = defaultdict(set)
        for query in (NAMED_SQL, IN_AREA_TYPE_SQL):
            cursor.execute(query)
            for schedule_id, location_id in cursor.fetchall():
                covered[schedule_id].add(location_id)
        steps = [
            step
            for schedule in schedules
            if (step := _planning_step(schedule, sorted(covered[schedule.pk]), today))
        ]
        if not steps:
            return 0
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        rows = [row for step in steps for row in _rows(step, now)]
        insert = connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)
        ignore = connection.ops.on_conflict_suffix_sql([], OnConflict.IGNORE, None, None)
        sql = INSERT_SQL.format(insert=insert, ignore=f" {ignore}" if ignore else "")
        cursor.executemany(sql, rows)
        created = cursor.rowcount
        _planned_write(cursor, steps)
    return created


def _schedule_of(row) -> SimpleNamespace:
    (pk, organisation_id, kind, times, weekdays, month_day, per_week, window, starts_on, ends_on,
     is_active, planned_from, planned_until, planned_inputs) = row  # fmt: skip
    return SimpleNamespace(
        pk=pk,
        organisation_id=organisation_id,
        kind=kind,
        times=json.loads(times) if isinstance(times, str) else times,
        weekdays=json.loads(weekdays) if isinstance(weekdays, str) else weekdays,
        month_day=month_day,
        checks_per_week=per_week,
        window_minutes=window,
        starts_on=_date(starts_on),
        ends_on=_date(ends_on),
        is_active=bool(is_active),
        planned_from=_date(planned_from),
        planned_until=_date(planned_until),
        planned_inputs=planned_inputs,
    )


def _date(value) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _rows(step, now) -> list[tuple]:
    schedule = step.schedule
    start = max(step.start, schedule.starts_on)
    end = min(step.until, schedule.ends_on) if schedule.ends_on else step.until
    if start > end or not step.location_ids:
        return []
    window = dt.timedelta(minutes=schedule.window_minutes)
    adapt = connection.ops.adapt_datetimefield_value
    rows = []
    for slot in planning.plan_slots(schedule_plan(schedule), start, end):
        due_at = timezone.make_aware(slot)
        values = (
            adapt(due_at),
            adapt(due_at + window),
            week_key(slot.date()),
            month_key(slot.date()),
        )
        rows += [
            (now, now, schedule.organisation_id, schedule.pk, location_id, *values)
            for location_id in step.location_ids
        ]
    return rows


def _planned_write(cursor, steps) -> None:
    adapt = connection.ops.adapt_datefield_value
    moved = defaultdict(list)
    replanned = []
    for step in steps:
        if step.replanned:
            replanned.append((adapt(step.start), adapt(step.until), step.inputs, step.schedule.pk))
        else:
            moved[step.until].append(step.schedule.pk)
    for until, ids in moved.items():
        for first in range(0, len(ids), 500):
            chunk = ids[first : first + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"UPDATE inspections_schedule SET planned_until = %s WHERE id IN ({marks})",  # noqa: S608
                [adapt(until), *chunk],
            )
    cursor.executemany(
        "UPDATE inspections_schedule SET planned_from = %s, planned_until = %s,"
        " planned_inputs = %s WHERE id = %s",
        replanned,
    )


def _edit(edited: list[int]) -> None:
    Schedule.objects.filter(pk__in=edited).update(times=["08:15", "16:45"])


def _state(since) -> tuple[set, set]:
    """The expected checks made since the moment, and every schedule's planned days."""
    made = set(
        ExpectedCheck.objects.filter(created_at__gte=since).values_list(
            "schedule_id", "location_id", "due_at", "window_ends_at", "week_key", "month_key"
        )
    )
    planned = set(
        Schedule.objects.values_list("pk", "planned_from", "planned_until", "planned_inputs")
    )
    return made, planned


def _rolled_back(run, edited: list[int]) -> tuple[float, tuple]:
    """The time of run after the edits, and the state it leaves, which is then rolled back."""
    with transaction.atomic():
        _edit(edited)
        since = timezone.now()
        started = time.perf_counter()
        run()
        elapsed = time.perf_counter() - started
        state = _state(since)
        transaction.set_rollback(True)
    return elapsed, state


def _spread(times: list[float]) -> tuple[float, float, float]:
    return statistics.median(times), min(times), max(times)


def tick_ratios(organisations: int, rounds: int = 5) -> dict:
    """Median and spread of the whole tick, and of the planning job against its baseline."""
    clock.discover()
    tick_dataset_build(organisations)
    now = _morning(DAY + dt.timedelta(days=1))
    today = timezone.localdate(now)
    with scopes_disabled():
        ids = Schedule.objects.filter(organisation__slug__startswith="tick-").order_by("pk")
        edited = list(ids.values_list("pk", flat=True))[::EDITED_EVERY]
        ticks, products, raws, made = [], [], [], 0
        for _round in range(rounds):
            ticks.append(_rolled_back(lambda: clock.tick(now, force=True), edited)[0])
            product_time, product_state = _rolled_back(lambda: plan_ahead(now), edited)
            raw_time, raw_state = _rolled_back(lambda: raw_plan_ahead(today), edited)
            if product_state != raw_state:
                raise SystemExit("(t) the planning's expected checks differ from the baseline's")
            products.append(product_time)
            raws.append(raw_time)
            made = len(product_state[0])
    return {
        "organisations": organisations,
        "schedules": len(ids),
        "edited": len(edited),
        "made": made,
        "rounds": rounds,
        "tick": _spread(ticks),
        "product": _spread(products),
        "raw": _spread(raws),
        "ratio": statistics.median(products) / statistics.median(raws),
    }
