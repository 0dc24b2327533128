"""Standards over JSON: the standards of an organisation with their current version's items."""

from ninja import Router

from baozhang.core.api import answers
from baozhang.orgs.access import org_scope, request_access
from baozhang.orgs.permissions import VIEW_SETUP
from baozhang.standards.access import access_standard
from baozhang.standards.models import Standard, StandardVersion
from baozhang.standards.schemas import StandardOut, item_answer, version_answer
from baozhang.standards.selectors import (
    standard_current_version,
    standards_with_current_version,
)

router = Router(tags=["inspections"])


def _standard(standard: Standard, version: StandardVersion | None) -> dict:
    return {
        "id": standard.pk,
        "code": standard.code,
        "name": standard.name,
        "scoring_period": standard.scoring_period,
        "period_total": standard.period_total,
        "is_active": standard.is_active,
        "area_type_ids": [area_type.pk for area_type in standard.area_types.all()],
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
            _standard(standard, version)
            for standard, version in standards_with_current_version(
                organisation=access.organisation
            )
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
        standard = access_standard(access, id, permission=VIEW_SETUP)
        return _standard(standard, standard_current_version(standard=standard))
