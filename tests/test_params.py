"""Ids in the address: only ASCII digits that fit an id name a record; anything else is ignored
instead of reaching the database (which refuses a number too large for its integers)."""

import pytest
from django.urls import reverse

from baozhang.core.params import id_param

pytestmark = pytest.mark.django_db
ODD = ["9" * 25, "²", "١٢", "-1", "1.5", " 12x"]


def test_id_param():
    assert id_param("42") == 42 and id_param(42) == 42 and id_param(" 7 ") == 7
    assert id_param("9" * 18) == int("9" * 18)
    for value in [*ODD, "", None, "abc"]:
        assert id_param(value) is None, value


@pytest.mark.parametrize(
    "name",
    [
        "inspections:findings",
        "inspections:checks",
        "inspections:ranking",
        "rectification:tasks",
        "rectification:statistics",
    ],
)
def test_lists_ignore_ids_that_name_nothing(alice_client, college, name):
    for param in ("site", "unit", "area_type", "location", "item", "round"):
        for value in ODD:
            response = alice_client.get(reverse(name, args=["college"]), {param: value})
            assert response.status_code == 200, (param, value)


def test_the_api_ignores_them_too(alice_client, college):
    for param in ("site", "unit", "area_type"):
        response = alice_client.get("/api/v1/orgs/college/findings", {param: "9" * 25})
        assert response.status_code == 200, param
    check = alice_client.post(
        "/api/v1/orgs/college/inspections",
        {
            "client_id": "5d0f7c4e-2f0a-4b8e-9f57-3c1e6a1d2b90",
            "location_id": 10**20,
            "findings": [],
        },
        content_type="application/json",
    )
    assert check.status_code == 404  # no such location, not a database error
    ranking = alice_client.get("/api/v1/orgs/college/ranking", {"area_type": "9" * 25})
    assert ranking.status_code == 200 and ranking.json()["rows"] == []
    figures = alice_client.get(
        "/api/v1/orgs/college/figures", {"period": "2026-11", "site": "9" * 25}
    )
    assert figures.status_code == 422  # no such site, said so
