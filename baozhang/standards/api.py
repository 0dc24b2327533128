"""Standards over JSON: the standards of an organisation with their current version's items."""

from ninja import Router

from baozhang.core.api import answers
from baozhang.orgs.access import org_scope, request_access
from baozhang.orgs.permissions import VIEW_SETUP
from baozhang.standards.access import access_standard
from baozhang.standards.models import Standard
from baozhang.standards.schemas import StandardOut, item_answer, version_answer
from baozhang.standards.selectors import standard_current_version

router = Router(tags=["inspections"])


def _standard(standard: Standard) -> dict:
    version = standard_current_version(standard=standard)
    return {
        "id": standard.pk,
        "code": standard.code,
        "name": standard.name,
        "is_active": standard.is_active,
        "area_type_ids": list(standard.area_types.values_list("pk", flat=True)),
        "version": version_answer(version),
        "items": [item_answer(item) for item in version.items.all()] if version else [],
    }


@router.get(
    "/orgs/{org}/standards",
    response=answers({200: list[StandardOut]}),
    operation_id="standard_list",
    summary="Standards with their current version's items",
)
def standard_list(request, org: str):
    access = request_access(request, org, VIEW_SETUP)
    with org_scope(access):
        return [
            _standard(standard)
            for standard in Standard.objects.filter(organisation=access.organisation)
        ]


@router.get(
    "/orgs/{org}/standards/{id}",
    response=answers({200: StandardOut}),
    operation_id="standard_read",
    summary="A standard with its current version's items",
)
def standard_read(request, org: str, id: int):  # noqa: A002
    access = request_access(request, org, VIEW_SETUP)
    with org_scope(access):
        return _standard(access_standard(access, id, permission=VIEW_SETUP))
