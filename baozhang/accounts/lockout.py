"""The answer to a locked sign-in: django-axes's page, with the minutes left before it unlocks."""

import math

from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max
from django.shortcuts import render
from django.utils import timezone


def minutes_left(*, username: str, ip_address: str) -> int:
    """Whole minutes until the lock on this login at this address ends (at least one)."""
    last_failure = AccessAttempt.objects.filter(username=username, ip_address=ip_address).aggregate(
        last=Max("attempt_time")
    )["last"]
    if last_failure is None:
        return math.ceil(get_cool_off().total_seconds() / 60)
    remaining = last_failure + get_cool_off() - timezone.now()
    return max(1, math.ceil(remaining.total_seconds() / 60))


def lockout_response(request, original_response=None, credentials=None):
    username = get_client_username(request, credentials) or ""
    minutes = minutes_left(username=username, ip_address=getattr(request, "axes_ip_address", ""))
    context = {"username": username, "minutes_left": minutes}
    return render(
        request,
        "registration/locked_out.html",
        context,
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
