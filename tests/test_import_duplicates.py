"""A findings workbook imported twice does not double the week: rows already recorded, and rows
repeated within the workbook, are refused by name unless the person confirms they are new."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from baozhang.core.xlsx import ImportRejected
from baozhang.inspections.imports import findings_import
from baozhang.inspections.models import Finding
from tests.console import console
from tests.factories import member
from tests.test_findings_import import GOOD, dorms, sheet  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def findings(org) -> int:
    with scopes_disabled():
        return Finding.objects.filter(organisation=org).count()


def test_the_same_workbook_again_is_refused_row_by_row(dorms):  # noqa: F811
    with scope(organisation=dorms):
        assert findings_import(organisation=dorms, upload=sheet(GOOD), by=None).created == 3
        with pytest.raises(ImportRejected) as refused:
            findings_import(organisation=dorms, upload=sheet(GOOD), by=None)
    lines = [str(error) for error in refused.value.errors]
    assert len(lines) == 3
    assert lines[0].startswith(
        "第 2 行：与已有记录重复（位置5413，时间2026-11-17 07:30，检查项地面有垃圾）"
    )
    assert "确为新记录" in lines[0]
    assert findings(dorms) == 3  # nothing stored twice


def test_a_row_repeated_in_the_workbook_is_refused_and_both_are_stored_when_confirmed(
    dorms,  # noqa: F811
):
    rows = [GOOD[0], GOOD[1], GOOD[0]]
    with scope(organisation=dorms):
        with pytest.raises(ImportRejected) as refused:
            findings_import(organisation=dorms, upload=sheet(rows), by=None)
        assert [str(error).split("；")[0] for error in refused.value.errors] == [
            "第 4 行：与第2行重复（位置5413，时间2026-11-17 07:30，检查项地面有垃圾）"
        ]
        assert findings(dorms) == 0
        done = findings_import(
            organisation=dorms, upload=sheet(rows), by=None, allow_duplicates=True
        )
        assert done.created == 3
        points = sorted(Finding.objects.values_list("points", flat=True))
        assert points == [Decimal(2), Decimal(2), Decimal(3)]


def test_another_note_or_points_is_not_a_duplicate(dorms):  # noqa: F811
    with scope(organisation=dorms):
        findings_import(organisation=dorms, upload=sheet(GOOD[:2]), by=None)
        other = [
            [*GOOD[0][:6], "床下", GOOD[0][7]],  # the same item, another problem
            [*GOOD[1][:5], 4, *GOOD[1][6:]],  # other points
        ]
        assert findings_import(organisation=dorms, upload=sheet(other), by=None).created == 2


def test_the_page_refuses_duplicates_and_stores_them_when_ticked(alice_client, dorms):  # noqa: F811
    page = reverse("inspections:findings-import", args=["college"])
    assert alice_client.post(page, {"file": sheet(GOOD)}).status_code == 302
    refused = alice_client.post(page, {"file": sheet(GOOD)})
    text = refused.content.decode()
    assert refused.status_code == 200 and "与已有记录重复" in text
    assert 'data-testid="allow-duplicates"' in text
    assert findings(dorms) == 3
    confirmed = alice_client.post(page, {"file": sheet(GOOD), "allow_duplicates": "1"})
    assert confirmed.status_code == 302
    assert findings(dorms) == 6


def test_the_api_takes_allow_duplicates(dorms):  # noqa: F811
    from tests.test_api_inspections import client_for

    client, auth = client_for(member(dorms, "admin", username="importer"))
    url = "/api/v1/orgs/college/imports/findings"
    assert client.post(url, {"file": sheet(GOOD)}, **auth).status_code == 200
    refused = client.post(url, {"file": sheet(GOOD)}, **auth)
    assert refused.status_code == 422
    assert "与已有记录重复" in refused.json()["detail"][0]["message"]
    done = client.post(url, {"file": sheet(GOOD), "allow_duplicates": "true"}, **auth)
    assert done.status_code == 200 and done.json()["created"] == 3
    assert findings(dorms) == 6


def test_the_console_refuses_duplicates_unless_allowed(tmp_path):
    from baozhang.demo import demo_build

    demo_build(history_days=0)
    path = tmp_path / "findings.xlsx"
    path.write_bytes(
        sheet(
            [["2026-11-17", "07:30", "5413", None, "地面有垃圾、纸屑", None, "门后", None]]
        ).read()
    )
    console("import", "findings", str(path), "--org", "college")
    refused = console("import", "findings", str(path), "--org", "college", check_code=1)
    assert "与已有记录重复" in refused.stderr
    done = console("import", "findings", str(path), "--org", "college", "--allow-duplicates")
    assert "新增 1 条" in done.stdout
