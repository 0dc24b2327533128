"""The raw baseline of a check submission: a bare Django view that inserts the same rows (one
inspection and its findings) with no authentication, validation, scoring or attribution."""

import json
import uuid
from decimal import Decimal

from django.db import transaction
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django_scopes import scopes_disabled

from baozhang.inspections.models import Finding, Inspection
from baozhang.orgs.models import Location, Organisation


@csrf_exempt
def bare_submit(request, org: str):
    payload = json.loads(request.body)
    with scopes_disabled(), transaction.atomic():
        organisation = Organisation.objects.get(slug=org)
        location = Location.objects.get(pk=payload["location_id"])
        now = timezone.now()
        day = timezone.localdate(now)
        year, week, _ = day.isocalendar()
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
        Finding.objects.bulk_create(
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
    return JsonResponse({"id": inspection.pk}, status=201)
