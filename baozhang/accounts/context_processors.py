"""What every page's template knows: the access of the request and its organisation, the unread
notifications, the version and the name of the site."""

from django.conf import settings

from baozhang import __version__
from baozhang.notifications.services import unread_count


def baozhang(request):
    access = getattr(request, "access", None)
    unread = 0
    if access is not None and access.person is not None:
        unread = unread_count(access.person)
    return {
        "unread_notifications": unread,
        "access": access,
        "current_org": access.organisation if access else None,
        "baozhang_version": __version__,
        "site_name": settings.BAOZHANG_SITE_NAME,
    }
