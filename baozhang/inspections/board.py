"""The public notice board (公示栏) and location QR labels: pages and files reachable by link/QR."""

import base64
import io
import secrets

import qrcode
import qrcode.image.svg
from django.db import transaction

from baozhang.core.public_pages import public_pages_changed
from baozhang.inspections.models import BoardPolicy
from baozhang.orgs.models import Organisation


def qr_svg(text: str) -> str:
    """An inline SVG QR code of the text (no external service, no raster)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def qr_data_uri(text: str) -> str:
    """The QR code as a data: URI of a PNG image, for documents rendered without network access:
    WeasyPrint draws a PNG at once, where it draws an SVG square by square (some 70 ms each)."""
    image = qrcode.make(text, box_size=4, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def board_enable(*, policy: BoardPolicy, enabled: bool, new_link: bool = False) -> BoardPolicy:
    """Turn the public board on or off: off revokes its link; turned on, or on request, it gets a
    new unguessable link, so that a link once revoked never works again."""
    with transaction.atomic():
        # The stored state, not the instance's: a form may already have set board_enabled on it.
        was_enabled = (
            policy.pk is not None
            and BoardPolicy.objects.filter(pk=policy.pk, board_enabled=True).exists()
        )
        policy.board_enabled = enabled
        if not enabled:
            policy.board_token = None
        elif new_link or not was_enabled or not policy.board_token:
            policy.board_token = secrets.token_urlsafe(24)
        policy.save()
        public_pages_changed(organisation_id=policy.organisation_id)
    return policy


def board_policy_ensure(*, organisation: Organisation) -> BoardPolicy:
    """The organisation's stored scoring and board settings, stored with the defaults if it has
    none yet (before they are changed)."""
    with transaction.atomic():
        policy, _created = BoardPolicy.objects.get_or_create(organisation=organisation)
    return policy
