"""The raw baselines of a check submission and of a photo sent ahead of it: bare Django views that
store the same rows and files, with no authentication, validation, scoring or attribution.

The photo is re-encoded as the product does (Pillow: the JPEG decoded at most 2048 px, saved
without metadata at the same quality, with a 320 px thumbnail), since that is the result a phone's
photo must come to. The check reads what it needs first, then writes in one short transaction."""

import io
import json
import uuid
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django_scopes import scopes_disabled
from PIL import Image, ImageOps

from baozhang.inspections.models import Finding, FindingPhoto, Inspection, PhotoUpload
from baozhang.orgs.models import Location, Organisation, User

EDGE, THUMBNAIL, QUALITY = 2048, 320, 85


def _jpeg(image, name: str) -> ContentFile:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=QUALITY, optimize=True)
    return ContentFile(buffer.getvalue(), name=name)


@csrf_exempt
def bare_photo(request, org: str):
    image = Image.open(request.FILES["file"])
    image.draft("RGB", (EDGE, EDGE))
    image = ImageOps.exif_transpose(image).convert("RGB")
    image.thumbnail((EDGE, EDGE), Image.Resampling.LANCZOS)
    stem = uuid.uuid4().hex
    full = _jpeg(image, f"{stem}.jpg")
    image.thumbnail((THUMBNAIL, THUMBNAIL), Image.Resampling.LANCZOS)
    small = _jpeg(image, f"{stem}-thumbnail.jpg")
    with scopes_disabled():
        organisation = Organisation.objects.get(slug=org)
        user = User.objects.get(username="bench-inspector")
        upload = PhotoUpload.objects.create(
            organisation=organisation, image=full, thumbnail=small, uploaded_by=user
        )
    return JsonResponse({"id": upload.pk}, status=201)


@csrf_exempt
def bare_submit(request, org: str):
    payload = json.loads(request.body)
    with scopes_disabled():
        organisation = Organisation.objects.get(slug=org)
        location = Location.objects.get(pk=payload["location_id"])
        photo_ids = [pk for finding in payload["findings"] for pk in finding.get("photo_ids", [])]
        uploads = {upload.pk: upload for upload in PhotoUpload.objects.filter(pk__in=photo_ids)}
        now = timezone.now()
        day = timezone.localdate(now)
        year, week, _ = day.isocalendar()
        with transaction.atomic():
            inspection = Inspection.objects.create(
                organisation=organisation,
                client_id=uuid.UUID(payload["client_id"]),
                location=location,
                standard_version_id=payload["standard_version_id"],
                level="department",
                done_at=now,
                score=Decimal(100),
                date=day,
                week_key=f"{year}-W{week:02d}",
                month_key=f"{day.year}-{day.month:02d}",
            )
            findings = Finding.objects.bulk_create(
                Finding(
                    organisation=organisation,
                    inspection=inspection,
                    location=location,
                    item_id=finding["item_id"],
                    kind="deduction",
                    points=Decimal(2),
                    note=finding.get("note", ""),
                    observed_at=now,
                    date=day,
                    week_key=inspection.week_key,
                    month_key=inspection.month_key,
                    year=day.year,
                )
                for finding in payload["findings"]
            )
            photos = [
                FindingPhoto(
                    organisation=organisation,
                    finding=made,
                    image=uploads[pk].image.name,
                    thumbnail=uploads[pk].thumbnail.name,
                )
                for made, sent in zip(findings, payload["findings"], strict=True)
                for pk in sent.get("photo_ids", [])
                if pk in uploads
            ]
            FindingPhoto.objects.bulk_create(photos)
            PhotoUpload.objects.filter(pk__in=list(uploads)).delete()
    return JsonResponse({"inspection": inspection.pk}, status=201)
