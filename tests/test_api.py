"""The JSON API: token and session auth, CRUD through the same rules as the pages, errors in the
caller's language, history, workbooks and tokens."""

import io

import pytest
from django.test import Client
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from baozhang.accounts.services import api_token_create
from baozhang.orgs.models import Assignment, Location, Person, Unit
from tests.factories import AreaTypeFactory, LocationFactory, SiteFactory, UnitFactory
from tests.workbooks import workbook_content

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


class Api:
    """A client that sends a token with every call."""

    def __init__(self, user):
        self.client = Client()
        _token, self.raw = api_token_create(user=user, name="tests")

    def _headers(self):
        return {"HTTP_AUTHORIZATION": f"Bearer {self.raw}"}

    def get(self, path, **params):
        return self.client.get(BASE + path, params, **self._headers())

    def post(self, path, data=None):
        return self.client.post(
            BASE + path, data or {}, content_type="application/json", **self._headers()
        )

    def patch(self, path, data):
        return self.client.patch(
            BASE + path, data, content_type="application/json", **self._headers()
        )

    def delete(self, path):
        return self.client.delete(BASE + path, **self._headers())

    def upload(self, path, content: bytes):
        upload = io.BytesIO(content)
        upload.name = "data.xlsx"
        return self.client.post(BASE + path, {"file": upload}, **self._headers())


@pytest.fixture
def api(alice):
    return Api(alice)


@pytest.fixture
def campus(college):
    site = SiteFactory(organisation=college, code="main", name="主校区")
    dorm = AreaTypeFactory(organisation=college, code="dorm", name="宿舍")
    return {"site": site, "dorm": dorm}


def test_openapi_document_and_interactive_docs_are_served_without_a_cdn(client):
    document = client.get(f"{BASE}/openapi.json").json()
    assert document["info"]["title"] == "Baozhang API"
    assert "/api/v1/orgs/{org}/locations" in document["paths"]
    assert {"TokenAuth", "BrowserSession"} <= set(document["components"]["securitySchemes"])
    docs = client.get(f"{BASE}/docs").content.decode()
    assert "swagger-ui-bundle.js" in docs
    assert "cdn." not in docs and "unpkg" not in docs


def test_anonymous_and_bad_token_get_401_in_chinese(client):
    assert client.get(f"{BASE}/me").status_code == 401
    response = client.get(f"{BASE}/me", HTTP_AUTHORIZATION="Bearer bz_not-a-token")
    assert response.status_code == 401
    assert "API 令牌" in response.json()["detail"]


def test_a_write_without_credentials_gets_401_not_a_csrf_refusal(college):
    browser = Client(enforce_csrf_checks=True)
    payload = {"code": "0852", "name": "0852 班", "kind": "class"}
    response = browser.post(f"{BASE}/orgs/college/units", payload, content_type="application/json")
    assert response.status_code == 401
    assert "API 令牌" in response.json()["detail"]
    with scopes_disabled():
        assert not Unit.objects.filter(code="0852").exists()


def test_api_answers_are_private_and_carry_the_content_security_policy(api):
    response = api.get("/orgs/college/units")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private"
    assert "script-src 'self';" in response["Content-Security-Policy"]


def test_me_lists_organisations_with_roles(api):
    body = api.get("/me").json()
    assert body["username"] == "alice"
    [organisation] = body["organisations"]
    assert organisation["slug"] == "college"
    assert organisation["roles"] == ["admin"]
    assert "setup.manage" in organisation["permissions"]
    assert api.get("/orgs").json() == body["organisations"]
    assert api.get("/orgs/college").json()["name"] == "示例职业技术学院"


def test_location_tree_crud_and_history(api, campus, college):
    site_id = campus["site"].pk
    building = api.post(
        "/orgs/college/locations",
        {"site_id": site_id, "kind": "building", "code": "D5", "name": "5号宿舍楼"},
    )
    assert building.status_code == 201, building.content
    building = building.json()
    room = api.post(
        "/orgs/college/locations",
        {
            "site_id": site_id,
            "parent_id": building["id"],
            "kind": "room",
            "code": "5413",
            "name": "5413 宿舍",
            "area_type_id": campus["dorm"].pk,
        },
    ).json()
    assert room["path"].startswith(building["path"]) and room["depth"] == 1
    assert room["label"]

    listed = api.get("/orgs/college/locations", within=building["path"]).json()
    assert listed["count"] == 2
    assert {row["code"] for row in listed["results"]} == {"D5", "5413"}
    assert api.get("/orgs/college/locations", q="5413").json()["count"] == 1
    assert api.get("/orgs/college/locations", area_type=str(campus["dorm"].pk)).json()["count"] == 1

    changed = api.patch(f"/orgs/college/locations/{room['id']}", {"name": "5413 女生宿舍"})
    assert changed.status_code == 200
    assert changed.json()["name"] == "5413 女生宿舍"
    assert changed.json()["parent_id"] == building["id"]  # untouched fields stay

    history = api.get(f"/orgs/college/locations/{room['id']}/history").json()
    assert [entry["action"] for entry in history] == ["changed", "created"]
    assert history[0]["who"]
    [change] = [c for c in history[0]["changes"] if c["after"] == "5413 女生宿舍"]
    assert change["before"] == "5413 宿舍"

    # A building with a room under it cannot be deleted: a clear message, nothing changes.
    refused = api.delete(f"/orgs/college/locations/{building['id']}")
    assert refused.status_code == 422
    assert "不能删除" in refused.json()["detail"][0]["message"]
    assert api.delete(f"/orgs/college/locations/{room['id']}").status_code == 204
    assert api.get(f"/orgs/college/locations/{room['id']}").status_code == 404
    with scopes_disabled():
        assert Location.objects.filter(organisation=college).count() == 1


def test_validation_errors_name_the_field_in_the_users_language(api, campus, alice, college):
    UnitFactory(organisation=college, code="0852", name="0852 班")
    duplicate = api.post("/orgs/college/units", {"code": "0852", "name": "又一个", "kind": "class"})
    assert duplicate.status_code == 422
    assert {"field": "code", "message": "本组织已有此编码的记录。"} in duplicate.json()["detail"]

    missing = api.post("/orgs/college/units", {"name": "没有编码"})
    assert missing.status_code == 422
    assert missing.json()["detail"] == [{"field": "code", "message": "必须填写"}]

    wrong_kind = api.post("/orgs/college/units", {"code": "X", "name": "X", "kind": "planet"})
    assert wrong_kind.status_code == 422
    assert wrong_kind.json()["detail"][0]["field"] == "kind"

    alice.language = "en"
    alice.save()
    english = api.post("/orgs/college/units", {"code": "0852", "name": "again", "kind": "class"})
    assert "already has this code" in english.json()["detail"][0]["message"]
    with scopes_disabled():
        assert Unit.objects.filter(organisation=college).count() == 1


def test_foreign_keys_of_another_organisation_are_refused(api, campus, hospital):
    foreign_site = SiteFactory(organisation=hospital, code="H", name="医院院区")
    response = api.post(
        "/orgs/college/locations", {"site_id": foreign_site.pk, "code": "X", "name": "X"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "site_id"


def test_responsibility_overlap_is_refused(api, campus, college):
    location = LocationFactory(organisation=college, site=campus["site"], code="5413")
    unit = UnitFactory(organisation=college, code="0852")
    other = UnitFactory(organisation=college, code="1151")
    first = api.post(
        "/orgs/college/responsibilities",
        {
            "location_id": location.pk,
            "unit_id": unit.pk,
            "starts_on": "2026-09-01",
            "ends_on": "2027-01-20",
        },
    )
    assert first.status_code == 201, first.content
    overlapping = api.post(
        "/orgs/college/responsibilities",
        {"location_id": location.pk, "unit_id": other.pk, "starts_on": "2026-12-01"},
    )
    assert overlapping.status_code == 422
    assert "5413" in overlapping.json()["detail"][0]["message"]
    listed = api.get("/orgs/college/responsibilities", unit=str(unit.pk)).json()
    assert listed["count"] == 1
    assert listed["results"][0]["ends_on"] == "2027-01-20"
    with scopes_disabled():
        assert Assignment.objects.count() == 1


def test_people_with_roles_login_and_password(api, college):
    unit = UnitFactory(organisation=college, code="0852")
    created = api.post(
        "/orgs/college/people",
        {
            "name": "王老师",
            "username": "wang",
            "password": "a-long-password-1",
            "roles": ["unit_head"],
            "unit_id": unit.pk,
        },
    )
    assert created.status_code == 201, created.content
    person = created.json()
    assert person["username"] == "wang"
    assert person["memberships"] == [{"role": "unit_head", "unit_id": unit.pk}]
    assert Client().login(username="wang", password="a-long-password-1")

    changed = api.patch(f"/orgs/college/people/{person['id']}", {"roles": ["inspector"]})
    assert changed.json()["memberships"] == [{"role": "inspector", "unit_id": None}]
    assert changed.json()["username"] == "wang"

    assert (
        api.post(
            f"/orgs/college/people/{person['id']}/password", {"password": "another-pass-22"}
        ).status_code
        == 204
    )
    assert Client().login(username="wang", password="another-pass-22")
    unknown_role = api.post("/orgs/college/people", {"name": "x", "roles": ["emperor"]})
    assert unknown_role.status_code == 422
    history = api.get(f"/orgs/college/people/{person['id']}/history").json()
    assert any(entry["record"] for entry in history)
    with scopes_disabled():
        assert Person.objects.filter(organisation=college).count() == 2  # alice and 王老师


def test_pagination(api, college):
    for number in range(7):
        UnitFactory(organisation=college, code=f"U{number}")
    first = api.get("/orgs/college/units", page_size=5).json()
    second = api.get("/orgs/college/units", page_size=5, page=2).json()
    assert (first["count"], first["pages"], len(first["results"])) == (7, 2, 5)
    assert len(second["results"]) == 2
    codes = {row["code"] for row in first["results"] + second["results"]}
    assert codes == {f"U{number}" for number in range(7)}
    assert api.get("/orgs/college/units", page_size=0).status_code == 422


def test_import_all_or_nothing_export_and_template(api, college):
    bad = api.upload(
        "/orgs/college/imports/units",
        workbook_content(
            [["编码", "名称", "类型"], ["0852", "0852 班", "班级"], ["1151", "", "班级"]]
        ),
    )
    assert bad.status_code == 422
    [error] = bad.json()["detail"]
    assert error["row"] == 3 and error["column"] == "名称"
    assert error["text"].startswith("第 3 行，“名称”列")
    with scopes_disabled():
        assert not Unit.objects.filter(organisation=college).exists()

    good = api.upload(
        "/orgs/college/imports/units",
        workbook_content(
            [["编码", "名称", "类型"], ["0852", "0852 班", "班级"], ["1151", "1151 班", "班级"]]
        ),
    )
    assert good.json() == {"created": 2, "updated": 0}

    exported = api.client.get(f"{BASE}/orgs/college/exports/units", {"q": "1151"}, **api._headers())
    assert exported["Content-Type"].startswith("application/vnd.openxml")
    rows = list(load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("编码", "名称")
    assert [row[0] for row in rows[1:]] == ["1151"]

    template = api.client.get(f"{BASE}/orgs/college/templates/people", **api._headers())
    headers = next(load_workbook(io.BytesIO(template.content)).active.iter_rows(values_only=True))
    assert "姓名" in headers
    assert (
        api.client.get(f"{BASE}/orgs/college/exports/planets", **api._headers()).status_code == 404
    )


def test_viewer_reads_but_cannot_write(bob, college):
    viewer = Api(bob)
    assert viewer.get("/orgs/college/units").status_code == 200
    refused = viewer.post("/orgs/college/units", {"code": "X", "name": "X"})
    assert refused.status_code == 403
    assert refused.json()["detail"] == "您没有执行此操作的权限。"
    assert viewer.get("/orgs/college/people").status_code == 403
    assert viewer.upload("/orgs/college/imports/units", b"x").status_code == 403
    with scopes_disabled():
        assert not Unit.objects.filter(organisation=college).exists()


def test_only_platform_administrators_create_organisations(api, django_user_model):
    assert api.post("/orgs", {"slug": "new", "name": "新单位"}).status_code == 403
    root = django_user_model.objects.create_superuser("root", password="x-long-password-9")
    created = Api(root).post("/orgs", {"slug": "new", "name": "新单位", "kind": "hospital"})
    assert created.status_code == 201
    assert created.json()["slug"] == "new"
    assert Api(root).post("/orgs", {"slug": "new", "name": "again"}).status_code == 422


def test_tokens_are_shown_once_and_revoked(api, alice):
    created = api.post("/tokens", {"name": "集成"})
    assert created.status_code == 201
    secret = created.json()["token"]
    token_id = created.json()["id"]
    client = Client()
    assert client.get(f"{BASE}/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    listed = api.get("/tokens").json()
    assert {row["name"] for row in listed} == {"tests", "集成"}
    assert all("token" not in row for row in listed)
    assert api.delete(f"/tokens/{token_id}").status_code == 204
    assert client.get(f"{BASE}/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    assert api.delete(f"/tokens/{token_id}").status_code == 404


def test_session_auth_needs_the_csrf_token_on_writes(alice, college):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    assert browser.get(f"{BASE}/orgs/college/units").status_code == 200
    payload = {"code": "0852", "name": "0852 班", "kind": "class"}
    refused = browser.post(f"{BASE}/orgs/college/units", payload, content_type="application/json")
    assert refused.status_code in (401, 403)
    browser.get("/accounts/profile/")  # any page sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(
        f"{BASE}/orgs/college/units",
        payload,
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert accepted.status_code == 201, accepted.content


def test_nul_characters_get_an_answer_not_a_database_error(api, alice_client):
    # PostgreSQL cannot store NUL; such input is cleaned or refused before it reaches the database.
    assert api.get("/orgs/college/units", q="08\x0052").status_code == 200
    refused = api.post("/tokens", {"name": "bad\x00name"})
    assert refused.status_code == 422
    assert refused.json()["detail"] == [{"field": "name", "message": "不能包含 NUL 字符"}]
    assert alice_client.get("/o/college/units/", {"q": "\x00"}).status_code == 200
    alice_client.cookies["sessionid"] = "abc\x00def"
    assert alice_client.get("/api/v1/me").status_code == 401
