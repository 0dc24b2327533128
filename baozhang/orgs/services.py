"""Changes to organisations and their set-up. Each runs in one transaction and leaves history."""

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError, Q
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from baozhang.orgs.invitations import login_invitation_create, login_may_be_linked_directly
from baozhang.orgs.models import (
    AreaType,
    Assignment,
    Location,
    Membership,
    Organisation,
    Person,
    Role,
    User,
)

# Roles that make sense only for one unit (the unit head of class 0852, a plumber of the trade team).
UNIT_ROLES = frozenset({Role.UNIT_HEAD, Role.TRADESPERSON, Role.CONTRACTOR_MANAGER})

DEFAULT_AREA_TYPES = [
    ("outdoor", "卫生区"),
    ("classroom", "教室"),
    ("dorm", "宿舍"),
    ("toilet", "卫生间"),
    ("canteen", "食堂"),
    ("ward", "病区"),
    ("outpatient", "门诊"),
    ("office", "办公室"),
    ("storage", "储存室"),
]


def _stamp(record: models.Model, by: User | None) -> None:
    # simple-history reads the acting user from this attribute outside a request (CLI, imports).
    if by is not None:
        record._history_user = by


def organisation_create(
    *, slug: str, name: str, kind: str = "other", by: User | None = None
) -> Organisation:
    """A new organisation with the default area types."""
    organisation = Organisation(slug=slug, name=name, kind=kind)
    organisation.full_clean()
    with transaction.atomic():
        _stamp(organisation, by)
        organisation.save()
        with scope(organisation=organisation):
            for index, (code, area_name) in enumerate(DEFAULT_AREA_TYPES):
                area_type = AreaType(
                    organisation=organisation, code=code, name=area_name, sort_order=index
                )
                _stamp(area_type, by)
                area_type.save()
    return organisation


def record_save(*, record: models.Model, by: User | None) -> models.Model:
    """Validate and save a plain tenant record (site, area type, unit)."""
    record.full_clean()
    with transaction.atomic():
        _stamp(record, by)
        record.save()
    return record


def record_delete(*, record: models.Model, by: User | None) -> None:
    """Delete a record; a record still in use is refused with a message and nothing changes."""
    try:
        with transaction.atomic():
            _stamp(record, by)
            record.delete()
    except ProtectedError as error:
        raise ValidationError(
            _(
                "“%(record)s” is still used by other records and cannot be deleted; deactivate it instead."
            )
            % {"record": record}
        ) from error


def _location_check_parent(location: Location) -> None:
    parent = location.parent
    if parent is None:
        return
    if parent.organisation_id != location.organisation_id:
        raise ValidationError({"parent": _("The parent location belongs to another organisation.")})
    if parent.site_id != location.site_id:
        raise ValidationError({"parent": _("The parent location is on another site.")})
    if location.pk and (parent.pk == location.pk or path_segment(location.pk) in parent.path):
        raise ValidationError({"parent": _("A location cannot be placed under itself.")})


def path_segment(location_id: int) -> str:
    """The node's part of a tree path; zero-padded so that paths sort parents before children."""
    return f"/{location_id:08d}/"


def location_save(*, location: Location, by: User | None) -> Location:
    """Save a location and keep the tree paths of it and its descendants right."""
    location.full_clean()
    _location_check_parent(location)
    with transaction.atomic():
        old_path = None
        if location.pk:
            old_path = (
                Location.objects.filter(pk=location.pk).values_list("path", flat=True).first()
            )
        _stamp(location, by)
        location.save()
        parent_path = location.parent.path if location.parent_id else "/"
        new_path = parent_path + path_segment(location.pk)[1:]
        if new_path != location.path:
            Location.objects.filter(pk=location.pk).update(
                path=new_path, depth=new_path.count("/") - 2
            )
            location.path, location.depth = new_path, new_path.count("/") - 2
            if old_path and old_path != "/":
                _location_move_descendants(location, old_path, new_path)
    return location


def _location_move_descendants(location: Location, old_path: str, new_path: str) -> None:
    descendants = Location.objects.filter(
        organisation=location.organisation, path__startswith=old_path
    ).exclude(pk=location.pk)
    for child in descendants:
        child.path = new_path + child.path[len(old_path) :]
        child.depth = child.path.count("/") - 2
        child.site_id = location.site_id
        Location.objects.filter(pk=child.pk).update(
            path=child.path, depth=child.depth, site_id=child.site_id
        )


def assignment_save(*, assignment: Assignment, by: User | None) -> Assignment:
    """Save a responsibility; two units cannot hold the same location on the same day."""
    assignment.full_clean()
    if assignment.unit.organisation_id != assignment.organisation_id or (
        assignment.location.organisation_id != assignment.organisation_id
    ):
        raise ValidationError(_("The unit and the location must belong to this organisation."))
    overlapping = Assignment.objects.filter(
        organisation=assignment.organisation, location=assignment.location
    ).exclude(pk=assignment.pk)
    if assignment.ends_on:
        overlapping = overlapping.filter(starts_on__lte=assignment.ends_on)
    overlapping = overlapping.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=assignment.starts_on))
    clash = overlapping.select_related("unit").first()
    if clash is not None:
        raise ValidationError(
            _("%(location)s is already the responsibility of %(unit)s from %(start)s to %(end)s.")
            % {
                "location": assignment.location,
                "unit": clash.unit,
                "start": clash.starts_on.isoformat(),
                "end": clash.ends_on.isoformat() if clash.ends_on else _("open end"),
            }
        )
    with transaction.atomic():
        _stamp(assignment, by)
        assignment.save()
    return assignment


def person_save(
    *,
    person: Person,
    roles: list[str],
    unit_id: int | None,
    username: str = "",
    password: str = "",
    by: User | None,
) -> Person:
    """Save a person, link or create their login, and set their roles in this organisation.

    A password is applied only to a login created here: an organisation cannot take over a login
    that already exists. Naming a login that exists stores an invitation its owner must accept
    (orgs/invitations.py) unless a platform administrator links it; the person stays without a
    login meanwhile.
    """
    person.full_clean(exclude=["user"])
    unknown = [role for role in roles if role not in Role.values]
    if unknown:
        raise ValidationError({"roles": _("Unknown role: %(role)s") % {"role": ", ".join(unknown)}})
    with transaction.atomic():
        invited = None
        if username:
            person.user, invited = _login_for(
                person=person, username=username, password=password, by=by
            )
        elif person.user_id is None and password:
            raise ValidationError({"username": _("A password needs a user name.")})
        _stamp(person, by)
        person.save()
        if invited is not None:
            login_invitation_create(person=person, user=invited, by=by)
        wanted = {(role, unit_id if role in UNIT_ROLES else None) for role in roles}
        current = {(m.role, m.unit_id): m for m in person.memberships.all()}
        for key, membership in current.items():
            if key not in wanted:
                _stamp(membership, by)
                membership.delete()
        for role, role_unit_id in wanted - current.keys():
            membership = Membership(
                organisation=person.organisation, person=person, role=role, unit_id=role_unit_id
            )
            _stamp(membership, by)
            membership.save()
    return person


def _login_for(
    *, person: Person, username: str, password: str, by: User | None
) -> tuple[User | None, User | None]:
    """The person's login, and the existing login to invite instead when it may not be linked."""
    with scopes_disabled():
        user = User.objects.filter(username=username).first()
        if user is not None:
            if user.pk == person.user_id:
                return user, None
            clash = Person.objects.filter(organisation=person.organisation, user=user).exclude(
                pk=person.pk
            )
            if clash.exists():
                raise ValidationError(
                    {"username": _("Another person of this organisation has this login.")}
                )
            if login_may_be_linked_directly(user=user, by=by):
                return user, None
            return person.user, user
    user = User(username=username, email=person.email)
    user.full_clean(exclude=["password"])
    user.password = make_password(password) if password else make_password(None)
    _stamp(user, by)
    user.save()
    return user, None


def person_set_password(*, person: Person, password: str, by: User | None) -> None:
    """Set the password of a person's login, if the login belongs to this organisation alone."""
    user = person.user
    if user is None:
        raise ValidationError(_("This person has no login."))
    with scopes_disabled():
        elsewhere = (
            Person.objects.filter(user=user).exclude(organisation=person.organisation).exists()
        )
    if elsewhere or user.is_superuser:
        raise ValidationError(_("Only the owner of this login can change its password."))
    validate_password(password, user)
    user.set_password(password)
    _stamp(user, by)
    user.save(update_fields=["password"])
