"""The view-side entry to the gate: resolve the organisation, check the permission, open its scope."""

from functools import wraps

from django.contrib.auth.decorators import login_required

from baozhang.orgs.access import access_organisation, org_scope


def org_view(permission: str):
    """Wrap a view taking ``(request, access, ...)``; the URL carries the organisation's slug as ``org``."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, org: str, *args, **kwargs):
            access = access_organisation(user=request.user, slug=org, permission=permission)
            request.access = access
            with org_scope(access):
                return view(request, access, *args, **kwargs)

        return wrapper

    return decorate
