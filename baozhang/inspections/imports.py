"""Findings imported from a workbook, all or nothing, in memory that does not grow with the rows
(docs/formats.md, "Large imports"); the columns and each row's checks are in spreadsheets.py.

Every row is read and checked first, with no write, the good ones kept in a temporary database
(the workbook is read once, a row at a time); only when all rows are good is anything stored. A
small import stores everything in one transaction. In the background (``run``), the new checks are
stored in batches of about ``run.batch_rows`` findings, each in its own short transaction and
tagged with the job, which takes them back if anything fails (findings_import_undo); the
corrections follow in one transaction.
"""

import datetime as dt
import sqlite3
import time
from decimal import Decimal
from itertools import groupby
from operator import itemgetter

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from baozhang.core.transfers import ERRORS_KEPT, ImportRun
from baozhang.core.xlsx import ImportRejected, RowError, SheetRow, sheet_rows
from baozhang.inspections.models import Finding, FindingKind
from baozhang.inspections.services import (
    CheckInput,
    FindingInput,
    finding_correct,
    finding_correction,
    inspections_of_import_remove,
    inspections_store,
    item_inapplicable,
)
from baozhang.inspections.spreadsheets import (
    COLUMNS,
    HEADERS,
    ID_CHUNK,
    NOTHING_FOUND,
    Problem,
    _correction,
    _finding,
    _Known,
    _time,
)
from baozhang.orgs.models import Organisation, User
from baozhang.orgs.spreadsheets import ImportResult

PROGRESS_EVERY_SECONDS = 1  # a background import writes its progress at most this often


def findings_import(
    *,
    organisation: Organisation,
    upload,
    by: User | None,
    run: ImportRun | None = None,
    allow_duplicates: bool = False,
) -> ImportResult:
    """Import findings, all or nothing: a row with a number corrects that finding; the others are
    grouped into one ad-hoc check per location, time and inspector (see the module's docstring).

    A new row the same as a finding already recorded, or as an earlier row of the workbook (the
    same location, time, inspector, item, kind, points and note), is a problem, unless the person said
    that such rows are new after all (``allow_duplicates``)."""
    with _Staged() as staged:
        known = _rows_checked(organisation, upload, staged, run, allow_duplicates)
        if run is not None:
            return _staged_stored(known, staged, by, run)
        with transaction.atomic():
            return _staged_stored(known, staged, by, None)


def findings_import_undo(*, organisation: Organisation, job_id: int) -> int:
    """Remove the checks and findings a background import stored so far, with their audit rows."""
    return inspections_of_import_remove(organisation=organisation, import_job_id=job_id)


class _Progress:
    """A step of a background import, written at most every PROGRESS_EVERY_SECONDS (each write is
    a short transaction of its own, or joins the batch's)."""

    def __init__(self, run: ImportRun | None, key: str, start: int, end: int, total: int = 0):
        self.run, self.key, self.start, self.end, self.total = run, key, start, end, total
        self.written_at = 0.0

    def __call__(self, done: int, *, now: bool = False) -> None:
        if self.run is None or not (
            now or time.monotonic() - self.written_at >= PROGRESS_EVERY_SECONDS
        ):
            return
        done = min(done, self.total)
        share = done / self.total if self.total else 1
        self.run.step(
            self.key,
            progress=self.start + int((self.end - self.start) * share),
            done=done,
            total=self.total,
        )
        self.written_at = time.monotonic()

    def counted(self, total: int) -> None:
        self.total = total


class _Staged:
    """The checked rows waiting to be stored, in a temporary SQLite database that has no name
    (nothing is left behind even if the process is killed) and that SQLite keeps on disk beyond a
    small cache: the new findings, read back sorted by check so that the rows of one check come
    together wherever they were in the workbook, and the corrections, one per finding."""

    NEW = "number, location, moment, inspector, item, kind, points, note, unit"
    PENDING = 1000  # new rows inserted together
    CORRECTED = "number, finding, item, kind, points, note, unit, reason"

    def __enter__(self) -> "_Staged":
        self.database = sqlite3.connect("")
        self.database.execute(f"CREATE TABLE new ({self.NEW})")
        self.database.execute(f"CREATE TABLE corrected ({self.CORRECTED}, changed)")
        self.database.execute("CREATE UNIQUE INDEX corrected_finding ON corrected (finding)")
        self.new = self.corrected = 0
        self.pending: list[tuple] = []  # new rows not in the database yet, at most PENDING
        self.last_moment: tuple = (None, 0)
        self.zone = timezone.get_current_timezone()
        return self

    def add_new(self, *values) -> None:
        self.pending.append(values)
        self.new += 1
        if len(self.pending) >= self.PENDING:
            self._pending_stored()

    def _pending_stored(self) -> None:
        self.database.executemany(
            "INSERT INTO new VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", self.pending
        )
        self.pending = []

    def timestamp(self, day: dt.date, moment: dt.time) -> int:
        """The local day and time as seconds since the epoch; the rows of a check share them,
        converted once."""
        key = (day, moment)
        if key != self.last_moment[0]:
            done_at = timezone.make_aware(dt.datetime.combine(day, moment), self.zone)
            self.last_moment = (key, int(done_at.timestamp()))
        return self.last_moment[1]

    def row_of(self, finding: int) -> int | None:
        """The row that already corrects the finding, if any."""
        found = self.database.execute(
            "SELECT number FROM corrected WHERE finding = ?", (finding,)
        ).fetchone()
        return found[0] if found else None

    def add_corrected(self, *values, changed: bool) -> None:
        self.database.execute(
            "INSERT INTO corrected VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (*values, changed)
        )
        self.corrected += 1

    def new_by_check(self):
        self._pending_stored()
        self.database.commit()
        return self.database.execute(
            f"SELECT {self.NEW} FROM new ORDER BY location, moment, inspector, number"  # noqa: S608
        )

    def changed(self):
        """The corrections that change their finding, in the workbook's order."""
        return self.database.execute(
            f"SELECT {self.CORRECTED} FROM corrected WHERE changed ORDER BY number"  # noqa: S608
        )

    def __exit__(self, *exc) -> None:
        self.database.close()


def _rows_checked(
    organisation, upload, staged: _Staged, run: ImportRun | None, allow_duplicates: bool = False
) -> _Known:
    """Every row read and checked, the good ones staged; raises ImportRejected with the first
    ERRORS_KEPT problems and their number if any row has one."""
    known = _Known(organisation)
    problems = _Problems()
    numbered = _Numbered(known, staged, problems)
    duplicates = None if allow_duplicates else _Duplicates(known, problems)
    progress = _Progress(run, "checking", start=0, end=50)
    for row in sheet_rows(upload, COLUMNS, counted=progress.counted):
        progress(row.number - 1)
        if row.errors:
            problems.extend(row.errors)
        elif row.values.get("id") is not None:
            numbered.add(row)
        else:
            _new_staged(row, known, staged, problems.of(row), duplicates)
    numbered.flush()
    if duplicates is not None:
        duplicates.flush()
    if problems.total:
        raise ImportRejected(problems.kept, total=problems.total)
    return known


class _Problems:
    """The rows' problems: the first ERRORS_KEPT, in the workbook's order, and how many in all."""

    def __init__(self):
        self.kept: list[RowError] = []
        self.total = 0

    def extend(self, errors: list[RowError]) -> None:
        self.total += len(errors)
        # A numbered row's problem is found a chunk later: keep the first rows' in any case.
        self.kept = sorted([*self.kept, *errors], key=lambda error: error.row or 0)[:ERRORS_KEPT]

    def of(self, row: SheetRow) -> Problem:
        def problem(key: str, message: str) -> None:
            self.extend([RowError(row.number, HEADERS[key], message)])

        return problem


class _Numbered:
    """The rows that correct a finding by its number, checked ID_CHUNK at a time (one query for
    their findings); a number that is unknown, or given in two rows, is a problem."""

    def __init__(self, known: _Known, staged: _Staged, problems: _Problems):
        self.known, self.staged, self.problems = known, staged, problems
        self.rows: dict[int, SheetRow] = {}

    def add(self, row: SheetRow) -> None:
        number = row.values["id"]
        earlier = self.rows[number].number if number in self.rows else self.staged.row_of(number)
        if earlier is not None:
            self.problems.of(row)(
                "id",
                _("“%(value)s” also appears in row %(row)s") % {"value": number, "row": earlier},
            )
            return
        self.rows[number] = row
        if len(self.rows) >= ID_CHUNK:
            self.flush()

    def flush(self) -> None:
        recorded = {
            finding.pk: finding
            for finding in Finding.objects.filter(
                organisation=self.known.organisation, pk__in=list(self.rows)
            ).select_related("inspection__standard_version", "location", "unit", "inspector")
        }
        for number, row in self.rows.items():
            problem = self.problems.of(row)
            finding = recorded.get(number)
            if finding is None:
                problem(
                    "id",
                    _(
                        "no finding of this organisation has the number %(id)s "
                        "(leave it empty for a new finding)"
                    )
                    % {"id": number},
                )
                continue
            given = _correction(row.values, finding, self.known, problem)
            if given is None:
                continue
            try:
                changed = finding_correction(finding=finding, given=given) is not None
            except ValidationError as error:
                self.problems.extend([RowError(row.number, None, " ".join(error.messages))])
                continue
            self.staged.add_corrected(
                row.number,
                finding.pk,
                given.item_id,
                given.kind,
                None if given.points is None else str(given.points),
                given.note,
                given.unit.pk if given.unit else None,
                given.unit_reason,
                changed=changed,
            )
        self.rows = {}


def _new_staged(
    row: SheetRow,
    known: _Known,
    staged: _Staged,
    problem: Problem,
    duplicates: "_Duplicates | None" = None,
) -> None:
    """A row without a number, checked; staged if it is good (a duplicate's problem is found
    with its chunk's)."""
    values = row.values
    moment = _time(values.get("time"))
    if moment is None:
        problem("time", _("“%(value)s” is not a time like 07:30") % {"value": values["time"]})
        return
    location = known.locations.get(values["location"])
    if location is None:
        problem("location", _("no location has the code “%(code)s”") % {"code": values["location"]})
        return
    version = known.version(location)
    if version is None:
        problem("location", _("No active standard applies to this location."))
        return
    finding = _finding(values, known.items(version), version, known.units, problem)
    if finding is None:
        return
    if finding.item_id is not None:
        inapplicable = item_inapplicable(known.items(version)[values["item"]], location)
        if inapplicable is not None:
            problem("item", " ".join(inapplicable.messages))
            return
    inspector = None
    if values.get("inspector"):
        inspector = known.people.get(values["inspector"])
        if inspector is None:
            problem(
                "inspector",
                _("nobody of this organisation is called “%(name)s”")
                % {"name": values["inspector"]},
            )
            return
    timestamp = staged.timestamp(values["date"], moment)
    if duplicates is not None and finding.kind != NOTHING_FOUND:
        item = known.items(version)[values["item"]] if finding.item_id is not None else None
        duplicates.add(row, location, timestamp, inspector, item, finding)
    staged.add_new(
        row.number,
        location.pk,
        timestamp,
        inspector.pk if inspector else None,
        finding.item_id,
        finding.kind,
        None if finding.points is None else str(finding.points),
        finding.note,
        finding.unit.pk if finding.unit else None,
    )


class _Duplicates:
    """The new rows that repeat a finding already recorded or an earlier row: the same location,
    time (to the minute), inspector, item, kind, points and note (two problems of one item in
    one check differ by their notes). The recorded findings are looked up ID_CHUNK rows at
    a time, in one query per chunk; the earlier rows are remembered by their key."""

    def __init__(self, known: _Known, problems: _Problems):
        self.known, self.problems = known, problems
        self.zone = timezone.get_current_timezone()
        self.seen: dict[tuple, int] = {}  # key → the first row that has it
        self.pending: list[tuple[tuple, SheetRow, str]] = []

    def add(self, row: SheetRow, location, timestamp: int, inspector, item, given) -> None:
        kind = given.kind or item.kind
        if kind == FindingKind.HIGHLIGHT:
            points = Decimal(0)
        else:
            points = given.points if given.points is not None else item.points
        key = (
            location.pk,
            timestamp - timestamp % 60,  # to the minute, as a workbook gives the time
            inspector.pk if inspector else None,
            item.pk if item else None,
            kind,
            _tenths(points),
            given.note,
        )
        moment = dt.datetime.fromtimestamp(timestamp, tz=self.zone).strftime("%Y-%m-%d %H:%M")
        what = _("location %(location)s, %(time)s, item %(item)s") % {
            "location": location.code,
            "time": moment,
            "item": item.text if item else (given.note or _("none")),
        }
        earlier = self.seen.setdefault(key, row.number)
        if earlier != row.number:
            self._problem(
                row, _("the same as row %(row)s (%(what)s)") % {"row": earlier, "what": what}
            )
            return
        self.pending.append((key, row, what, row.values["date"]))
        if len(self.pending) >= ID_CHUNK:
            self.flush()

    def flush(self) -> None:
        """The pending rows that repeat a recorded finding, found with one query."""
        if not self.pending:
            return
        recorded = Finding.objects.filter(
            organisation=self.known.organisation,
            date__in={day for _key, _row, _what, day in self.pending},
            location_id__in={key[0] for key, _row, _what, _day in self.pending},
        ).values_list(
            "location_id", "observed_at", "inspector_id", "item_id", "kind", "points", "note"
        )
        stored = set()
        for location, moment, inspector, item, kind, points, note in recorded:
            timestamp = int(moment.timestamp())
            minute = timestamp - timestamp % 60
            stored.add((location, minute, inspector, item, kind, _tenths(points), note))
        for key, row, what, _day in self.pending:
            if key in stored:
                self._problem(
                    row,
                    _("the same as a finding already recorded (%(what)s)") % {"what": what},
                )
        self.pending = []

    def _problem(self, row: SheetRow, message: str) -> None:
        hint = _("if it is new after all, tick “They are new” (or --allow-duplicates)")
        joined = _("%(problem)s; %(hint)s") % {"problem": message, "hint": hint}
        self.problems.extend([RowError(row.number, None, joined)])


def _tenths(points) -> int:
    return int(Decimal(points) * 10)


def _staged_stored(known: _Known, staged: _Staged, by, run: ImportRun | None) -> ImportResult:
    """The new checks, then the corrections, stored; with a run, the checks in batches."""
    created = _checks_stored(known, staged, by, run)
    _corrections_stored(known, staged, by, run)
    return ImportResult(created=created, updated=staged.corrected)


def _checks_stored(known: _Known, staged: _Staged, by, run: ImportRun | None) -> int:
    """The staged new rows stored as checks, a batch of about ``run.batch_rows`` findings at a
    time; with a run, each batch in its own transaction, which also writes the run's progress."""
    locations = {location.pk: location for location in known.locations.values()}
    people = {person.pk: person for person in known.people.values()}
    finding = _StagedFinding(known)
    zone = timezone.get_current_timezone()
    note = _("Entered from a workbook")
    progress = _Progress(run, "storing", start=50, end=100, total=staged.new)
    stored, batch, in_batch = 0, [], 0
    for (location, moment, inspector), rows in groupby(
        staged.new_by_check(), key=itemgetter(1, 2, 3)
    ):
        rows = list(rows)
        findings = [finding(row) for row in rows if row[5] != NOTHING_FOUND]
        stored += len(rows) - len(findings)  # rows of a check that found nothing: the check
        batch.append(
            CheckInput(
                location=locations[location],
                version=known.version(locations[location]),
                findings=findings,
                done_at=dt.datetime.fromtimestamp(moment, tz=zone),
                inspector=people.get(inspector),
            )
        )
        in_batch += len(rows)
        if run is not None and in_batch >= run.batch_rows:
            stored += _batch_stored(batch, by, note, run, progress, stored)
            batch, in_batch = [], 0
    if batch:
        stored += _batch_stored(batch, by, note, run, progress, stored)
    return stored


class _StagedFinding:
    """A staged new row as the finding to store."""

    def __init__(self, known: _Known):
        self.units = {unit.pk: unit for unit in known.units.values()}
        self.reason = _("as entered in the workbook")

    def __call__(self, row) -> FindingInput:
        _number, _location, _moment, _inspector, item, kind, points, note, unit = row
        return FindingInput(
            item_id=item,
            kind=kind,
            points=None if points is None else Decimal(points),
            note=note,
            unit=self.units[unit] if unit else None,
            unit_reason=self.reason if unit else "",
        )


def _batch_stored(batch, by, note, run: ImportRun | None, progress: _Progress, before: int) -> int:
    try:
        if run is None:
            return inspections_store(checks=batch, submitted_by=by, note=note)
        with transaction.atomic():
            count = inspections_store(
                checks=batch, submitted_by=by, note=note, import_job_id=run.job_id
            )
            progress(before + count, now=True)  # refused if the job is no longer this run's
            return count
    except ValidationError as error:
        # The rows were good when checked; a record they name changed since.
        raise ImportRejected([RowError(None, None, " ".join(error.messages))]) from error


def _corrections_stored(known: _Known, staged: _Staged, by, run: ImportRun | None) -> None:
    """The corrections that change their finding, in one transaction (they cannot be taken back
    one batch at a time as new checks can), their findings read ID_CHUNK at a time."""
    units = {unit.pk: unit for unit in known.units.values()}
    rows = staged.changed()
    with transaction.atomic():
        while chunk := rows.fetchmany(ID_CHUNK):
            findings = Finding.objects.select_related(
                "inspection__standard_version", "location", "unit"
            ).in_bulk([row[1] for row in chunk])
            for number, pk, item, kind, points, note, unit, reason in chunk:
                given = FindingInput(
                    item_id=item,
                    kind=kind,
                    points=None if points is None else Decimal(points),
                    note=note,
                    unit=units[unit] if unit else None,
                    unit_reason=reason,
                )
                try:
                    finding_correct(finding=findings[pk], given=given, by=by)
                except (ValidationError, KeyError) as error:
                    message = (
                        " ".join(error.messages)
                        if isinstance(error, ValidationError)
                        else _("The finding was deleted meanwhile.")
                    )
                    raise ImportRejected([RowError(number, None, message)]) from error
        if run is not None:
            run.step("storing", progress=100, done=staged.new, total=staged.new)
