"""Every list page of inspections, rectification, notifications and reports also comes as a
workbook with the same rows (all pages of them)."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import member
from tests.test_figures import records  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def rows_of(response) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return list(workbook.active.iter_rows(values_only=True))


def test_list_pages_export_their_rows(records, client, settings):  # noqa: F811
    settings.PAGE_SIZE = 2  # the workbook has every row, not one page
    client.force_login(member(records["org"], "admin", username="admin"))

    def get(name, **params):
        page = client.get(reverse(name, args=["college"]), params)
        assert 'data-testid="export-xlsx"' in page.content.decode(), name
        return rows_of(client.get(reverse(name, args=["college"]), {**params, "format": "xlsx"}))

    found = get("rectification:tasks", state="found", period="2026-11")
    assert found[0][:3] == ("时间", "位置", "责任单位") and len(found) == 1 + 6
    assert sorted(row[5] for row in found[1:]).count("现场整改") == 1
    statistics = get("rectification:statistics", period="2026-W47")
    assert statistics[-1][1:4] == (3, 1, 2)
    ranking = get("inspections:ranking", period="2026-W47")
    assert [row[:3] for row in ranking[1:]] == [(1, "1151班", 108), (2, "0852班", 95)]
    checks = get("inspections:checks", period="2026-W47", state="done")
    assert len(checks) == 1 + 4
    flags = get("inspections:red-flags", period="2026")
    assert flags[1][:2] == ("2026-W47", "1151班")
    assert get("rectification:rounds")[0][0] == "日期"
    assert get("reports:list")[0][0] == "标题"
    assert get("notifications:deliveries")[0][0] == "创建时间"


def test_an_outsider_exports_nothing(records, client, charlie):  # noqa: F811
    client.force_login(charlie)
    for name in ("rectification:tasks", "inspections:checks", "reports:list"):
        response = client.get(reverse(name, args=["college"]), {"format": "xlsx"})
        assert response.status_code == 404
