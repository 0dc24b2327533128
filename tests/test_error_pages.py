"""With DEBUG off, a wrong or revoked notice-board link and the project's 404, 403 and 500 answers
are pages in the product's style and the visitor's language, never Django's bare English."""

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings
from django.urls import path, reverse

from baozhang.inspections.selectors import board_policy
from config.urls import handler403 as project_handler403
from config.urls import handler404 as project_handler404
from config.urls import handler500 as project_handler500
from config.urls import urlpatterns as project_urlpatterns

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.test_error_pages")]


def _fails(request):
    raise RuntimeError("a fault in a page")


def _refuses(request):
    raise PermissionDenied


urlpatterns = [
    path("test-fails/", _fails),
    path("test-refuses/", _refuses),
    *project_urlpatterns,
]
handler404, handler403, handler500 = project_handler404, project_handler403, project_handler500

BOARD_SETTINGS = {
    "base_score": "100",
    "floor_score": "0",
    "red_flags_per_week": "1",
    "red_flag_scope": "overall",
}


def _page(response) -> str:
    body = response.content.decode()
    assert "text/html" in response["Content-Type"]
    assert 'href="/static/baozhang/baozhang.css"' in body  # the product's own look
    assert "Not Found" not in body and "Server Error" not in body
    return body


@override_settings(DEBUG=False)
def test_a_wrong_or_revoked_board_link_says_so_in_chinese(alice_client, college):
    settings_url = reverse("inspections:board-settings", args=["college"])
    alice_client.post(settings_url, {**BOARD_SETTINGS, "board_enabled": "on"})
    token = board_policy(organisation=college).board_token
    alice_client.post(settings_url, BOARD_SETTINGS)  # turned off: the link is revoked

    client = Client()  # somebody who scanned the QR code, not signed in
    for link in (reverse("board", args=[token]), reverse("board", args=["not-the-token"])):
        response = client.get(link)
        assert response.status_code == 404
        body = _page(response)
        assert '<html lang="zh-CN">' in body
        assert "此公示栏链接无效" in body
        assert "链接有误或已失效" in body
        assert "请向提供此链接或二维码的单位索取当前的链接。" in body

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = _page(client.get(reverse("board", args=[token])))
    assert "Ask the organisation that gave you this link or QR code for the current one." in body


@override_settings(DEBUG=False)
def test_a_missing_page_is_a_friendly_404_in_the_users_language(alice_client, alice):
    for address in ("/o/college/no-such-page/", "/o/college/tasks/999999/", "/o/hospital/"):
        response = alice_client.get(address)  # no page; no such task; not her organisation
        assert response.status_code == 404
        assert "页面不存在" in _page(response)

    alice.language = "en"
    alice.save(update_fields=["language"])
    response = alice_client.get("/o/college/no-such-page/")
    assert response.status_code == 404
    body = _page(response)
    assert '<html lang="en">' in body and "Page not found" in body


@override_settings(DEBUG=False)
def test_a_refusal_is_a_friendly_403(client, bob):
    client.force_login(bob)  # a viewer
    response = client.get(reverse("standards:standard-create", args=["college"]))
    assert response.status_code == 403
    body = _page(response)
    assert "没有权限" in body and "请联系本单位的管理员" in body
    assert _page(client.get("/test-refuses/")).count("没有权限") >= 1


@override_settings(DEBUG=False)
def test_a_server_error_is_a_friendly_500_in_the_visitors_language(db):
    client = Client(raise_request_exception=False)
    response = client.get("/test-fails/")
    assert response.status_code == 500
    assert "出错了" in _page(response)

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/test-fails/")
    assert response.status_code == 500
    assert "Something went wrong" in _page(response)
