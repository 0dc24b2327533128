import pytest
from django.test import override_settings
from django.urls import reverse

from baozhang.orgs.models import ApiToken
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_sign_in_and_out(client, alice):
    response = client.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("orgs:dashboard", kwargs={"org": "college"})).status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("orgs:dashboard", kwargs={"org": "college"})).status_code == 302


def test_pages_need_sign_in(client, college):
    response = client.get(reverse("orgs:locations-list", kwargs={"org": "college"}))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_login_is_throttled_after_repeated_failures(client, alice):
    for _attempt in range(3):
        client.post(
            reverse("accounts:login"),
            {"username": "alice", "password": "wrong"},
            REMOTE_ADDR="10.0.0.9",
        )
    locked = client.post(
        reverse("accounts:login"),
        {"username": "alice", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.9",
    )
    assert locked.status_code == 429
    assert "尝试" in locked.content.decode() or "locked" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_change(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("accounts:password-change"),
        {
            "old_password": PASSWORD,
            "new_password1": "new-secret-horse-77",
            "new_password2": "new-secret-horse-77",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("new-secret-horse-77")


def test_language_is_chinese_by_default_and_english_on_request(client, alice):
    client.force_login(alice)
    url = reverse("orgs:locations-list", kwargs={"org": "college"})
    body = client.get(url, HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert '<h1 class="h3 mb-0">位置</h1>' in body
    client.post(reverse("accounts:set-language"), {"language": "en", "next": url})
    alice.refresh_from_db()
    assert alice.language == "en"
    assert '<h1 class="h3 mb-0">Locations</h1>' in client.get(url).content.decode()


def test_token_is_shown_once_and_can_be_revoked(client, alice):
    client.force_login(alice)
    client.post(reverse("accounts:token-create"), {"name": "报表脚本"})
    page = client.get(reverse("accounts:profile")).content.decode()
    token = ApiToken.objects.get(user=alice)
    assert token.prefix in page and "bz_" in page
    again = client.get(reverse("accounts:profile")).content.decode()
    assert again.count(token.prefix) == 1  # only the prefix in the list, the secret is gone
    client.post(reverse("accounts:token-revoke", kwargs={"token_id": token.pk}))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_cannot_revoke_someone_elses_token(client, alice, bob):
    client.force_login(alice)
    client.post(reverse("accounts:token-create"), {"name": "x"})
    token = ApiToken.objects.get(user=alice)
    client.force_login(bob)
    client.post(reverse("accounts:token-revoke", kwargs={"token_id": token.pk}))
    token.refresh_from_db()
    assert token.revoked_at is None


def _sign_in(client, username, password, **meta):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, **meta
    )


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5, BAOZHANG_TRUSTED_PROXIES=["127.0.0.1"])
def test_failures_for_made_up_names_behind_the_proxy_do_not_lock_out_a_real_login(alice):
    from django.test import Client

    attacker = Client()
    for attempt in range(6):
        _sign_in(
            attacker,
            f"nobody-{attempt}",
            "wrong",
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )
    owner = Client()
    response = _sign_in(
        owner, "alice", PASSWORD, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.2"
    )
    assert response.status_code == 302
    assert "_auth_user_id" in owner.session


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3, BAOZHANG_TRUSTED_PROXIES=["127.0.0.1"])
def test_a_login_is_locked_only_at_the_address_the_failures_came_from(client, alice):
    for _attempt in range(3):
        _sign_in(
            client, "alice", "wrong", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7"
        )
    locked = _sign_in(
        client, "alice", PASSWORD, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7"
    )
    assert locked.status_code == 429
    assert "请在 15 分钟后再试" in locked.content.decode()
    elsewhere = _sign_in(
        client, "alice", PASSWORD, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.2"
    )
    assert elsewhere.status_code == 302


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3, BAOZHANG_TRUSTED_PROXIES=["127.0.0.1"])
def test_a_forwarded_address_from_an_untrusted_connection_is_ignored(client, alice):
    for attempt in range(3):
        _sign_in(
            client,
            "alice",
            "wrong",
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}",
        )
    locked = _sign_in(
        client, "alice", PASSWORD, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.9"
    )
    assert locked.status_code == 429
