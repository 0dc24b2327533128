"""Writes of inspections: submit a check with its findings, once, attributed to the right units;
photos sent ahead; red flags."""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from baozhang.core.periods import month_key, period_of_week, week_key
from baozhang.core.photos import Photo, photo_encode
from baozhang.core.public_pages import public_pages_changed
from baozhang.core.rows import plain_rows_insert, rows_insert
from baozhang.inspections import scoring
from baozhang.inspections.models import (
    ExpectedCheck,
    Finding,
    FindingKind,
    FindingPhoto,
    Inspection,
    PhotoUpload,
    RedFlag,
    RedFlagQuota,
    RedFlagScope,
    RedFlagTie,
    RedFlagTies,
    Schedule,
    SupervisionLevel,
)
from baozhang.inspections.selectors import (
    board_policy,
    inspection_for_client_id,
    unit_rankings_by_area_type,
    unit_standings,
)
from baozhang.orgs.models import Location, Organisation, Person, Unit, User
from baozhang.orgs.selectors import unit_responsible_for, units_responsible_for
from baozhang.standards.models import ItemKind, StandardItem, StandardVersion
from baozhang.standards.selectors import standard_version_items

UNATTACHED_UPLOAD_LIFETIME = timedelta(days=1)


@dataclass
class FindingInput:
    """One finding as a form, the API or a workbook gives it."""

    item_id: int | None = None  # an item of the check's standard version
    kind: str | None = None  # from the item when omitted; "highlight" for a highlight
    points: Decimal | None = None  # points lost (or gained); the item's points when omitted
    note: str = ""
    unit: Unit | None = None  # another unit than the location's, with a reason
    unit_reason: str = ""
    photos: list[UploadedFile] = field(default_factory=list)
    uploads: list[PhotoUpload] = field(default_factory=list)  # sent ahead (API)


class _Checked(NamedTuple):
    """A finding that passed: its item, kind and points, and the unit responsible for it (a
    tuple: a workbook's import makes one for each of its rows)."""

    given: FindingInput
    item: StandardItem | None
    kind: str
    points: Decimal
    unit: Unit | None
    unit_reason: str
    photos: list[Photo]  # the photos taken with the check, re-encoded


def finding_error(number: int, error: ValidationError) -> ValidationError:
    """The error of a check's finding, named by its number in the check; ``field`` names the
    finding's field at fault when the error says (an API answer names it)."""
    refused = ValidationError(
        _("Finding %(number)s: %(message)s")
        % {"number": number, "message": " ".join(error.messages)}
    )
    refused.finding_number = number
    refused.finding_field = getattr(error, "finding_field", None)
    return refused


def item_inapplicable(item: StandardItem | None, location: Location) -> ValidationError | None:
    """Why the item cannot be recorded at the location: it applies to other area types only (the
    check page does not offer it there); None when it applies. The item's area types are read
    with it (standard_version_items)."""
    if item is None:
        return None
    area_type_ids = {area_type.pk for area_type in item.area_types.all()}
    if not area_type_ids or location.area_type_id in area_type_ids:
        return None
    area_type = location.area_type.name if location.area_type_id else _("no area type")
    error = ValidationError(
        _("The item “%(item)s” does not apply to the area type “%(area_type)s”.")
        % {"item": item.text, "area_type": area_type}
    )
    error.finding_field = "item_id"
    return error


def photo_upload_create(
    *, organisation: Organisation, photo: UploadedFile, uploaded_by: User
) -> PhotoUpload:
    """Keep a photo sent ahead of its check or fix, re-encoded; a file that is not a photo the
    product accepts is refused (core/photos.py)."""
    encoded = photo_encode(photo)
    with transaction.atomic():
        return PhotoUpload.objects.create(
            organisation=organisation,
            image=encoded.image,
            thumbnail=encoded.thumbnail,
            uploaded_by=uploaded_by,
        )


def photo_uploads_unattached_remove(*, organisation: Organisation, now: datetime) -> int:
    """Remove the photos sent ahead more than a day ago and never used, with their files; returns
    how many."""
    with transaction.atomic():
        uploads = list(
            PhotoUpload.objects.select_for_update().filter(
                organisation=organisation, created_at__lt=now - UNATTACHED_UPLOAD_LIFETIME
            )
        )
        PhotoUpload.objects.filter(pk__in=[upload.pk for upload in uploads]).delete()
        # The files go once the rows are gone for good; a rollback keeps both.
        transaction.on_commit(lambda: _upload_files_delete(uploads))
    return len(uploads)


def _upload_files_delete(uploads: list[PhotoUpload]) -> None:
    for upload in uploads:
        for file in (upload.image, upload.thumbnail):
            if file:
                file.storage.delete(file.name)


def inspection_submit(
    *,
    location: Location,
    version: StandardVersion,
    findings: list[FindingInput],
    client_id: uuid.UUID | None = None,
    done_at: datetime | None = None,
    inspector: Person | None = None,
    submitted_by: User | None = None,
    schedule: Schedule | None = None,
    level: str | None = None,
    note: str = "",
) -> tuple[Inspection, bool]:
    """Store a check with its findings and photos; the same client_id again returns the first one.

    Returns (inspection, created). Every finding is checked first; one bad finding stores nothing.
    A check already stored under the client_id is the answer to a resend, even one that would no
    longer pass (its photos were used): it is looked up only when storing fails, so a new check
    costs no lookup. The steps: validate and attribute each finding, score the check, store it.
    Nobody is notified of a check: a unit hears of a problem when a task is opened for it
    (rectification/notices.py).
    """
    client_id = client_id or uuid.uuid4()
    try:
        _same_organisation(location, version, schedule)
        inspection, checked = _check_prepared(
            location=location,
            version=version,
            findings=findings,
            done_at=done_at or timezone.now(),
            inspector=inspector,
            submitted_by=submitted_by,
            schedule=schedule,
            level=level,
            note=note,
            client_id=client_id,
        )
        _check_stored(inspection, checked)
    except (ValidationError, IntegrityError):
        # A resend: storing it a second time fails on its client_id, or it no longer passes.
        existing = inspection_for_client_id(
            organisation_id=location.organisation_id, client_id=client_id
        )
        if existing is None:
            raise
        return existing, False
    return inspection, True


def _check_prepared(
    *,
    location: Location,
    version: StandardVersion,
    findings: list[FindingInput],
    done_at: datetime,
    inspector: Person | None,
    submitted_by: User | None,
    schedule: Schedule | None = None,
    level: str | None = None,
    note: str = "",
    client_id: uuid.UUID | None = None,
    holders: dict | None = None,
) -> tuple[Inspection, list[_Checked]]:
    """The check, validated, attributed and scored, not stored yet; with its checked findings."""
    day = timezone.localdate(done_at)
    checked, score = _check_judged(
        location=location, version=version, findings=findings, day=day, holders=holders
    )
    inspection = Inspection(
        organisation_id=location.organisation_id,
        client_id=client_id or uuid.uuid4(),
        location=location,
        standard_version=version,
        schedule=schedule,
        level=level or _level(schedule),
        inspector=inspector,
        submitted_by=submitted_by,
        done_at=done_at,
        note=note,
        score=score.score,
        is_failed=score.red_lines > 0,
        date=day,
        week_key=week_key(day),
        month_key=month_key(day),
    )
    return inspection, checked


def _check_judged(
    *,
    location: Location,
    version: StandardVersion,
    findings: list[FindingInput],
    day: date,
    holders: dict | None = None,
) -> tuple[list[_Checked], scoring.Score]:
    """The check's findings validated and attributed, and its score; ``day`` is the check's
    local date."""
    checked = _findings_checked(
        findings, location=location, version=version, day=day, holders=holders
    )
    return checked, _check_scored(checked, version=version)


def _same_organisation(
    location: Location,
    version: StandardVersion,
    schedule: Schedule | None,
) -> None:
    organisation_id = location.organisation_id
    if version.organisation_id != organisation_id or (
        schedule is not None and schedule.organisation_id != organisation_id
    ):
        raise ValidationError(_("The standard belongs to another organisation."))


def _level(schedule: Schedule | None) -> str:
    """The schedule's level; a check of no schedule is a department's spot check."""
    return schedule.level if schedule else SupervisionLevel.DEPARTMENT


# Validate and attribute -------------------------------------------------------------------------


def _findings_checked(
    findings: list[FindingInput],
    *,
    location: Location,
    version: StandardVersion,
    day: date,
    holders: dict | None = None,
) -> list[_Checked]:
    """Each finding validated and attributed, in order; the first bad one refuses the check.

    ``holders`` keeps the unit that held each location on each day for the next checks of a batch.
    """
    items = {item.pk: item for item in standard_version_items(version=version)}
    holder = _holder(location, day, {} if holders is None else holders) if findings else None
    checked = []
    for number, given in enumerate(findings, start=1):
        try:
            item, kind, points = _finding_valued(given, items)
            inapplicable = item_inapplicable(item, location)
            if inapplicable is not None:
                raise inapplicable
            unit, reason = _finding_responsible(given, holder=holder, location=location)
            photos = [photo_encode(photo) for photo in given.photos]
        except ValidationError as error:
            raise finding_error(number, error) from error
        checked.append(_Checked(given, item, kind, points, unit, reason, photos))
    return checked


def _holder(location: Location, day: date, holders: dict) -> Unit | None:
    key = (location.pk, day)
    if key not in holders:
        holders[key] = unit_responsible_for(location=location, on=day)
    return holders[key]


def _finding_valued(
    given: FindingInput, items: dict[int, StandardItem]
) -> tuple[StandardItem | None, str, Decimal]:
    """The finding's item of the standard, its kind and its points, or why they cannot be."""
    item = None
    if given.item_id is not None:
        item = items.get(given.item_id)
        if item is None:
            raise ValidationError(_("The item is not part of this standard."))
    kind = _finding_kind(item, given.kind)
    return item, kind, _finding_points(item, kind, given.points)


def _finding_kind(item: StandardItem | None, given: str | None) -> str:
    if item is None:
        if given not in (FindingKind.HIGHLIGHT, FindingKind.DEDUCTION, FindingKind.BONUS):
            raise ValidationError(
                _("A finding without an item must be a highlight or give points.")
            )
        return given
    return given if given == FindingKind.HIGHLIGHT else item.kind


def _finding_points(item: StandardItem | None, kind: str, given: Decimal | None) -> Decimal:
    if kind == FindingKind.HIGHLIGHT:
        return Decimal(0)
    if given is None:
        if item is None:
            raise ValidationError(_("Give the points of a finding without an item."))
        return item.points
    if given < 0:
        raise ValidationError(_("Points cannot be negative."))
    if item is not None and item.kind != ItemKind.SCORED and given != item.points:
        raise ValidationError(
            _("“%(item)s” is worth %(points)s points.") % {"item": item.text, "points": item.points}
        )
    if item is not None and given > item.points:
        raise ValidationError(
            _("“%(item)s” can lose at most %(points)s points.")
            % {"item": item.text, "points": item.points}
        )
    return given


def _finding_responsible(
    given: FindingInput, *, holder: Unit | None, location: Location
) -> tuple[Unit | None, str]:
    """The unit that held the location, or another unit named with the reason why."""
    unit = given.unit
    if unit is None or (holder is not None and unit.pk == holder.pk):
        return holder, ""
    if unit.organisation_id != location.organisation_id:
        raise ValidationError(_("The unit belongs to another organisation."))
    if not given.unit_reason.strip():
        raise ValidationError(
            _("Say why %(unit)s and not %(holder)s is responsible.")
            % {"unit": unit, "holder": holder or _("no unit")}
        )
    return unit, given.unit_reason.strip()


# Score ------------------------------------------------------------------------------------------


def _check_scored(checked: list[_Checked], *, version: StandardVersion) -> scoring.Score:
    """The check's score by its standard version's base, floor and caps (scoring.py)."""
    return _score_of([(each.item, each.kind, each.points) for each in checked], version=version)


def _score_of(
    findings: list[tuple[StandardItem | None, str, Decimal]], *, version: StandardVersion
) -> scoring.Score:
    return scoring.check_score(
        [
            scoring.ScoredFinding(
                item=str(item.pk) if item else f"free-{index}",
                kind=kind,
                points=points,
                cap=item.cap if item else None,
            )
            for index, (item, kind, points) in enumerate(findings)
        ],
        base=version.base_score,
        floor=version.floor_score,
    )


# Store ------------------------------------------------------------------------------------------


def _check_stored(inspection: Inspection, checked: list[_Checked]) -> None:
    """Store the check, its findings and their photos in one transaction; the photos sent ahead
    are used up. The stored findings stay on the inspection, with their photos' ids, for an
    answer without reading them back."""
    with transaction.atomic():
        inspection.expected = _expected_check(
            inspection.schedule, inspection.location, inspection.done_at
        )
        rows_insert([inspection], history_user=inspection.submitted_by)
        rows = [_finding_row(inspection, each) for each in checked]
        rows_insert(rows, history_user=inspection.submitted_by)
        photos = _photos_stored(rows, checked)
        for finding in rows:
            finding.photo_ids = [photo.pk for photo in photos if photo.finding is finding]
        inspection.stored_findings = rows
        PhotoUpload.objects.filter(
            pk__in=[upload.pk for each in checked for upload in each.given.uploads]
        ).delete()
        public_pages_changed(organisation_id=inspection.organisation_id)


def _expected_check(schedule: Schedule | None, location: Location, done_at: datetime):
    if schedule is None:
        return None
    return (
        ExpectedCheck.objects.filter(
            schedule=schedule,
            location=location,
            due_at__lte=done_at + timedelta(minutes=schedule.window_minutes),
            window_ends_at__gte=done_at,
            inspection__isnull=True,
        )
        .order_by("due_at")
        .first()
    )


def _finding_row(inspection: Inspection, each: _Checked) -> Finding:
    location, day = inspection.location, inspection.date
    return Finding(
        organisation_id=inspection.organisation_id,
        inspection=inspection,
        location=location,
        area_type_id=location.area_type_id,
        unit=each.unit,
        unit_reason=each.unit_reason,
        item=each.item,
        kind=each.kind,
        points=each.points,
        note=each.given.note,
        inspector=inspection.inspector,
        observed_at=inspection.done_at,
        date=day,
        week_key=inspection.week_key,
        month_key=inspection.month_key,
        year=day.year,
    )


def _photos_stored(rows: list[Finding], checked: list[_Checked]) -> list[FindingPhoto]:
    """The findings' photos, taken with the check or sent ahead, saved one by one: each file is
    written to storage."""
    photos = []
    for finding, each in zip(rows, checked, strict=True):
        photos += [
            FindingPhoto(
                organisation_id=finding.organisation_id,
                finding=finding,
                image=photo.image,
                thumbnail=photo.thumbnail,
            )
            for photo in each.photos
        ]
        photos += [
            FindingPhoto(
                organisation_id=finding.organisation_id,
                finding=finding,
                image=upload.image.name,
                thumbnail=upload.thumbnail.name,
            )
            for upload in each.given.uploads
        ]
    for photo in photos:
        photo.save()
    return photos


# Correct ----------------------------------------------------------------------------------------


def finding_correct(*, finding: Finding, given: FindingInput, by: User | None) -> bool:
    """Correct a recorded finding's item, kind, points, note or unit, checked against its check's
    standard version as when it was submitted, and score the check again; False when nothing
    changes. The check's location, time and inspector stay; the unit stays unless another is given.
    """
    values = finding_correction(finding=finding, given=given)
    if values is None:
        return False
    inspection = finding.inspection
    with transaction.atomic():
        for name, value in values.items():
            setattr(finding, name, value)
        if by is not None:
            finding._history_user = inspection._history_user = by
        finding.save()
        stored = inspection.findings.select_related("item")
        score = _score_of(
            [(each.item, each.kind, each.points) for each in stored],
            version=inspection.standard_version,
        )
        inspection.score, inspection.is_failed = score.score, score.red_lines > 0
        inspection.save(update_fields=["score", "is_failed", "updated_at"])
        public_pages_changed(organisation_id=inspection.organisation_id)
    return True


def finding_correction(*, finding: Finding, given: FindingInput) -> dict | None:
    """What correcting the finding as given would change (its fields' new values), checked as
    finding_correct checks it; None when nothing would. Reads only."""
    inspection = finding.inspection
    if inspection is None:
        raise ValidationError(_("This finding belongs to no check."))
    items = {item.pk: item for item in standard_version_items(version=inspection.standard_version)}
    item, kind, points = _finding_valued(given, items)
    if item is not None and item.pk != finding.item_id:
        inapplicable = item_inapplicable(item, finding.location)
        if inapplicable is not None:
            raise inapplicable
    if (given.unit.pk if given.unit else None) == finding.unit_id:
        unit, reason = finding.unit, finding.unit_reason
    else:
        holder = unit_responsible_for(location=finding.location, on=finding.date)
        unit, reason = _finding_responsible(given, holder=holder, location=finding.location)
    values = {
        "item": item,
        "kind": kind,
        "points": points,
        "note": given.note,
        "unit": unit,
        "unit_reason": reason,
    }
    if (
        finding.item_id == (item.pk if item else None)
        and finding.unit_id == (unit.pk if unit else None)
        and all(getattr(finding, name) == values[name] for name in ("kind", "points", "note"))
        and finding.unit_reason == reason
    ):
        return None
    return values


# Many checks at once (a workbook's) -------------------------------------------------------------


@dataclass
class CheckInput:
    """One ad-hoc check of many stored together, without photos."""

    location: Location
    version: StandardVersion
    findings: list[FindingInput]
    done_at: datetime
    inspector: Person | None = None


def inspections_store(
    *,
    checks: list[CheckInput],
    submitted_by: User | None,
    note: str = "",
    import_job_id: int | None = None,
) -> int:
    """Store many ad-hoc checks, each validated, attributed and scored as inspection_submit does,
    in one short transaction; one bad check stores none of them. Returns the findings stored.

    Everything is read before the transaction starts, with the same few queries whatever the
    number of checks (the unit that held each location on each day: one query), so that it only
    writes (two statements and their audit rows). The checks and findings are stored as plain rows,
    without a model instance each. ``import_job_id`` tags the checks with the import that stored
    them, so that they can be taken back (inspections_of_import_remove)."""
    zone = timezone.get_current_timezone()
    days = [timezone.localdate(check.done_at, zone) for check in checks]
    holders = _holders_of(checks, days)
    judged = []
    for check, day in zip(checks, days, strict=True):
        if any(given.photos or given.uploads for given in check.findings):
            raise ValueError("inspections_store takes checks without photos")
        _same_organisation(check.location, check.version, None)
        checked, score = _check_judged(
            location=check.location,
            version=check.version,
            findings=check.findings,
            day=day,
            holders=holders,
        )
        judged.append((check, day, checked, score))
    level = _level(None)
    by = submitted_by.pk if submitted_by else None
    inspections = [
        (
            check.location.organisation_id,
            uuid.uuid4(),
            check.location.pk,
            check.version.pk,
            level,
            check.inspector.pk if check.inspector else None,
            by,
            check.done_at,
            note,
            score.score,
            score.red_lines > 0,
            day,
            week_key(day),
            month_key(day),
            import_job_id,
        )
        for check, day, _checked, score in judged
    ]
    with transaction.atomic():
        ids = plain_rows_insert(Inspection, _INSPECTION_ROW, inspections, history_user=submitted_by)
        findings = [
            (
                inspection[0],
                inspection_id,
                check.location.pk,
                check.location.area_type_id,
                each.unit.pk if each.unit else None,
                each.unit_reason,
                each.item.pk if each.item else None,
                each.kind,
                each.points,
                each.given.note,
                inspection[5],
                check.done_at,
                day,
                inspection[12],
                inspection[13],
                day.year,
            )
            for inspection_id, inspection, (check, day, checked, _score) in zip(
                ids, inspections, judged, strict=True
            )
            for each in checked
        ]
        plain_rows_insert(Finding, _FINDING_ROW, findings, history_user=submitted_by)
        for organisation_id in {inspection[0] for inspection in inspections}:
            public_pages_changed(organisation_id=organisation_id)
    return len(findings)


# The fields of the plain rows inspections_store stores, in their order (as _check_prepared and
# _finding_row fill them for one check).
_INSPECTION_ROW = (
    "organisation_id",
    "client_id",
    "location_id",
    "standard_version_id",
    "level",
    "inspector_id",
    "submitted_by_id",
    "done_at",
    "note",
    "score",
    "is_failed",
    "date",
    "week_key",
    "month_key",
    "import_job_id",
)
_FINDING_ROW = (
    "organisation_id",
    "inspection_id",
    "location_id",
    "area_type_id",
    "unit_id",
    "unit_reason",
    "item_id",
    "kind",
    "points",
    "note",
    "inspector_id",
    "observed_at",
    "date",
    "week_key",
    "month_key",
    "year",
)


def _holders_of(checks: list[CheckInput], days: list[date]) -> dict:
    """The unit that held each check's location on its day, read together (_holder's keys)."""
    holders: dict = {}
    by_organisation: dict[int, set] = {}
    for check, day in zip(checks, days, strict=True):
        if check.findings:
            by_organisation.setdefault(check.location.organisation_id, set()).add(
                (check.location.pk, day)
            )
    for organisation_id, days in by_organisation.items():
        holders.update(units_responsible_for(organisation_id=organisation_id, days=days))
    return holders


def inspections_of_import_remove(
    *, organisation: Organisation, import_job_id: int, batch: int = 500
) -> int:
    """Remove the checks an import stored, with their findings and every audit row of both, a
    batch of checks per short transaction; returns the findings removed.

    Anything attached to those findings meanwhile (a task, a photo) goes with them."""
    removed = 0
    inspection_history = Inspection.history.model
    finding_history = Finding.history.model
    while True:
        with transaction.atomic():
            # Voided ones too: the import never was.
            ids = list(
                Inspection.with_voided.filter(
                    organisation=organisation, import_job_id=import_job_id
                ).values_list("pk", flat=True)[:batch]
            )
            if not ids:
                return removed
            _count, deleted = Inspection.with_voided.filter(pk__in=ids).delete()
            # The deletion wrote "-" audit rows; the records never were, so no row of them stays.
            inspection_history.objects.filter(id__in=ids).delete()
            finding_history.objects.filter(inspection_id__in=ids).delete()
            removed += deleted.get(Finding._meta.label, 0)
            public_pages_changed(organisation_id=organisation.pk)


# Red flags --------------------------------------------------------------------------------------


def red_flag_quota(quotas: dict, policy, kind: str, area_type_id) -> int:
    """The week's red flags for the units of a kind (in an area type): the quota set for the kind
    and area type, else for the kind, else the board policy's red_flags_per_week."""
    for key in ((kind, area_type_id), (kind, None)):
        if key in quotas:
            return quotas[key]
    return policy.red_flags_per_week


def red_flags_award(*, organisation, week: str, today=None) -> list[RedFlag]:
    """Award the week's red flags, once per week: per kind of unit (classes with classes,
    departments with departments …), overall or per area type, as many as the quota says.

    Only units that were checked in the week and had no red line are eligible. A tie at the cut
    is broken by fewer problems, then by more checks; units still tied share the flags if the
    organisation chose so, else they wait for the admin's choice (a RedFlagTie)."""
    period = period_of_week(week)
    if period.end >= (today or timezone.localdate()):
        raise ValidationError(_("The week %(week)s has not ended yet.") % {"week": week})
    awarded = RedFlag.objects.filter(organisation=organisation, week_key=week)
    if awarded.exists() or RedFlagTie.objects.filter(organisation=organisation, week_key=week):
        return list(awarded)
    policy = board_policy(organisation=organisation)
    if policy.red_flag_scope == RedFlagScope.AREA_TYPE:
        standings = unit_rankings_by_area_type(
            organisation=organisation, period=period, policy=policy
        )
    else:
        standings = {None: unit_standings(organisation=organisation, period=period, policy=policy)}
    quotas = {
        (quota.unit_kind, quota.area_type_id): quota.flags
        for quota in RedFlagQuota.objects.filter(organisation=organisation)
    }
    share = policy.red_flag_ties == RedFlagTies.SHARE
    flags = []
    with transaction.atomic():
        for area_type_id, area in standings.items():
            for kind, _label, ranked, _unchecked in area.by_kind():
                eligible = {
                    row.unit.pk: row
                    for row in ranked
                    if row.checked and row.score is not None and not row.red_lines
                }
                winners, tied = scoring.flag_winners(
                    (
                        scoring.Contender(pk, row.score, row.problems, row.checks)
                        for pk, row in eligible.items()
                    ),
                    flags=red_flag_quota(quotas, policy, kind, area_type_id),
                    share_ties=share,
                )
                for winner in winners:
                    row = eligible[winner.key]
                    flags.append(
                        RedFlag.objects.create(
                            organisation=organisation,
                            unit=row.unit,
                            week_key=week,
                            area_type_id=area_type_id,
                            rank=row.rank,
                            score=row.score,
                        )
                    )
                if tied:
                    first = eligible[tied[0].key]
                    tie = RedFlagTie.objects.create(
                        organisation=organisation,
                        week_key=week,
                        area_type_id=area_type_id,
                        unit_kind=kind,
                        seats=red_flag_quota(quotas, policy, kind, area_type_id) - len(winners),
                        rank=first.rank,
                        score=first.score,
                    )
                    tie.units.set([contender.key for contender in tied])
        if flags:
            public_pages_changed(organisation_id=organisation.pk)
    return flags


def red_flag_quotas_replace(*, organisation, quotas: list[tuple[str, int | None, int]]) -> None:
    """Set the red flags per week of each kind of unit (and area type): (kind, area type id or
    None, flags) rows replace the stored ones; a kind and area type named twice is refused."""
    seen = set()
    for kind, area_type_id, _flags in quotas:
        if (kind, area_type_id) in seen:
            raise ValidationError(_("Each kind of unit and area type can be named only once."))
        seen.add((kind, area_type_id))
    with transaction.atomic():
        RedFlagQuota.objects.filter(organisation=organisation).delete()
        RedFlagQuota.objects.bulk_create(
            RedFlagQuota(organisation=organisation, unit_kind=kind, area_type_id=area, flags=n)
            for kind, area, n in quotas
        )
        public_pages_changed(organisation_id=organisation.pk)


def red_flag_tie_decide(*, tie: RedFlagTie, units: list, user) -> list[RedFlag]:
    """The admin's choice among units tied at the cut: the chosen ones win the flags left."""
    if tie.decided_at is not None:
        raise ValidationError(_("This tie has already been decided."))
    tied = {unit.pk for unit in tie.units.all()}
    chosen = [unit for unit in units if unit.pk in tied]
    if not chosen or len(chosen) != len(units):
        raise ValidationError(_("Choose among the tied units."))
    if len(chosen) > tie.seats:
        raise ValidationError(
            ngettext(
                "Choose at most %(count)d unit: %(count)d flag is left.",
                "Choose at most %(count)d units: %(count)d flags are left.",
                tie.seats,
            )
            % {"count": tie.seats}
        )
    with transaction.atomic():
        flags = [
            RedFlag.objects.create(
                organisation=tie.organisation,
                unit=unit,
                week_key=tie.week_key,
                area_type_id=tie.area_type_id,
                rank=tie.rank,
                score=tie.score,
            )
            for unit in chosen
        ]
        tie.decided_at = timezone.now()
        tie.decided_by = user
        tie.save(update_fields=["decided_at", "decided_by"])
        public_pages_changed(organisation_id=tie.organisation_id)
    return flags


def red_flags_award_closed_weeks(*, organisation, weeks_back: int = 8, today=None) -> int:
    """Award every ended week of the last weeks_back that had checks and no flags yet."""
    today = today or timezone.localdate()
    awarded = 0
    for back in range(1, weeks_back + 1):
        week = week_key(today - timedelta(days=7 * back))
        if RedFlag.objects.filter(organisation=organisation, week_key=week).exists():
            continue
        if RedFlagTie.objects.filter(organisation=organisation, week_key=week).exists():
            continue
        if not Inspection.objects.filter(organisation=organisation, week_key=week).exists():
            continue
        awarded += len(red_flags_award(organisation=organisation, week=week, today=today))
    return awarded
