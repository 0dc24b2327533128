"""The set-up records as the pages, the API and the spreadsheets see them: one description each."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms as django_forms
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from baozhang.orgs import forms, services
from baozhang.orgs.access import RECORD_GATES
from baozhang.orgs.models import AreaType, Assignment, Location, Person, Role, Site, Unit
from baozhang.orgs.permissions import MANAGE_PEOPLE, MANAGE_SETUP, VIEW_PEOPLE, VIEW_SETUP


@dataclass(frozen=True)
class ListFilter:
    param: str
    label: object
    lookup: str
    choices: Callable[[object], list[tuple[str, str]]]
    # Turns the chosen value into the lookup's operand (the tree filter matches path prefixes).
    value: Callable[[str], object] = str


@dataclass(frozen=True)
class Entity:
    key: str  # URL segment and name prefix: "locations"
    model: type[models.Model]
    form: type[django_forms.ModelForm]
    title: object
    columns: list[tuple[object, str]]  # (label, attribute path) shown in the list
    search: list[str]  # fields matched by the search box
    view_permission: str = VIEW_SETUP
    manage_permission: str = MANAGE_SETUP
    filters: list[ListFilter] = field(default_factory=list)
    select_related: list[str] = field(default_factory=list)
    prefetch_related: list[str] = field(default_factory=list)

    @property
    def id_kwarg(self) -> str:
        return f"{self.model._meta.model_name}_id"

    def url(self, action: str, record: models.Model) -> str:
        """URL of a record page: detail, edit, delete or history."""
        return reverse(
            f"orgs:{self.key}-{action}",
            kwargs={"org": record.organisation.slug, self.id_kwarg: record.pk},
        )

    @property
    def gate(self):
        return RECORD_GATES[self.model]

    def list_queryset(self, organisation, params) -> models.QuerySet:
        # The organisation with each row: a row's links name it (``url``).
        queryset = self.model.objects.filter(organisation=organisation).select_related(
            "organisation", *self.select_related
        )
        queryset = queryset.prefetch_related(*self.prefetch_related)
        term = (params.get("q") or "").strip()
        if term:
            condition = Q()
            for name in self.search:
                condition |= Q(**{f"{name}__icontains": term})
            queryset = queryset.filter(condition)
        for list_filter in self.filters:
            value = params.get(list_filter.param)
            if value and value in {choice for choice, _label in list_filter.choices(organisation)}:
                queryset = queryset.filter(**{list_filter.lookup: list_filter.value(value)})
        return queryset.distinct() if any("__" in name for name in self.search) else queryset


def _choices(model, label=str):
    def build(organisation):
        return [
            (str(obj.pk), label(obj)) for obj in model.objects.filter(organisation=organisation)
        ]

    return build


def _static(choices):
    return lambda organisation: [(str(value), str(label)) for value, label in choices]


def _top_locations(organisation):
    """Buildings and floors, keyed by their tree path, to show one part of the tree."""
    nodes = Location.objects.filter(
        organisation=organisation, kind__in=["building", "floor"]
    ).order_by("path")
    return [(node.path, f"{'· ' * node.depth}{node}") for node in nodes]


def _yes_no(organisation):
    return [("1", str(_("yes"))), ("0", str(_("no")))]


SITES = Entity(
    key="sites",
    model=Site,
    form=forms.SiteForm,
    title=_("Sites"),
    columns=[(_("code"), "code"), (_("name"), "name"), (_("address"), "address")],
    search=["code", "name", "address"],
)

AREA_TYPES = Entity(
    key="area-types",
    model=AreaType,
    form=forms.AreaTypeForm,
    title=_("Area types"),
    columns=[(_("code"), "code"), (_("name"), "name"), (_("sort order"), "sort_order")],
    search=["code", "name"],
)

LOCATIONS = Entity(
    key="locations",
    model=Location,
    form=forms.LocationForm,
    title=_("Locations"),
    columns=[
        (_("code"), "code"),
        (_("name"), "name"),
        (_("site"), "site.name"),
        (_("parent location"), "parent"),
        (_("kind"), "get_kind_display"),
        (_("area type"), "area_type"),
        (_("active"), "is_active"),
    ],
    search=["code", "name", "notes"],
    filters=[
        ListFilter("site", _("site"), "site_id", _choices(Site)),
        ListFilter(
            "within", _("within"), "path__startswith", _top_locations, value=lambda path: path
        ),
        ListFilter("area_type", _("area type"), "area_type_id", _choices(AreaType)),
        ListFilter("kind", _("kind"), "kind", _static(Location._meta.get_field("kind").choices)),
        ListFilter("active", _("active"), "is_active", _yes_no),
    ],
    select_related=["site", "parent", "area_type"],
)

UNITS = Entity(
    key="units",
    model=Unit,
    form=forms.UnitForm,
    title=_("Units"),
    columns=[
        (_("code"), "code"),
        (_("name"), "name"),
        (_("kind"), "get_kind_display"),
        (_("active"), "is_active"),
    ],
    search=["code", "name"],
    filters=[
        ListFilter("kind", _("kind"), "kind", _static(Unit._meta.get_field("kind").choices)),
        ListFilter("active", _("active"), "is_active", _yes_no),
    ],
)

ASSIGNMENTS = Entity(
    key="responsibilities",
    model=Assignment,
    form=forms.AssignmentForm,
    title=_("Responsibilities"),
    columns=[
        (_("location"), "location"),
        (_("unit"), "unit"),
        (_("from"), "starts_on"),
        (_("until"), "ends_on"),
    ],
    search=["location__code", "location__name", "unit__code", "unit__name"],
    filters=[
        ListFilter("unit", _("unit"), "unit_id", _choices(Unit)),
        ListFilter("location", _("location"), "location_id", _choices(Location)),
    ],
    select_related=["location", "unit"],
)

PEOPLE = Entity(
    key="people",
    model=Person,
    form=forms.PersonForm,
    title=_("People"),
    columns=[
        (_("name"), "name"),
        (_("login"), "user.username"),
        (_("phone"), "phone"),
        (_("roles"), "roles_display"),
        (_("active"), "is_active"),
    ],
    search=["name", "phone", "email", "user__username"],
    view_permission=VIEW_PEOPLE,
    manage_permission=MANAGE_PEOPLE,
    filters=[
        ListFilter("role", _("role"), "memberships__role", _static(Role.choices)),
        ListFilter("unit", _("unit"), "memberships__unit_id", _choices(Unit)),
        ListFilter("active", _("active"), "is_active", _yes_no),
    ],
    select_related=["user"],
    prefetch_related=["memberships__unit"],
)

ENTITIES = [SITES, AREA_TYPES, LOCATIONS, UNITS, ASSIGNMENTS, PEOPLE]
ENTITIES_BY_KEY = {entity.key: entity for entity in ENTITIES}


def entity_save(entity: Entity, *, form, by):
    """Save a bound, valid form of the entity through its service."""
    record = form.instance
    if entity is LOCATIONS:
        return services.location_save(location=record, by=by)
    if entity is ASSIGNMENTS:
        return services.assignment_save(assignment=record, by=by)
    if entity is PEOPLE:
        unit = form.cleaned_data.get("unit")
        return services.person_save(
            person=record,
            roles=list(form.cleaned_data.get("roles") or []),
            unit_id=unit.pk if unit else None,
            username=form.cleaned_data.get("username", "").strip(),
            password=form.cleaned_data.get("password", ""),
            by=by,
        )
    return services.record_save(record=record, by=by)
