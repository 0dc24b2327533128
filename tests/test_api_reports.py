"""The reports API: figures, generating a draft, editing, finalising, new drafts and the files."""

import pytest

from tests.factories import member
from tests.test_api_inspections import client_for
from tests.test_figures import records  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
BASE = "/api/v1/orgs/college"


def test_a_report_through_the_api(records):  # noqa: F811
    client, auth = client_for(member(records["org"], "admin", username="admin"))
    created = client.post(
        f"{BASE}/reports",
        {"kind": "weekly", "period": "2026-W47"},
        content_type="application/json",
        **auth,
    )
    assert created.status_code == 201, created.content
    report = created.json()
    assert report["figures"]["inspections"]["findings"] == 3
    assert report["figures"]["bulletin"][0]["ranking"][0]["unit"] == "1151班"
    assert [v["status"] for v in report["versions"]] == ["draft"]
    version_url = f"{BASE}/reports/{report['id']}/versions/1"
    edited = client.post(
        f"{version_url}/narrative",
        {"narrative": {"overview": "本周总体良好。"}},
        content_type="application/json",
        **auth,
    )
    assert edited.json()["narrative"]["overview"] == "本周总体良好。"
    unknown = client.post(
        f"{version_url}/narrative",
        {"narrative": {"preface": "x"}},
        content_type="application/json",
        **auth,
    )
    assert unknown.status_code == 422
    assert client.post(f"{version_url}/finalise", **auth).json()["status"] == "final"
    refused = client.post(
        f"{version_url}/narrative",
        {"narrative": {"overview": "改"}},
        content_type="application/json",
        **auth,
    )
    assert refused.status_code == 422 and "定稿" in refused.json()["detail"][0]["message"]
    again = client.post(f"{BASE}/reports/{report['id']}/versions", **auth)
    assert again.status_code == 201 and again.json()["number"] == 2
    assert client.post(f"{BASE}/reports/{report['id']}/versions", **auth).status_code == 422
    for extension, start in (("pdf", b"%PDF"), ("docx", b"PK"), ("xlsx", b"PK")):
        answer = client.get(f"{version_url}/{extension}", **auth)
        assert answer.status_code == 200 and answer.getvalue().startswith(start)
    assert client.get(f"{version_url}/exe", **auth).status_code == 404
    listed = client.get(f"{BASE}/reports", **auth).json()
    assert [v["number"] for v in listed[0]["versions"]] == [1, 2]
    assert listed[0]["versions"][0]["files"]["pdf"].endswith("/versions/1/pdf")

    viewer, viewer_auth = client_for(member(records["org"], "viewer", username="viewer"))
    assert viewer.get(f"{BASE}/reports/{report['id']}", **viewer_auth).status_code == 200
    forbidden = viewer.post(
        f"{BASE}/reports",
        {"kind": "monthly", "period": "2026-11"},
        content_type="application/json",
        **viewer_auth,
    )
    assert forbidden.status_code == 403
    bad = client.post(
        f"{BASE}/reports",
        {"kind": "daily", "period": "November"},
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 422
    assert {error["field"] for error in bad.json()["detail"]} == {"kind", "period"}
    mismatch = client.post(
        f"{BASE}/reports",
        {"kind": "weekly", "period": "2026-11"},
        content_type="application/json",
        **auth,
    )
    assert mismatch.status_code == 422 and "2026-W47" in mismatch.json()["detail"][0]["message"]
