from django.conf import settings

from baozhang import __version__


def baozhang(request):
    access = getattr(request, "access", None)
    return {
        "access": access,
        "current_org": access.organisation if access else None,
        "baozhang_version": __version__,
        "site_name": settings.BAOZHANG_SITE_NAME,
    }
