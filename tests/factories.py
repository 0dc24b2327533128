"""factory_boy factories; tenant records are created with the scope gate opened for the factory only."""

import datetime as dt

import factory
from django_scopes import scopes_disabled

from baozhang.orgs import models

PASSWORD = "correct-horse-42"


class ScopedFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with scopes_disabled():
            return super()._create(model_class, *args, **kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.django.Password(PASSWORD)
    language = "zh-hans"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Organisation
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"org{n}")
    name = factory.Sequence(lambda n: f"示例单位{n}")
    kind = "school"


class SiteFactory(ScopedFactory):
    class Meta:
        model = models.Site

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"S{n}")
    name = factory.Sequence(lambda n: f"校区{n}")


class AreaTypeFactory(ScopedFactory):
    class Meta:
        model = models.AreaType

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"at{n}")
    name = factory.Sequence(lambda n: f"区域类型{n}")


class LocationFactory(ScopedFactory):
    class Meta:
        model = models.Location

    organisation = factory.SubFactory(OrganisationFactory)
    site = factory.SubFactory(SiteFactory, organisation=factory.SelfAttribute("..organisation"))
    code = factory.Sequence(lambda n: f"L{n}")
    name = factory.Sequence(lambda n: f"房间{n}")
    kind = "room"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from baozhang.orgs.services import location_save

        with scopes_disabled():
            return location_save(location=model_class(*args, **kwargs), by=None)


class UnitFactory(ScopedFactory):
    class Meta:
        model = models.Unit

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"U{n}")
    name = factory.Sequence(lambda n: f"单位{n}")
    kind = "class"


class AssignmentFactory(ScopedFactory):
    class Meta:
        model = models.Assignment

    organisation = factory.SubFactory(OrganisationFactory)
    unit = factory.SubFactory(UnitFactory, organisation=factory.SelfAttribute("..organisation"))
    location = factory.SubFactory(
        LocationFactory, organisation=factory.SelfAttribute("..organisation")
    )
    starts_on = dt.date(2026, 9, 1)
    ends_on = dt.date(2027, 1, 20)


class PersonFactory(ScopedFactory):
    class Meta:
        model = models.Person

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"张{n}")


class MembershipFactory(ScopedFactory):
    class Meta:
        model = models.Membership

    organisation = factory.SubFactory(OrganisationFactory)
    person = factory.SubFactory(PersonFactory, organisation=factory.SelfAttribute("..organisation"))
    role = "viewer"


def member(organisation, role: str, *, username: str | None = None, unit=None) -> models.User:
    """A user holding one role in the organisation."""
    user = UserFactory(**({"username": username} if username else {}))
    person = PersonFactory(organisation=organisation, user=user, name=user.first_name)
    MembershipFactory(organisation=organisation, person=person, role=role, unit=unit)
    return user


def schedule_created(schedule, moment) -> None:
    """Date a schedule's creation back to ``moment``: its checks count from then on."""
    schedule.created_at = moment
    type(schedule).objects.filter(pk=schedule.pk).update(created_at=moment)
