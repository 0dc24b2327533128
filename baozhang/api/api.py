"""The JSON API under /api/v1/ (docs/api.md): its OpenAPI document, docs and error answers.

Each app owns its operations (``<app>/api.py``); this module mounts them and answers every error the
same way: a gate's refusal as 404 / 403, a ValidationError as the documented 422, a malformed
request as 422 naming its fields, all in the caller's language."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as SchemaValidationError

import baozhang
from baozhang.accounts.api import router as account_router
from baozhang.api.auth import API_AUTH
from baozhang.core.api import ApiValidationError, validation_errors
from baozhang.inspections.api import router as inspections_router
from baozhang.notifications.api import router as notifications_router
from baozhang.orgs.access import access_organisation
from baozhang.orgs.api import router as setup_router
from baozhang.orgs.permissions import VIEW_SETUP
from baozhang.rectification.api import router as rectification_router
from baozhang.reports.api import router as reports_router
from baozhang.standards.api import router as standards_router

api = NinjaAPI(
    title="Baozhang API",
    version=baozhang.__version__,
    description=(
        "The JSON API of Baozhang (保障). Authenticate with a personal API token "
        "(`Authorization: Bearer bz_…`) or, from the product's own pages, with the session "
        "cookie and the CSRF token. Messages are in the caller's language (Chinese by default). "
        "See docs/api.md."
    ),
    auth=API_AUTH,
    urls_namespace="api",
)

# Errors: always JSON, always in the caller's language -------------------------------------------


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    """403 with the refusal's own reason when the gate gives one."""
    reason = str(exc.args[0]) if exc is not None and exc.args else ""
    return api.create_response(
        request, {"detail": reason or _("You do not have permission to do this.")}, status=403
    )


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return api.create_response(
        request,
        {"detail": _("Sign in, or send a valid API token as “Authorization: Bearer …”.")},
        status=401,
    )


@api.exception_handler(ApiValidationError)
def invalid(request, exc):
    return api.create_response(request, {"detail": exc.errors}, status=422)


@api.exception_handler(ValidationError)
def invalid_model(request, exc):
    return api.create_response(request, {"detail": validation_errors(exc)}, status=422)


def _schema_message(error: dict) -> str:
    """A request-shape error in the caller's language; pydantic's own text is English only."""
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind == "missing":
        return _("a value is required")
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return _("not a whole number")
    if kind in {"bool_parsing", "bool_type"}:
        return _("must be true or false")
    if kind.startswith("date"):
        return _("not a date like 2026-09-01")
    if kind in {"string_type", "list_type", "dict_type", "model_type", "model_attributes_type"}:
        return _("the value has the wrong type")
    if kind == "greater_than_equal":
        return _("must be at least %(limit)s") % {"limit": context.get("ge")}
    if kind == "less_than_equal":
        return _("must be at most %(limit)s") % {"limit": context.get("le")}
    if kind in {"string_too_long", "too_long"}:
        return _("too long")
    if kind == "nul_character":
        return _("must not contain NUL characters")
    if kind == "json_invalid":
        return _("the request body is not valid JSON")
    return _("invalid value (%(detail)s)") % {"detail": error.get("msg", kind)}


@api.exception_handler(SchemaValidationError)
def invalid_schema(request, exc):
    # The organisation is checked first: a malformed request to somebody else's organisation gets
    # the same 404 as a well-formed one and learns nothing from the field errors.
    match = getattr(request, "resolver_match", None)
    slug = match.kwargs.get("org") if match else None
    if slug is not None:
        try:
            access_organisation(user=request.user, slug=slug, permission=VIEW_SETUP)
        except Http404:
            return not_found(request, None)
        except PermissionDenied:
            return forbidden(request, None)
    errors = []
    for error in exc.errors:
        location = [
            str(part)
            for part in error.get("loc", ())
            if part not in ("body", "payload", "query", "path", "file", "filters")
        ]
        errors.append({"field": ".".join(location) or None, "message": _schema_message(error)})
    return api.create_response(request, {"detail": errors}, status=422)


LARGEST_INTEGER = 2**63 - 1  # what the databases store in an integer column


@api.exception_handler(OverflowError)
def number_too_large(request, exc):
    """A whole number past what the database stores, which SQLite refuses as it reads (PostgreSQL
    just finds nothing): a 422 naming the parameters that hold such a number."""
    match = getattr(request, "resolver_match", None)
    given = {**(match.kwargs if match else {}), **request.GET}
    fields = [
        name
        for name, value in given.items()
        for each in (value if isinstance(value, list) else [value])
        if str(each).strip().lstrip("+-").isdigit()
        and abs(int(str(each).strip())) > LARGEST_INTEGER
    ]
    message = _("must be at most %(limit)s") % {"limit": LARGEST_INTEGER}
    errors = [{"field": name, "message": message} for name in dict.fromkeys(fields)]
    return api.create_response(
        request, {"detail": errors or [{"field": None, "message": message}]}, status=422
    )


api.add_router("", account_router)
api.add_router("", setup_router)
api.add_router("", inspections_router)
api.add_router("", standards_router)
api.add_router("", rectification_router)
api.add_router("", notifications_router)
api.add_router("", reports_router)
