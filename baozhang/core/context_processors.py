from django.conf import settings

from baozhang import __version__


def baozhang(request):
    access = getattr(request, "access", None)
    unread = 0
    if access is not None and access.person is not None:
        from baozhang.notifications.services import unread_count

        unread = unread_count(access.person)
    return {
        "unread_notifications": unread,
        "access": access,
        "current_org": access.organisation if access else None,
        "baozhang_version": __version__,
        "site_name": settings.BAOZHANG_SITE_NAME,
    }
