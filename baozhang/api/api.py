"""The JSON API under /api/v1/ (docs/api.md): its OpenAPI document, docs and error answers."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Status
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as SchemaValidationError

import baozhang
from baozhang.accounts.services import api_token_create, api_token_revoke
from baozhang.api import schemas
from baozhang.api.auth import API_AUTH
from baozhang.api.inspections import router as inspections_router
from baozhang.api.rectification import router as rectification_router
from baozhang.api.reports import router as reports_router
from baozhang.api.setup import router as setup_router
from baozhang.core.api import ApiValidationError, validation_errors
from baozhang.notifications.api import router as notifications_router
from baozhang.orgs import services
from baozhang.orgs.access import (
    access_organisation,
    organisations_for_user,
    roles_by_organisation,
)
from baozhang.orgs.models import ApiToken
from baozhang.orgs.permissions import VIEW_SETUP, permissions_for_roles

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

account_router = Router(tags=["account"])


# Errors: always JSON, always in the caller's language -------------------------------------------


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return api.create_response(
        request, {"detail": _("You do not have permission to do this.")}, status=403
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


# The caller, organisations, tokens ---------------------------------------------------------------


def _organisation_out(organisation, roles) -> dict:
    return {
        "slug": organisation.slug,
        "name": organisation.name,
        "kind": organisation.kind,
        "roles": sorted(roles),
        "permissions": sorted(permissions_for_roles(set(roles))),
    }


def _organisations(user) -> list[dict]:
    roles = roles_by_organisation(user)
    return [
        _organisation_out(
            organisation, {"admin"} if user.is_superuser else roles.get(organisation.id, set())
        )
        for organisation in organisations_for_user(user)
    ]


@account_router.get(
    "/me", response=schemas.answers({200: schemas.MeOut}), operation_id="me", summary="Who am I"
)
def me(request):
    user = request.user
    return {
        "username": user.username,
        "name": user.get_full_name() or user.username,
        "email": user.email,
        "language": user.language,
        "is_superuser": user.is_superuser,
        "organisations": _organisations(user),
    }


@account_router.get(
    "/orgs",
    response=schemas.answers({200: list[schemas.OrganisationOut]}),
    operation_id="organisation_list",
    summary="The organisations I can open",
)
def organisation_list(request):
    return _organisations(request.user)


@account_router.post(
    "/orgs",
    response=schemas.answers({201: schemas.OrganisationOut, 422: schemas.ValidationErrors}),
    operation_id="organisation_create",
    summary="Create an organisation (platform administrators)",
    description="Creates it with the default area types.",
)
def organisation_create(request, payload: schemas.OrganisationIn):
    if not request.user.is_superuser:
        raise PermissionDenied
    organisation = services.organisation_create(
        slug=payload.slug, name=payload.name, kind=payload.kind, by=request.user
    )
    return Status(201, _organisation_out(organisation, {"admin"}))


@account_router.get(
    "/orgs/{org}",
    response=schemas.answers({200: schemas.OrganisationOut}),
    operation_id="organisation_read",
    summary="One organisation and my roles there",
)
def organisation_read(request, org: str):
    access = access_organisation(user=request.user, slug=org, permission=VIEW_SETUP)
    return _organisation_out(access.organisation, access.roles)


@account_router.get(
    "/tokens",
    response=schemas.answers({200: list[schemas.TokenOut]}),
    operation_id="token_list",
    summary="My API tokens",
)
def token_list(request):
    return list(ApiToken.objects.filter(user=request.user).order_by("-created_at"))


@account_router.post(
    "/tokens",
    response=schemas.answers({201: schemas.TokenCreated}),
    operation_id="token_create",
    summary="Create an API token for myself",
    description="The secret is in this answer only; it is stored as a digest.",
)
def token_create(request, payload: schemas.TokenIn):
    token, raw = api_token_create(user=request.user, name=payload.name)
    return Status(201, {**schemas.TokenOut.from_orm(token).dict(), "token": raw})


@account_router.delete(
    "/tokens/{id}",
    response=schemas.answers({204: None}),
    operation_id="token_revoke",
    summary="Revoke one of my API tokens",
)
def token_revoke(request, id: int):  # noqa: A002 - the path parameter's name
    token = ApiToken.objects.filter(user=request.user, pk=id, revoked_at__isnull=True).first()
    if token is None:
        raise Http404
    api_token_revoke(user=request.user, token_id=token.pk)
    return Status(204, None)


api.add_router("", account_router)
api.add_router("", setup_router)
api.add_router("", inspections_router)
api.add_router("", rectification_router)
api.add_router("", notifications_router)
api.add_router("", reports_router)
