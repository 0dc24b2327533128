"""Writes of inspections: submit a check with its findings, once, attributed to the right units;
photos sent ahead; red flags."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from baozhang.core.periods import month_key, period_of_week, week_key
from baozhang.core.rows import rows_insert
from baozhang.inspections import scoring
from baozhang.inspections.models import (
    ExpectedCheck,
    Finding,
    FindingKind,
    FindingPhoto,
    Inspection,
    PatrolRound,
    PhotoUpload,
    RedFlag,
    RedFlagScope,
    Schedule,
    SupervisionLevel,
)
from baozhang.inspections.selectors import board_policy, unit_ranking
from baozhang.orgs.models import AreaType, Location, Organisation, Person, Unit, User
from baozhang.orgs.selectors import unit_responsible_for
from baozhang.standards.models import ItemKind, StandardItem, StandardVersion
from baozhang.standards.selectors import standard_version_items

MAX_PHOTO_BYTES = 15 * 1024 * 1024


@dataclass
class FindingInput:
    """One finding as a form, the API or a workbook gives it."""

    item_id: int | None = None
    kind: str | None = None  # from the item when omitted; "highlight" for a highlight
    points: Decimal | None = None  # points lost (or gained); the item's points when omitted
    note: str = ""
    unit_id: int | None = None  # another unit than the location's, with a reason
    unit_reason: str = ""
    photos: list[UploadedFile] = field(default_factory=list)
    uploads: list[PhotoUpload] = field(default_factory=list)  # sent ahead (API)


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


def _unit(holder: Unit | None, location: Location, given: FindingInput) -> tuple[Unit | None, str]:
    if given.unit_id is None or (holder is not None and given.unit_id == holder.pk):
        return holder, ""
    unit = Unit.objects.filter(organisation_id=location.organisation_id, pk=given.unit_id).first()
    if unit is None:
        raise ValidationError(_("The unit belongs to another organisation."))
    if not given.unit_reason.strip():
        raise ValidationError(
            _("Say why %(unit)s and not %(holder)s is responsible.")
            % {"unit": unit, "holder": holder or _("no unit")}
        )
    return unit, given.unit_reason.strip()


def photo_check(photo: UploadedFile) -> None:
    """Refuse a file that is too large or not an image."""
    from PIL import Image, UnidentifiedImageError

    if photo.size > MAX_PHOTO_BYTES:
        raise ValidationError(_("A photo is larger than 15 MB."))
    try:
        with Image.open(photo) as image:
            image.verify()
    except (UnidentifiedImageError, OSError) as error:
        raise ValidationError(_("“%(name)s” is not a photo.") % {"name": photo.name}) from error
    photo.seek(0)


def photo_upload_create(
    *, organisation: Organisation, photo: UploadedFile, uploaded_by: User
) -> PhotoUpload:
    """Keep a photo sent ahead of its check or fix; a file too large or not an image is refused."""
    photo_check(photo)
    with transaction.atomic():
        return PhotoUpload.objects.create(
            organisation=organisation, image=photo, uploaded_by=uploaded_by
        )


def _level(schedule: Schedule | None, patrol_round: PatrolRound | None) -> str:
    """A check of a patrol round is a leader's inspection; else the schedule's level."""
    if patrol_round is not None:
        return SupervisionLevel.LEADER
    return schedule.level if schedule else SupervisionLevel.DEPARTMENT


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
    client_id_checked: bool = False,
    patrol_round: PatrolRound | None = None,
) -> tuple[Inspection, bool]:
    """Store a check with its findings and photos; the same client_id again returns the first one.

    Returns (inspection, created). Every finding is checked first; one bad finding stores nothing.
    With client_id_checked the client_id is not looked up first (the caller has, or expects a new
    check); a check already stored under it is still found, by the unique constraint.
    """
    organisation_id = location.organisation_id
    client_id = client_id or uuid.uuid4()
    if not client_id_checked:
        existing = Inspection.objects.filter(
            organisation_id=organisation_id, client_id=client_id
        ).first()
        if existing is not None:
            return existing, False
    if patrol_round is not None and patrol_round.organisation_id != organisation_id:
        raise ValidationError(_("The patrol round belongs to another organisation."))
    if version.organisation_id != organisation_id or (
        schedule is not None and schedule.organisation_id != organisation_id
    ):
        raise ValidationError(_("The standard belongs to another organisation."))
    done_at = done_at or timezone.now()
    day = timezone.localdate(done_at)
    items = {item.pk: item for item in standard_version_items(version=version)}
    holder = unit_responsible_for(location=location, on=day) if findings else None
    prepared = []
    for number, given in enumerate(findings, start=1):
        try:
            item = None
            if given.item_id is not None:
                item = items.get(given.item_id)
                if item is None:
                    raise ValidationError(_("The item is not part of this standard."))
            kind = _finding_kind(item, given.kind)
            points = _finding_points(item, kind, given.points)
            unit, reason = _unit(holder, location, given)
            for photo in given.photos:
                photo_check(photo)
        except ValidationError as error:
            raise ValidationError(
                _("Finding %(number)s: %(message)s")
                % {"number": number, "message": " ".join(error.messages)}
            ) from error
        prepared.append((given, item, kind, points, unit, reason))
    check = scoring.check_score(
        [
            scoring.ScoredFinding(
                item=str(item.pk) if item else f"free-{index}",
                kind=kind,
                points=points,
                cap=item.cap if item else None,
            )
            for index, (_given, item, kind, points, _unit, _reason) in enumerate(prepared)
        ],
        base=version.base_score,
        floor=version.floor_score,
    )
    try:
        with transaction.atomic():
            inspection = Inspection(
                organisation_id=organisation_id,
                client_id=client_id,
                location=location,
                standard_version=version,
                schedule=schedule,
                expected=_expected_check(schedule, location, done_at),
                level=level or _level(schedule, patrol_round),
                patrol_round=patrol_round,
                inspector=inspector,
                submitted_by=submitted_by,
                done_at=done_at,
                note=note,
                score=check.score,
                is_failed=check.red_lines > 0,
                date=day,
                week_key=week_key(day),
                month_key=month_key(day),
            )
            rows_insert([inspection], history_user=submitted_by)
            rows = [
                Finding(
                    organisation_id=organisation_id,
                    inspection=inspection,
                    location=location,
                    area_type_id=location.area_type_id,
                    unit=unit,
                    unit_reason=reason,
                    item=item,
                    kind=kind,
                    points=points,
                    note=given.note,
                    inspector=inspector,
                    observed_at=done_at,
                    date=day,
                    week_key=inspection.week_key,
                    month_key=inspection.month_key,
                    year=day.year,
                )
                for given, item, kind, points, unit, reason in prepared
            ]
            rows_insert(rows, history_user=submitted_by)
            photos = []
            for finding, (given, *_rest) in zip(rows, prepared, strict=True):
                photos += [
                    FindingPhoto(organisation_id=organisation_id, finding=finding, image=photo)
                    for photo in given.photos
                ]
                photos += [
                    FindingPhoto(
                        organisation_id=organisation_id, finding=finding, image=upload.image.name
                    )
                    for upload in given.uploads
                ]
            for photo in photos:
                photo.save()  # one by one: each file is written to storage
            for finding in rows:
                finding.photo_ids = [p.pk for p in photos if p.finding is finding]
            # The stored findings, with their photos' ids, for an answer without reading them back.
            inspection.stored_findings = rows
            PhotoUpload.objects.filter(
                pk__in=[upload.pk for given, *_rest in prepared for upload in given.uploads]
            ).delete()
    except IntegrityError:
        # The same check sent twice at once: the other request stored it first.
        existing = Inspection.objects.filter(organisation_id=organisation_id, client_id=client_id)
        if existing.exists():
            return existing.get(), False
        raise
    return inspection, True


def red_flags_award(*, organisation, week: str, today=None) -> list[RedFlag]:
    """Award the week's red flags to the best units, overall or per area type; once per week.

    Units tied at the last winning rank all win. A week is awarded only after it has ended.
    """
    period = period_of_week(week)
    if period.end >= (today or timezone.localdate()):
        raise ValidationError(_("The week %(week)s has not ended yet.") % {"week": week})
    if RedFlag.objects.filter(organisation=organisation, week_key=week).exists():
        return list(RedFlag.objects.filter(organisation=organisation, week_key=week))
    policy = board_policy(organisation=organisation)
    # Only where checks were done that week: an area nobody inspected has no winner.
    inspected = Inspection.objects.filter(organisation=organisation, week_key=week)
    if policy.red_flag_scope == RedFlagScope.AREA_TYPE:
        scopes = list(
            AreaType.objects.filter(
                organisation=organisation, pk__in=inspected.values("location__area_type_id")
            ).values_list("pk", flat=True)
        )
    else:
        scopes = [None] if inspected.exists() else []
    flags = []
    with transaction.atomic():
        for area_type_id in scopes:
            ranking = unit_ranking(
                organisation=organisation, period=period, area_type_id=area_type_id, policy=policy
            )
            for row in ranking:
                if row.rank > policy.red_flags_per_week or row.red_lines:
                    continue
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
    return flags


def red_flags_award_closed_weeks(*, organisation, weeks_back: int = 8, today=None) -> int:
    """Award every ended week of the last weeks_back that had checks and no flags yet."""
    today = today or timezone.localdate()
    awarded = 0
    for back in range(1, weeks_back + 1):
        week = week_key(today - timedelta(days=7 * back))
        if RedFlag.objects.filter(organisation=organisation, week_key=week).exists():
            continue
        if not Inspection.objects.filter(organisation=organisation, week_key=week).exists():
            continue
        awarded += len(red_flags_award(organisation=organisation, week=week, today=today))
    return awarded
