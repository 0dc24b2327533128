"""Linking a login that already exists to a person of an organisation: by invitation only.

An organisation admin who names an existing login gets an invitation stored instead of the link;
the login's owner sees it on the account page and accepts or declines. A platform administrator
(or a platform command such as the demo) links directly. The platform superuser's login is never
linked nor invited. The admin's answer is the same whichever case applies, so that nobody learns
from it whether, or where, a login exists.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from baozhang.orgs.models import LoginInvitation, Person, User


def login_may_be_linked_directly(*, user: User, by: User | None) -> bool:
    """Whether ``by`` may link the existing login ``user`` without its owner's consent."""
    if user.is_superuser:
        return False
    return by is None or by.is_superuser


def login_invitation_create(*, person: Person, user: User, by: User | None) -> None:
    """Ask the owner of ``user`` to accept the link to ``person``; nothing for a superuser."""
    if user.is_superuser:
        return
    with transaction.atomic():
        LoginInvitation.objects.get_or_create(
            organisation=person.organisation, person=person, user=user, defaults={"invited_by": by}
        )


def login_invitations_for_user(*, user: User) -> list[LoginInvitation]:
    """The invitations waiting for this login's owner, newest first."""
    with scopes_disabled():
        return list(
            LoginInvitation.objects.filter(user=user).select_related("organisation", "person")
        )


def login_invitation_for_user(*, user: User, invitation_id: int) -> LoginInvitation | None:
    """One invitation to this login, or None (another login's invitation is never found)."""
    with scopes_disabled():
        return (
            LoginInvitation.objects.filter(pk=invitation_id, user=user)
            .select_related("organisation", "person")
            .first()
        )


def login_invitation_accept(*, invitation: LoginInvitation) -> Person:
    """Link the invited login to the person and drop the invitation."""
    with scopes_disabled(), transaction.atomic():
        person = Person.objects.select_for_update().get(pk=invitation.person_id)
        taken = (
            Person.objects.filter(organisation=person.organisation, user=invitation.user)
            .exclude(pk=person.pk)
            .exists()
        )
        if taken or person.user_id not in (None, invitation.user_id):
            invitation.delete()
            raise ValidationError(_("This invitation is no longer valid."))
        person.user = invitation.user
        person._history_user = invitation.user
        person.save(update_fields=["user", "updated_at"])
        LoginInvitation.objects.filter(person=person).delete()
    return person


def login_invitation_decline(*, invitation: LoginInvitation) -> None:
    """Refuse the link: the invitation is dropped and the person stays without a login."""
    with scopes_disabled(), transaction.atomic():
        invitation.delete()
