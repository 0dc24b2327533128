"""The benchmark data set: a year of use of 10 organisations with 2,000 locations and N findings.

Like the year of real use up to now: two schedules per organisation (spot checks of the
department and of the leaders) with their expected checks, most done and some missed; checks
(inspections) grouping one to nine findings of one location and moment, and checks that found
nothing; findings of every kind (deductions, scored items, bonuses, highlights, rare red lines)
with photos on a share of them (FindingPhoto rows naming a few small JPEG files written once under
MEDIA_ROOT); fixes on the spot and rectification tasks in every state with their events for a share
of the problems; the red flags of the past weeks, awarded by the product itself; the "+" audit rows
of every audited record. Each check's score is what scoring.check_score gives for its findings, and
the stored keys (date, week, month, year) are those the product writes.

Rows are written with bulk statements straight into the tables (COPY on PostgreSQL, executemany on
SQLite) under ids chosen here, and the audit rows with one INSERT … SELECT per table, so building a
million findings takes minutes. The data set is built once per database and size and reused; the
site of each organisation carries the builder's version and the size (MARK), so a data set made by
an older builder, or of another size, is rebuilt.
"""

import datetime as dt
import io
import random
import time
import uuid
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_scopes import scopes_disabled
from PIL import Image
from simple_history.utils import get_history_model_for_model

from baozhang.accounts.services import api_token_create
from baozhang.core.periods import month_key, week_key
from baozhang.inspections import scoring
from baozhang.inspections.models import (
    ExpectedCheck,
    Finding,
    FindingPhoto,
    Inspection,
    RedFlag,
    Schedule,
    ScheduleKind,
    SupervisionLevel,
)
from baozhang.inspections.services import red_flags_award_closed_weeks
from baozhang.orgs.models import (
    AreaType,
    Assignment,
    Location,
    Membership,
    Organisation,
    Person,
    Role,
    Site,
    Unit,
    User,
)
from baozhang.orgs.services import organisation_create
from baozhang.rectification.models import SpotFix, Task, TaskEvent
from baozhang.standards.models import Standard, StandardItem, StandardVersion

BUILDER = 5  # raise it when the data set changes: a data set of another builder is rebuilt
ORGANISATIONS = 10
LOCATIONS_PER_ORGANISATION = 200
UNITS_PER_ORGANISATION = 40
DEPARTMENTS = 8  # of the units, the last ones are departments, ranked apart from the classes
INSPECTORS_PER_ORGANISATION = 6
DAYS = 365
YEAR_START = dt.date(2026, 1, 1)  # when the units took their locations
# Of the findings: deductions, scored items, bonuses, highlights and rare red lines.
KIND_WEIGHTS = {"deduction": 700, "scored": 150, "bonus": 60, "highlight": 88, "red_line": 2}
FINDINGS_PER_CHECK = [1, 1, 2, 2, 3, 3, 4, 5, 6, 9]
EMPTY_CHECKS = 0.2  # checks that found nothing
SCHEDULED = 0.6  # checks done for an expected check; the others are spot checks of no schedule
MISSED = 0.1  # expected checks missed, per expected check done
PHOTOS = 0.2  # findings with photos
SPOT_FIXES, TASKS = 0.08, 0.12  # problems fixed on the spot, problems given a task
PHOTO_FILES = 4
# The tables this builder writes, parents first.
WRITTEN = [ExpectedCheck, Inspection, Finding, FindingPhoto, SpotFix, Task, TaskEvent]
FLUSH = 200_000  # findings held in memory before they are written


def mark(findings: int) -> str:
    return f"bench data set, builder {BUILDER}, {findings} findings"


def dataset_build(*, findings: int = 1_000_000, seed: int = 7) -> list[Organisation]:
    """Create the organisations and their year of checks unless this builder made them at this
    size; returns the organisations."""
    with scopes_disabled():
        existing = list(Organisation.objects.filter(slug__startswith="bench-").order_by("slug"))
        existing = [each for each in existing if each.slug[6:].isdigit()]
        marked = Site.objects.filter(organisation__in=existing, address=mark(findings)).count()
        if len(existing) == ORGANISATIONS and marked == ORGANISATIONS:
            return existing
        generator = random.Random(seed)  # noqa: S311 - benchmark data
        started = time.perf_counter()
        photos = photo_files()
        organisations = []
        per_org = findings // ORGANISATIONS
        for number in range(ORGANISATIONS):
            organisation, shape = _organisation(number)
            organisations.append(organisation)
            Writer(organisation, shape, generator, photos).write(per_org)
            Site.objects.filter(organisation=organisation).update(address=mark(findings))
        print(f"data set: {findings:,} findings in {time.perf_counter() - started:.0f} s")
        return organisations


def inspector_with_token(organisation, username: str) -> tuple[User, str]:
    """An inspector of the organisation, as on a phone, and a new API token of theirs."""
    with scopes_disabled():
        user, _created = User.objects.get_or_create(username=username)
        person, _created = Person.objects.get_or_create(
            organisation=organisation, user=user, defaults={"name": "检查员"}
        )
        Membership.objects.get_or_create(
            organisation=organisation, person=person, role=Role.INSPECTOR
        )
    _token, raw = api_token_create(user=user, name="bench")
    return user, raw


def photo_files() -> list[tuple[str, str]]:
    """A few small JPEG photos and their thumbnails under MEDIA_ROOT, written once."""
    folder = Path(settings.MEDIA_ROOT) / "findings" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for index in range(PHOTO_FILES):
        image, thumbnail = (
            f"findings/bench/photo-{index}.jpg",
            f"findings/bench/photo-{index}-t.jpg",
        )
        colour = (60 * index % 256, 120, 200 - 40 * index)
        for name, size in ((image, (640, 480)), (thumbnail, (160, 120))):
            path = Path(settings.MEDIA_ROOT) / name
            if not path.exists():
                Image.new("RGB", size, colour).save(path, "JPEG", quality=70)
        names.append((image, thumbnail))
    return names


def _organisation(number: int):
    return organisation_shaped(slug=f"bench-{number:02d}", name=f"基准测试单位{number:02d}")


def organisation_shaped(*, slug: str, name: str):
    """The organisation with its site, locations, units, holders, inspectors and standard (made
    once), and none of its checks; returns it and its shape."""
    organisation = Organisation.objects.filter(slug=slug).first() or organisation_create(
        slug=slug, name=name
    )
    _checks_clear(organisation)
    site, _ = Site.objects.get_or_create(organisation=organisation, code="main", name="主院区")
    area_types = list(AreaType.objects.filter(organisation=organisation).order_by("sort_order"))[:4]
    if not Location.objects.filter(organisation=organisation).exists():
        Location.objects.bulk_create(
            Location(
                organisation=organisation,
                site=site,
                code=f"L{index:04d}",
                name=f"位置{index}",
                area_type=area_types[index % len(area_types)],
                path=f"/{index:08d}/",
            )
            for index in range(LOCATIONS_PER_ORGANISATION)
        )
        Unit.objects.bulk_create(
            Unit(organisation=organisation, code=f"U{index:03d}", name=f"单位{index}", kind="class")
            for index in range(UNITS_PER_ORGANISATION)
        )
        locations = list(Location.objects.filter(organisation=organisation).order_by("code"))
        units = list(Unit.objects.filter(organisation=organisation).order_by("code"))
        Assignment.objects.bulk_create(
            Assignment(
                organisation=organisation,
                location=location,
                unit=units[index % len(units)],
                starts_on=YEAR_START - dt.timedelta(days=DAYS),
            )
            for index, location in enumerate(locations)
        )
        standard = Standard.objects.create(organisation=organisation, code="STD", name="标准")
        standard.area_types.set(area_types)
        StandardVersion.objects.create(organisation=organisation, standard=standard, number=1)
    Unit.objects.filter(
        organisation=organisation,
        code__in=[f"U{index:03d}" for index in range(UNITS_PER_ORGANISATION - DEPARTMENTS,
                                                     UNITS_PER_ORGANISATION)],
    ).update(kind="department")  # fmt: skip
    # Units held their locations the whole year the data set covers.
    Assignment.objects.filter(organisation=organisation, starts_on=YEAR_START).update(
        starts_on=YEAR_START - dt.timedelta(days=DAYS)
    )
    version = StandardVersion.objects.get(organisation=organisation)
    _items_ensure(organisation, version)
    inspectors = _inspectors(organisation)
    locations = list(
        Location.objects.filter(organisation=organisation).values_list("pk", "area_type_id")
    )
    holders = dict(
        Assignment.objects.filter(organisation=organisation).values_list("location_id", "unit_id")
    )
    items = list(
        StandardItem.objects.filter(organisation=organisation).values_list(
            "pk", "kind", "points", "cap"
        )
    )
    return organisation, Shape(version, locations, holders, items, inspectors)


class Shape:
    def __init__(self, version, locations, holders, items, inspectors):
        self.version, self.locations, self.holders = version, locations, holders
        self.inspectors = inspectors  # (person id, user id)
        self.items: dict[str, list] = {}
        for item_id, kind, points, cap in items:
            self.items.setdefault(kind, []).append((item_id, Decimal(points), cap))


def _items_ensure(organisation, version) -> None:
    """Ten deductions (some capped), two scored items, a bonus and a red line."""
    kinds = set(StandardItem.objects.filter(version=version).values_list("kind", flat=True))
    wanted = [("deduction", 2, 10), ("scored", 5, 10), ("scored", 3, None), ("bonus", 5, None)]
    wanted += [("red_line", 20, None)]
    if not kinds:
        wanted = [("deduction", 2, 10 if index % 3 == 0 else None) for index in range(9)] + wanted
    StandardItem.objects.bulk_create(
        StandardItem(
            organisation=organisation,
            version=version,
            section="检查",
            text=f"{kind}项{index}",
            kind=kind,
            points=Decimal(points),
            cap=None if cap is None else Decimal(cap),
            sort_order=20 + index,
        )
        for index, (kind, points, cap) in enumerate(wanted)
        if kind not in kinds
    )


def _inspectors(organisation) -> list[tuple[int, int]]:
    people = []
    for index in range(INSPECTORS_PER_ORGANISATION):
        user, _ = User.objects.get_or_create(username=f"{organisation.slug}-inspector-{index}")
        person, _ = Person.objects.get_or_create(
            organisation=organisation, user=user, defaults={"name": f"检查员{index}"}
        )
        Membership.objects.get_or_create(
            organisation=organisation, person=person, role=Role.INSPECTOR
        )
        people.append((person.pk, user.pk))
    return people


def _checks_clear(organisation) -> None:
    """The organisation's checks and what hangs on them, with their audit rows and schedules."""
    with transaction.atomic(), connection.cursor() as cursor:
        for model in [RedFlag, *reversed(WRITTEN)]:
            history = _history(model)
            for table in ([history._meta.db_table] if history else []) + [model._meta.db_table]:
                cursor.execute(
                    f"DELETE FROM {table} WHERE organisation_id = %s",  # noqa: S608
                    [organisation.pk],
                )
        Schedule.objects.filter(organisation=organisation).delete()


def _history(model):
    try:
        return get_history_model_for_model(model)
    except Exception:  # noqa: BLE001 - a model without an audit trail
        return None


class Writer:
    """One organisation's year of checks, made in memory under ids of its own, then written."""

    def __init__(self, organisation, shape: Shape, generator: random.Random, photos):
        self.organisation, self.shape, self.random, self.photos = (
            organisation, shape, generator, photos,
        )  # fmt: skip
        self.zone = timezone.get_current_timezone()
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.rows: dict[type, list[tuple]] = {model: [] for model in WRITTEN}
        self.ids = {model: _next_id(model) for model in WRITTEN}
        self.first = dict(self.ids)
        self.expected_keys: set = set()

    def id(self, model) -> int:
        value = self.ids[model]
        self.ids[model] += 1
        return value

    def write(self, findings: int) -> None:
        made = 0
        with transaction.atomic():
            self.schedules = self._schedules()
            while made < findings:
                count = (
                    0
                    if self.random.random() < EMPTY_CHECKS
                    else self.random.choice(FINDINGS_PER_CHECK)
                )
                count = min(count, findings - made)
                self._check(count)
                made += count
                if len(self.rows[Finding]) >= FLUSH:
                    self._flush()
            self._flush()
            for model in WRITTEN:
                _history_write(model, self.organisation.pk, self.first[model])
            _sequences_reset(WRITTEN)
        red_flags_award_closed_weeks(
            organisation=self.organisation, weeks_back=53, today=self.today
        )

    def _flush(self) -> None:
        for model in WRITTEN:
            _rows_write(model, COLUMNS[model], self.rows[model])
            self.rows[model] = []

    def _schedules(self) -> list[Schedule]:
        locations = [pk for pk, _area in self.shape.locations]
        schedules = []
        for name, level in (
            ("科室抽查", SupervisionLevel.DEPARTMENT),
            ("领导检查", SupervisionLevel.LEADER),
        ):
            schedule = Schedule.objects.create(
                organisation=self.organisation,
                name=name,
                standard=self.shape.version.standard,
                kind=ScheduleKind.RANDOM,
                level=level,
                checks_per_week=50,
                window_minutes=120,
                starts_on=self.today - dt.timedelta(days=DAYS),
            )
            # Created when it started: its checks of the year count.
            Schedule.objects.filter(pk=schedule.pk).update(
                created_at=dt.datetime.combine(schedule.starts_on, dt.time.min, tzinfo=self.zone)
            )
            schedule.locations.set(locations)
            schedules.append(schedule)
        return schedules

    def _moment(self) -> dt.datetime:
        """A moment of a working day of the last year, today's before now."""
        while True:
            day = self.today - dt.timedelta(days=self.random.randrange(DAYS))
            clock = dt.time(self.random.randrange(7, 20), self.random.choice((0, 15, 30, 45)))
            moment = dt.datetime.combine(day, clock, tzinfo=self.zone)
            if moment < self.now:
                return moment

    def _expected(self, schedule, location_id, due_at) -> int | None:
        key = (schedule.pk, location_id, due_at)
        if key in self.expected_keys:
            return None
        self.expected_keys.add(key)
        pk = self.id(ExpectedCheck)
        day = due_at.date()
        planned = due_at - dt.timedelta(days=14)
        self.rows[ExpectedCheck].append((
            pk, self.organisation.pk, schedule.pk, location_id, due_at,
            due_at + dt.timedelta(minutes=schedule.window_minutes), week_key(day), month_key(day),
            planned, planned,
        ))  # fmt: skip
        return pk

    def _missed(self) -> None:
        location_id, _area = self.random.choice(self.shape.locations)
        self._expected(self.random.choice(self.schedules), location_id, self._moment())

    def _check(self, count: int) -> None:
        org, shape, rnd = self.organisation.pk, self.shape, self.random
        location_id, area_type_id = rnd.choice(shape.locations)
        done_at = self._moment()
        day = done_at.date()
        week, month = week_key(day), month_key(day)
        inspector_id, user_id = rnd.choice(shape.inspectors)
        schedule = expected_id = None
        if rnd.random() < SCHEDULED:
            schedule = rnd.choice(self.schedules)
            due_at = done_at - dt.timedelta(minutes=rnd.choice((0, 15, 30, 60)))
            expected_id = self._expected(schedule, location_id, due_at)
            if expected_id is None:
                schedule = None
            if rnd.random() < MISSED:
                self._missed()
        inspection_id = self.id(Inspection)
        unit_id = shape.holders.get(location_id)
        scored = []
        for index in range(count):
            kind = rnd.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
            if kind == "highlight":
                item_id, points, cap = None, Decimal(0), None
            else:
                item_id, points, cap = rnd.choice(shape.items[kind])
                if kind == "scored":
                    points = Decimal(rnd.randint(1, int(points * 10))) / 10
            scored.append(
                scoring.ScoredFinding(
                    item=str(item_id) if item_id else f"free-{index}",
                    kind=kind,
                    points=points,
                    cap=cap,
                )
            )
            finding_id = self.id(Finding)
            self.rows[Finding].append((
                finding_id, org, inspection_id, location_id, area_type_id, unit_id, "", item_id,
                kind, points, "", inspector_id, done_at, day, week, month, day.year, done_at,
                done_at,
            ))  # fmt: skip
            if rnd.random() < PHOTOS:
                for image, thumbnail in rnd.sample(self.photos, rnd.choice((1, 1, 2))):
                    self.rows[FindingPhoto].append(
                        (self.id(FindingPhoto), org, finding_id, image, thumbnail, done_at, done_at)
                    )
            if kind in scoring.LOSING and unit_id is not None:
                self._rectified(finding_id, unit_id, done_at, inspector_id, user_id)
        version = shape.version
        score = scoring.check_score(scored, base=version.base_score, floor=version.floor_score)
        self.rows[Inspection].append((
            inspection_id, org, uuid.UUID(int=rnd.getrandbits(128), version=4), location_id,
            version.pk, schedule.pk if schedule else None, expected_id,
            schedule.level if schedule else SupervisionLevel.DEPARTMENT, inspector_id, user_id,
            done_at, "", score.score, score.red_lines > 0, day, week, month, done_at, done_at,
        ))  # fmt: skip

    def _rectified(self, finding_id, unit_id, observed_at, inspector_id, user_id) -> None:
        rnd, org = self.random, self.organisation.pk
        draw = rnd.random()
        if draw < SPOT_FIXES:
            fixed_at = observed_at + dt.timedelta(minutes=rnd.randint(5, 40))
            self.rows[SpotFix].append((
                self.id(SpotFix), org, finding_id, "保洁员", "", "", "", fixed_at, inspector_id,
                fixed_at, fixed_at,
            ))  # fmt: skip
            return
        if draw >= SPOT_FIXES + TASKS:
            return
        task_id = self.id(Task)
        severity, hours = rnd.choice(
            (("urgent", 24), ("normal", 72), ("normal", 72), ("minor", 168))
        )
        opened = observed_at + dt.timedelta(minutes=10)
        deadline = opened + dt.timedelta(hours=hours)
        events = [("opened", opened, inspector_id, user_id)]
        status, submitted, closed, rejections = "open", None, None, 0
        fate = rnd.random()
        if fate > 0.15:  # submitted at least once
            submitted = opened + dt.timedelta(hours=rnd.uniform(1, hours * 1.3))
            events.append(("submitted", submitted, None, None))
            status = "submitted"
            if fate > 0.3:  # verified: some rejected once first
                if fate > 0.85:
                    rejected = submitted + dt.timedelta(hours=rnd.uniform(1, 8))
                    submitted = rejected + dt.timedelta(hours=rnd.uniform(2, 24))
                    events += [
                        ("rejected", rejected, inspector_id, user_id),
                        ("submitted", submitted, None, None),
                    ]
                    rejections = 1
                closed = submitted + dt.timedelta(hours=rnd.uniform(1, 12))
                events.append(("closed", closed, inspector_id, user_id))
                status = "closed"
        if events[-1][1] >= self.now:  # too recent for what it was to become: still open
            events, status, submitted, closed, rejections = events[:1], "open", None, None, 0
        overdue = status == "open" and deadline < self.now
        escalated = deadline + dt.timedelta(hours=72) if overdue else None
        if escalated is not None and escalated >= self.now:
            escalated = None
        if escalated is not None:
            events.append(("escalated", escalated, None, None))
            events.sort(key=lambda event: event[1])
        self.rows[Task].append((
            task_id, org, finding_id, None, unit_id, None, "请整改", severity, deadline, status,
            opened, inspector_id, submitted, None, closed, inspector_id if closed else None,
            rejections, 2 if escalated else 0, None, escalated, opened, events[-1][1],
        ))  # fmt: skip
        for kind, at, by, by_user in events:
            self.rows[TaskEvent].append(
                (self.id(TaskEvent), org, task_id, kind, at, by, by_user, "", "", "", at, at)
            )


COLUMNS = {
    ExpectedCheck: "id organisation_id schedule_id location_id due_at window_ends_at week_key"
    " month_key created_at updated_at",
    Inspection: "id organisation_id client_id location_id standard_version_id schedule_id"
    " expected_id level inspector_id submitted_by_id done_at note score is_failed date week_key"
    " month_key created_at updated_at",
    Finding: "id organisation_id inspection_id location_id area_type_id unit_id unit_reason item_id"
    " kind points note inspector_id observed_at date week_key month_key year created_at updated_at",
    FindingPhoto: "id organisation_id finding_id image thumbnail created_at updated_at",
    SpotFix: "id organisation_id finding_id fixed_by note photo photo_thumbnail fixed_at"
    " recorded_by_id created_at updated_at",
    Task: "id organisation_id finding_id referral_id unit_id assignee_id description severity"
    " deadline status opened_at opened_by_id submitted_at submitted_by_id closed_at closed_by_id"
    " rejections escalation reminded_at escalated_at created_at updated_at",
    TaskEvent: "id organisation_id task_id kind at by_id by_user_id note photo photo_thumbnail"
    " created_at updated_at",
}
COLUMNS = {model: columns.split() for model, columns in COLUMNS.items()}


def _next_id(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {model._meta.db_table}")  # noqa: S608
        return (cursor.fetchone()[0] or 0) + 1


def _rows_write(model, columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                buffer = io.StringIO()
                for index, row in enumerate(rows, start=1):
                    buffer.write(
                        "\t".join(r"\N" if value is None else str(value) for value in row) + "\n"
                    )
                    if index % 50_000 == 0:
                        copy.write(buffer.getvalue())
                        buffer = io.StringIO()
                copy.write(buffer.getvalue())
            return
        placeholders = ", ".join(["%s"] * len(columns))
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",  # noqa: S608
            (tuple(_sqlite(value) for value in row) for row in rows),
        )


def _sqlite(value):
    """A value as Django stores it in SQLite."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, Decimal | dt.date):
        return str(value)
    if isinstance(value, uuid.UUID):
        return value.hex
    return value


# A task's "+" row is the task as it was opened; its "~" row, at its last step, what it became.
TASK_OPENED = {
    "status": "'open'", "submitted_at": "NULL", "submitted_by_id": "NULL", "closed_at": "NULL",
    "closed_by_id": "NULL", "rejections": "0", "escalation": "0", "escalated_at": "NULL",
    "updated_at": "created_at",
}  # fmt: skip


def _history_write(model, organisation_id: int, first_id: int) -> None:
    """The audit rows of the records written, as core/history.py writes them: a "+" row by the user
    who submitted the check, at the moment the record was made; and for a task that moved on, a
    "~" row at its last step."""
    history = _history(model)
    if history is None:
        return
    table = model._meta.db_table
    columns = [
        field.column
        for field in history._meta.concrete_fields
        if field.name not in ("history_id", "history_date", "history_change_reason",
                              "history_type", "history_user")
    ]  # fmt: skip
    user = {
        Inspection: "submitted_by_id",
        Finding: f"(SELECT i.submitted_by_id FROM {Inspection._meta.db_table} i"
        f" WHERE i.id = {table}.inspection_id)",
    }.get(model, "NULL")
    opened = TASK_OPENED if model is Task else {}
    rows = [(", ".join(opened.get(column, column) for column in columns), "created_at", "'+'", "")]
    if model is Task:
        rows.append((", ".join(columns), "updated_at", "'~'", " AND updated_at > created_at"))
    with connection.cursor() as cursor:
        for values, moment, kind, condition in rows:
            cursor.execute(
                f"INSERT INTO {history._meta.db_table} ({', '.join(columns)}, history_date,"  # noqa: S608
                f" history_type, history_user_id, history_change_reason) SELECT {values},"
                f" {moment}, {kind}, {user}, NULL FROM {table}"
                f" WHERE organisation_id = %s AND id >= %s{condition}",
                [organisation_id, first_id],
            )


def _sequences_reset(models) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608
                f" (SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
