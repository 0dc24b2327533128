"""Organisations, sites, the location tree, units, people and their roles."""

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from baozhang.core.models import BackgroundJob, TenantModel

CODE_TAKEN = _("Another record of this organisation already has this code.")
NAME_TAKEN = _("Another record of this organisation already has this name.")


class User(AbstractUser):
    """A login. What a user may see follows from their people records in organisations."""

    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    def display(self) -> str:
        full = f"{self.last_name}{self.first_name}".strip()
        return full or self.username


class OrganisationKind(models.TextChoices):
    HOSPITAL = "hospital", _("Hospital")
    SCHOOL = "school", _("School")
    PROPERTY = "property", _("Property management")
    CANTEEN = "canteen", _("Canteen")
    BUREAU = "bureau", _("Supervising bureau")
    OTHER = "other", _("Other")


class Organisation(models.Model):
    """A tenant: everything else belongs to exactly one organisation."""

    slug = models.SlugField(_("short name"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=20, choices=OrganisationKind.choices, default=OrganisationKind.OTHER
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Site(TenantModel):
    """A campus or site (院区 / 校区 / 小区)."""

    code = models.CharField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"],
                name="site_code_unique",
                violation_error_message=CODE_TAKEN,
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AreaType(TenantModel):
    """A kind of place that standards and schedules apply to (卫生区, 教室, 宿舍 …)."""

    code = models.CharField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=100)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("area type")
        verbose_name_plural = _("area types")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"],
                name="areatype_code_unique",
                violation_error_message=CODE_TAKEN,
            ),
            models.UniqueConstraint(
                fields=["organisation", "name"],
                name="areatype_name_unique",
                violation_error_message=NAME_TAKEN,
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LocationKind(models.TextChoices):
    BUILDING = "building", _("Building")
    FLOOR = "floor", _("Floor")
    ROOM = "room", _("Room")
    AREA = "area", _("Area")


class Location(TenantModel):
    """A node of the location tree: building → floor → room, or a free area."""

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="locations", verbose_name=_("site")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent location"),
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=LocationKind.choices, default=LocationKind.ROOM
    )
    code = models.CharField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=200)
    area_type = models.ForeignKey(
        AreaType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="locations",
        verbose_name=_("area type"),
    )
    # Zero-padded ids of the ancestors and the node, "/00000003/00000017/": subtree queries and
    # tree order without recursion.
    path = models.CharField(max_length=500, default="/", editable=False, db_index=True)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    history = HistoricalRecords(excluded_fields=["path", "depth"])

    class Meta:
        ordering = ["site__code", "path"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"],
                name="location_code_unique",
                violation_error_message=CODE_TAKEN,
            ),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="location_not_own_parent"),
        ]
        indexes = [models.Index(fields=["organisation", "area_type"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", _("Department")
    CLASS = "class", _("Class")
    CONTRACTOR_CREW = "contractor_crew", _("Contractor crew")
    TRADE_TEAM = "trade_team", _("Trade team")


class Unit(TenantModel):
    """A responsible unit (责任单位): a department, a class, a contractor crew, a trade team."""

    code = models.CharField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=20, choices=UnitKind.choices, default=UnitKind.DEPARTMENT
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"],
                name="unit_code_unique",
                violation_error_message=CODE_TAKEN,
            ),
        ]

    def __str__(self) -> str:
        return self.name if self.code in self.name else f"{self.code} {self.name}"


class Assignment(TenantModel):
    """A unit is responsible for a location from one date to another (inclusive, open-ended if blank)."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("unit")
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("location")
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["location__code", "starts_on"]
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="assignment_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["location", "starts_on"])]

    def __str__(self) -> str:
        return f"{self.location} → {self.unit}"


class Role(models.TextChoices):
    ADMIN = "admin", _("Organisation admin")
    INSPECTOR = "inspector", _("Inspector")
    PATROL_LEADER = "patrol_leader", _("Patrol leader")
    UNIT_HEAD = "unit_head", _("Unit head")
    TRADESPERSON = "tradesperson", _("Tradesperson")
    CONTRACTOR_MANAGER = "contractor_manager", _("Contractor manager")
    VIEWER = "viewer", _("Viewer")
    SUPERVISOR = "supervisor", _("Supervisor")


class Person(TenantModel):
    """Somebody in an organisation; may be linked to a login."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("login"),
    )
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"],
                condition=Q(user__isnull=False),
                name="person_user_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def roles_display(self) -> str:
        return "、".join(str(membership) for membership in self.memberships.all())


class Membership(TenantModel):
    """A role a person holds in the organisation, optionally for one unit."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("person")
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("unit"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["role"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "role"],
                condition=Q(unit__isnull=True),
                name="membership_role_unique",
            ),
            models.UniqueConstraint(
                fields=["person", "role", "unit"],
                condition=Q(unit__isnull=False),
                name="membership_role_unit_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}" + (f" · {self.unit}" if self.unit_id else "")


class LoginInvitation(TenantModel):
    """An organisation's request to link a login that already exists to one of its people.

    The link is made only when the login's owner accepts (orgs/invitations.py), so that no
    organisation can take another's login by naming it.
    """

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="login_invitations", verbose_name=_("person")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="login_invitations",
        verbose_name=_("login"),
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("login invitation")
        verbose_name_plural = _("login invitations")
        constraints = [
            models.UniqueConstraint(fields=["person", "user"], name="login_invitation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.user}"


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 digest is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


def _import_file_name(job: "ImportJob", filename: str) -> str:
    # The name the person gave is kept in file_name; on disk the file has a name nobody can guess.
    return f"imports/{uuid.uuid4().hex}.xlsx"


def _export_key() -> str:
    # The name of the file on disk: nobody can guess it.
    return uuid.uuid4().hex


class TransferJob(TenantModel, BackgroundJob):
    """What an import job and an export job share: the kind of records (core/transfers.py), the
    file's name as people see it, who asked and in which language the job works."""

    kind = models.CharField(_("kind"), max_length=30)
    file_name = models.CharField(_("file name"), max_length=255)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    language = models.CharField(_("language"), max_length=10)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} · {self.file_name}"


class ImportJob(TransferJob):
    """A workbook imported in the background (orgs/imports.py): the file, kept under the media
    folder until the job ends, what it imports and for whom, and how it ended: the records
    created and updated, or the problems of the rows (the first ERRORS_KEPT, and their number)."""

    STEPS = {
        "checking": _("Checking the rows (%(done)s of %(total)s)"),
        "storing": _("Storing the rows (%(done)s of %(total)s)"),
        "records": _("Storing the records"),
        "undoing": _("Taking back the rows already stored"),
    }

    file = models.FileField(_("file"), upload_to=_import_file_name, max_length=200, blank=True)
    file_size = models.PositiveIntegerField(_("size (bytes)"))
    records_created = models.PositiveIntegerField(_("created"), default=0)
    records_updated = models.PositiveIntegerField(_("updated"), default=0)
    row_errors = models.JSONField(_("problems"), default=list, blank=True)
    row_errors_total = models.PositiveIntegerField(_("number of problems"), default=0)
    # The options the person chose, as keyword arguments of the kind's import (core/transfers.py).
    options = models.JSONField(_("options"), default=dict, blank=True)

    class Meta(TransferJob.Meta):
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")

    @property
    def is_refused(self) -> bool:
        """Failed because rows have problems (listed in row_errors), not because of an error."""
        return self.row_errors_total > 0


class ExportJob(TransferJob):
    """A workbook exported in the background (orgs/exports.py): what it exports (a kind of
    core/transfers.py and the list's filters), for whom, and the file, kept under the media folder
    until it expires (BAOZHANG_EXPORT_KEEP_HOURS) and a periodic job removes it."""

    STEPS = {
        "counting": _("Counting the rows"),
        "writing": _("Writing (row %(done)s of %(total)s)"),
    }

    params = models.JSONField(_("filters"), default=dict, blank=True)
    key = models.CharField(max_length=32, unique=True, default=_export_key, editable=False)
    file = models.FileField(_("file"), max_length=200, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta(TransferJob.Meta):
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
