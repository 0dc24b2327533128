"""The caller, the organisations they can open, and their personal API tokens."""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Field, Router, Schema, Status

from baozhang.accounts.services import api_token_create, api_token_revoke
from baozhang.core.api import Input, ValidationErrors, answers
from baozhang.orgs import services
from baozhang.orgs.access import access_organisation, organisations_for_user, roles_by_organisation
from baozhang.orgs.models import ApiToken
from baozhang.orgs.permissions import VIEW_SETUP, permissions_for_roles

router = Router(tags=["account"])


class OrganisationOut(Schema):
    slug: str
    name: str
    kind: str
    roles: list[str] = Field(description="The caller's roles in this organisation.")
    permissions: list[str] = Field(description="What the caller may do there.")


class OrganisationIn(Input):
    slug: str = Field(max_length=50, description="Short name used in URLs.")
    name: str = Field(max_length=200)
    kind: str = "other"


class MeOut(Schema):
    username: str
    name: str
    email: str
    language: str
    is_superuser: bool
    organisations: list[OrganisationOut]


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenIn(Input):
    name: str = Field(max_length=100)


class TokenCreated(TokenOut):
    token: str = Field(description="The secret; shown only in this answer.")


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


@router.get("/me", response=answers({200: MeOut}), operation_id="me", summary="Who am I")
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


@router.get(
    "/orgs",
    response=answers({200: list[OrganisationOut]}),
    operation_id="organisation_list",
    summary="The organisations I can open",
)
def organisation_list(request):
    return _organisations(request.user)


@router.post(
    "/orgs",
    response=answers({201: OrganisationOut, 422: ValidationErrors}),
    operation_id="organisation_create",
    summary="Create an organisation (platform administrators)",
    description="Creates it with the default area types.",
)
def organisation_create(request, payload: OrganisationIn):
    if not request.user.is_superuser:
        raise PermissionDenied
    organisation = services.organisation_create(
        slug=payload.slug, name=payload.name, kind=payload.kind, by=request.user
    )
    return Status(201, _organisation_out(organisation, {"admin"}))


@router.get(
    "/orgs/{org}",
    response=answers({200: OrganisationOut}),
    operation_id="organisation_read",
    summary="One organisation and my roles there",
)
def organisation_read(request, org: str):
    access = access_organisation(user=request.user, slug=org, permission=VIEW_SETUP)
    return _organisation_out(access.organisation, access.roles)


@router.get(
    "/tokens",
    response=answers({200: list[TokenOut]}),
    operation_id="token_list",
    summary="My API tokens",
)
def token_list(request):
    return list(ApiToken.objects.filter(user=request.user).order_by("-created_at"))


@router.post(
    "/tokens",
    response=answers({201: TokenCreated}),
    operation_id="token_create",
    summary="Create an API token for myself",
    description="The secret is in this answer only; it is stored as a digest.",
)
def token_create(request, payload: TokenIn):
    token, raw = api_token_create(user=request.user, name=payload.name)
    return Status(201, {**TokenOut.from_orm(token).dict(), "token": raw})


@router.delete(
    "/tokens/{id}",
    response=answers({204: None}),
    operation_id="token_revoke",
    summary="Revoke one of my API tokens",
)
def token_revoke(request, id: int):  # noqa: A002 - the path parameter's name
    token = ApiToken.objects.filter(user=request.user, pk=id, revoked_at__isnull=True).first()
    if token is None:
        raise Http404
    api_token_revoke(user=request.user, token_id=token.pk)
    return Status(204, None)
