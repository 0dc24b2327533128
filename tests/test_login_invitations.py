"""An organisation links a login that already exists only when the login's owner accepts."""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from baozhang.orgs.models import LoginInvitation, Person
from tests.factories import UserFactory
from tests.test_api import Api

pytestmark = pytest.mark.django_db


def _person_of(organisation, user):
    with scopes_disabled():
        return Person.objects.filter(organisation=organisation, user=user).first()


def test_naming_another_organisations_login_invites_it_and_links_nothing(alice, charlie, hospital):
    created = Api(charlie).post("/orgs/hospital/people", {"name": "冒名", "username": "alice"})
    assert created.status_code == 201, created.content
    assert created.json()["username"] is None
    assert _person_of(hospital, alice) is None
    with scopes_disabled():
        [invitation] = LoginInvitation.objects.all()
    assert (invitation.user, invitation.organisation) == (alice, hospital)


def test_the_platform_superuser_is_never_linked_nor_invited(charlie, hospital):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    created = Api(charlie).post("/orgs/hospital/people", {"name": "管理员", "username": "root"})
    assert created.status_code == 201
    assert created.json()["username"] is None
    assert _person_of(hospital, root) is None
    with scopes_disabled():
        assert not LoginInvitation.objects.exists()


def test_a_platform_administrator_links_an_existing_login_directly(alice, charlie, hospital):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    created = Api(root).post("/orgs/hospital/people", {"name": "陈老师", "username": "alice"})
    assert created.status_code == 201
    assert created.json()["username"] == "alice"
    assert _person_of(hospital, alice) is not None


def test_the_owner_accepts_an_invitation_on_the_account_page(client, alice, charlie, hospital):
    Api(charlie).post("/orgs/hospital/people", {"name": "陈老师", "username": "alice"})
    client.force_login(alice)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert 'data-testid="invitations"' in page and "示例市第一人民医院" in page
    with scopes_disabled():
        invitation = LoginInvitation.objects.get()
    answer = reverse("accounts:invitation-answer", args=[invitation.pk])
    assert client.post(answer, {"answer": "accept"}).status_code == 302
    assert _person_of(hospital, alice).name == "陈老师"
    with scopes_disabled():
        assert not LoginInvitation.objects.exists()


def test_the_owner_declines_and_nobody_else_can_answer(client, alice, bob, charlie, hospital):
    Api(charlie).post("/orgs/hospital/people", {"name": "陈老师", "username": "alice"})
    with scopes_disabled():
        invitation = LoginInvitation.objects.get()
    answer = reverse("accounts:invitation-answer", args=[invitation.pk])
    client.force_login(bob)
    assert client.post(answer, {"answer": "accept"}).status_code == 404
    assert _person_of(hospital, bob) is None and _person_of(hospital, alice) is None
    client.force_login(alice)
    assert client.post(answer, {"answer": "decline"}).status_code == 302
    assert _person_of(hospital, alice) is None
    with scopes_disabled():
        assert not LoginInvitation.objects.exists()


def test_refusing_a_password_change_does_not_say_where_else_the_login_is_used(alice, charlie):
    with scopes_disabled():
        person = Person.objects.get(user=alice)
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    Api(root).post("/orgs/hospital/people", {"name": "陈老师", "username": "alice"})
    refused = Api(alice).post(
        f"/orgs/college/people/{person.pk}/password", {"password": "p-9xq-long"}
    )
    assert refused.status_code == 422
    message = str(refused.json()["detail"])
    assert "只有该登录账号的本人才能修改其密码" in message and "其他" not in message
